"""The charity API's shapes (``organizations.api.charity``).

Sums of money are decimals in 元 with two places; they come in as text or numbers and the actions
check them (more than 0, at most two decimals). A donor's contact goes in, never out."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityNeed,
    DisbursementRequest,
    FundKind,
    NeedMatch,
)

_KIND_LABELS = dict(FundKind.choices)


def _name(user: Any) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


class FundOut(Schema):
    """A fund with its balances (``cash``, ``goods``) and this year's ``donated`` and ``disbursed``,
    all summed from the ledger."""

    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    community_code: str
    community_name: str
    established_on: date
    custodian: str
    publish_summary: bool
    is_active: bool
    cash: Decimal
    goods: Decimal
    donated: Decimal
    disbursed: Decimal

    @staticmethod
    def resolve_kind_label(obj: CharityFund) -> str:
        return str(_KIND_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_community_code(obj: CharityFund) -> str:
        return obj.region.code

    @staticmethod
    def resolve_community_name(obj: CharityFund) -> str:
        return obj.region.name


class TrialRowOut(Schema):
    account: str
    label: str
    debit: Decimal
    credit: Decimal


class FundDetailOut(FundOut):
    donations_total: Decimal
    disbursements_total: Decimal
    trial_balance: list[TrialRowOut]
    balanced: bool = Field(description="借方合计 = 贷方合计")
    equation_holds: bool = Field(description="资产 = 捐赠收入 − 慈善支出")
    pending_requests: int


class FundIn(Schema):
    community_code: str = Field(max_length=12)
    name: str = Field(max_length=120)
    kind: str
    established_on: date
    custodian: str = Field("", max_length=120)
    publish_summary: bool = True
    code: str = Field("", max_length=20)


class LineOut(Schema):
    account: str
    debit: Decimal
    credit: Decimal


class EntryOut(Schema):
    id: int
    fund_id: int
    number: int
    kind: str
    in_goods: bool
    posted_on: date
    amount: Decimal
    description: str
    goods_description: str
    quantity: Decimal | None
    unit: str
    donor_kind: str
    donor_name: str
    publish_donor: bool
    recipient: str
    receipt_number: str
    approver_name: str
    reverses_id: int | None
    lines: list[LineOut]

    @staticmethod
    def resolve_approver_name(obj: CharityEntry) -> str:
        return _name(obj.approver)

    @staticmethod
    def resolve_lines(obj: CharityEntry) -> list[Any]:
        return list(obj.lines.all())


class DonationIn(Schema):
    amount: str = Field(max_length=20, description="金额（元），物资为折价金额")
    donor_kind: str = Field(description="person、organisation 或 anonymous")
    donor_name: str = Field("", max_length=120, description="匿名捐赠不填")
    donor_contact: str = Field("", max_length=20, description="联系电话，加密保存，不会返回")
    publish_donor: bool = False
    posted_on: date | None = None
    in_goods: bool = False
    goods_description: str = Field("", max_length=200)
    quantity: str | None = Field(None, max_length=20)
    unit: str = Field("", max_length=10)
    description: str = Field("", max_length=200)


class DisbursementRequestIn(Schema):
    fund_id: int
    amount: str = Field(max_length=20)
    description: str = Field(max_length=200, description="用途（公开）")
    recipient: str = Field("", max_length=200, description="受助对象（不公开）")
    in_goods: bool = False
    goods_description: str = Field("", max_length=200)
    quantity: str | None = Field(None, max_length=20)
    unit: str = Field("", max_length=10)
    need_id: int | None = None


class DisbursementRequestOut(Schema):
    id: int
    fund_id: int
    status: str
    in_goods: bool
    amount: Decimal
    description: str
    recipient: str
    requested_by_name: str
    requested_at: datetime
    decided_by_name: str
    decided_at: datetime | None
    reason: str
    entry_id: int | None
    version: int

    @staticmethod
    def resolve_requested_by_name(obj: DisbursementRequest) -> str:
        return _name(obj.requested_by)

    @staticmethod
    def resolve_decided_by_name(obj: DisbursementRequest) -> str:
        return _name(obj.decided_by)


class ApproveIn(Schema):
    posted_on: date | None = None
    reason: str = Field("", max_length=300)
    version: int | None = None


class RejectIn(Schema):
    reason: str = Field(max_length=300)
    version: int | None = None


class ReverseIn(Schema):
    reason: str = Field(max_length=150)
    posted_on: date | None = None


class MatchOut(Schema):
    id: int
    donor_name: str
    fund_id: int | None
    project_id: int | None
    note: str
    matched_at: datetime


class NeedOut(Schema):
    id: int
    community_code: str
    community_name: str
    title: str
    description: str
    kind: str
    amount: Decimal | None
    quantity: str
    needed_by: date | None
    status: str
    is_public: bool
    posted_at: datetime
    version: int

    @staticmethod
    def resolve_community_code(obj: CharityNeed) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: CharityNeed) -> str:
        return obj.community.name


class NeedDetailOut(NeedOut):
    matches: list[MatchOut]

    @staticmethod
    def resolve_matches(obj: CharityNeed) -> list[NeedMatch]:
        return list(obj.matches.order_by("-matched_at"))


class NeedIn(Schema):
    community_code: str = Field(max_length=12)
    title: str = Field(max_length=120)
    description: str = Field("", max_length=2000)
    kind: str
    amount: str | None = Field(None, max_length=20)
    quantity: str = Field("", max_length=60)
    needed_by: date | None = None
    is_public: bool = True


class MatchIn(Schema):
    donor_name: str = Field("", max_length=120)
    fund_id: int | None = None
    project_id: int | None = None
    note: str = Field("", max_length=200)


class FulfilIn(Schema):
    entry_id: int | None = None
    note: str = Field("", max_length=300)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=300)
