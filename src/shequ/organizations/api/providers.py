"""The providers and property API (S4, V5), mounted at ``/api/v1/organizations``:

- ``GET /providers`` (``q``, ``kind``, ``region``, ``credit_level``, ``red_property``), paged;
  ``POST /providers``; ``GET`` / ``PATCH /providers/{provider_id}`` (``version``: 409 when stale);
- ``GET`` / ``POST /providers/{provider_id}/credit-events``; ``GET
  /providers/{provider_id}/assessments``; ``POST /providers/{provider_id}/reassess``;
- ``GET`` / ``POST /providers/{provider_id}/cases`` — complaint cases linked to the provider;
- ``GET`` / ``POST /estates/{property_estate_id}/management``;
- ``GET /property/coverage?region=``;
- ``GET`` / ``POST /committees``.

Reads go through ``organizations.queries.providers``, writes through
``organizations.actions.providers``. Errors in the shape of ``core.api``: 403 without the permission
(or refused there), 404 outside the jurisdiction, 422 for the action's ``ValidationError`` with its
fields, 409 for a stale ``version``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
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
from shequ.organizations.actions import providers as actions
from shequ.organizations.models import (
    CommitteeKind,
    CommitteeStatus,
    CreditAssessment,
    CreditEvent,
    CreditLevel,
    EstateCommittee,
    Provider,
    ProviderCase,
    ProviderKind,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import providers as queries
from shequ.organizations.schemas_providers import (
    AssessmentOut,
    CommitteeIn,
    CommitteeOut,
    CoverageOut,
    CoverageRowOut,
    CreditEventIn,
    CreditEventOut,
    EstateManagementOut,
    LinkCaseIn,
    ManagementIn,
    ProviderCaseOut,
    ProviderIn,
    ProviderOut,
    ProviderPatchIn,
    ReassessIn,
    ReassessOut,
)
from shequ.territory.models import Estate

router = Router(tags=["organizations"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
FIELD_NAMES = {
    "region": "region_code",
    "handling_unit": "handling_unit_id",
    "social_organization": "social_organization_id",
    "provider": "provider_id",
    "case": "case_number",
    "estate": "estate_id",
}
PROPERTY = OrganizationsPerm.MANAGE_PROPERTY


def _conflict() -> ApiError:
    return conflict("version", _("该服务主体刚刚已被他人修改，请重新读取后再修改。"))


def _stale(exc: ValidationError) -> ApiError | None:
    """The action's refusal of a stale ``version`` as a 409."""
    if getattr(exc, "error_dict", None) and "version" in exc.message_dict:
        return _conflict()
    return None


def _acting() -> AbstractContextManager[None]:
    return acting(FIELD_NAMES, as_conflict=_stale)


def _provider_region(user: Any, code: str) -> Any:
    regions = queries.provider_regions(user)
    region = regions.filter(code=(code or "").strip()).first()
    if region is None:
        raise invalid("region_code", _("请填写您可登记的县(区)或乡镇(街道)区划代码。"))
    return region


def _unit(user: Any, unit_id: int | None, provider: Provider | None = None) -> Any:
    if unit_id is None:
        return None
    if provider is not None and provider.handling_unit_id == unit_id:
        return provider.handling_unit
    unit = queries.unit_choices(user).filter(pk=unit_id).first()
    if unit is None:
        raise invalid("handling_unit_id", _("承办单位不存在，或不在您的管辖范围内。"))
    return unit


def _org(user: Any, org_id: int | None, provider: Provider | None = None) -> Any:
    if org_id is None:
        return None
    if provider is not None and provider.social_organization_id == org_id:
        return provider.social_organization
    org = queries.social_org_choices(user).filter(pk=org_id).first()
    if org is None:
        raise invalid("social_organization_id", _("社会组织不存在，或不在您的管辖范围内。"))
    return org


# --- Providers ------------------------------------------------------------------------------------


@router.get(
    "/providers",
    response={200: list[ProviderOut], **ERRORS},
    summary="服务主体检索（本辖区及上级登记的）：类型、地区、信用等级、红色物业",
)
@paginate(PagePagination)
def list_providers(
    request: HttpRequest,
    q: str = Query("", max_length=50, description="名称、地址、服务内容或信用代码"),
    kind: str = Query("", description="elderly_care、childcare、housekeeping、property"),
    region: str = Query("", max_length=12, description="登记地区的区划代码：该地区及以下"),
    credit_level: str = Query("", description="A、B、C、D"),
    red_property: bool = Query(False, description="只看红色物业"),
    include_inactive: bool = Query(False, description="含已停止经营的"),
) -> QuerySet[Provider]:
    user = user_with(request, OrganizationsPerm.VIEW)
    if kind and kind not in ProviderKind.values:
        raise invalid("kind", _("服务类型不正确。"))
    if credit_level and credit_level not in CreditLevel.values:
        raise invalid("credit_level", _("信用等级应为 A、B、C、D 之一。"))
    path = ""
    if region.strip():
        try:
            path = queries.region_or_ancestor(user, region).path
        except Http404:
            raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    return queries.search_providers(
        user,
        queries.ProviderFilters(
            q=q,
            kind=kind,
            region_path=path,
            credit_level=credit_level,
            red_property=red_property,
            include_inactive=include_inactive,
        ),
    )


@router.get(
    "/providers/{provider_id}", response={200: ProviderOut, **ERRORS}, summary="服务主体详情"
)
def get_provider(request: HttpRequest, provider_id: int) -> Provider:
    user = user_with(request, OrganizationsPerm.VIEW)
    return queries.provider_detail(user, provider_id)


@router.post("/providers", response={201: ProviderOut, **ERRORS}, summary="登记服务主体")
def create_provider(request: HttpRequest, payload: ProviderIn) -> Status[Provider]:
    user = user_with(request, OrganizationsPerm.VIEW)
    if not (user.has_permission(OrganizationsPerm.EDIT) or user.has_permission(PROPERTY)):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    region = _provider_region(user, payload.region_code)
    values = payload.model_dump(
        exclude={"region_code", "handling_unit_id", "social_organization_id"}
    )
    values["handling_unit"] = _unit(user, payload.handling_unit_id)
    values["social_organization"] = _org(user, payload.social_organization_id)
    with _acting():
        provider = actions.register_provider(region=region, by=user, **values)
    return Status(201, queries.provider_detail(user, provider.pk))


@router.patch(
    "/providers/{provider_id}",
    response={200: ProviderOut, 409: ErrorOut, **ERRORS},
    summary="修改服务主体：带上读取时的 version；期间有人改过则 409",
)
def patch_provider(request: HttpRequest, provider_id: int, payload: ProviderPatchIn) -> Provider:
    user = user_with(request, OrganizationsPerm.VIEW)
    provider = queries.editable_provider(user, provider_id)
    if provider.version != payload.version:
        raise _conflict()
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "region_code" in changes:
        changes["region"] = _provider_region(user, changes.pop("region_code") or "")
    if "handling_unit_id" in changes:
        changes["handling_unit"] = _unit(user, changes.pop("handling_unit_id"), provider)
    if "social_organization_id" in changes:
        changes["social_organization"] = _org(user, changes.pop("social_organization_id"), provider)
    for name in ("legal_representative", "address", "services"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    for name in ("kind", "name", "uscc", "is_state_owned", "is_red_property", "is_active"):
        if name in changes and changes[name] is None:
            raise invalid(name, _("该项不能为空。"))
    with _acting():
        actions.update_provider(provider=provider, by=user, version=payload.version, **changes)
    return queries.provider_detail(user, provider_id)


# --- Credit ---------------------------------------------------------------------------------------


@router.get(
    "/providers/{provider_id}/credit-events",
    response={200: list[CreditEventOut], **ERRORS},
    summary="服务主体的奖惩记录",
)
def list_credit_events(request: HttpRequest, provider_id: int) -> list[CreditEvent]:
    user = user_with(request, OrganizationsPerm.VIEW)
    provider = queries.provider_detail(user, provider_id)
    return list(queries.credit_events(provider)[:500])


@router.post(
    "/providers/{provider_id}/credit-events",
    response={201: CreditEventOut, **ERRORS},
    summary="登记处罚（扣 5～30 分）或表彰（加 2～10 分），并重新计算信用",
)
def create_credit_event(
    request: HttpRequest, provider_id: int, payload: CreditEventIn
) -> Status[CreditEvent]:
    user = user_with(request, OrganizationsPerm.MANAGE_CREDIT)
    provider = queries.credit_provider(user, provider_id)
    with _acting():
        event = actions.record_credit_event(provider=provider, by=user, **payload.model_dump())
        actions.reassess_provider(provider=provider, by=user)
    return Status(201, event)


@router.get(
    "/providers/{provider_id}/assessments",
    response={200: list[AssessmentOut], **ERRORS},
    summary="信用评定历史",
)
def list_assessments(request: HttpRequest, provider_id: int) -> list[CreditAssessment]:
    user = user_with(request, OrganizationsPerm.VIEW)
    provider = queries.provider_detail(user, provider_id)
    return list(queries.assessments(provider)[:200])


@router.post(
    "/providers/{provider_id}/reassess",
    response={200: ReassessOut, **ERRORS},
    summary="重新评定信用：按近24个月的评价、有效投诉和奖惩计算",
)
def reassess(request: HttpRequest, provider_id: int, payload: ReassessIn) -> dict[str, Any]:
    user = user_with(request, OrganizationsPerm.MANAGE_CREDIT)
    provider = queries.credit_provider(user, provider_id)
    with _acting():
        assessment = actions.reassess_provider(provider=provider, by=user, force=payload.force)
    return {
        "changed": assessment is not None,
        "provider": queries.provider_detail(user, provider_id),
        "assessment": assessment,
    }


# --- Cases ----------------------------------------------------------------------------------------


@router.get(
    "/providers/{provider_id}/cases",
    response={200: list[ProviderCaseOut], **ERRORS},
    summary="关联到服务主体的工单（仅您可查看的）",
)
@paginate(PagePagination)
def list_provider_cases(request: HttpRequest, provider_id: int) -> QuerySet[ProviderCase]:
    user = user_with(request, OrganizationsPerm.VIEW)
    provider = queries.provider_detail(user, provider_id)
    return queries.provider_cases(user, provider)


@router.post(
    "/providers/{provider_id}/cases",
    response={201: ProviderCaseOut, **ERRORS},
    summary="关联投诉工单到服务主体（可注明涉及的小区）",
)
def link_case(request: HttpRequest, provider_id: int, payload: LinkCaseIn) -> Status[ProviderCase]:
    user = user_with(request, OrganizationsPerm.VIEW)
    provider = queries.provider_detail(user, provider_id)
    try:
        case = queries.case_by_number(user, payload.case_number)
    except Http404:
        raise not_found("case_number") from None
    estate = None
    if payload.estate_id is not None:
        estate = queries.complaint_estates(case).filter(pk=payload.estate_id).first()
        if estate is None:
            raise invalid("estate_id", _("所选小区不在该工单所在的村(社区)。"))
    with _acting():
        row = actions.link_case(provider=provider, case=case, by=user, estate=estate)
    return Status(201, queries.provider_cases(user, provider).get(pk=row.pk))


# --- Property -------------------------------------------------------------------------------------


def _management(estate: Estate) -> dict[str, Any]:
    history = list(queries.management_history(estate))
    current = next((row for row in history if row.ended_on is None), None)
    return {
        "estate_id": estate.pk,
        "estate_name": estate.name,
        "community_code": estate.community.code,
        "current": current,
        "history": history,
    }


@router.get(
    "/estates/{property_estate_id}/management",
    response={200: EstateManagementOut, **ERRORS},
    summary="小区的物业管理：现行方式和历次记录",
)
def get_management(request: HttpRequest, property_estate_id: int) -> dict[str, Any]:
    user = user_with(request, PROPERTY)
    return _management(queries.estate_detail(user, property_estate_id))


@router.post(
    "/estates/{property_estate_id}/management",
    response={201: EstateManagementOut, **ERRORS},
    summary="登记或变更小区的物业管理方式（现行方式在新开始日期前一天结束）",
)
def set_management(
    request: HttpRequest, property_estate_id: int, payload: ManagementIn
) -> Status[dict[str, Any]]:
    user = user_with(request, PROPERTY)
    estate = queries.estate_detail(user, property_estate_id)
    provider = None
    if payload.provider_id is not None:
        provider = queries.property_companies(user).filter(pk=payload.provider_id).first()
        if provider is None:
            provider = queries.visible_providers(user).filter(pk=payload.provider_id).first()
        if provider is None:
            raise invalid("provider_id", _("找不到该物业企业，或不在您的管辖范围内。"))
    with _acting():
        actions.set_estate_management(
            estate=estate,
            by=user,
            mode=payload.mode,
            provider=provider,
            started_on=payload.started_on,
            contract_ends_on=payload.contract_ends_on,
            note=payload.note,
        )
    return Status(201, _management(estate))


def _row(row: queries.CoverageRow) -> dict[str, Any]:
    return {
        "region_code": row.region.code,
        "region_name": row.region.name,
        "estates": row.estates,
        "company": row.company,
        "fallback": row.fallback,
        "self_managed": row.self_managed,
        "without": row.without,
        "red": row.red,
        "red_share": row.red_share,
        "with_committee": row.with_committee,
    }


@router.get(
    "/property/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="小区物业覆盖：按下级区域统计企业管理、国有兜底、托管自管、无物业和红色物业占比",
)
def property_coverage(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="区划代码；默认您的辖区"),
) -> dict[str, Any]:
    user = user_with(request, PROPERTY)
    try:
        place = queries.property_place(user, region.strip() or None)
    except Http404:
        raise not_found("region") from None
    total, children = queries.coverage(user, place)
    without: list[dict[str, Any]] = []
    if not children:
        without = [
            {"id": e.pk, "name": e.name, "community_code": e.community.code}
            for e in queries.estate_rows(user, place, without_only=True)[:1000]
        ]
    return {
        "total": CoverageRowOut(**_row(total)),
        "children": [CoverageRowOut(**_row(c)) for c in children],
        "estates_without": without,
    }


# --- Committees -----------------------------------------------------------------------------------


@router.get(
    "/committees",
    response={200: list[CommitteeOut], **ERRORS},
    summary="业委会(物管会)（本辖区）",
)
@paginate(PagePagination)
def list_committees(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="区划代码：该区域及以下"),
    kind: str = Query("", description="owners、management"),
    status: str = Query("", description="active、expired、dissolved"),
) -> QuerySet[EstateCommittee]:
    user = user_with(request, PROPERTY)
    if kind and kind not in CommitteeKind.values:
        raise invalid("kind", _("类型应为 owners 或 management。"))
    if status and status not in CommitteeStatus.values:
        raise invalid("status", _("状态不正确。"))
    path = ""
    if region.strip():
        try:
            path = queries.region_in_scope(user, region, PROPERTY).path
        except Http404:
            raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    return queries.committees(
        user, queries.CommitteeFilters(region_path=path, kind=kind, status=status)
    )


@router.post("/committees", response={201: CommitteeOut, **ERRORS}, summary="登记业委会(物管会)")
def create_committee(request: HttpRequest, payload: CommitteeIn) -> Status[EstateCommittee]:
    user = user_with(request, PROPERTY)
    try:
        estate = queries.estate_detail(user, payload.estate_id)
    except Http404:
        raise not_found("estate_id") from None
    values = payload.model_dump(exclude={"estate_id"})
    with _acting():
        committee = actions.record_committee(estate=estate, by=user, **values)
    return Status(201, committee)
