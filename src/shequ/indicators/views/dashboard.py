"""The indicator dashboard: the 13 indicators of a region and year against their targets, binding
indicators marked, with the drill-down by child region and the reasons where data is missing.
Read from the snapshots only; a rebuild of the region's subtree can be asked for on the page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.core import calendar
from shequ.core.decorators import permission_required
from shequ.indicators.actions.rebuild import request_rebuild
from shequ.indicators.forms import DashboardForm
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import charts
from shequ.indicators.queries import values as queries
from shequ.territory.queries import breadcrumbs

Perm = IndicatorPerm


def _chosen(request: HttpRequest) -> tuple[DashboardForm, int, str]:
    form = DashboardForm(request.GET or request.POST or None)
    year, code = calendar.localdate().year, ""
    if form.is_bound and form.is_valid():
        year = form.cleaned_data.get("year") or year
        code = form.cleaned_data.get("region") or ""
    return form, year, code


def _chart_indicator(form: DashboardForm) -> str:
    return (form.cleaned_data.get("indicator") or "") if form.is_bound and form.is_valid() else ""


def _crumbs(user: Any, region: Any) -> list[tuple[Any, bool]]:
    """The ancestors, each with whether the user may open its dashboard."""
    where = user.jurisdiction(Perm.VIEW)
    parts = region.path.rstrip("/").split("/")
    paths = ["/".join(parts[:n]) + "/" for n in range(1, len(parts))]
    return [
        (crumb, where.covers_path(path))
        for crumb, path in zip(breadcrumbs(region), paths, strict=False)
    ]


def _may(user: Any, perm: str, region: Any) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


@permission_required(Perm.VIEW)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form, year, code = _chosen(request)
    region = queries.dashboard_region(user, code)
    cards = queries.cards(region, year)
    children = queries.drill_down(user, region, year)
    child_indicators = [c.indicator for c in children[0].cards.values()] if children else []
    chart = charts.chart_data(region, children, cards, _chart_indicator(form))
    return render(
        request,
        "indicators/dashboard.html",
        {
            "form": form,
            "region": region,
            "year": year,
            "cards": cards,
            "children": children,
            "child_indicators": child_indicators,
            "chart": chart,
            "trend_rows": charts.trend_rows(chart),
            "unmapped": [
                c["name"] for c in chart["children"] if not c["geometry"] and not c["centre"]
            ]
            if chart
            else [],
            "map_tiles": getattr(settings, "SHEQU_MAP_TILE_URL", ""),
            "map_attribution": getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", ""),
            "crumbs": _crumbs(user, region),
            "computed_at": max((c.row.computed_at for c in cards if c.row), default=None),
            "can_rebuild": _may(user, Perm.REBUILD, region),
            "can_command": _may(user, Perm.COMMAND, region),
            "can_assess": _may(user, Perm.ASSESS, region),
            "can_set_targets": _may(user, Perm.TARGETS, region),
        },
    )


@permission_required(Perm.REBUILD)
@require_POST
def rebuild_now(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _form, year, code = _chosen(request)
    region = queries.dashboard_region(user, code)
    try:
        run = request_rebuild(year, root=region, by=user)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        if run.finished_at is not None:
            messages.success(
                request,
                _("已重新计算%(place)s %(year)s年的指标（%(count)s项）。")
                % {"place": region.name, "year": year, "count": run.values_written},
            )
        else:
            messages.info(
                request,
                _("已开始重新计算%(place)s %(year)s年的指标，完成后刷新本页即可看到新结果。")
                % {"place": region.name, "year": year},
            )
    return redirect(f"{reverse('indicators:dashboard')}?region={region.code}&year={year}")


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("rebuild/", rebuild_now, name="rebuild"),
]
