"""``/api/v1/facilities/coverage``: living-circle coverage from the latest run, as the caller may see
it — per region (shares and score, for the region and its children), per estate (paged), the gaps, and
siting suggestions. Errors in the shape of ``core.api``: a region outside the jurisdiction or unknown →
404 ``not_found``; no finished run yet → 409 ``not_computed``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, invalid, not_found, user_with
from shequ.facilities.models import CircleRequirement, CoverageRun
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries import coverage as queries
from shequ.facilities.queries.siting import suggest_sites
from shequ.territory.models import Region

router = Router(tags=["facilities"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ShareOut(Schema):
    circle: str
    category: str
    service_radius_m: int
    households: int
    covered_households: int
    household_share: float | None
    elderly: int
    covered_elderly: int
    elderly_share: float | None


class RegionCoverageOut(Schema):
    code: str
    name: str
    score: float | None
    requirements: list[ShareOut]


class CoverageOut(Schema):
    computed_at: str
    method: str
    region: RegionCoverageOut
    children: list[RegionCoverageOut]


class EstateOut(Schema):
    estate_id: int
    name: str
    community: str
    community_code: str
    lat: float | None
    lng: float | None
    households: int
    elderly: int
    distance_m: float | None
    covered: bool
    unreachable: bool
    facility_id: int | None
    facility: str


class SiteOut(Schema):
    rank: int
    lat: float
    lng: float
    households: int
    elderly: int
    premises: str
    estate_ids: list[int]


class SitingOut(Schema):
    method: str
    uncovered_households: int
    sites: list[SiteOut]


def _viewer(request: HttpRequest, perm: str = FacilitiesPerm.VIEW) -> Any:
    return user_with(request, perm)


def _place(user: Any, code: str) -> Region:
    try:
        return queries.place(user, code or None)
    except Http404:
        raise not_found("region", _("找不到该区域，或不在您的管辖范围内。")) from None


def _run(region: Region) -> CoverageRun:
    run = queries.latest_run(region)
    if run is None:
        raise ApiError(409, "not_computed", _("还没有生活圈覆盖的计算结果。"))
    return run


def _requirement(circle: int, category: str) -> CircleRequirement:
    try:
        return queries.requirement(circle, category)
    except Http404:
        raise invalid("category", _("没有这项生活圈要求。")) from None


def _region_out(
    part: queries.RegionCoverage, requirements: dict[tuple[int, str], Any]
) -> dict[str, Any]:
    shares = []
    for key, share in sorted(part.by_requirement.items()):
        req = requirements[key]
        shares.append({
            "circle": req.circle.code, "category": req.category,
            "service_radius_m": req.circle.service_radius_m,
            "households": share.households, "covered_households": share.covered_households,
            "household_share": share.household_share, "elderly": share.elderly,
            "covered_elderly": share.covered_elderly, "elderly_share": share.elderly_share,
        })  # fmt: skip
    return {
        "code": part.region.code,
        "name": part.region.name,
        "score": part.score,
        "requirements": shares,
    }


@router.get("", response={200: CoverageOut, **ERRORS}, summary="区域及其下级的生活圈覆盖")
def region_coverage(request: HttpRequest, region: str = Query("", max_length=12)) -> dict[str, Any]:
    user = _viewer(request)
    place = _place(user, region)
    run = _run(place)
    total, parts = queries.summary(user, place, run)
    requirements = {(r.circle_id, r.category): r for r in queries.requirements()}
    return {
        "computed_at": run.finished_at.isoformat() if run.finished_at else "",
        "method": run.method,
        "region": _region_out(total, requirements),
        "children": [_region_out(p, requirements) for p in parts],
    }


def _estates(
    request: HttpRequest, region: str, circle: int, category: str, gaps_only: bool
) -> list[Any]:
    user = _viewer(request)
    place = _place(user, region)
    run = _run(place)
    return queries.estate_rows(
        user, run, place, _requirement(circle, category), gaps_only=gaps_only
    )


@router.get(
    "/estates", response={200: list[EstateOut], **ERRORS}, summary="各小区到最近设施的步行距离"
)
@paginate(PagePagination)
def estate_coverage(
    request: HttpRequest,
    circle: int,
    category: str,
    region: str = Query("", max_length=12),
) -> list[Any]:
    return _estates(request, region, circle, category, gaps_only=False)


@router.get(
    "/gaps", response={200: list[EstateOut], **ERRORS}, summary="未覆盖的小区，按户数从多到少"
)
@paginate(PagePagination)
def gaps(
    request: HttpRequest,
    circle: int,
    category: str,
    region: str = Query("", max_length=12),
) -> list[Any]:
    return _estates(request, region, circle, category, gaps_only=True)


@router.get("/siting", response={200: SitingOut, **ERRORS}, summary="建议选址（贪心最大覆盖）")
def siting(
    request: HttpRequest,
    circle: int,
    category: str,
    region: str = Query("", max_length=12),
    k: int = Query(5, ge=1, le=20),
    premises: bool = False,
) -> dict[str, Any]:
    user = _viewer(request, FacilitiesPerm.ANALYSE)
    place = _place(user, region)
    run = _run(place)
    found = suggest_sites(
        user, run, place, _requirement(circle, category), k=k, use_premises=premises
    )
    return {
        "method": found.method,
        "uncovered_households": found.uncovered_households,
        "sites": [
            {
                "rank": s.rank,
                "lat": s.lat,
                "lng": s.lng,
                "households": s.households,
                "elderly": s.elderly,
                "premises": s.premises,
                "estate_ids": [e.estate_id for e in s.estates],
            }
            for s in found.sites
        ],
    }
