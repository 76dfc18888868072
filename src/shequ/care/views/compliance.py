"""Visit compliance pages (G2): the visit rate per place for a month (drilling down from the chosen
place to its children, down to grids), the overdue list (with its Excel export), visitors' workload
and the care-group residents never visited. Every figure and list is scoped to the reader's
jurisdiction for ``care.view`` (the export: ``care.statistics``); a place outside it is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.care.forms.compliance import ComplianceForm, NeverVisitedForm
from shequ.care.permissions import CarePerm
from shequ.care.queries import compliance as queries
from shequ.core.decorators import permission_required
from shequ.core.masking import mask_name
from shequ.core.page_views import export_or_back, paged
from shequ.territory.queries import breadcrumbs

PER_PAGE = 50


def _form(request: HttpRequest) -> tuple[ComplianceForm, Any]:
    form = ComplianceForm(request.GET)
    region = queries.chosen_region(request.user, form.region_code())
    return form, region


def _notes(request: HttpRequest, form: Any) -> None:
    for note in getattr(form, "notes", []):
        messages.warning(request, note)


def _common(request: HttpRequest, region: Any, view: str) -> dict[str, Any]:
    user: Any = request.user
    return {
        "region": region,
        "crumbs": breadcrumbs(region, user),
        "view_name": view,
        "can_export": user.has_permission(CarePerm.STATISTICS),
    }


@permission_required(CarePerm.VIEW)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, region = _form(request)
    month, group = form.chosen_month(), form.chosen_group()
    _notes(request, form)
    table = queries.dashboard(request.user, region, month, group)
    return render(
        request,
        "care/compliance/dashboard.html",
        {**_common(request, region, "care:dashboard"), "form": form, "table": table},
    )


def _overdue_filters(request: HttpRequest) -> tuple[ComplianceForm, queries.OverdueFilters]:
    form, region = _form(request)
    group = form.chosen_group()
    grid_code = str(request.GET.get("grid", "") or "").strip()
    grid = queries.grid_in_region(request.user, grid_code, region) if grid_code else None
    return form, queries.OverdueFilters(region=region, grid=grid, group=group)


@permission_required(CarePerm.VIEW)
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    form, filters = _overdue_filters(request)
    _notes(request, form)
    page, query = paged(request, queries.overdue_plans(request.user, filters), PER_PAGE)
    today = queries.calendar.localdate()
    rows = [
        (
            plan,
            mask_name(plan.resident.name),
            queries.visitor_name(plan),
            queries.days_overdue(plan, today),
        )
        for plan in page
    ]
    return render(
        request,
        "care/compliance/overdue.html",
        {
            **_common(request, filters.region, "care:overdue"),
            "form": form,
            "filters": filters,
            "page_obj": page,
            "rows": rows,
            "export_query": query,
        },
    )


@permission_required(CarePerm.STATISTICS)
@require_GET
@never_cache
def overdue_export(request: HttpRequest) -> HttpResponse:
    form = ComplianceForm(request.GET)
    region = queries.chosen_region(request.user, form.region_code(), queries.EXPORT_PERM)
    grid_code = str(request.GET.get("grid", "") or "").strip()
    grid = (
        queries.grid_in_region(request.user, grid_code, region, queries.EXPORT_PERM)
        if grid_code
        else None
    )
    filters = queries.OverdueFilters(region=region, grid=grid, group=form.chosen_group())
    user: Any = request.user
    return export_or_back(
        request, lambda: queries.export_overdue(user=user, filters=filters), "care:overdue"
    )


@permission_required(CarePerm.VIEW)
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    form, region = _form(request)
    month = form.chosen_month()
    _notes(request, form)
    load = queries.workload(request.user, region, month)
    page, _query = paged(request, load.visitors, PER_PAGE)
    return render(
        request,
        "care/compliance/workload.html",
        {
            **_common(request, region, "care:workload"),
            "form": form,
            "load": load,
            "page_obj": page,
        },
    )


@permission_required(CarePerm.VIEW)
@require_GET
def never_visited(request: HttpRequest) -> HttpResponse:
    form = NeverVisitedForm(request.GET)
    region = queries.chosen_region(request.user, form.region_code())
    recent = form.recent()
    page, _query = paged(
        request, queries.never_visited(request.user, region, recent=recent), PER_PAGE
    )
    rows = [(resident, mask_name(resident.name)) for resident in page]
    return render(
        request,
        "care/compliance/never_visited.html",
        {
            **_common(request, region, "care:never_visited"),
            "form": form,
            "recent": recent,
            "page_obj": page,
            "rows": rows,
            "recent_days": queries.NEVER_VISITED_RECENT_DAYS,
        },
    )


urls: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/overdue/", overdue, name="overdue"),
    path("dashboard/overdue/export.xlsx", overdue_export, name="overdue_export"),
    path("dashboard/workload/", workload, name="workload"),
    path("dashboard/never-visited/", never_visited, name="never_visited"),
]
