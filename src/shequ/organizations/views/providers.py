"""The provider and property pages (S4, V5): providers (list with filters and Excel export, new,
detail with credit and linked complaint cases, edit), the public directory residents choose from,
property management coverage per place with drill-down to estates, an estate's management and
committees, and the committee list with the estates that lack one.

Every read goes through ``organizations.queries.providers`` (outside the jurisdiction: 404), every
write is one action of ``organizations.actions.providers``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import RevealReasonForm, apply_action_errors
from shequ.core.masking import mask_phone
from shequ.core.page_views import export_or_back, paged, submit
from shequ.organizations.actions import providers as actions
from shequ.organizations.forms import providers as forms
from shequ.organizations.models import (
    CommitteeKind,
    CommitteeStatus,
    CreditEventKind,
    CreditLevel,
    EstateCommittee,
    ManagementMode,
    Provider,
    ProviderKind,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import providers as queries
from shequ.territory.models import Estate, Level
from shequ.territory.queries import breadcrumbs

PER_PAGE = 50
GET_POST = ["GET", "POST"]
PROPERTY = OrganizationsPerm.MANAGE_PROPERTY


def _labels() -> dict[str, dict[str, str]]:
    return {
        "kind": {v: str(label) for v, label in ProviderKind.choices},
        "level": {v: str(label) for v, label in CreditLevel.choices},
        "mode": {v: str(label) for v, label in ManagementMode.choices},
        "committee": {v: str(label) for v, label in CommitteeKind.choices},
        "status": {v: str(label) for v, label in CommitteeStatus.choices},
    }


def _may_register(user: Any) -> bool:
    """Providers are registered at a county or township: a community worker may not."""
    if not (user.has_permission(OrganizationsPerm.EDIT) or user.has_permission(PROPERTY)):
        return False
    return queries.provider_regions(user).exists()


# --- Providers ------------------------------------------------------------------------------------


@permission_required(OrganizationsPerm.VIEW)
@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ProviderFilterForm(request.GET, user=user)
    found = queries.search_providers(user, form.filters())
    page, query = paged(request, found, PER_PAGE)
    labels = _labels()
    for provider in page.object_list:
        provider.kind_label = labels["kind"].get(provider.kind, provider.kind)
    return render(
        request,
        "organizations/providers/provider_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_register": _may_register(user),
            "can_manage_property": user.has_permission(PROPERTY),
            "can_import": user.has_permission(OrganizationsPerm.IMPORT),
            "export_query": query,
        },
    )


@permission_required(OrganizationsPerm.VIEW)
@require_GET
@never_cache
def provider_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ProviderFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_providers(user=user, filters=form.filters()),
        "organizations:providers",
    )


def _require_registrar(user: Any) -> None:
    if not _may_register(user):
        raise PermissionDenied


@permission_required(OrganizationsPerm.VIEW)
@require_http_methods(GET_POST)
def provider_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_registrar(user)
    if request.method == "POST":
        form = forms.ProviderForm(request.POST, user=user)
        done = submit(
            request,
            form,
            lambda data: actions.register_provider(region=data["region"], by=user, **form.values()),
            lambda made: _("已登记服务主体“%(name)s”。") % {"name": made.name},
            lambda made: redirect("organizations:provider_detail", provider_id=made.pk),
            refusal_on_form="region",
        )
        if done:
            return done
    else:
        initial: dict[str, Any] = {"is_active": True}
        if request.GET.get("kind") in ProviderKind.values:
            initial["kind"] = request.GET["kind"]
        form = forms.ProviderForm(user=user, initial=initial)
    return render(
        request, "organizations/providers/provider_form.html", {"form": form, "provider": None}
    )


def _credit_context(provider: Provider) -> dict[str, Any]:
    parts = queries.credit_components(provider)
    score, level, points = queries.credit_score(parts)
    return {
        "parts": parts,
        "score": score,
        "level": level,
        "level_label": dict(CreditLevel.choices)[level],
        "points": points,
        "window_months": queries.WINDOW_DAYS // 365 * 12,
    }


@permission_required(OrganizationsPerm.VIEW)
@require_GET
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.provider_detail(user, provider_id)
    return _render_detail(request, provider)


@permission_required(OrganizationsPerm.VIEW)
@require_POST
@never_cache
def provider_reveal(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The contact phone in full, for a stated reason, recorded; shown in this answer only."""
    user: Any = request.user
    provider = queries.provider_detail(user, provider_id)
    form = RevealReasonForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = actions.reveal_contact(
                provider=provider, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
    return _render_detail(request, provider, revealed=revealed, reveal_form=form)


def _render_detail(request: HttpRequest, provider: Provider, **forms_given: Any) -> HttpResponse:
    user: Any = request.user
    may_change = queries.may_change(user, provider)
    may_credit = queries.may_manage_credit(user, provider)
    links = list(queries.provider_cases(user, provider)[:200])
    may_link = user.has_permission(queries.perm_for(provider.kind))
    labels = _labels()
    return render(
        request,
        "organizations/providers/provider_detail.html",
        {
            "provider": provider,
            "kind_label": labels["kind"].get(provider.kind, provider.kind),
            "phone": mask_phone(provider.contact_phone) if provider.contact_phone else "",
            "revealed": forms_given.get("revealed"),
            "reveal_form": forms_given.get("reveal_form") or RevealReasonForm(),
            "can_edit": may_change,
            "can_credit": may_credit,
            "can_link": may_link,
            "links": links,
            "handled_cases": queries.handled_cases_count(user, provider),
            "estates": list(queries.managed_estates(user, provider)[:200]),
            "events": list(queries.credit_events(provider)[:100]),
            "history": list(queries.assessments(provider)[:50]),
            "credit": _credit_context(provider),
            "link_form": forms_given.get("link_form")
            or (forms.LinkCaseForm() if may_link else None),
            "event_form": forms_given.get("event_form")
            or (forms.CreditEventForm() if may_credit else None),
            "revoke_form": forms_given.get("revoke_form")
            or (
                forms.RevokeRedPropertyForm(initial={"version": provider.version})
                if may_change and provider.is_red_property
                else None
            ),
            "sanction": CreditEventKind.SANCTION,
        },
    )


@permission_required(OrganizationsPerm.VIEW)
@require_http_methods(GET_POST)
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.editable_provider(user, provider_id)
    if request.method == "POST":
        form = forms.ProviderForm(request.POST, user=user, provider=provider)
        done = submit(
            request,
            form,
            lambda data: actions.update_provider(
                provider=provider,
                by=user,
                version=data.get("version") or provider.version,
                region=data["region"],
                **form.values(),
            ),
            lambda _r: _("已保存“%(name)s”。") % {"name": provider.name},
            lambda _r: redirect("organizations:provider_detail", provider_id=provider.pk),
            refusal_on_form="region",
        )
        if done:
            return done
    else:
        form = forms.ProviderForm(user=user, provider=provider)
    return render(
        request,
        "organizations/providers/provider_form.html",
        {"form": form, "provider": provider, "phone": mask_phone(provider.contact_phone)},
    )


@permission_required(OrganizationsPerm.VIEW)
@require_POST
def provider_revoke_red(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.editable_provider(user, provider_id)
    form = forms.RevokeRedPropertyForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.revoke_red_property(
            provider=provider, by=user, reason=data["reason"], version=data.get("version")
        ),
        lambda _r: _("已撤销“%(name)s”的红色物业认定。") % {"name": provider.name},
        lambda _r: redirect("organizations:provider_detail", provider_id=provider.pk),
    )
    return done or _render_detail(request, provider, revoke_form=form)


@permission_required(OrganizationsPerm.VIEW)
@require_POST
def provider_link_case(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.provider_detail(user, provider_id)
    form = forms.LinkCaseForm(request.POST)
    if form.is_valid():
        try:
            case = queries.case_by_number(user, form.cleaned_data["case_number"])
        except Http404:
            form.add_error("case_number", _("找不到该工单，或不在您的管辖范围内。"))
        else:
            estate = None
            name = form.cleaned_data.get("estate_name", "").strip()
            if name:
                estate = queries.complaint_estates(case).filter(name=name).first()
                if estate is None:
                    form.add_error(
                        "estate_name",
                        _("工单所在村(社区)没有名为“%(name)s”的小区。") % {"name": name},
                    )
            if not form.errors:
                try:
                    actions.link_case(provider=provider, case=case, by=user, estate=estate)
                except ValidationError as exc:
                    apply_action_errors(form, exc)
                    if "case" in getattr(exc, "message_dict", {}):
                        form.add_error("case_number", exc.message_dict["case"])
                except PermissionDenied as exc:
                    form.add_error("case_number", str(exc))
                else:
                    messages.success(
                        request,
                        _("已将投诉工单 %(number)s 关联到“%(name)s”。")
                        % {"number": case.number, "name": provider.name},
                    )
                    return redirect("organizations:provider_detail", provider_id=provider.pk)
    return _render_detail(request, provider, link_form=form)


@permission_required(OrganizationsPerm.MANAGE_CREDIT)
@require_POST
def provider_credit_event(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.credit_provider(user, provider_id)
    form = forms.CreditEventForm(request.POST)
    if form.is_valid():
        try:
            actions.record_credit_event(provider=provider, by=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            actions.reassess_provider(provider=provider, by=user)
            messages.success(request, _("已登记信用记录，并重新计算信用等级。"))
            return redirect("organizations:provider_detail", provider_id=provider.pk)
    return _render_detail(request, provider, event_form=form)


@permission_required(OrganizationsPerm.MANAGE_CREDIT)
@require_POST
def provider_reassess(request: HttpRequest, provider_id: int) -> HttpResponse:
    user: Any = request.user
    provider = queries.credit_provider(user, provider_id)
    assessment = actions.reassess_provider(provider=provider, by=user, force=True)
    assert assessment is not None
    messages.success(
        request,
        _("已重新评定：%(score)s 分，%(level)s。")
        % {"score": assessment.score, "level": assessment.get_level_display()},
    )
    return redirect("organizations:provider_detail", provider_id=provider.pk)


# --- The public directory -------------------------------------------------------------------------


@require_GET
def provider_directory(request: HttpRequest) -> HttpResponse:
    """For residents choosing a provider: no sign-in, nothing but what is public."""
    form = forms.DirectoryForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    kind = data.get("kind") or ""
    region = queries.directory_region(data.get("region") or "")
    found = queries.directory(kind=kind, region=region)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    labels = _labels()
    for provider in page.object_list:
        provider.kind_label = labels["kind"].get(provider.kind, provider.kind)
    return render(
        request,
        "organizations/providers/directory.html",
        {"form": form, "page_obj": page, "region": region, "levels": labels["level"]},
    )


# --- Property coverage ----------------------------------------------------------------------------


@permission_required(PROPERTY)
@require_GET
def property_coverage(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = queries.property_place(user, request.GET.get("region"))
    total, children = queries.coverage(user, region)
    estates: Any = None
    if region.level == Level.COMMUNITY:
        estates = list(
            queries.estate_rows(user, region, without_only=request.GET.get("without") == "1")
        )
        labels = _labels()
        for estate in estates:
            estate.mode_label = labels["mode"].get(estate.mode or "", "")
            estate.committee_label = labels["committee"].get(estate.committee_kind or "", "")
    return render(
        request,
        "organizations/providers/property_coverage.html",
        {
            "region": region,
            "total": total,
            "children": children,
            "estates": estates,
            "crumbs": breadcrumbs(region, user),
            "without_only": request.GET.get("without") == "1",
        },
    )


def _estate_page(request: HttpRequest, estate: Estate, **forms_given: Any) -> HttpResponse:
    user: Any = request.user
    current = queries.current_management(estate)
    labels = _labels()
    history = list(queries.management_history(estate))
    for row in history:
        row.mode_label = labels["mode"].get(row.mode, row.mode)  # type: ignore[attr-defined]
    committees = list(queries.estate_committees(estate))
    return render(
        request,
        "organizations/providers/estate.html",
        {
            "estate": estate,
            "current": current,
            "current_label": labels["mode"].get(current.mode, "") if current else "",
            "history": history,
            "committees": committees,
            "labels": labels,
            "management_form": forms_given.get("management_form")
            or forms.ManagementForm(user=user),
            "end_form": forms_given.get("end_form")
            or (forms.EndManagementForm() if current else None),
            "committee_form": forms_given.get("committee_form") or forms.CommitteeForm(),
            "crumbs": breadcrumbs(estate.community, user),
        },
    )


@permission_required(PROPERTY)
@require_GET
def property_estate(request: HttpRequest, property_estate_id: int) -> HttpResponse:
    estate = queries.estate_detail(request.user, property_estate_id)
    return _estate_page(request, estate)


def _back_to(estate: Estate) -> HttpResponse:
    return redirect("organizations:property_estate", property_estate_id=estate.pk)


@permission_required(PROPERTY)
@require_POST
def property_set_management(request: HttpRequest, property_estate_id: int) -> HttpResponse:
    user: Any = request.user
    estate = queries.estate_detail(user, property_estate_id)
    form = forms.ManagementForm(request.POST, user=user)
    done = submit(
        request,
        form,
        lambda data: actions.set_estate_management(estate=estate, by=user, **data),
        _("已登记“%(name)s”的物业管理方式。") % {"name": estate.name},
        lambda _r: _back_to(estate),
        refusal_on_form=True,
    )
    return done or _estate_page(request, estate, management_form=form)


@permission_required(PROPERTY)
@require_POST
def property_end_management(request: HttpRequest, property_estate_id: int) -> HttpResponse:
    user: Any = request.user
    estate = queries.estate_detail(user, property_estate_id)
    form = forms.EndManagementForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.end_estate_management(estate=estate, by=user, **data),
        _("已结束“%(name)s”的物业管理。") % {"name": estate.name},
        lambda _r: _back_to(estate),
        refusal_on_form=True,
    )
    return done or _estate_page(request, estate, end_form=form)


@permission_required(PROPERTY)
@require_POST
def property_committee_new(request: HttpRequest, property_estate_id: int) -> HttpResponse:
    user: Any = request.user
    estate = queries.estate_detail(user, property_estate_id)
    form = forms.CommitteeForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.record_committee(estate=estate, by=user, **data),
        _("已登记“%(name)s”的业委会(物管会)。") % {"name": estate.name},
        lambda _r: _back_to(estate),
        refusal_on_form=True,
    )
    return done or _estate_page(request, estate, committee_form=form)


def _committee_initial(committee: EstateCommittee) -> dict[str, Any]:
    return {
        name: getattr(committee, name)
        for name in (
            "kind",
            "established_on",
            "term_ends_on",
            "members",
            "party_members",
            "chair_name",
            "filed_with",
            "status",
        )
    }


@permission_required(PROPERTY)
@require_http_methods(GET_POST)
def property_committee_edit(request: HttpRequest, estate_committee_id: int) -> HttpResponse:
    user: Any = request.user
    committee = queries.committee_detail(user, estate_committee_id)
    if request.method == "POST":
        form = forms.CommitteeForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.update_committee(committee=committee, by=user, **data),
            _("已保存。"),
            lambda _r: _back_to(committee.estate),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.CommitteeForm(initial=_committee_initial(committee))
    return render(
        request,
        "organizations/providers/committee_form.html",
        {"form": form, "committee": committee, "estate": committee.estate},
    )


@permission_required(PROPERTY)
@require_GET
def property_committees(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CommitteeFilterForm(request.GET, user=user)
    filters = form.filters()
    page = Paginator(queries.committees(user, filters), PER_PAGE).get_page(request.GET.get("page"))
    labels = _labels()
    for committee in page.object_list:
        committee.kind_label = labels["committee"].get(committee.kind, committee.kind)
        committee.status_label = labels["status"].get(committee.status, committee.status)
    lacking = Paginator(queries.estates_needing_committee(user, filters.region_path), PER_PAGE)
    lacking_page = lacking.get_page(request.GET.get("lacking_page"))
    return render(
        request,
        "organizations/providers/committees.html",
        {"form": form, "page_obj": page, "lacking": lacking_page},
    )


urls: list[URLPattern] = [
    path("providers/", provider_list, name="providers"),
    path("providers/export/", provider_export, name="provider_export"),
    path("providers/new/", provider_new, name="provider_new"),
    path("providers/directory/", provider_directory, name="provider_directory"),
    path("providers/<int:provider_id>/", provider_detail, name="provider_detail"),
    path("providers/<int:provider_id>/reveal/", provider_reveal, name="provider_reveal"),
    path("providers/<int:provider_id>/edit/", provider_edit, name="provider_edit"),
    path(
        "providers/<int:provider_id>/revoke-red-property/",
        provider_revoke_red,
        name="provider_revoke_red",
    ),
    path("providers/<int:provider_id>/cases/", provider_link_case, name="provider_link_case"),
    path(
        "providers/<int:provider_id>/credit-events/",
        provider_credit_event,
        name="provider_credit_event",
    ),
    path("providers/<int:provider_id>/reassess/", provider_reassess, name="provider_reassess"),
    path("property/", property_coverage, name="property"),
    path("property/committees/", property_committees, name="property_committees"),
    path(
        "property/committees/<int:estate_committee_id>/edit/",
        property_committee_edit,
        name="property_committee_edit",
    ),
    path("property/estates/<int:property_estate_id>/", property_estate, name="property_estate"),
    path(
        "property/estates/<int:property_estate_id>/management/",
        property_set_management,
        name="property_set_management",
    ),
    path(
        "property/estates/<int:property_estate_id>/management/end/",
        property_end_management,
        name="property_end_management",
    ),
    path(
        "property/estates/<int:property_estate_id>/committees/",
        property_committee_new,
        name="property_committee_new",
    ),
]
