"""Territory pages: the tree browser (lazily expanded with htmx), search, region and grid detail.

Every page needs ``TerritoryPerm.VIEW`` (403 without it) and reads through ``queries`` only, so a
place outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.territory import queries
from shequ.territory.models import Level
from shequ.territory.permissions import TerritoryPerm

CHILDREN_PER_PAGE = 100
SEARCH_LIMIT = 50


def territory_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, GET only, and holding ``TerritoryPerm.VIEW`` somewhere."""
    return permission_required(TerritoryPerm.VIEW)(require_GET(view))


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@territory_view
def browser(request: HttpRequest) -> HttpResponse:
    roots = list(queries.roots_for(request.user))
    trails = queries.trails(roots, request.user)
    # Each root with the names above it, so that a township reads "徐州市 鼓楼区 黄楼街道".
    items = [(root, [crumb.name for crumb in trails[root.code]]) for root in roots]
    # A single root (most staff hold one place) opens at once: its children are what they came for.
    context = {"roots": items, "q": "", "expand_single": len(items) == 1}
    return render(request, "territory/browser.html", context)


@territory_view
def children(request: HttpRequest, code: str) -> HttpResponse:
    region = queries.region_detail(request.user, code)
    if not _is_htmx(request):
        return redirect("territory:region", code=region.code)
    context: dict[str, Any] = {"region": region, "nodes": [], "grids": []}
    if region.level == Level.COMMUNITY:
        context["grids"] = list(queries.grids_of(request.user, region))
    else:
        context["nodes"] = list(queries.region_children(request.user, region))
    return render(request, "territory/_children.html", context)


@territory_view
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    found = list(queries.search_regions(request.user, q)[: SEARCH_LIMIT + 1])
    context = {
        "q": q,
        "results": found[:SEARCH_LIMIT],
        "more": len(found) > SEARCH_LIMIT,
        "limit": SEARCH_LIMIT,
    }
    if _is_htmx(request):
        return render(request, "territory/_search_results.html", context)
    return render(request, "territory/search.html", context)


@territory_view
def region(request: HttpRequest, code: str) -> HttpResponse:
    region = queries.region_detail(request.user, code)
    user = request.user
    context: dict[str, Any] = {
        "region": region,
        "crumbs": queries.breadcrumbs(region, user),
        "by_kind": queries.children_by_kind(user, region),
        "page_obj": Paginator(queries.region_children(user, region), CHILDREN_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "is_community": region.level == Level.COMMUNITY,
        "grids": [],
        "estates": [],
        "villager_groups": [],
    }
    if context["is_community"]:
        context["grids"] = list(queries.grids_of(user, region))
        context["estates"] = list(queries.estates_of(user, region))
        context["villager_groups"] = list(queries.villager_groups_of(user, region))
    return render(request, "territory/region.html", context)


@territory_view
def grid(request: HttpRequest, grid_code: str) -> HttpResponse:
    grid = queries.grid_detail(request.user, grid_code)
    user = request.user
    return render(
        request,
        "territory/grid.html",
        {
            "grid": grid,
            "parent_linked": grid.parent is not None and queries.can_open(user, grid.parent.path),
            "crumbs": queries.breadcrumbs(grid.community, user),
            "micro_grids": list(queries.micro_grids_of(user, grid)),
            "estates": list(queries.estates_of(user, grid)),
        },
    )
