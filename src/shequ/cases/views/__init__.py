"""Catalogue pages: the staff catalogue, drafting, admission, the abolished-certificate list; and the
public pages residents read without signing in (the 一次告知 list first)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.cases import actions, forms, queries
from shequ.cases.models import Category, ServiceItem
from shequ.cases.permissions import CasesPerm
from shequ.cases.workflow import ADMISSION, EDITABLE
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors

PER_PAGE = 50
GET_POST = ["GET", "POST"]


@permission_required(CasesPerm.VIEW_CATALOG)
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    form = forms.ItemFilterForm(request.GET)
    items = queries.catalog(request.user, **form.filters())
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/catalog.html",
        {
            "form": form,
            "page_obj": page,
            "can_manage": request.user.has_permission(CasesPerm.MANAGE_CATALOG),
            "can_admit": request.user.has_permission(CasesPerm.ADMIT_ITEMS),
        },
    )


def _formsets(request: HttpRequest, item: ServiceItem | None) -> tuple[Any, Any]:
    if request.method == "POST":
        return (
            forms.MaterialFormSet(request.POST, prefix="materials"),
            forms.AttributeFormSet(request.POST, prefix="attributes"),
        )
    return (
        forms.MaterialFormSet(
            prefix="materials", initial=forms.material_initial(item) if item else None
        ),
        forms.AttributeFormSet(
            prefix="attributes", initial=forms.attribute_initial(item) if item else None
        ),
    )


def _render_item_form(
    request: HttpRequest, form: Any, materials: Any, attributes: Any, item: Any
) -> HttpResponse:
    return render(
        request,
        "cases/item_form.html",
        {"form": form, "materials": materials, "attributes": attributes, "item": item},
    )


@permission_required(CasesPerm.MANAGE_CATALOG)
@require_http_methods(GET_POST)
def item_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    regions = queries.manageable_regions(user)
    units = queries.units_for_user(user)
    form = forms.ItemForm(request.POST or None, regions=regions, units=units)
    materials, attributes = _formsets(request, None)
    if (
        request.method == "POST"
        and form.is_valid()
        and materials.is_valid()
        and attributes.is_valid()
    ):
        try:
            item = actions.create_item(
                code=form.cleaned_data["code"],
                region=form.cleaned_data["region"],
                handling_units=list(form.cleaned_data["handling_units"]),
                required_materials=forms.materials_from(materials),
                attributes=forms.attributes_from(attributes),
                by=user,
                **form.values(),
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("事项草稿已保存。"))
            return redirect("cases:item", item_id=item.pk)
    return _render_item_form(request, form, materials, attributes, None)


@permission_required(CasesPerm.MANAGE_CATALOG)
@require_http_methods(GET_POST)
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = request.user
    item = queries.item_detail(user, item_id)
    if not queries.may_edit(user, item):
        if item.status in EDITABLE:
            raise PermissionDenied
        messages.error(
            request, _("只有草稿或未准入的事项可以修改；已准入的事项请先撤销再重新编制。")
        )
        return redirect("cases:item", item_id=item.pk)
    units = queries.units_for(item.region)
    initial = {name: getattr(item, name) for name in actions.ITEM_FIELDS}
    initial.update(version=item.version, handling_units=list(item.handling_units.all()))
    form = forms.ItemForm(request.POST or None, item=item, units=units, initial=initial)
    materials, attributes = _formsets(request, item)
    if (
        request.method == "POST"
        and form.is_valid()
        and materials.is_valid()
        and attributes.is_valid()
    ):
        try:
            actions.update_item(
                item=item,
                by=user,
                version=form.cleaned_data.get("version") or item.version,
                handling_units=list(form.cleaned_data["handling_units"]),
                required_materials=forms.materials_from(materials),
                attributes=forms.attributes_from(attributes),
                **form.values(),
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("事项已修改。"))
            return redirect("cases:item", item_id=item.pk)
    return _render_item_form(request, form, materials, attributes, item)


@permission_required(CasesPerm.VIEW_CATALOG)
@require_GET
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    user = request.user
    found = queries.item_detail(user, item_id)
    return render(
        request,
        "cases/item.html",
        {
            "item": found,
            "transitions": queries.available_transitions(user, found),
            "reason_form": forms.ReasonForm(),
            "can_edit": queries.may_edit(user, found),
        },
    )


TRANSITION_ACTIONS = {
    "submit": lambda item, by, reason: actions.submit_item(item=item, by=by),
    "publish": lambda item, by, reason: actions.publish_item(item=item, by=by),
    "admit": lambda item, by, reason: actions.admit_item(item=item, by=by, note=reason),
    "refuse": lambda item, by, reason: actions.refuse_item(item=item, by=by, reason=reason),
    "withdraw": lambda item, by, reason: actions.withdraw_item(item=item, by=by, reason=reason),
}


@permission_required(CasesPerm.VIEW_CATALOG)
@require_POST
def item_transition(request: HttpRequest, item_id: int) -> HttpResponse:
    name = request.POST.get("transition", "")
    if name not in TRANSITION_ACTIONS:
        raise Http404
    found = queries.item_detail(request.user, item_id)
    try:
        TRANSITION_ACTIONS[name](found, request.user, request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("您没有此项权限。"))
    else:
        messages.success(request, _("已完成：%(label)s。") % {"label": ADMISSION.get(name).label})
    if request.POST.get("next") == "admission" and request.user.has_permission(
        CasesPerm.ADMIT_ITEMS
    ):
        return redirect("cases:admission")
    return redirect("cases:item", item_id=found.pk)


@permission_required(CasesPerm.ADMIT_ITEMS)
@require_GET
def admission(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.admission_queue(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "cases/admission.html", {"page_obj": page, "reason_form": forms.ReasonForm()}
    )


@permission_required(CasesPerm.VIEW_CATALOG)
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.certificates(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/certificates.html",
        {"page_obj": page, "can_manage": request.user.has_permission(CasesPerm.MANAGE_CATALOG)},
    )


@permission_required(CasesPerm.MANAGE_CATALOG)
@require_http_methods(GET_POST)
def certificate_new(request: HttpRequest) -> HttpResponse:
    form = forms.CertificateForm(
        request.POST or None, regions=queries.manageable_regions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_abolished_certificate(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已加入证明事项清理清单。"))
            return redirect("cases:certificates")
    return render(request, "cases/certificate_form.html", {"form": form, "certificate": None})


@permission_required(CasesPerm.MANAGE_CATALOG)
@require_http_methods(GET_POST)
def certificate_edit(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = queries.certificate_detail(request.user, certificate_id)
    initial = {k: getattr(certificate, k) for k in ("name", "reason", "basis", "keywords")}
    form = forms.CertificateForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_abolished_certificate(
                certificate=certificate, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("cases:certificates")
    return render(
        request, "cases/certificate_form.html", {"form": form, "certificate": certificate}
    )


# --- public pages (no sign-in) ---


def _public_community(request: HttpRequest) -> Any:
    code = request.GET.get("community", "").strip()
    if not code:
        return None
    try:
        return queries.community(code)
    except Http404:
        return None


@require_GET
def services(request: HttpRequest) -> HttpResponse:
    community = _public_community(request)
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    context: dict[str, Any] = {
        "community": community,
        "category": category,
        "categories": Category.choices,
    }
    if community is None:
        q = request.GET.get("q", "").strip()[:30]
        context.update(q=q, communities=list(queries.communities(q)[:50]) if q else [])
    else:
        context["items"] = list(queries.admitted_items_for(community, category=category))
    return render(request, "cases/services.html", context)


@require_GET
def service(request: HttpRequest, item_id: int) -> HttpResponse:
    found = queries.admitted_item(item_id)
    return render(
        request, "cases/service.html", {"item": found, "community": _public_community(request)}
    )


@require_GET
def public_certificates(request: HttpRequest) -> HttpResponse:
    community = _public_community(request)
    found = list(queries.public_certificates(community)[:500])
    return render(
        request, "cases/public_certificates.html", {"certificates": found, "community": community}
    )
