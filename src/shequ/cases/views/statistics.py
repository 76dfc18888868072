"""Case statistics (工单统计) for officials: the three rates and the backlog per region and per unit,
on a page and as an Excel workbook. What each number counts is written in
``cases.queries.statistics``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.cases.forms.statistics import StatisticsForm
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import statistics as queries
from shequ.core.decorators import permission_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_query(period: queries.Period) -> str:
    return urlencode({"date_from": period.start.isoformat(), "date_to": period.end.isoformat()})


@require_GET
@permission_required(CasesPerm.STATISTICS)
def statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET)
    context: dict[str, object] = {"form": form, "stats": None}
    if form.is_valid():
        stats = queries.case_statistics(request.user, period=form.period(), code=form.region_code())
        period_query = _period_query(stats.period)
        context.update(
            stats=stats,
            bands=[label for _key, label, _low, _high in queries.AGE_BANDS],
            period_query=period_query,
            export_query=f"region={stats.region.code}&{period_query}",
        )
    return render(request, "cases/statistics/statistics.html", context)


@require_GET
@never_cache
@permission_required(CasesPerm.STATISTICS)
def statistics_export(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        return render(
            request, "cases/statistics/statistics.html", {"form": form, "stats": None}, status=400
        )
    stats = queries.case_statistics(request.user, period=form.period(), code=form.region_code())
    exported = queries.export_workbook(user=request.user, stats=stats)
    response = HttpResponse(exported.content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response


urls: list[URLPattern] = [
    path("statistics/", statistics, name="statistics"),
    path("statistics/export.xlsx", statistics_export, name="statistics_export"),
]
