"""Staff pages for rental housing and tenants (流动人口管理)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.registry import actions
from shequ.registry import queries as registry_queries
from shequ.registry.actions import rentals as rental_actions
from shequ.registry.display import masked
from shequ.registry.forms import rentals as forms
from shequ.registry.models import Rental
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import rentals as queries
from shequ.registry.views import GET_POST, PER_PAGE


def _may_edit(user: Any, rental: Rental) -> bool:
    path = rental.grid.path if rental.grid_id and rental.grid else rental.community.path
    return user.has_permission(RegistryPerm.EDIT) and user.jurisdiction(
        RegistryPerm.EDIT
    ).covers_path(path)


@permission_required(RegistryPerm.VIEW)
@require_GET
def rental_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.RentalFilterForm(request.GET, user=user)
    found = queries.search_rentals(user, form.filters())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/rental_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_edit": user.has_permission(RegistryPerm.EDIT),
            "filtered": any(key in request.GET for key in ("state", "estate", "landlord")),
        },
    )


def _landlord_from(request: HttpRequest, data: Any) -> Any:
    raw = str(data.get("landlord", ""))
    return queries.visible_resident(request.user, int(raw)) if raw.isdigit() else None


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def rental_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        preset = _landlord_from(request, request.POST)
        place = forms.RentalPlaceForm(request.POST, user=user)
        details = forms.RentalDetailsForm(request.POST, user=user, preset=preset)
        if place.is_valid() and details.is_valid():
            data = details.cleaned_data
            try:
                rental = actions.register_rental(
                    landlord=data["landlord_resident"],
                    registered_on=data["registered_on"],
                    note=data["note"],
                    by=user,
                    **place.cleaned_data,
                )
            except ValidationError as exc:
                apply_action_errors(place, exc)
                if hasattr(exc, "error_dict") and "landlord" in exc.error_dict:
                    details.add_error(None, exc.error_dict["landlord"])
                if hasattr(exc, "error_dict") and "registered_on" in exc.error_dict:
                    details.add_error("registered_on", exc.error_dict["registered_on"])
            except PermissionDenied:
                place.add_error(None, _("所选位置不在您可以登记的范围内。"))
            else:
                messages.success(request, _("已登记出租房屋。"))
                return redirect("registry:rental", rental_id=rental.pk)
    else:
        preset = _landlord_from(request, request.GET)
        community = None
        chosen = request.GET.get("community", "")
        if chosen.isdigit():
            community = registry_queries.editable_communities(user).filter(pk=int(chosen)).first()
        initial = {"community": community.pk} if community else {}
        place = forms.RentalPlaceForm(initial=initial, user=user, community=community)
        details = forms.RentalDetailsForm(user=user, preset=preset)
    return render(
        request,
        "registry/rental_new.html",
        {"place": place, "details": details, "place_id": forms.PLACE_ID},
    )


@permission_required(RegistryPerm.VIEW)
@require_GET
def rental(request: HttpRequest, rental_id: int) -> HttpResponse:
    user = request.user
    rental = queries.rental_detail(user, rental_id)
    return _render_rental(request, rental)


def _render_rental(request: HttpRequest, rental: Rental) -> HttpResponse:
    user = request.user
    tenancies = queries.rental_tenancies(rental)
    today = timezone.localdate()
    visible = queries.visible_resident_ids(
        user, {rental.landlord_id, *(t.tenant_id for t in tenancies)}
    )
    can_edit = _may_edit(user, rental) and rental.ended_on is None
    rows = [
        {
            "tenancy": tenancy,
            "mask": masked(tenancy.tenant, today=today, tags=[]),
            "visible": tenancy.tenant_id in visible,
        }
        for tenancy in tenancies
    ]
    return render(
        request,
        "registry/rental_detail.html",
        {
            "rental": rental,
            "landlord_mask": masked(rental.landlord, today=today, tags=[]),
            "landlord_visible": rental.landlord_id in visible,
            "current": [row for row in rows if row["tenancy"].end_date is None],
            "past": [row for row in rows if row["tenancy"].end_date is not None],
            "can_edit": can_edit,
        },
    )


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def tenant_new(request: HttpRequest, rental_id: int) -> HttpResponse:
    user = request.user
    rental = queries.editable_rental(user, rental_id)
    form = forms.TenantForm(request.POST or None, user=user)
    if rental.ended_on is not None:
        messages.error(request, _("该房屋已停止出租。"))
        return redirect("registry:rental", rental_id=rental.pk)
    if request.method == "POST" and form.is_valid():
        existing = form.existing
        try:
            tenancy = rental_actions.register_tenant(
                rental=rental,
                start_date=form.cleaned_data["start_date"],
                existing=existing,
                member=None if existing is not None else form.member_input(),
                by=user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已登记租户 %(name)s。") % {"name": tenancy.tenant.name})
            return redirect("registry:rental", rental_id=rental.pk)
    return render(request, "registry/rental_tenant_new.html", {"rental": rental, "form": form})


@permission_required(RegistryPerm.EDIT)
@require_POST
def tenancy_end(request: HttpRequest, tenancy_id: int) -> HttpResponse:
    user = request.user
    tenancy = queries.editable_tenancy(user, tenancy_id)
    form = forms.EndTenancyForm(request.POST)
    if form.is_valid():
        try:
            actions.end_tenancy(tenancy=tenancy, end_date=form.cleaned_data["end_date"], by=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已登记 %(name)s 退租。") % {"name": tenancy.tenant.name})
    else:
        messages.error(request, _("请填写正确的退租日期。"))
    return redirect("registry:rental", rental_id=tenancy.rental_id)


@permission_required(RegistryPerm.EDIT)
@require_http_methods(GET_POST)
def rental_end(request: HttpRequest, rental_id: int) -> HttpResponse:
    user = request.user
    rental = queries.editable_rental(user, rental_id)
    if rental.ended_on is not None:
        messages.info(request, _("该房屋已停止出租。"))
        return redirect("registry:rental", rental_id=rental.pk)
    form = forms.EndRentalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rental_actions.end_rental(
                rental=rental, ended_on=form.cleaned_data["ended_on"], by=user
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已登记停止出租。"))
            return redirect("registry:rental", rental_id=rental.pk)
    current = sum(1 for t in queries.rental_tenancies(rental) if t.end_date is None)
    return render(
        request,
        "registry/rental_end.html",
        {"rental": rental, "form": form, "current": current},
    )
