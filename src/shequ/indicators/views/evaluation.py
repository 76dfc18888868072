"""The evaluation report (综合评估 / 专项评估): a region's year read from the indicators, the six
standards, work projects, case statistics, visits and living-circle coverage, as a printable page
and as an Excel workbook. Every figure comes from ``indicators.queries.evaluation``; the region is
inside the reader's jurisdiction for ``indicators.view`` (404 outside)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.core.page_views import xlsx_response
from shequ.indicators.forms.evaluation import Choice, EvaluationForm
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import evaluation as queries
from shequ.indicators.queries.values import dashboard_region
from shequ.territory.models import Region
from shequ.territory.queries import breadcrumbs, child_regions

Perm = IndicatorPerm


def _crumbs(user: Any, region: Region) -> list[tuple[Any, bool]]:
    """The ancestors, each with whether the user may open its report."""
    where = user.jurisdiction(Perm.VIEW)
    parts = region.path.rstrip("/").split("/")
    paths = ["/".join(parts[:n]) + "/" for n in range(1, len(parts))]
    return [
        (crumb, where.covers_path(p)) for crumb, p in zip(breadcrumbs(region), paths, strict=False)
    ]


def _query(region: Region, choice: Choice) -> str:
    """The report's query string for ``region`` (the year, kind and sections kept)."""
    parts = [f"region={region.code}", f"year={choice.year}", f"kind={choice.kind}"]
    if choice.kind == queries.Kind.SPECIAL:
        parts += [f"sections={code}" for code in choice.sections]
    return "&".join(parts)


@permission_required(Perm.VIEW)
@require_GET
@never_cache
def evaluation(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = dashboard_region(user, request.GET.get("region", ""))
    form = EvaluationForm(request.GET or None)
    choice = form.choice()
    report = (
        queries.evaluation_report(
            user, region, choice.year, kind=choice.kind, sections=choice.sections
        )
        if choice.ready
        else None
    )
    suffix = _query(region, choice).split("&", 1)[1]
    return render(
        request,
        "indicators/evaluation/report.html",
        {
            "form": form,
            "region": region,
            "choice": choice,
            "report": report,
            "crumbs": _crumbs(user, region),
            "children": child_regions(user, region, Perm.VIEW),
            "query": _query(region, choice),
            "suffix": suffix,
            "charts": report.indicators.chart_data() if report and report.indicators else None,
        },
    )


@permission_required(Perm.VIEW)
@require_GET
def evaluation_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = dashboard_region(user, request.GET.get("region", ""))
    form = EvaluationForm(request.GET or None)
    choice = form.choice()
    if not choice.ready:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(
                    request, _("%(field)s：%(error)s") % {"field": label, "error": error}
                )
        return redirect(f"{reverse('indicators:evaluation')}?{request.GET.urlencode()}")
    report = queries.evaluation_report(
        user, region, choice.year, kind=choice.kind, sections=choice.sections
    )
    made = queries.export(user=user, report=report)
    return xlsx_response(made.content, made.filename)


urlpatterns: list[URLPattern] = [
    path("evaluation/", evaluation, name="evaluation"),
    path("evaluation/export.xlsx", evaluation_export, name="evaluation_export"),
]
