"""``/api/v1/registry``: residents and households — search, detail, registration, edits, reveal.

Every read goes through ``registry.queries`` (and ``territory.queries`` for the places named in a
registration), every write through ``registry.actions``. Output is masked (``registry.display``); the
clear value of one field comes only from ``POST /residents/{id}/reveal``, with a reason, audited.

Errors, in the shape of ``core.api``:

- the role lacks the permission anywhere → 403 ``forbidden``;
- the object does not exist or lies outside the caller's jurisdiction → 404 ``not_found``;
- the object is visible but the action refuses the caller there (``PermissionDenied``) → 403;
- the action's ``ValidationError`` → 422 ``invalid``, its keys kept as ``field``
  (``members.2.id_number``: members are numbered from 1, as the action reports them);
- an edit that started from an older version → 409 ``conflict``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination
from shequ.registry import actions, queries
from shequ.registry.actions import MemberInput
from shequ.registry.models import (
    CareGroup,
    Household,
    LifeStatus,
    ResidenceStatus,
    Resident,
)
from shequ.registry.permissions import RegistryPerm
from shequ.registry.schemas import (
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdOut,
    ResidentDetailOut,
    ResidentOut,
    ResidentPatchIn,
    RevealIn,
    RevealOut,
)
from shequ.territory import queries as territory_queries
from shequ.territory.models import Building

router = Router(tags=["registry"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# Body field names of a registration, for the action's place errors.
PLACE_FIELDS = {
    "community": "community_code",
    "grid": "grid_code",
    "estate": "estate_id",
    "building": "building_id",
    "villager_group": "villager_group_id",
}
TEXT_FIELDS = ("name", "id_type", "id_number", "phone", "sex", "residence_status", "relation")


def _user_with(request: HttpRequest, perm: str) -> Any:
    """The caller, if some role of theirs holds ``perm`` (anywhere); 403 otherwise."""
    user = request.user
    if not user.has_permission(perm):  # type: ignore[union-attr]
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    return user


def _invalid(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(422, "invalid", _("提交的数据有误，请检查标出的字段。"), errors)


def _not_found(field: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        _("找不到该对象，或不在您的管辖范围内。"),
        [{"field": field, "message": _("找不到该对象，或不在您的管辖范围内。")}],
    )


@contextmanager
def _acting() -> Iterator[None]:
    """An action on an object the caller can see: a refusal is a 403 (the object's existence is no
    secret to them), never a 500."""
    try:
        yield
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or _("您没有执行此操作的权限。")) from None


# --- Residents ----------------------------------------------------------------------------------


def _filters(
    *,
    q: str,
    care_group: str,
    status: str,
    residence_status: str,
    age_min: int | None,
    age_max: int | None,
    estate: int | None,
    building: int | None,
    sort: str,
) -> queries.ResidentFilters:
    errors = []
    if care_group and care_group not in CareGroup.values:
        errors.append({"field": "care_group", "message": _("关爱类别不正确。")})
    status = "" if status == "all" else status
    if status and status not in LifeStatus.values:
        errors.append({"field": "status", "message": _("提交的数据有误，请检查标出的字段。")})
    if residence_status and residence_status not in ResidenceStatus.values:
        errors.append({"field": "residence_status", "message": _("人口类别不正确。")})
    if sort not in queries.SORTS:
        errors.append({"field": "sort", "message": _("提交的数据有误，请检查标出的字段。")})
    if age_min is not None and age_max is not None and age_min > age_max:
        errors.append({"field": "age_max", "message": _("提交的数据有误，请检查标出的字段。")})
    if errors:
        raise _invalid(errors)
    return queries.ResidentFilters(
        q=q,
        care_group=care_group,
        status=status,
        residence_status=residence_status,
        age_min=age_min,
        age_max=age_max,
        estate_id=estate,
        building_id=building,
        sort=sort,
    )


@router.get(
    "/residents",
    response={200: list[ResidentOut], **ERRORS},
    summary="居民检索：姓名（含拼音首字母）、证件号码、手机号、关爱类别、年龄段、人口类别（脱敏）",
)
@paginate(PagePagination)
def list_residents(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="姓名、拼音或首字母、身份证号、手机号"),
    care_group: str = Query("", description="关爱类别（只看当前有效的标记）"),
    status: str = Query(
        LifeStatus.ACTIVE, description="active（默认）、moved_out、deceased；all 为全部"
    ),
    residence_status: str = Query("", description="registered、permanent、migrant"),
    age_min: int | None = Query(None, ge=0, le=150),
    age_max: int | None = Query(None, ge=0, le=150),
    estate: int | None = Query(None, description="小区 id"),
    building: int | None = Query(None, description="楼栋 id"),
    sort: str = Query("name", description="name、-name、age、-age、registered、-registered"),
) -> QuerySet[Resident]:
    user = _user_with(request, RegistryPerm.VIEW)
    filters = _filters(
        q=q,
        care_group=care_group,
        status=status,
        residence_status=residence_status,
        age_min=age_min,
        age_max=age_max,
        estate=estate,
        building=building,
        sort=sort,
    )
    # One query for the page, one for the current care tags of the whole page.
    return queries.search_residents(user, filters).prefetch_related(queries.current_tags())


@router.get(
    "/residents/{resident_id}",
    response={200: ResidentDetailOut, **ERRORS},
    summary="居民详情（脱敏），含当前关爱标记和入户、离户记录",
)
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    user = _user_with(request, RegistryPerm.VIEW)
    return queries.resident_detail(user, resident_id)


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="说明事由后查看一个字段的完整值（身份证号、手机号或所在户的详细地址），留痕",
)
def reveal_field(
    request: HttpRequest, resident_id: int, payload: RevealIn, response: HttpResponse
) -> dict[str, str]:
    user = _user_with(request, RegistryPerm.REVEAL)
    resident = queries.resident_detail(user, resident_id)
    # The address belongs to the household: revealing it for a resident reveals their household's.
    obj: Resident | Household = resident
    if payload.field == "address_detail":
        if resident.household is None:
            raise _invalid([{"field": "field", "message": _("该字段不能查看。")}])
        obj = resident.household
    with _acting():
        value = actions.reveal(obj=obj, field_name=payload.field, reason=payload.reason, by=user)
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}


@router.patch(
    "/residents/{resident_id}",
    response={200: ResidentDetailOut, 409: ErrorOut, **ERRORS},
    summary="修改居民信息：带上开始编辑时的 version；期间有人改过则 409",
)
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatchIn) -> Resident:
    user = _user_with(request, RegistryPerm.EDIT)
    resident = queries.resident_detail(user, resident_id)
    changes = payload.model_dump(exclude_unset=True)
    expected = changes.pop("version")
    for name in (*TEXT_FIELDS, "legal_basis", "note"):
        if name in changes and changes[name] is None:
            changes[name] = ""  # null clears a text field
    if resident.version != expected:
        raise _conflict()
    try:
        with _acting():
            actions.update_resident(
                resident=resident, changes=changes, expected_version=expected, by=user
            )
    except ValidationError:
        # The action refuses a stale version with a plain ValidationError, like any other. Which
        # one it was is read from the data, not from the (translated) message: if the version has
        # moved on since the check above, someone else's edit committed in between — a conflict.
        if _current_version(user, resident_id) != expected:
            raise _conflict() from None
        raise
    return queries.resident_detail(user, resident_id)


def _current_version(user: Any, resident_id: int) -> int | None:
    try:
        return queries.resident_detail(user, resident_id).version
    except Http404:
        return None


def _conflict() -> ApiError:
    return ApiError(
        409,
        "conflict",
        _("该居民的信息刚被其他人修改过，请刷新后重新编辑。"),
        [{"field": "version", "message": _("该居民的信息刚被其他人修改过，请刷新后重新编辑。")}],
    )


# --- Households ---------------------------------------------------------------------------------


def _with_places(households: QuerySet[Household]) -> QuerySet[Household]:
    return households.select_related(
        "community", "grid", "estate", "building", "villager_group", "head"
    )


@router.get(
    "/households",
    response={200: list[HouseholdOut], **ERRORS},
    summary="户列表（地址脱敏），可按村(社区)、网格、小区筛选",
)
@paginate(PagePagination)
def list_households(
    request: HttpRequest,
    community: str = "",
    grid: str = "",
    estate: int | None = None,
    q: str = Query("", max_length=40, description="户编号"),
) -> QuerySet[Household]:
    user = _user_with(request, RegistryPerm.VIEW)
    # Filters narrow the scoped set; a place outside the jurisdiction simply matches nothing.
    households = queries.visible_households(user)
    if community:
        households = households.filter(community__code=community)
    if grid:
        households = households.filter(grid__code=grid)
    if estate is not None:
        households = households.filter(estate_id=estate)
    if q.strip():
        households = households.filter(number__contains=q.strip())
    return _with_places(households).order_by("community__code", "number")


def _household_out(user: Any, household_id: int) -> Household:
    household = queries.household_detail(user, household_id)
    # Explicitly the members the caller may see, never the unscoped ``household.members`` manager.
    household.visible_members = list(  # type: ignore[attr-defined]
        queries.household_members(user, household).select_related("household", "community", "grid")
    )
    return household


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **ERRORS},
    summary="户详情，含成员（脱敏）",
)
def get_household(request: HttpRequest, household_id: int) -> Household:
    user = _user_with(request, RegistryPerm.VIEW)
    return _household_out(user, household_id)


def _place_of(user: Any, payload: HouseholdIn) -> dict[str, Any]:
    """The places a registration names, each found within the caller's view (404 otherwise)."""
    try:
        community = territory_queries.community_or_404(
            territory_queries.region_detail(user, payload.community_code)
        )
    except Http404:
        raise _not_found("community_code") from None
    place: dict[str, Any] = {"community": community}
    if payload.grid_code:
        try:
            place["grid"] = territory_queries.grid_detail(user, payload.grid_code)
        except Http404:
            raise _not_found("grid_code") from None
    estate = None
    if payload.estate_id is not None:
        estate = territory_queries.estates_of(user, community).filter(pk=payload.estate_id).first()
        if estate is None:
            raise _not_found("estate_id")
        place["estate"] = estate
    if payload.building_id is not None:
        if estate is None:
            raise _invalid([{"field": "building_id", "message": _("所选楼栋不属于所选小区。")}])
        # A building is found within the estate just found in the caller's view.
        building = Building.objects.filter(pk=payload.building_id, estate=estate).first()
        if building is None:
            raise _not_found("building_id")
        place["building"] = building
    if payload.villager_group_id is not None:
        group = (
            territory_queries.villager_groups_of(user, community)
            .filter(pk=payload.villager_group_id)
            .first()
        )
        if group is None:
            raise _not_found("villager_group_id")
        place["villager_group"] = group
    return place


@router.post(
    "/households",
    response={201: HouseholdDetailOut, **ERRORS},
    summary="登记一户及其成员（恰好一名户主）；出生日期和性别由身份证号码得出",
)
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[Household]:
    user = _user_with(request, RegistryPerm.EDIT)
    place = _place_of(user, payload)
    members = [MemberInput(**member.model_dump()) for member in payload.members]
    try:
        with _acting():
            household = actions.register_household(
                members=members, address_detail=payload.address_detail, by=user, **place
            )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise _invalid(
            [
                {"field": PLACE_FIELDS.get(name, name), "message": str(message)}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from None
    return Status(201, _household_out(user, household.pk))
