"""The charity API (V4), mounted at ``/api/v1/organizations``:

- ``GET /charity/funds`` (``q``, ``kind``, ``region``), paged, with balances; ``POST /charity/funds``;
  ``GET /charity/funds/{fund_id}`` with balances and the trial balance;
- ``GET /charity/funds/{fund_id}/entries`` — the ledger, newest first, paged; ``POST`` — a donation
  (money or goods), answered with its receipt number;
- ``GET`` / ``POST /charity/disbursements`` — requests; ``GET /charity/disbursements/{id}``;
  ``POST …/{id}/approve`` (posts the entry) and ``…/{id}/reject``;
- ``POST /charity/entries/{charity_entry_id}/reverse``;
- ``GET`` / ``POST /charity/needs``; ``GET /charity/needs/{id}``; ``POST …/match``, ``…/fulfil``,
  ``…/withdraw``.

Errors, in the shape of ``core.api``: 403 ``forbidden`` (no permission, or refused at that place),
404 ``not_found`` (missing or outside the jurisdiction), 422 ``invalid`` (the action's message: a
balance that would go negative, an amount ≤ 0 or with three decimals, a future date, a requester
approving their own request …), 409 ``conflict`` (a decision on a request that changed meanwhile).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ErrorOut,
    PagePagination,
    acting,
    conflict,
    invalid,
    not_found,
    user_with,
)
from shequ.organizations.actions import charity as actions
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityNeed,
    DisbursementRequest,
    FundKind,
    NeedKind,
    NeedStatus,
    RequestStatus,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import charity as queries
from shequ.organizations.schemas_charity import (
    ApproveIn,
    DisbursementRequestIn,
    DisbursementRequestOut,
    DonationIn,
    EntryOut,
    FulfilIn,
    FundDetailOut,
    FundIn,
    FundOut,
    MatchIn,
    NeedDetailOut,
    NeedIn,
    NeedOut,
    RejectIn,
    ReverseIn,
    WithdrawIn,
)
from shequ.territory.models import Region

router = Router(tags=["organizations"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Perm = OrganizationsPerm
FIELD_NAMES = {"region": "community_code", "community": "community_code", "need": "need_id"}


def _community(user: Any, code: str, perm: str) -> Region:
    try:
        return queries.community_in_scope(user, code.strip(), perm)
    except Http404:
        raise not_found("community_code") from None


def _fund_out(fund: CharityFund) -> CharityFund:
    return queries.with_balances(CharityFund.objects.select_related("region")).get(pk=fund.pk)


# --- Funds -----------------------------------------------------------------------------------------


@router.get(
    "/charity/funds",
    response={200: list[FundOut], **ERRORS},
    summary="慈善基金(超市)列表，含余额和本年收支",
)
@paginate(PagePagination)
def list_funds(
    request: HttpRequest,
    q: str = Query("", max_length=50),
    kind: str = Query("", description="fund、store 或 room"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
) -> QuerySet[CharityFund]:
    user = user_with(request, Perm.VIEW_CHARITY)
    if kind and kind not in FundKind.values:
        raise invalid("kind", _("类型不正确。"))
    region_path = ""
    if region:
        region_path = _community_or_township(user, region)
    return queries.funds(user, queries.FundFilters(q=q, kind=kind, region_path=region_path))


def _community_or_township(user: Any, code: str) -> str:
    try:
        return queries.community_in_scope(user, code.strip(), Perm.VIEW_CHARITY).path
    except Http404:
        raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None


def _detail(fund: CharityFund) -> CharityFund:
    """The fund with its balances, totals and trial balance as attributes for ``FundDetailOut``."""
    annotated: Any = _fund_out(fund)
    trial = queries.trial_balance(fund)
    totals = queries.balances(fund)
    annotated.donations_total = totals.donations
    annotated.disbursements_total = totals.disbursements
    annotated.trial_balance = [
        {"account": r.account, "label": r.label, "debit": r.debit, "credit": r.credit}
        for r in trial.rows
    ]
    annotated.balanced = trial.balanced
    annotated.equation_holds = trial.equation_holds
    annotated.pending_requests = fund.requests.filter(status=RequestStatus.PENDING).count()
    return annotated


@router.get(
    "/charity/funds/{fund_id}",
    response={200: FundDetailOut, **ERRORS},
    summary="慈善基金详情：余额与试算平衡",
)
def get_fund(request: HttpRequest, fund_id: int) -> CharityFund:
    user = user_with(request, Perm.VIEW_CHARITY)
    return _detail(queries.fund_detail(user, fund_id))


@router.post(
    "/charity/funds",
    response={201: FundDetailOut, **ERRORS},
    summary="登记慈善基金、慈善超市或爱心屋",
)
def create_fund(request: HttpRequest, payload: FundIn) -> Status[CharityFund]:
    user = user_with(request, Perm.POST_CHARITY)
    region = _community(user, payload.community_code, Perm.POST_CHARITY)
    with acting(FIELD_NAMES):
        fund = actions.create_fund(
            region=region, by=user, **payload.model_dump(exclude={"community_code"})
        )
    return Status(201, _detail(fund))


# --- The ledger ------------------------------------------------------------------------------------


@router.get(
    "/charity/funds/{fund_id}/entries",
    response={200: list[EntryOut], **ERRORS},
    summary="明细账（新的在前）",
)
@paginate(PagePagination)
def list_entries(request: HttpRequest, fund_id: int) -> QuerySet[CharityEntry]:
    user = user_with(request, Perm.VIEW_CHARITY)
    return queries.ledger(queries.fund_detail(user, fund_id))


@router.post(
    "/charity/funds/{fund_id}/entries",
    response={201: EntryOut, **ERRORS},
    summary="登记捐赠（资金或物资），返回捐赠票据号",
)
def post_donation(request: HttpRequest, fund_id: int, payload: DonationIn) -> Status[CharityEntry]:
    user = user_with(request, Perm.POST_CHARITY)
    fund = queries.fund_detail(user, fund_id, Perm.POST_CHARITY)
    with acting(FIELD_NAMES):
        entry = actions.post_donation(fund=fund, by=user, **payload.model_dump())
    return Status(201, queries.ledger(fund).get(pk=entry.pk))


@router.post(
    "/charity/entries/{charity_entry_id}/reverse",
    response={201: EntryOut, **ERRORS},
    summary="冲销一张凭证（每张只能冲销一次，冲销凭证不能再冲销）",
)
def reverse_entry(
    request: HttpRequest, charity_entry_id: int, payload: ReverseIn
) -> Status[CharityEntry]:
    user = user_with(request, Perm.APPROVE_CHARITY)
    entry = queries.entry_for(user, charity_entry_id, Perm.APPROVE_CHARITY)
    with acting(FIELD_NAMES):
        reversal = actions.reverse_entry(
            entry=entry, by=user, reason=payload.reason, posted_on=payload.posted_on
        )
    return Status(201, queries.ledger(entry.fund).get(pk=reversal.pk))


# --- Disbursements ---------------------------------------------------------------------------------


@router.get(
    "/charity/disbursements",
    response={200: list[DisbursementRequestOut], **ERRORS},
    summary="慈善支出申请（status：pending、approved、rejected）",
)
@paginate(PagePagination)
def list_requests(request: HttpRequest, status: str = Query("")) -> QuerySet[DisbursementRequest]:
    user = user_with(request, Perm.VIEW_CHARITY)
    if status and status not in RequestStatus.values:
        raise invalid("status", _("状态不正确。"))
    return queries.requests(user, status)


@router.post(
    "/charity/disbursements",
    response={201: DisbursementRequestOut, **ERRORS},
    summary="申请慈善支出（须由他人审批后记账）",
)
def create_request(
    request: HttpRequest, payload: DisbursementRequestIn
) -> Status[DisbursementRequest]:
    user = user_with(request, Perm.POST_CHARITY)
    try:
        fund = queries.fund_detail(user, payload.fund_id, Perm.POST_CHARITY)
    except Http404:
        raise not_found("fund_id") from None
    need = None
    if payload.need_id is not None:
        try:
            need = queries.need_detail(user, payload.need_id, Perm.POST_CHARITY)
        except Http404:
            raise not_found("need_id") from None
    with acting(FIELD_NAMES):
        asked = actions.request_disbursement(
            fund=fund, by=user, need=need, **payload.model_dump(exclude={"fund_id", "need_id"})
        )
    return Status(201, queries.request_for(user, asked.pk))


@router.get(
    "/charity/disbursements/{charity_request_id}",
    response={200: DisbursementRequestOut, **ERRORS},
    summary="一条支出申请",
)
def get_request(request: HttpRequest, charity_request_id: int) -> DisbursementRequest:
    user = user_with(request, Perm.VIEW_CHARITY)
    return queries.request_for(user, charity_request_id)


def _pending(user: Any, charity_request_id: int, version: int | None) -> DisbursementRequest:
    asked = queries.request_for(user, charity_request_id, Perm.APPROVE_CHARITY)
    if version is not None and version != asked.version:
        raise conflict("version", _("该支出申请已被他人处理或已变更，请刷新后查看。"))
    return asked


@router.post(
    "/charity/disbursements/{charity_request_id}/approve",
    response={201: EntryOut, **ERRORS},
    summary="批准支出申请并记账（申请人不能审批自己的申请；余额不足时拒绝）",
)
def approve_request(
    request: HttpRequest, charity_request_id: int, payload: ApproveIn
) -> Status[CharityEntry]:
    user = user_with(request, Perm.APPROVE_CHARITY)
    asked = _pending(user, charity_request_id, payload.version)
    with acting(FIELD_NAMES):
        entry = actions.approve_disbursement(
            request=asked, by=user, posted_on=payload.posted_on, reason=payload.reason
        )
    return Status(201, queries.ledger(asked.fund).get(pk=entry.pk))


@router.post(
    "/charity/disbursements/{charity_request_id}/reject",
    response={200: DisbursementRequestOut, **ERRORS},
    summary="驳回支出申请",
)
def reject_request(
    request: HttpRequest, charity_request_id: int, payload: RejectIn
) -> DisbursementRequest:
    user = user_with(request, Perm.APPROVE_CHARITY)
    asked = _pending(user, charity_request_id, payload.version)
    with acting(FIELD_NAMES):
        actions.reject_disbursement(request=asked, by=user, reason=payload.reason)
    return queries.request_for(user, asked.pk)


# --- Needs -----------------------------------------------------------------------------------------


@router.get("/charity/needs", response={200: list[NeedOut], **ERRORS}, summary="慈善需求列表")
@paginate(PagePagination)
def list_needs(
    request: HttpRequest,
    q: str = Query("", max_length=50),
    status: str = Query("", description="open、matched、fulfilled 或 withdrawn"),
    kind: str = Query("", description="money、goods 或 service"),
) -> QuerySet[CharityNeed]:
    user = user_with(request, Perm.VIEW_CHARITY)
    if status and status not in NeedStatus.values:
        raise invalid("status", _("状态不正确。"))
    if kind and kind not in NeedKind.values:
        raise invalid("kind", _("类型不正确。"))
    return queries.needs(user, queries.NeedFilters(q=q, status=status, kind=kind))


@router.post("/charity/needs", response={201: NeedDetailOut, **ERRORS}, summary="发布慈善需求")
def create_need(request: HttpRequest, payload: NeedIn) -> Status[CharityNeed]:
    user = user_with(request, Perm.POST_CHARITY)
    community = _community(user, payload.community_code, Perm.POST_CHARITY)
    with acting(FIELD_NAMES):
        need = actions.post_need(
            community=community, by=user, **payload.model_dump(exclude={"community_code"})
        )
    return Status(201, queries.need_detail(user, need.pk))


@router.get(
    "/charity/needs/{charity_need_id}", response={200: NeedDetailOut, **ERRORS}, summary="一条需求"
)
def get_need(request: HttpRequest, charity_need_id: int) -> CharityNeed:
    user = user_with(request, Perm.VIEW_CHARITY)
    return queries.need_detail(user, charity_need_id)


@router.post(
    "/charity/needs/{charity_need_id}/match",
    response={200: NeedDetailOut, **ERRORS},
    summary="对接需求：爱心人士或单位、慈善基金或慈善项目（本辖区）",
)
def match_need(request: HttpRequest, charity_need_id: int, payload: MatchIn) -> CharityNeed:
    user = user_with(request, Perm.POST_CHARITY)
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    fund = project = None
    if payload.fund_id is not None:
        try:
            fund = queries.fund_detail(user, payload.fund_id)
        except Http404:
            raise invalid("fund_id", _("找不到该慈善基金，或不在您的管辖范围内。")) from None
    if payload.project_id is not None:
        try:
            project = queries.project_in_scope(user, payload.project_id, need.community)
        except Http404:
            raise invalid("project_id", _("找不到该项目，或不在您的管辖范围内。")) from None
    with acting(FIELD_NAMES):
        actions.match_need(
            need=need,
            by=user,
            donor_name=payload.donor_name,
            fund=fund,
            project=project,
            note=payload.note,
        )
    return queries.need_detail(user, need.pk)


@router.post(
    "/charity/needs/{charity_need_id}/fulfil",
    response={200: NeedDetailOut, **ERRORS},
    summary="标记需求已完成，可关联满足它的支出凭证",
)
def fulfil_need(request: HttpRequest, charity_need_id: int, payload: FulfilIn) -> CharityNeed:
    user = user_with(request, Perm.POST_CHARITY)
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    entry = None
    if payload.entry_id is not None:
        try:
            entry = queries.entry_for(user, payload.entry_id)
        except Http404:
            raise invalid("entry_id", _("找不到该凭证，或不在您的管辖范围内。")) from None
    with acting(FIELD_NAMES):
        actions.fulfil_need(need=need, by=user, entry=entry, note=payload.note)
    return queries.need_detail(user, need.pk)


@router.post(
    "/charity/needs/{charity_need_id}/withdraw",
    response={200: NeedDetailOut, **ERRORS},
    summary="撤回需求",
)
def withdraw_need(request: HttpRequest, charity_need_id: int, payload: WithdrawIn) -> CharityNeed:
    user = user_with(request, Perm.POST_CHARITY)
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    with acting(FIELD_NAMES):
        actions.withdraw_need(need=need, by=user, reason=payload.reason)
    return queries.need_detail(user, need.pk)
