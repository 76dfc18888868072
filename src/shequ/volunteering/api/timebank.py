"""The time-bank API (V1), mounted at ``/api/v1/volunteering``:

- staff (VIEW; TIMEBANK to post): ``GET /timebank/accounts`` (``kind``, ``flagged``), paged, with
  balances; ``GET /timebank/accounts/{account_id}``; ``GET …/{account_id}/history``, paged;
  ``GET /timebank/transfers``, paged; ``GET /timebank/transfers/{transfer_number}``;
  ``POST /timebank/transfers`` — a paper cheque (kind MANUAL) with its ``request_key``;
  ``GET /timebank/audit`` — the audit summary of the caller's jurisdiction;
- residents: ``GET /timebank/me`` (their account), ``GET /timebank/me/history``,
  ``POST /timebank/me/spend``, ``POST /timebank/me/donate-pool``, ``POST /timebank/me/donate-family``.

Errors, in the shape of ``core.api``: 403 ``forbidden``, 404 ``not_found`` (missing or outside the
jurisdiction), 422 ``invalid`` (the action's message: an overdraft, hours ≤ 0 or with three decimals, a
transfer to oneself, a request_key already used for something else)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, invalid, user_with
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.actions.volunteers import own_resident
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeMovement,
    TimeTransfer,
)
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import timebank as queries
from shequ.volunteering.schemas_timebank import (
    AccountOut,
    AuditOut,
    FamilyDonationIn,
    ManualTransferIn,
    MovementOut,
    PoolDonationIn,
    SpendIn,
    TransferOut,
)

router = Router(tags=["volunteering"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = VolunteeringPerm
FIELD_NAMES = {"member": "member_id"}


def _transfer_out(transfer: TimeTransfer) -> TimeTransfer:
    return TimeTransfer.objects.select_related(
        "source__holder", "source__community", "target__holder", "target__community", "reverses"
    ).get(pk=transfer.pk)


# --- Staff -----------------------------------------------------------------------------------------


@router.get(
    "/timebank/accounts",
    response={200: list[AccountOut], **ERRORS},
    summary="时间账户列表，含余额",
)
@paginate(PagePagination)
def list_accounts(
    request: HttpRequest,
    kind: str = Query("", description="member、pool 或 issuing"),
    flagged: bool = Query(False, description="只看需关注的"),
) -> QuerySet[TimeAccount]:
    user = user_with(request, Perm.VIEW)
    if kind and kind not in AccountKind.values:
        raise invalid("kind", _("账户类型不正确。"))
    return queries.accounts(user, queries.AccountFilters(kind=kind, flagged=flagged))


@router.get(
    "/timebank/accounts/{account_id}",
    response={200: AccountOut, **ERRORS},
    summary="时间账户",
)
def get_account(request: HttpRequest, account_id: int) -> TimeAccount:
    return queries.account_detail(user_with(request, Perm.VIEW), account_id)


@router.get(
    "/timebank/accounts/{account_id}/history",
    response={200: list[MovementOut], **ERRORS},
    summary="账户流水（新的在前）",
)
@paginate(PagePagination)
def account_history(request: HttpRequest, account_id: int) -> QuerySet[TimeMovement]:
    account = queries.account_detail(user_with(request, Perm.VIEW), account_id)
    return queries.history(account)


@router.get(
    "/timebank/transfers",
    response={200: list[TransferOut], **ERRORS},
    summary="转账列表（新的在前）",
)
@paginate(PagePagination)
def list_transfers(request: HttpRequest) -> QuerySet[TimeTransfer]:
    return queries.transfers(user_with(request, Perm.VIEW)).select_related(
        "target__community", "reverses"
    )


@router.get(
    "/timebank/transfers/{transfer_number}",
    response={200: TransferOut, **ERRORS},
    summary="转账",
)
def get_transfer(request: HttpRequest, transfer_number: str) -> TimeTransfer:
    found = queries.transfer_detail(user_with(request, Perm.VIEW), transfer_number)
    return _transfer_out(found)


def _account_in_scope(user: Any, number: str, field: str) -> TimeAccount:
    text = str(number or "").strip().upper().removeprefix("SJZH")
    found = queries.accounts(user).filter(pk=int(text)).first() if text.isdigit() else None
    if found is None or not queries.may(user, Perm.TIMEBANK, found.community):
        raise ApiError(
            404,
            "not_found",
            _("找不到该账户号，或该账户不在您的管辖范围内。"),
            [{"field": field, "message": _("找不到该账户号，或该账户不在您的管辖范围内。")}],
        )
    return found


@router.post(
    "/timebank/transfers",
    response={201: TransferOut, **ERRORS},
    summary="纸质凭证补录（同一 request_key 只记一次）",
)
def post_manual(request: HttpRequest, payload: ManualTransferIn) -> Status[TimeTransfer]:
    user = user_with(request, Perm.TIMEBANK)
    source = _account_in_scope(user, payload.source_number, "source_number")
    target = _account_in_scope(user, payload.target_number, "target_number")
    with acting(FIELD_NAMES):
        transfer = actions.manual_transfer(
            by=user,
            source=source,
            target=target,
            hours=payload.hours,
            memo=payload.memo,
            request_key=payload.request_key,
        )
    return Status(201, _transfer_out(transfer))


@router.get("/timebank/audit", response={200: AuditOut, **ERRORS}, summary="对账报告")
def audit(request: HttpRequest) -> dict[str, Any]:
    report = queries.audit_report(user_with(request, Perm.VIEW))
    return {
        "accounts": report.accounts,
        "transfers": report.transfers,
        "movements_total": report.movements_total,
        "whole_bank": report.whole_bank,
        "unbalanced_transfers": report.unbalanced_transfers,
        "chain_mismatches": len(report.chain_mismatches),
        "outstanding_hours": report.outstanding_total,
        "kind_totals": [
            {
                "kind": row["transfer__kind"],
                "label": str(row["label"]),
                "count": row["count"],
                "credits": row["credits"],
                "debits": row["debits"],
            }
            for row in report.kind_totals
        ],
    }


# --- Residents -------------------------------------------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("只有居民本人可以使用此功能。"))
    if own_resident(user) is None:
        raise ApiError(403, "forbidden", _("请先关联您的居民信息。"))
    return user


def _own(request: HttpRequest) -> TimeAccount:
    user = _resident(request)
    account = queries.own_account(own_resident(user))
    if account is None:
        raise ApiError(404, "not_found", _("您还没有时间账户。"))
    return account


@router.get("/timebank/me", response={200: AccountOut, **ERRORS}, summary="我的时间账户")
def my_account(request: HttpRequest) -> TimeAccount:
    return _own(request)


@router.get(
    "/timebank/me/history",
    response={200: list[MovementOut], **ERRORS},
    summary="我的收支明细（新的在前）",
)
@paginate(PagePagination)
def my_history(request: HttpRequest) -> QuerySet[TimeMovement]:
    return queries.history(_own(request))


@router.post(
    "/timebank/me/spend", response={201: TransferOut, **ERRORS}, summary="兑换服务（付时长）"
)
def my_spend(request: HttpRequest, payload: SpendIn) -> Status[TimeTransfer]:
    user = _resident(request)
    with acting(FIELD_NAMES):
        transfer = actions.spend_hours(by=user, **payload.model_dump())
    return Status(201, _transfer_out(transfer))


@router.post(
    "/timebank/me/donate-pool", response={201: TransferOut, **ERRORS}, summary="捐入社区互助池"
)
def my_pool(request: HttpRequest, payload: PoolDonationIn) -> Status[TimeTransfer]:
    user = _resident(request)
    with acting(FIELD_NAMES):
        transfer = actions.donate_to_pool(by=user, **payload.model_dump())
    return Status(201, _transfer_out(transfer))


@router.post(
    "/timebank/me/donate-family", response={201: TransferOut, **ERRORS}, summary="赠与家人"
)
def my_family(request: HttpRequest, payload: FamilyDonationIn) -> Status[TimeTransfer]:
    user = _resident(request)
    data = payload.model_dump()
    with acting(FIELD_NAMES):
        transfer = actions.donate_to_family(by=user, member=data.pop("member_id"), **data)
    return Status(201, _transfer_out(transfer))
