"""Staff pages of the resident and household registry (F3).

Thin: parse the input with a form, call one query or action, render. Every read goes through
``queries``, so a
record outside the user's jurisdiction answers 404. ID numbers, phone numbers and the detailed address
are shown masked (``display``); the clear value of one field is shown only after a reasoned,
audited reveal, and only in the answer to that POST — never in a URL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import StyledForm, apply_action_errors
from shequ.registry import actions, exports, forms, queries, statistics
from shequ.registry.display import address_of, masked
from shequ.registry.models import (
    SENSITIVE_CARE_GROUPS,
    CareGroupTag,
    Household,
    HouseholdMembership,
    LifeStatus,
    Relation,
    Resident,
)
from shequ.registry.permissions import RegistryPerm
from shequ.territory import queries as territory_queries

PER_PAGE = 50
GET_POST = ("GET", "POST")
_MEMBER_KEY = re.compile(r"^members\.(\d+)\.(\w+)$")


# --- Helpers -------------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _may(user: Any, perm: str, obj: Resident | Household) -> bool:
    """Whether ``user`` holds ``perm`` over the record's place (no query: the place is loaded)."""
    path = obj.grid.path if obj.grid_id and obj.grid else obj.community.path
    return user.has_permission(perm) and user.jurisdiction(perm).covers_path(path)


def _editable_resident(user: Any, resident_id: int) -> Resident:
    resident = queries.resident_detail(user, resident_id)
    if not _may(user, RegistryPerm.EDIT, resident):
        raise Http404
    return resident


def _editable_household(user: Any, household_id: int) -> Household:
    household = queries.household_detail(user, household_id)
    if not _may(user, RegistryPerm.EDIT, household):
        raise Http404
    return household


def _resident_history(user: Any, resident: Resident) -> list[tuple[HouseholdMembership, bool]]:
    """The resident's memberships, each with whether its household is one the user may open."""
    memberships = list(resident.memberships.all())
    household_ids = {m.household_id for m in memberships}
    visible = set(
        queries.visible_households(user).filter(pk__in=household_ids).values_list("pk", flat=True)
    )
    return [(m, m.household_id in visible) for m in memberships]


def _all_tags(resident: Resident) -> QuerySet[CareGroupTag]:
    # The resident was read through the scope; their tags live where they do.
    return resident.care_tags.order_by("-start_date", "group")


# --- Search and list -----------------------------------------------------------------------------


@permission_required(RegistryPerm.VIEW)
@require_http_methods(GET_POST)
def residents(request: HttpRequest) -> HttpResponse:
    """Search and list. The search form posts, so that an ID or phone number typed into it never
    lands in a URL, the browser history or a log; any other search redirects to a plain, shareable
    URL (or, with htmx, is pushed to the address bar)."""
    user = request.user
    posted = request.method == "POST"
    form = forms.ResidentSearchForm(request.POST if posted else request.GET, user=user)
    filters = form.filters()
    params = form.url_params()
    url = reverse("registry:residents") + (f"?{urlencode(params)}" if params else "")
    exact = forms.is_identifier(filters.q)
    if posted:
        if not exact and not _is_htmx(request):
            return redirect(url)
        # The pagination component builds its links from request.GET.
        request.GET = QueryDict(urlencode(params))
    found = queries.search_residents(user, filters).prefetch_related(queries.current_tags())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "form": form,
        "page_obj": page,
        "rows": [(resident, masked(resident, today=today)) for resident in page.object_list],
        "sensitive_groups": SENSITIVE_CARE_GROUPS,
        "can_edit": user.has_permission(RegistryPerm.EDIT),
        "can_export": user.has_permission(RegistryPerm.EXPORT),
        "searching": bool(params) or exact,
    }
    if _is_htmx(request):
        response = render(request, "registry/_resident_results.html", context)
        if posted and not exact:
            response["HX-Push-Url"] = url
    else:
        response = render(request, "registry/residents.html", context)
    if exact:
        add_never_cache_headers(response)
    return response


# --- Households ----------------------------------------------------------------------------------


def _typed_values(form: Any) -> dict[str, Any]:
    return {name: form[name].value() for name in form.fields}


def _show_register_errors(
    request: HttpRequest, form: Any, filled: list[Any], exc: ValidationError
) -> None:
    """Put the action's errors where they belong: on a member's field, or on the household."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        match = _MEMBER_KEY.match(key)
        if match and 0 < int(match[1]) <= len(filled):
            member = filled[int(match[1]) - 1]
            name = match[2]
            member.add_error(name if name in member.fields else None, errors)
            if name == "id_number":
                member.existing = _existing_record(request.user, member)
        else:
            form.add_error(key if key in form.fields else None, errors)


def _existing_record(user: Any, member: Any) -> Resident | None:
    """The record already holding this ID number, if the user may see it (else nothing is said)."""
    number = member.data.get(member.add_prefix("id_number"), "")
    if not forms.is_identifier(number):
        return None
    filters = queries.ResidentFilters(q=number, status="")
    return queries.search_residents(user, filters).first()


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def household_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = forms.HouseholdForm(request.POST, user=user)
        members = forms.member_formset(request.POST)
        if "add_member" in request.POST:
            # Without JavaScript: the same form again, as typed, with one more blank member row.
            form = forms.HouseholdForm(initial=_typed_values(form), user=user)
            members = forms.member_formset(rows=forms.typed_rows(members), extra=1)
        elif form.is_valid() and members.is_valid():
            filled = members.filled_forms()
            try:
                household = actions.register_household(
                    members=[member.member_input() for member in filled],
                    by=user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _show_register_errors(request, form, filled, exc)
            except PermissionDenied:
                form.add_error(None, _("所选位置不在您可以登记的范围内。"))
            else:
                messages.success(
                    request,
                    _("已登记户 %(number)s，共 %(count)d 人。")
                    % {"number": household.number, "count": len(filled)},
                )
                return redirect("registry:household", household_id=household.pk)
    else:
        community = None
        chosen = request.GET.get("community", "")
        if chosen.isdigit():
            community = forms.editable_communities(user).filter(pk=int(chosen)).first()
        initial = {"community": community.pk} if community else {}
        form = forms.HouseholdForm(initial=initial, user=user, community=community)
        members = forms.member_formset(extra=2)
    return render(request, "registry/household_new.html", {"form": form, "members": members})


@permission_required(RegistryPerm.VIEW)
@require_GET
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = queries.household_detail(user, household_id)
    today = timezone.localdate()
    members = queries.household_members(user, household)
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "address": address_of(household),
            "rows": [(member, masked(member, today=today)) for member in members],
            "history": queries.household_history(user, household),
            "sensitive_groups": SENSITIVE_CARE_GROUPS,
            "can_edit": _may(user, RegistryPerm.EDIT, household),
        },
    )


@permission_required(RegistryPerm.EDIT)
@require_POST
def change_head(request: HttpRequest, household_id: int) -> HttpResponse:
    """更换户主: make another member of this household its head."""
    user = request.user
    household = _editable_household(user, household_id)
    raw = request.POST.get("resident", "")
    member = (
        queries.household_members(user, household).filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if member is None:
        messages.error(request, _("请选择本户的一名在册成员。"))
    else:
        try:
            actions.change_head(household=household, new_head=member, by=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已将%(name)s设为户主。") % {"name": member.name})
    return redirect("registry:household", household_id=household.pk)


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def member_add(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = _editable_household(user, household_id)
    form = forms.MemberForm(request.POST or None, head_allowed=False)
    if request.method == "POST" and form.is_valid():
        try:
            resident = actions.add_member(household=household, member=form.member_input(), by=user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
            if "id_number" in form.errors:
                form.existing = _existing_record(user, form)
        else:
            messages.success(request, _("已将 %(name)s 登记入户。") % {"name": resident.name})
            return redirect("registry:household", household_id=household.pk)
    return render(request, "registry/member_add.html", {"household": household, "form": form})


# --- Residents -----------------------------------------------------------------------------------


def _reveal_form(field: str, data: Any = None) -> forms.RevealForm:
    return forms.RevealForm(data, initial={"field": field}, auto_id=f"reveal-{field}-%s")


def _render_resident(
    request: HttpRequest,
    resident: Resident,
    *,
    revealed: dict[str, str] | None = None,
    reveal_form: forms.RevealForm | None = None,
) -> HttpResponse:
    user = request.user
    household = resident.household
    can_reveal = _may(user, RegistryPerm.REVEAL, resident)
    revealable = []
    if can_reveal:
        # Labels for the three fields a reveal may show, and only the fields that hold something.
        present = {
            "id_number": (_("证件号码"), bool(resident.id_number)),
            "phone": (_("手机号"), bool(resident.phone)),
            "address_detail": (_("详细地址"), bool(household and household.address_detail)),
        }
        for field, (label, has_value) in present.items():
            if not has_value:
                continue
            form = reveal_form if reveal_form and reveal_form["field"].value() == field else None
            revealable.append(
                {
                    "field": field,
                    "label": label,
                    "form": form or _reveal_form(field),
                    "value": (revealed or {}).get(field),
                }
            )
    tags = list(_all_tags(resident))
    current_ids = {tag.pk for tag in resident.current_tags}
    return render(
        request,
        "registry/resident.html",
        {
            "resident": resident,
            "mask": masked(resident),
            "household": household,
            "address": address_of(household) if household else "",
            "current_tags": resident.current_tags,
            "past_tags": [tag for tag in tags if tag.pk not in current_ids],
            "history": _resident_history(user, resident),
            "sensitive_groups": SENSITIVE_CARE_GROUPS,
            "can_edit": _may(user, RegistryPerm.EDIT, resident),
            "is_active": resident.status == LifeStatus.ACTIVE,
            "revealable": revealable,
        },
    )


@permission_required(RegistryPerm.VIEW)
@require_GET
def resident(request: HttpRequest, resident_id: int) -> HttpResponse:
    return _render_resident(request, queries.resident_detail(request.user, resident_id))


@never_cache
@permission_required(RegistryPerm.REVEAL)
@require_POST
def reveal(request: HttpRequest, resident_id: int) -> HttpResponse:
    """One field of one person in clear, for a stated reason, recorded (actions.reveal).

    With htmx the answer is the field's fragment; without, the resident's page showing the value
    this once. Never cached.
    """
    user = request.user
    resident = queries.resident_detail(user, resident_id)
    field = request.POST.get("field", "")
    if field not in actions.REVEALABLE_FIELDS:
        return HttpResponseBadRequest()
    form = _reveal_form(field, request.POST)
    value = None
    if form.is_valid():
        target = resident.household if field == "address_detail" else resident
        if target is None:
            raise Http404
        try:
            value = actions.reveal(
                obj=target, field_name=field, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
    if _is_htmx(request):
        labels = {"id_number": _("证件号码"), "phone": _("手机号"), "address_detail": _("详细地址")}
        item = {"field": field, "label": labels[field], "form": form, "value": value}
        return render(request, "registry/_reveal.html", {"item": item, "resident": resident})
    revealed = {field: value} if value is not None else None
    return _render_resident(request, resident, revealed=revealed, reveal_form=form)


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def resident_edit(request: HttpRequest, resident_id: int) -> HttpResponse:
    user = request.user
    resident = _editable_resident(user, resident_id)
    mask = masked(resident)
    options = {
        "masked_id": mask.id_number,
        "masked_phone": mask.phone,
        "is_head": resident.relation == Relation.HEAD,
    }
    if request.method == "POST":
        form = forms.ResidentEditForm(request.POST, **options)
        if form.is_valid():
            try:
                actions.update_resident(
                    resident=resident,
                    changes=form.changes(),
                    expected_version=form.cleaned_data["version"],
                    by=user,
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("registry:resident", resident_id=resident.pk)
    else:
        initial = {
            name: getattr(resident, name)
            for name in (
                "version",
                "name",
                "relation",
                "id_type",
                "sex",
                "birth_date",
                "residence_status",
                "legal_basis",
                "note",
            )
        }
        form = forms.ResidentEditForm(initial=initial, **options)
    return render(request, "registry/resident_edit.html", {"resident": resident, "form": form})


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def care_tag_new(request: HttpRequest, resident_id: int) -> HttpResponse:
    user = request.user
    resident = _editable_resident(user, resident_id)
    form = forms.CareTagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tag = actions.tag_care_group(
                resident=resident,
                group=data["group"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                source=data["source"],
                note=data["note"],
                disability_category=data["disability_category"],
                disability_grade=data["disability_grade"],
                by=user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已标记为%(group)s。") % {"group": tag.get_group_display()})
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/care_tag_new.html", {"resident": resident, "form": form})


@permission_required(RegistryPerm.EDIT)
@require_POST
def care_tag_end(request: HttpRequest, tag_id: int) -> HttpResponse:
    user = request.user
    tag = queries.editable_care_tag(user, tag_id)
    form = forms.EndCareTagForm(request.POST)
    if form.is_valid():
        try:
            actions.end_care_group(tag=tag, end_date=form.cleaned_data["end_date"], by=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("已结束“%(group)s”标记。") % {"group": tag.get_group_display()}
            )
    else:
        messages.error(request, _("请填写正确的结束日期。"))
    return redirect("registry:resident", resident_id=tag.resident_id)


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def member_move(request: HttpRequest, resident_id: int) -> HttpResponse:
    user = request.user
    resident = _editable_resident(user, resident_id)
    households = queries.visible_households(user, RegistryPerm.EDIT)
    form = forms.MoveForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.move_member(
                resident=resident,
                to_household=data["household_number"],
                relation=data["relation"],
                by=user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("已将 %(name)s 迁入户 %(number)s。")
                % {"name": resident.name, "number": data["household_number"].number},
            )
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/member_move.html", {"resident": resident, "form": form})


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def departure(request: HttpRequest, resident_id: int) -> HttpResponse:
    user = request.user
    resident = _editable_resident(user, resident_id)
    form = forms.DepartureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_departure(
                resident=resident,
                status=data["status"],
                on=data["status_date"],
                reason=data["reason"],
                by=user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(
                request, _("已记录，%(name)s 不再列入在册居民。") % {"name": resident.name}
            )
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/departure.html", {"resident": resident, "form": form})


# --- Reports: the Excel export and counts for officials ------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportForm(StyledForm):
    unmasked = django_forms.BooleanField(
        label=gettext_lazy("导出完整的证件号码和手机号（不脱敏）"), required=False
    )
    reason = django_forms.CharField(
        label=gettext_lazy("事由"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("导出不脱敏名单时必填，例如：办理高龄津贴发放"),
    )


@permission_required(RegistryPerm.EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    """Choose what to export (the same filters as the list), then download the workbook."""
    search = forms.ResidentSearchForm(request.POST or request.GET or None, user=request.user)
    form = ExportForm(request.POST or None)
    can_unmask = request.user.has_permission(RegistryPerm.EXPORT_UNMASKED)  # type: ignore[union-attr]
    if request.method == "POST" and form.is_valid():
        try:
            result = exports.export_residents(
                user=request.user,
                filters=search.filters(),
                unmasked=form.cleaned_data["unmasked"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("unmasked", str(exc))
        else:
            response = HttpResponse(result.content, content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "registry/export.html", {"form": form, "search": search, "can_unmask": can_unmask}
    )


@require_GET
@permission_required(RegistryPerm.STATISTICS)
def statistics_home(request: HttpRequest) -> HttpResponse:
    roots = list(territory_queries.roots_for(request.user))
    if len(roots) == 1:
        return redirect("registry:statistics", code=roots[0].code)
    return render(request, "registry/statistics_home.html", {"roots": roots})


@require_GET
@permission_required(RegistryPerm.STATISTICS)
def statistics_view(request: HttpRequest, code: str) -> HttpResponse:
    stats = statistics.region_statistics(request.user, code)
    crumbs = territory_queries.breadcrumbs(stats.region, request.user)
    if not stats.total.residents:
        messages.info(request, _("该区域还没有在册居民。"))
    return render(
        request,
        "registry/statistics.html",
        {
            "stats": stats,
            "crumbs": crumbs,
            "bands": [label for label, _low, _high in statistics.AGE_BANDS],
            "groups": list(statistics.GROUP_LABELS.items()),
            "statuses": list(statistics.STATUS_LABELS.items()),
            "threshold": statistics.threshold(),
        },
    )
