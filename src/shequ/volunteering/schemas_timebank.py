"""The time-bank API's shapes (``volunteering.api.timebank``).

Hours are decimals with two places; they come in as text or numbers and the actions check them (more
than 0, at most two decimals, at most 1,000). Other residents are named masked, never in full."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shequ.core.masking import mask_name
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)


def account_number(account: TimeAccount) -> str:
    return f"SJZH{account.pk:08d}"


def _side(account: TimeAccount) -> str:
    if account.kind == AccountKind.MEMBER and account.holder is not None:
        return mask_name(account.holder.name)
    return f"{account.community.name}{account.get_kind_display()}"


class AccountOut(Schema):
    """An account with its balance (its latest movement's balance_after)."""

    id: int
    number: str
    kind: str
    kind_label: str
    community_code: str
    community_name: str
    holder_name: str = Field(description="持有人姓名（工作人员接口为全名，居民接口为本人）")
    balance: Decimal
    flagged: bool
    flag_reason: str
    opened_at: datetime

    @staticmethod
    def resolve_number(obj: TimeAccount) -> str:
        return account_number(obj)

    @staticmethod
    def resolve_kind_label(obj: TimeAccount) -> str:
        return str(AccountKind(obj.kind).label)

    @staticmethod
    def resolve_community_code(obj: TimeAccount) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: TimeAccount) -> str:
        return obj.community.name

    @staticmethod
    def resolve_holder_name(obj: TimeAccount) -> str:
        return obj.holder.name if obj.holder is not None else ""


class MovementOut(Schema):
    """One line of an account's history; the other side is named masked."""

    id: int
    transfer_number: str
    kind: str
    kind_label: str
    amount: Decimal
    balance_after: Decimal
    memo: str
    counterpart: str
    at: datetime

    @staticmethod
    def resolve_transfer_number(obj: TimeMovement) -> str:
        return obj.transfer.number

    @staticmethod
    def resolve_kind(obj: TimeMovement) -> str:
        return obj.transfer.kind

    @staticmethod
    def resolve_kind_label(obj: TimeMovement) -> str:
        return str(TransferKind(obj.transfer.kind).label)

    @staticmethod
    def resolve_memo(obj: TimeMovement) -> str:
        return obj.transfer.memo

    @staticmethod
    def resolve_counterpart(obj: TimeMovement) -> str:
        transfer = obj.transfer
        return _side(transfer.target if obj.amount < 0 else transfer.source)


class TransferOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    source_number: str
    source_name: str
    target_number: str
    target_name: str
    hours: Decimal
    memo: str
    reverses_number: str
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: TimeTransfer) -> str:
        return str(TransferKind(obj.kind).label)

    @staticmethod
    def resolve_source_number(obj: TimeTransfer) -> str:
        return account_number(obj.source)

    @staticmethod
    def resolve_target_number(obj: TimeTransfer) -> str:
        return account_number(obj.target)

    @staticmethod
    def resolve_source_name(obj: TimeTransfer) -> str:
        return _side(obj.source)

    @staticmethod
    def resolve_target_name(obj: TimeTransfer) -> str:
        return _side(obj.target)

    @staticmethod
    def resolve_reverses_number(obj: TimeTransfer) -> str:
        return obj.reverses.number if obj.reverses is not None else ""


class ManualTransferIn(Schema):
    """A paper time cheque between two accounts of the caller's jurisdiction."""

    source_number: str = Field(max_length=20)
    target_number: str = Field(max_length=20)
    hours: Any = Field(description="小时数，最多两位小数")
    memo: str = Field(max_length=200)
    request_key: str = Field(max_length=64, description="一次性请求号：重复提交只记一次")


class SpendIn(Schema):
    """A resident pays another member for a service, by that member's account number."""

    target_number: str = Field(max_length=20)
    hours: Any
    memo: str = Field(max_length=200)
    request_key: str = Field(max_length=64)


class PoolDonationIn(Schema):
    hours: Any
    memo: str = Field("", max_length=200)
    request_key: str = Field(max_length=64)


class FamilyDonationIn(Schema):
    member_id: int
    hours: Any
    memo: str = Field("", max_length=200)
    request_key: str = Field(max_length=64)


class KindTotalOut(Schema):
    kind: str
    label: str
    count: int
    credits: Decimal
    debits: Decimal


class AuditOut(Schema):
    accounts: int
    transfers: int
    movements_total: Decimal = Field(description="全部流水合计：整个时间银行应为 0")
    whole_bank: bool
    unbalanced_transfers: int
    chain_mismatches: int = Field(description="余额与流水合计不一致的账户数（应为 0）")
    outstanding_hours: Decimal = Field(description="发行账户未兑付的时长")
    kind_totals: list[KindTotalOut]
