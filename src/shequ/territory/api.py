"""``/api/v1/territory``: regions and grids, read-only, scoped through ``territory.queries``.

A code outside the caller's jurisdiction answers 404 exactly like an unknown one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from shequ.core.api import ErrorOut, PagePagination, invalid
from shequ.territory import queries
from shequ.territory.models import Grid, Region
from shequ.territory.permissions import TerritoryPerm
from shequ.territory.schemas import (
    EstateOut,
    GridDetailOut,
    GridOut,
    RegionDetailOut,
    RegionOut,
)


def region_path(user: Any, code: str, perm: str) -> str:
    """For list filters (``?region=``): the path of the region with ``code`` inside ``user``'s
    jurisdiction for ``perm``, "" when no code is given; an unknown code or one outside the
    jurisdiction is a 422 on ``region``."""
    code = (code or "").strip()
    if not code:
        return ""
    try:
        return queries.region_in_scope(user, code, perm).path
    except Http404:
        raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None


router = Router(tags=["territory"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _viewer(request: HttpRequest) -> Any:
    user = request.user
    if not user.has_permission(TerritoryPerm.VIEW):  # type: ignore[union-attr]
        raise HttpError(403, _("需要“查看区划和网格”权限。"))
    return user


@router.get(
    "/regions",
    response={200: list[RegionOut], **ERRORS},
    summary="区划列表：某区划的下级、按名称或代码搜索，或当前用户管辖范围的起点",
)
@paginate(PagePagination)
def list_regions(request: HttpRequest, parent: str = "", q: str = "") -> QuerySet[Region]:
    user = _viewer(request)
    if q.strip():
        regions = queries.search_regions(user, q[:100])
        if parent:
            regions = regions.filter(path__under=queries.region_detail(user, parent).path)
        return regions
    if parent:
        return queries.region_children(user, queries.region_detail(user, parent))
    return queries.roots_for(user)


@router.get("/regions/{code}", response={200: RegionDetailOut, **ERRORS}, summary="区划详情")
def get_region(request: HttpRequest, code: str) -> Region:
    user = _viewer(request)
    region = queries.region_detail(user, code)
    region.breadcrumbs = queries.breadcrumbs(region)  # type: ignore[attr-defined]
    region.children_by_kind = queries.children_by_kind(user, region)  # type: ignore[attr-defined]
    return region


@router.get(
    "/regions/{code}/children", response={200: list[RegionOut], **ERRORS}, summary="下级区划"
)
@paginate(PagePagination)
def region_children(request: HttpRequest, code: str) -> QuerySet[Region]:
    user = _viewer(request)
    return queries.region_children(user, queries.region_detail(user, code))


@router.get(
    "/grids",
    response={200: list[GridOut], **ERRORS},
    summary="网格列表：某村(社区)的网格，或管辖范围内的全部网格和微网格",
)
@paginate(PagePagination)
def list_grids(request: HttpRequest, community: str = "") -> QuerySet[Grid]:
    user = _viewer(request)
    if community:
        return queries.grids_of(user, queries.region_detail(user, community))
    return queries.visible_grids_with_counts(user)


@router.get("/grids/{grid_code}", response={200: GridDetailOut, **ERRORS}, summary="网格详情")
def get_grid(request: HttpRequest, grid_code: str) -> dict[str, Any]:
    user = _viewer(request)
    grid = queries.grid_detail(user, grid_code)
    return {
        **GridOut.from_orm(grid).model_dump(),
        # Explicit lists: the schema must never fall back to the unscoped related managers.
        "community_name": grid.community.name,
        "micro_grids": list(queries.micro_grids_of(user, grid)),
        "estates": [
            EstateOut(
                name=e.name,
                address=e.address,
                is_natural_village=e.is_natural_village,
                grid_code=e.grid.code if e.grid else None,
            )
            for e in queries.estates_of(user, grid)
        ],
    }
