"""Reads of the territory, every one scoped to the reader's jurisdiction for ``TerritoryPerm.VIEW``.

Pages, the API and the admin read regions and grids only through these functions. A region or grid
outside the jurisdiction answers 404, never 403, so that its existence is not revealed. Ancestors'
names (breadcrumbs) are not jurisdiction data: the place names of the tree are public.

The service apps' reads of places take their own permission: a region by code
(``region_in_scope``), the places a list may be narrowed to (``narrowing_regions``), the children
of a place (``child_regions``) and figures per child in one grouped query (``grouped_by_child``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.http import Http404

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Estate, Grid, Kind, Level, Region, VillagerGroup
from shequ.territory.permissions import TerritoryPerm

PERM = TerritoryPerm.VIEW
REGION_CODE_LENGTHS = (6, 9, 12)
GRID_CODE_MAX = 20


def is_region_code(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in REGION_CODE_LENGTHS


def is_grid_code(code: str) -> bool:
    return code.isascii() and code.isdigit() and 12 < len(code) <= GRID_CODE_MAX


def _count(queryset: QuerySet[Any], outer: str) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` rows whose ``outer`` column is the outer row."""
    counted = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_counts(regions: QuerySet[Region], user: Any) -> QuerySet[Region]:
    """``child_count`` (visible child regions), ``grid_count`` (visible top-level grids of a
    community), ``parent_code`` and ``parent_name``, in the same query as the regions themselves."""
    return regions.annotate(
        parent_code=F("parent__code"),
        parent_name=F("parent__name"),
        child_count=_count(scoped(Region.objects.all(), user, PERM), "parent"),
        grid_count=_count(_top_grids(user), "community"),
    )


def _top_grids(user: Any) -> QuerySet[Grid]:
    """Visible grids whose parent grid is not visible: the grids, or, for someone who holds only a
    micro-grid, that micro-grid."""
    visible = visible_grids(user)
    return visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))


def _with_micro_counts(grids: QuerySet[Grid], user: Any) -> QuerySet[Grid]:
    """``micro_count`` (visible micro-grids), ``community_code`` and ``parent_code``."""
    return grids.annotate(
        micro_count=_count(scoped(Grid.objects.all(), user, PERM), "parent"),
        community_code=F("community__code"),
        parent_code=F("parent__code"),
    )


# --- Regions ------------------------------------------------------------------------------------


def visible_regions(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.all(), user, PERM)


def region_detail(user: Any, code: str) -> Region:
    """The region with ``code``, with counts; 404 if malformed, unknown or outside the jurisdiction."""
    if not is_region_code(code):
        raise Http404
    regions = _with_counts(Region.objects.select_related("admin_parent"), user)
    return get_scoped_or_404(regions, user, PERM, code=code)


def region_children(user: Any, region: Region) -> QuerySet[Region]:
    return _with_counts(visible_regions(user).filter(parent=region), user).order_by("code")


def children_by_kind(user: Any, region: Region) -> list[dict[str, Any]]:
    """``[{"kind", "label", "n", "virtual"}]`` for the visible children of ``region``, in the order
    of ``Kind``; ``virtual`` is how many of the ``n`` are placeholders."""
    rows = (
        visible_regions(user)
        .filter(parent=region)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"), virtual=Count("pk", filter=Q(is_virtual=True)))
    )
    found = {row["kind"]: row for row in rows}
    return [
        {"kind": kind, "label": label, "n": found[kind]["n"], "virtual": found[kind]["virtual"]}
        for kind, label in Kind.choices
        if kind in found
    ]


def search_regions(user: Any, q: str) -> QuerySet[Region]:
    """Visible regions whose name contains ``q`` or whose code starts with it; none for a blank
    query."""
    q = q.strip()
    if not q:
        return Region.objects.none()
    condition = Q(name__icontains=q)
    if q.isascii() and q.isdigit():
        condition |= Q(code__startswith=q)
    return _with_counts(visible_regions(user).filter(condition), user).order_by("path")


def roots_for(user: Any) -> QuerySet[Region]:
    """Where the user's jurisdiction starts: the regions their roles are held at, and the
    communities of the grids they hold (whose pages then show only those grids). A place inside
    another of the user's places is not a root."""
    where = user.jurisdiction(PERM) if getattr(user, "is_authenticated", False) else None
    if where is None:
        return Region.objects.none()
    paths = sorted({*where.region_paths, *where.grid_community_paths})
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return _with_counts(visible_regions(user).filter(path__in=tops), user).order_by("path")


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    level: str
    linked: bool  # False for an ancestor outside the jurisdiction: shown, not linked


def breadcrumbs(region: Region, user: Any = None) -> list[Crumb]:
    """The ancestors of ``region``, root first, read from its path (one query)."""
    return trails([region], user)[region.code]


def trails(regions: list[Region], user: Any = None) -> dict[str, list[Crumb]]:
    """The ancestors of each region, root first, for any number of regions in one query."""
    code_lists = {region.code: region.path.strip("/").split("/")[:-1] for region in regions}
    wanted = {code for codes in code_lists.values() for code in codes}
    ancestors = (
        {
            row["code"]: row
            for row in Region.objects.filter(code__in=wanted).values(
                "code", "name", "level", "path"
            )
        }
        if wanted
        else {}
    )
    return {
        region_code: [
            Crumb(
                code,
                ancestors[code]["name"],
                ancestors[code]["level"],
                can_open(user, ancestors[code]["path"]),
            )
            for code in codes
            if code in ancestors
        ]
        for region_code, codes in code_lists.items()
    }


# --- Grids and what is in them ------------------------------------------------------------------


def visible_grids(user: Any) -> QuerySet[Grid]:
    return scoped(Grid.objects.all(), user, PERM)


def grids_of(user: Any, community: Region) -> QuerySet[Grid]:
    """The visible top-level grids of a community (a micro-grid holder's own micro-grid), with
    their micro-grid counts."""
    grids = _top_grids(user).filter(community=community)
    return _with_micro_counts(grids, user).order_by("code")


def grid_detail(user: Any, grid_code: str) -> Grid:
    if not is_grid_code(grid_code):
        raise Http404
    grids = _with_micro_counts(Grid.objects.select_related("community", "parent"), user)
    return get_scoped_or_404(grids, user, PERM, code=grid_code)


def can_open(user: Any, path: str) -> bool:
    """Whether the page of the region or grid at ``path`` is inside the jurisdiction (no query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    where = user.jurisdiction(PERM)
    return where.covers_path(path) or path in where.grid_community_paths


def micro_grids_of(user: Any, grid: Grid) -> QuerySet[Grid]:
    return _with_micro_counts(visible_grids(user).filter(parent=grid), user).order_by("code")


def visible_grids_with_counts(user: Any) -> QuerySet[Grid]:
    """Every visible grid and micro-grid, in tree order."""
    return _with_micro_counts(visible_grids(user), user).order_by("path")


def estates_of(user: Any, place: Region | Grid) -> QuerySet[Estate]:
    """Estates of a community, or of a grid and its micro-grids."""
    estates = scoped(Estate.objects.select_related("grid"), user, PERM)
    if isinstance(place, Grid):
        return estates.filter(grid__path__under=place.path).order_by("name")
    return estates.filter(community=place).order_by("name")


def villager_groups_of(user: Any, community: Region) -> QuerySet[VillagerGroup]:
    groups = scoped(VillagerGroup.objects.select_related("grid"), user, PERM)
    return groups.filter(community=community).order_by("name")


def community_or_404(region: Region) -> Region:
    if region.level != Level.COMMUNITY:
        raise Http404
    return region


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; good to a few metres at a city's scale)."""
    from math import asin, cos, radians, sin, sqrt

    dlat, dlng = radians(lat2 - lat1), radians(lng2 - lng1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlng / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(a))


def grid_at(
    lat: float, lng: float, *, among: QuerySet[Grid] | None = None, within_m: float = 3000
) -> Grid | None:
    """The grid a point lies in: the one whose boundary contains it, else the nearest grid centre
    within ``within_m`` metres. ``among`` narrows the candidates (a grid worker's own grids)."""
    from shapely.geometry import Point, shape

    box = 0.05  # about 5 km: candidates by an indexed-range prefilter on the centre
    grids = (among if among is not None else Grid.objects.all()).filter(
        is_micro=False,
        centre_lat__range=(lat - box, lat + box),
        centre_lng__range=(lng - box, lng + box),
    )
    point = Point(lng, lat)
    best: tuple[float, Grid] | None = None
    for grid in grids.select_related("community"):
        if grid.geometry:
            try:
                if shape(grid.geometry).contains(point):
                    return grid
            except (ValueError, TypeError, AttributeError, KeyError):
                pass
        if grid.centre_lat is None or grid.centre_lng is None:
            continue
        distance = distance_m(lat, lng, grid.centre_lat, grid.centre_lng)
        if distance <= within_m and (best is None or distance < best[0]):
            best = (distance, grid)
    return best[1] if best else None


# --- Places by code and per child, for the service apps' reads ---------------------------------


def region_in_scope(user: Any, code: str, perm: str) -> Region:
    """The region with ``code`` inside ``user``'s jurisdiction for ``perm``; 404 for a malformed
    code, an unknown one or one outside the jurisdiction."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) <= 12):
        raise Http404
    return get_scoped_or_404(Region.objects.defer("geometry"), user, perm, code=code)


def child_regions(user: Any, region: Region, perm: str) -> list[Region]:
    """The children of ``region`` that ``user`` may see for ``perm``, by code (none for a
    community)."""
    if region.level == Level.COMMUNITY:
        return []
    return list(
        scoped(Region.objects.filter(parent=region).defer("geometry"), user, perm).order_by("code")
    )


def grouped_by_child(
    queryset: QuerySet[Any],
    path_field: str,
    children: Sequence[Region],
    *,
    by: Sequence[str] = (),
    **aggregates: Any,
) -> list[tuple[str | None, dict[str, Any]]]:
    """``aggregates`` of ``queryset`` per child of ``children`` its ``path_field`` lies under (and
    per ``by``), in one query: ``(child's path, row)``, the path ``None`` for rows under none of
    them. A child's path is the first characters of the paths below it, and siblings' paths have
    one length, as their codes do, so rows are grouped by that prefix; should the lengths differ
    (``children`` from different levels), by which child each path lies under."""
    paths = {child.path for child in children}
    lengths = {len(path) for path in paths}
    part: Any
    if not paths:
        part = F(path_field)
    elif len(lengths) == 1:
        part = Substr(path_field, 1, next(iter(lengths)))
    else:
        part = Case(
            *(When(**{f"{path_field}__under": path}, then=Value(path)) for path in sorted(paths)),
            default=F(path_field),
            output_field=CharField(),
        )
    rows = queryset.annotate(part=part).values("part", *by).annotate(**aggregates).order_by()
    result = []
    for row in rows:
        found = row.pop("part")
        result.append((found if found in paths else None, row))
    return result


def narrowing_regions(user: Any, perm: str, levels_below: int = 2) -> QuerySet[Region]:
    """Places in ``user``'s jurisdiction for ``perm`` a list may be narrowed to: their places and
    those down to ``levels_below`` levels under the highest of them."""
    where = user.jurisdiction(perm)
    tops = [*where.region_paths, *where.grid_community_paths]
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + levels_below
    return (
        scoped(Region.objects.all(), user, perm)
        .filter(depth__lte=deepest)
        .defer("geometry")
        .order_by("path")
    )
