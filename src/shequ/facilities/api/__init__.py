"""The facility registry API (L1): facilities (search, detail, registration, changes, closing),
community floor areas with the inputs of the plan's area indicators, and candidate sites.

Mounted by ``shequ.api`` (``router``); paths below are relative to the mount point:

- ``GET /facilities`` — search (``q``: name, address or operator; ``category``, ``status``,
  ``region``: a place's code, its subtree; ``opens_too_briefly``), paged;
- ``POST /facilities`` — register; ``GET`` / ``PATCH /facilities/{facility_id}``; ``POST
  /facilities/{facility_id}/close``;
- ``GET /floor-areas`` (``year``, ``region``), paged; ``PUT /floor-areas/{community_code}/{year}``;
- ``GET`` / ``POST /candidate-sites``;
- living-circle coverage under ``/coverage`` (``facilities.api.coverage``).

Every read goes through ``facilities.queries``, every write through ``facilities.actions``.

Errors, in the shape of ``core.api``:

- the role lacks the permission anywhere → 403 ``forbidden``;
- the facility or community does not exist or lies outside the caller's jurisdiction → 404
  ``not_found``;
- the action refuses the caller there (``PermissionDenied``) → 403 ``forbidden``;
- the action's ``ValidationError`` (no position, outside the city, overlapping hours, a negative or
  absurd area, an activity space larger than the building …) → 422 ``invalid``, its keys as this
  API's field names; nothing is written;
- a change that started from an older ``version`` → 409 ``conflict``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    conflict,
    invalid,
    not_found,
    user_with,
)
from shequ.facilities import actions, queries
from shequ.facilities.api.coverage import router as coverage_router
from shequ.facilities.models import (
    CandidateSite,
    CoordinateSystem,
    Facility,
    FacilityCategory,
    FacilityStatus,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.schemas import (
    CandidateSiteIn,
    CandidateSiteOut,
    CloseIn,
    FacilityDetailOut,
    FacilityIn,
    FacilityOut,
    FacilityPatchIn,
    FloorAreaIn,
    FloorAreaOut,
)
from shequ.territory.api import region_path
from shequ.territory.models import Level, Region

router = Router(tags=["facilities"])
router.add_router("/coverage", coverage_router)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# The actions' error keys, as this API's bodies call them.
FIELD_NAMES = {"community": "community_code"}
TEXT_FIELDS = ("name", "address", "operator", "owner_institution", "note", "external_code")


# --- Shared ---------------------------------------------------------------------------------------


def _conflict() -> ApiError:
    return conflict("version", _("该设施刚刚已被他人修改，请重新读取后再修改。"))


def _community(user: Any, code: str) -> Region:
    """A community the caller may edit, by its code: 404 elsewhere, 422 for a place that is not a
    community."""
    try:
        region = queries.region_in_scope(user, code, FacilitiesPerm.EDIT)
    except Http404:
        raise not_found("community_code") from None
    if region.level != Level.COMMUNITY:
        raise invalid("community_code", _("设施应登记到具体的村(社区)，请使用村(社区)的区划代码。"))
    return region


def _circle(code: str | None) -> Any:
    if not code:
        return None
    circle = queries.circle_by_code(code)
    if circle is None:
        raise invalid("serves_circle", _("服务层级“%(code)s”不存在。") % {"code": code})
    return circle


def _detailed(user: Any, facility_id: int) -> Facility:
    facility = queries.facility_detail(user, facility_id)
    facility.api_photos = list(queries.facility_photos(facility))  # type: ignore[attr-defined]
    return facility


# --- Facilities -----------------------------------------------------------------------------------


@router.get(
    "/facilities",
    response={200: list[FacilityOut], **ERRORS},
    summary="服务设施检索（本辖区）：名称、地址或运营方，类别、状态、区域，开放不足8小时",
)
@paginate(PagePagination)
def list_facilities(
    request: HttpRequest,
    q: str = Query("", max_length=50, description="名称、地址或运营方中的文字"),
    category: str = Query("", description="设施类别代码"),
    status: str = Query("", description="planned、in_service、suspended、closed"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
    opens_too_briefly: bool = Query(False, description="只看每天开放不足8小时的社区综合服务设施"),
) -> QuerySet[Facility]:
    user = user_with(request, FacilitiesPerm.VIEW)
    if category and category not in FacilityCategory.values:
        raise invalid("category", _("设施类别不正确。"))
    if status and status not in FacilityStatus.values:
        raise invalid("status", _("设施状态不正确。"))
    filters = queries.FacilityFilters(
        q=q,
        category=category,
        status=status,
        region_path=region_path(user, region, FacilitiesPerm.VIEW),
        opens_too_briefly=opens_too_briefly,
    )
    return queries.search_facilities(user, filters)


@router.get(
    "/facilities/{facility_id}",
    response={200: FacilityDetailOut, **ERRORS},
    summary="服务设施详情，含开放时间和照片",
)
def get_facility(request: HttpRequest, facility_id: int) -> Facility:
    user = user_with(request, FacilitiesPerm.VIEW)
    return _detailed(user, facility_id)


@router.post(
    "/facilities",
    response={201: FacilityDetailOut, **ERRORS},
    summary="登记服务设施；GCJ-02 坐标（高德、腾讯）请注明 coordinate_system=gcj02，自动换算",
)
def create_facility(request: HttpRequest, payload: FacilityIn) -> Status[Facility]:
    user = user_with(request, FacilitiesPerm.EDIT)
    community = _community(user, payload.community_code.strip())
    values = payload.model_dump(exclude={"community_code"})
    values["serves_circle"] = _circle(payload.serves_circle)
    with acting(FIELD_NAMES):
        facility = actions.register_facility(community=community, by=user, **values)
    return Status(201, _detailed(user, facility.pk))


def _changes(facility: Facility, payload: FacilityPatchIn) -> dict[str, Any]:
    """The fields the client sent, as the action takes them."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "coordinate_system"})
    if ("lat" in changes) != ("lng" in changes) or (
        "lat" in changes and (changes["lat"] is None) != (changes["lng"] is None)
    ):
        raise invalid("lat", _("请同时提供纬度和经度。"))
    if "lat" in changes:
        # The system names the position sent; a stored position is WGS-84 already.
        changes["coordinate_system"] = payload.coordinate_system
    elif "coordinate_system" in payload.model_fields_set:
        raise invalid("coordinate_system", _("只有同时提供纬度和经度时才需要坐标系。"))
    for name in TEXT_FIELDS:
        if name in changes and changes[name] is None:
            changes[name] = ""  # null clears a text field
    for name in ("category", "status"):
        if name in changes and changes[name] is None:
            raise invalid(name, _("该项不能为空。"))
    if "opening_hours" in changes and changes["opening_hours"] is None:
        changes["opening_hours"] = {}
    if "serves_circle" in changes:
        changes["serves_circle"] = _circle(changes["serves_circle"])
    return changes


def _update(user: Any, facility: Facility, expected: int, changes: dict[str, Any]) -> Facility:
    if facility.version != expected:
        raise _conflict()

    def stale(exc: ValidationError) -> ApiError | None:
        # The action refuses a stale version with a plain ValidationError, like any other; which
        # one it was is read from the data: if the version moved on since this request read it,
        # someone else's change committed in between.
        return _conflict() if _current_version(user, facility.pk) != expected else None

    with acting(FIELD_NAMES, as_conflict=stale):
        actions.update_facility(facility=facility, by=user, version=expected, **changes)
    return _detailed(user, facility.pk)


def _current_version(user: Any, facility_id: int) -> int | None:
    try:
        return queries.facility_detail(user, facility_id).version
    except Http404:
        return None


@router.patch(
    "/facilities/{facility_id}",
    response={200: FacilityDetailOut, 409: ErrorOut, **ERRORS},
    summary="修改服务设施：带上读取时的 version；期间有人改过则 409",
)
def patch_facility(request: HttpRequest, facility_id: int, payload: FacilityPatchIn) -> Facility:
    user = user_with(request, FacilitiesPerm.EDIT)
    facility = queries.editable_facility(user, facility_id)
    return _update(user, facility, payload.version, _changes(facility, payload))


@router.post(
    "/facilities/{facility_id}/close",
    response={200: FacilityDetailOut, 409: ErrorOut, **ERRORS},
    summary="关闭服务设施（状态改为“已关闭”，不再计入生活圈覆盖）",
)
def close_facility(request: HttpRequest, facility_id: int, payload: CloseIn) -> Facility:
    user = user_with(request, FacilitiesPerm.EDIT)
    facility = queries.editable_facility(user, facility_id)
    return _update(user, facility, payload.version, {"status": FacilityStatus.CLOSED})


# --- Community floor areas ------------------------------------------------------------------------


@router.get(
    "/floor-areas",
    response={200: list[FloorAreaOut], **ERRORS},
    summary="各村(社区)的总建筑面积与规划三项面积指标的输入（综合服务设施、商业、活动用房面积，户数）",
)
@paginate(PagePagination)
def list_floor_areas(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100, description="年度，默认今年"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
) -> QuerySet[Region]:
    user = user_with(request, FacilitiesPerm.VIEW)
    chosen = year or timezone.localdate().year
    return queries.floor_area_rows(user, chosen, region_path(user, region, FacilitiesPerm.VIEW))


@router.put(
    "/floor-areas/{community_code}/{year}",
    response={200: FloorAreaOut, **ERRORS},
    summary="填报或更正某村(社区)某年度的社区总建筑面积（平方米）",
)
def put_floor_area(
    request: HttpRequest, community_code: str, year: int, payload: FloorAreaIn
) -> Region:
    user = user_with(request, FacilitiesPerm.EDIT)
    community = _community(user, community_code.strip())
    with acting(FIELD_NAMES):
        actions.record_floor_area(
            community=community,
            year=year,
            total_floor_area_m2=payload.total_floor_area_m2,
            source=payload.source,
            by=user,
        )
    return queries.floor_area_rows(user, year).get(pk=community.pk)


# --- Candidate sites ------------------------------------------------------------------------------


@router.get(
    "/candidate-sites",
    response={200: list[CandidateSiteOut], **ERRORS},
    summary="候选场地（闲置用房），默认只列可用的",
)
@paginate(PagePagination)
def list_candidate_sites(
    request: HttpRequest,
    available: bool = Query(True, description="只看可用的；false 为全部"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
) -> QuerySet[CandidateSite]:
    user = user_with(request, FacilitiesPerm.VIEW)
    return queries.candidate_sites(
        user, available_only=available, region_path=region_path(user, region, FacilitiesPerm.VIEW)
    )


@router.post(
    "/candidate-sites",
    response={201: CandidateSiteOut, **ERRORS},
    summary="添加候选场地；GCJ-02 坐标请注明 coordinate_system=gcj02",
)
def create_candidate_site(request: HttpRequest, payload: CandidateSiteIn) -> Status[CandidateSite]:
    user = user_with(request, FacilitiesPerm.EDIT)
    community = _community(user, payload.community_code.strip())
    values = payload.model_dump(exclude={"community_code"})
    if values["coordinate_system"] not in CoordinateSystem.values:
        raise invalid("coordinate_system", _("请选择坐标系：WGS-84 或 GCJ-02。"))
    with acting(FIELD_NAMES):
        site = actions.add_candidate_site(community=community, by=user, **values)
    return Status(201, queries.candidate_site(user, site.pk))
