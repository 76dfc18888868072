"""Preparedness pages (G3): shelters and their occupancy, supplies and movements, drills, fire-safety
grids and disaster information officers (staff), and the open shelters near a resident. Reads through
``queries.preparedness``, writes through ``actions.preparedness``."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import calendar
from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import export_or_back, flash_errors, paged, run_action, submit
from shequ.emergency.actions import preparedness as actions
from shequ.emergency.forms import preparedness as forms
from shequ.emergency.models import DrillKind, SupplyCategory
from shequ.emergency.permissions import EmergencyPerm
from shequ.emergency.queries import alerts as alert_queries
from shequ.emergency.queries import preparedness as queries
from shequ.registry.models import Resident

VIEW = EmergencyPerm.VIEW
SHELTERS = EmergencyPerm.MANAGE_SHELTERS
SUPPLIES = EmergencyPerm.MANAGE_SUPPLIES
DRILLS = EmergencyPerm.RECORD_DRILLS
PER_PAGE = 50


def _may(user: Any, perm: str, path_: str) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(path_))


def _region(request: HttpRequest) -> Any:
    return queries.region_or_none(request.user, request.GET.get("region", "")[:12])


# --- Shelters --------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def shelter_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(request)
    page, query = paged(request, queries.shelters(user, region), PER_PAGE)
    manage = user.jurisdiction(SHELTERS) if user.has_permission(SHELTERS) else None
    for facility in page.object_list:
        facility.can_manage = bool(manage and manage.covers_path(facility.community.path))
        if facility.opening_id and facility.open_capacity:
            facility.percent = round(facility.open_occupancy * 100 / facility.open_capacity)
    return render(
        request,
        "emergency/preparedness/shelter_list.html",
        {
            "page_obj": page,
            "query": query,
            "region": region,
            "totals": queries.shelter_totals(user, region),
            # A shelter opened during an event is linked to the alert (the user's active ones).
            "active_alerts": alert_queries.console(user)[0] if manage else [],
        },
    )


@permission_required(SHELTERS)
@require_POST
def shelter_open(request: HttpRequest, facility_id: int) -> HttpResponse:
    user: Any = request.user
    facility = queries.shelter(user, facility_id, SHELTERS)
    form = forms.OpenShelterForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("emergency:shelter_list")
    alert = None
    if form.cleaned_data.get("alert"):
        active, _closed = alert_queries.console(user)
        alert = next((a for a in active if a.pk == form.cleaned_data["alert"]), None)
        if alert is None:
            messages.error(request, _("所选预警不存在或已解除。"))
            return redirect("emergency:shelter_list")
    try:
        opening = actions.open_shelter(
            facility=facility, capacity=form.cleaned_data.get("capacity"), alert=alert, by=user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("emergency:shelter_list")
    messages.success(request, _("已开放避难场所“%(name)s”。") % {"name": facility.name})
    return redirect("emergency:shelter_detail", opening_id=opening.pk)


def _opening_page(request: HttpRequest, opening: Any, form: Any = None) -> HttpResponse:
    user: Any = request.user
    percent = round(opening.occupancy * 100 / opening.capacity) if opening.capacity else 0
    return render(
        request,
        "emergency/preparedness/shelter_detail.html",
        {
            "opening": opening,
            "percent": percent,
            "reports": queries.occupancy_history(opening)[:200],
            "can_manage": opening.closed_at is None and _may(user, SHELTERS, opening.region.path),
            "form": form or forms.OccupancyForm(initial={"occupancy": opening.occupancy}),
        },
    )


@permission_required(VIEW)
@require_GET
def shelter_detail(request: HttpRequest, opening_id: int) -> HttpResponse:
    return _opening_page(request, queries.opening(request.user, opening_id))


@permission_required(SHELTERS)
@require_POST
def shelter_occupancy(request: HttpRequest, opening_id: int) -> HttpResponse:
    user: Any = request.user
    opening = queries.opening(user, opening_id, SHELTERS)
    run_action(
        request,
        forms.OccupancyForm(request.POST),
        lambda d: actions.report_occupancy(opening=opening, occupancy=d["occupancy"], by=user),
        _("已更新安置人数。"),
    )
    return redirect("emergency:shelter_detail", opening_id=opening.pk)


@permission_required(SHELTERS)
@require_POST
def shelter_close(request: HttpRequest, opening_id: int) -> HttpResponse:
    user: Any = request.user
    opening = queries.opening(user, opening_id, SHELTERS)
    try:
        actions.close_shelter(opening=opening, by=user)
        messages.success(request, _("已关闭避难场所。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("emergency:shelter_detail", opening_id=opening.pk)


@resident_only
@require_GET
def open_shelters(request: HttpRequest) -> HttpResponse:
    resident = (
        Resident.objects.select_related("community__parent__parent")
        .filter(account=request.user)
        .first()
    )
    return render(
        request,
        "emergency/preparedness/open_shelters.html",
        {"resident": resident, "shelters": queries.open_shelters_for(resident)},
    )


# --- Supplies --------------------------------------------------------------------------------------


def _stock_filters(request: HttpRequest) -> dict[str, Any]:
    category = request.GET.get("category", "")
    return {
        "region": _region(request),
        "category": category if category in SupplyCategory.values else "",
        "low_only": request.GET.get("low") == "1",
        "q": request.GET.get("q", "")[:60].strip(),
    }


@permission_required(VIEW)
@require_GET
def supply_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    filters = _stock_filters(request)
    rows = queries.stocks(user, **filters)
    page, query = paged(request, rows, PER_PAGE)
    return render(
        request,
        "emergency/preparedness/supply_list.html",
        {
            "page_obj": page,
            "query": query,
            "filters": filters,
            "categories": SupplyCategory.choices,
            "totals": queries.item_totals(rows),
            "can_edit": user.has_permission(SUPPLIES),
        },
    )


@permission_required(VIEW)
@require_GET
def supply_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    filters = _stock_filters(request)
    return export_or_back(
        request,
        lambda: queries.export_stocks(user, queries.stocks(user, **filters)),
        "emergency:supply_list",
    )


@permission_required(SUPPLIES)
@require_http_methods(["GET", "POST"])
def supply_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.StockForm(request.POST or None, regions=queries.supply_places(user))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.create_stock(by=user, **d),
            lambda s: _("已登记物资“%(item)s”。") % {"item": s.item},
            lambda s: redirect("emergency:supply_detail", stock_id=s.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "emergency/preparedness/supply_form.html", {"form": form})


@permission_required(VIEW)
@require_http_methods(["GET", "POST"])
def supply_detail(request: HttpRequest, stock_id: int) -> HttpResponse:
    user: Any = request.user
    stock = queries.stock(user, stock_id)
    can_edit = _may(user, SUPPLIES, stock.region.path)
    regions = queries.supply_places(user)
    form = forms.MovementForm(
        request.POST or None, regions=regions, initial={"request_key": uuid.uuid4().hex}
    )
    status = 200
    if request.method == "POST":
        if not can_edit:
            stock = queries.stock(user, stock_id, SUPPLIES)  # 404 outside where they manage
        done = submit(
            request,
            form,
            lambda d: actions.record_movement(stock=stock, by=user, **d),
            _("已登记。"),
            lambda _m: redirect("emergency:supply_detail", stock_id=stock.pk),
            refusal_on_form=True,
        )
        if done:
            return done
        status = 422
    page, query = paged(request, queries.movements(stock), PER_PAGE)
    where = user.jurisdiction(VIEW)
    for movement in page.object_list:
        # The other side of a transfer is named only where the viewer may see it.
        other = movement.counterpart
        movement.other_side = (
            other.stock if other and where.covers_path(other.stock.region.path) else None
        )
    return render(
        request,
        "emergency/preparedness/supply_detail.html",
        {
            "stock": stock,
            "page_obj": page,
            "query": query,
            "form": form,
            "threshold_form": forms.ThresholdForm(initial={"low_threshold": stock.low_threshold}),
            "can_edit": can_edit,
        },
        status=status,
    )


@permission_required(SUPPLIES)
@require_POST
def supply_threshold(request: HttpRequest, stock_id: int) -> HttpResponse:
    user: Any = request.user
    stock = queries.stock(user, stock_id, SUPPLIES)
    run_action(
        request,
        forms.ThresholdForm(request.POST),
        lambda d: actions.set_low_threshold(stock=stock, by=user, **d),
        _("已更新预警线。"),
    )
    return redirect("emergency:supply_detail", stock_id=stock.pk)


# --- Drills ----------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def drill_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in DrillKind.values else ""
    year = calendar.localdate().year
    page, query = paged(request, queries.drills(user, region, kind), PER_PAGE)
    total, per_region = queries.drills_per_region(user, region or queries.top_region(user), year)
    return render(
        request,
        "emergency/preparedness/drill_list.html",
        {
            "page_obj": page,
            "query": query,
            "kind": kind,
            "kinds": DrillKind.choices,
            "year": year,
            "total": total,
            "per_region": per_region,
            "can_edit": user.has_permission(DRILLS),
        },
    )


@permission_required(DRILLS)
@require_http_methods(["GET", "POST"])
def drill_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.DrillForm(request.POST or None, regions=queries.drill_places(user))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.record_drill(by=user, **d),
            lambda d: _("已登记演练“%(title)s”。") % {"title": d.title},
            lambda d: redirect("emergency:drill_detail", drill_id=d.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "emergency/preparedness/drill_form.html", {"form": form})


@permission_required(VIEW)
@require_GET
def drill_detail(request: HttpRequest, drill_id: int) -> HttpResponse:
    return render(
        request,
        "emergency/preparedness/drill_detail.html",
        {"drill": queries.drill(request.user, drill_id)},
    )


# --- Fire-safety grids -----------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def fire_grid_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(request)
    only = request.GET.get("designated") == "1"
    page, query = paged(request, queries.fire_grids(user, region, only), PER_PAGE)
    for grid in page.object_list:
        grid.fire = getattr(grid, "fire_safety", None)  # None when the grid is not designated
    return render(
        request,
        "emergency/preparedness/fire_grid_list.html",
        {
            "page_obj": page,
            "query": query,
            "only": only,
            "can_edit": user.has_permission(DRILLS),
        },
    )


@permission_required(DRILLS)
@require_http_methods(["GET", "POST"])
def fire_grid_edit(request: HttpRequest, grid_code: str) -> HttpResponse:
    user: Any = request.user
    grid = queries.fire_grid(user, grid_code, DRILLS)
    current = queries.fire_designation(grid)
    people = queries.responsible_choices(grid)
    initial = (
        {
            "responsible": current.responsible_id,
            "last_checked_on": current.last_checked_on,
            "hazards": current.hazards,
        }
        if current
        else {}
    )
    form = forms.FireGridForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.designate_fire_grid(grid=grid, by=user, **d),
            _("已保存消防安全网格。"),
            lambda _f: redirect("emergency:fire_grid_list"),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "emergency/preparedness/fire_grid_form.html",
        {"form": form, "grid": grid, "current": current},
    )


# --- Disaster information officers ------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def informants(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(request)
    only = request.GET.get("problems") == "1"
    rows = queries.informant_communities(user, region)
    if only:
        rows = rows.exclude(informants=1)
    page, query = paged(request, rows, PER_PAGE)
    totals = queries.informant_totals(user, region)
    return render(
        request,
        "emergency/preparedness/informants.html",
        {
            "page_obj": page,
            "query": query,
            "only": only,
            "totals": totals,
            "summary": queries.informant_summary(totals),
        },
    )


urls: list[URLPattern] = [
    path("shelters/", shelter_list, name="shelter_list"),
    path("shelters/open/<int:facility_id>/", shelter_open, name="shelter_open"),
    path("shelters/<int:opening_id>/", shelter_detail, name="shelter_detail"),
    path("shelters/<int:opening_id>/occupancy/", shelter_occupancy, name="shelter_occupancy"),
    path("shelters/<int:opening_id>/close/", shelter_close, name="shelter_close"),
    path("me/shelters/", open_shelters, name="open_shelters"),
    path("supplies/", supply_list, name="supply_list"),
    path("supplies/new/", supply_create, name="supply_create"),
    path("supplies/export/", supply_export, name="supply_export"),
    path("supplies/<int:stock_id>/", supply_detail, name="supply_detail"),
    path("supplies/<int:stock_id>/threshold/", supply_threshold, name="supply_threshold"),
    path("drills/", drill_list, name="drill_list"),
    path("drills/new/", drill_create, name="drill_create"),
    path("drills/<int:drill_id>/", drill_detail, name="drill_detail"),
    path("fire-grids/", fire_grid_list, name="fire_grid_list"),
    path("fire-grids/<str:grid_code>/", fire_grid_edit, name="fire_grid_edit"),
    path("informants/", informants, name="informants"),
]
