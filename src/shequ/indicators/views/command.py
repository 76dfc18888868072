"""The command dashboard (综合指挥平台) for a command centre's wall: the page, and its panels alone
for htmx to fetch every minute. Without JavaScript the page reloads itself (a ``<noscript>`` meta
refresh) and carries a reload link."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import command as queries
from shequ.territory.queries import breadcrumbs

Perm = IndicatorPerm
REFRESH_SECONDS = 60


def _reload_when_signed_out(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A wall left on for hours outlives its session: the panels' request then asks htmx to reload
    the whole page (which goes to sign-in) rather than swap the sign-in page into a panel."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "htmx", False) and not request.user.is_authenticated:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _context(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    region = queries.command_region(user, request.GET.get("region", ""))
    return {
        "board": queries.command_board(user, region),
        "refresh_seconds": REFRESH_SECONDS,
    }


@never_cache
@permission_required(Perm.COMMAND)
@require_GET
def command(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = _context(request)
    region = context["board"].region
    where = user.jurisdiction(Perm.COMMAND)
    paths = _ancestor_paths(region.path)
    context["crumbs"] = [
        (crumb, where.covers_path(paths.get(crumb.code, "-"))) for crumb in breadcrumbs(region)
    ]
    context["can_view_indicators"] = user.has_permission(Perm.VIEW) and user.jurisdiction(
        Perm.VIEW
    ).covers_path(region.path)
    return render(request, "indicators/command/page.html", context)


@_reload_when_signed_out
@never_cache
@permission_required(Perm.COMMAND)
@require_GET
def panels(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/command/_panels.html", _context(request))


def _ancestor_paths(region_path: str) -> dict[str, str]:
    """Each ancestor's code → its path (a path is the codes from the root, each ending in "/")."""
    parts = region_path.rstrip("/").split("/")
    return {parts[n - 1]: "/".join(parts[:n]) + "/" for n in range(1, len(parts))}


urlpatterns: list[URLPattern] = [
    path("command/", command, name="command"),
    path("command/panels/", panels, name="command_panels"),
]
