"""The staffing table (W1): per child region of the chosen place, on a date, the serving workers,
workers per 10,000 urban permanent residents (county and city), certified social workers, grids
without a full-time grid worker, communities practising the generalist model and communities without
a disaster information officer; every name drills down, a community lists its workers and its grids
lacking a grid worker; the table exports to Excel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.core.page_views import xlsx_response
from shequ.territory.queries import breadcrumbs
from shequ.workforce.forms.workers import StaffingForm
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries import staffing as queries
from shequ.workforce.queries.workers import labels_of, post_label


def _table(request: HttpRequest) -> tuple[StaffingForm, queries.StaffingTable]:
    user: Any = request.user
    form = StaffingForm(request.GET)
    region = queries.chosen_region(user, form.chosen_code())
    return form, queries.staffing(user, region, form.chosen_date())


@permission_required(WorkforcePerm.VIEW)
@require_GET
def staffing(request: HttpRequest) -> HttpResponse:
    form, table = _table(request)
    labels = labels_of()
    for worker in table.workers:
        worker.post_labels = [post_label(p, labels) for p in worker.posts_here]  # type: ignore[attr-defined]
    return render(
        request,
        "workforce/staffing/staffing.html",
        {
            "form": form,
            "table": table,
            "crumbs": breadcrumbs(table.region, request.user),
            "on": table.on.isoformat(),
            "standard": queries.WORKERS_PER_10K_STANDARD,
        },
    )


@permission_required(WorkforcePerm.VIEW)
@require_GET
@never_cache
def staffing_export(request: HttpRequest) -> HttpResponse:
    _form, table = _table(request)
    filename = f"staffing-{table.region.code}-{table.on:%Y%m%d}.xlsx"
    return xlsx_response(queries.export_staffing(table), filename)


urls: list[URLPattern] = [
    path("staffing/", staffing, name="staffing"),
    path("staffing/export.xlsx", staffing_export, name="staffing_export"),
]
