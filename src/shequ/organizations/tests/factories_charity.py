"""Charity funds, ledger entries and needs made through the actions, as the pages would make them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shequ.organizations.actions import charity as actions
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityNeed,
    DisbursementRequest,
    DonorKind,
    FundKind,
)
from shequ.territory.models import Region


def make_fund(*, region: Region, by: Any = None, **overrides: Any) -> CharityFund:
    """A community charity fund established a year ago, its summary published."""
    values: dict[str, Any] = {
        "name": "幸福社区慈善基金",
        "kind": FundKind.FUND,
        "established_on": timezone.localdate() - timedelta(days=365),
        "custodian": "幸福社区居委会",
    }
    values.update(overrides)
    return actions.create_fund(region=region, by=by, **values)


def donate(
    fund: CharityFund, amount: Any = "1000", *, by: Any = None, **overrides: Any
) -> CharityEntry:
    values: dict[str, Any] = {
        "donor_kind": DonorKind.PERSON,
        "donor_name": "王建国",
        "publish_donor": True,
    }
    values.update(overrides)
    return actions.post_donation(fund=fund, by=by, amount=amount, **values)


def ask(
    fund: CharityFund, amount: Any = "300", *, by: Any = None, **overrides: Any
) -> DisbursementRequest:
    values: dict[str, Any] = {"description": "困难家庭节日慰问", "recipient": "李桂兰"}
    values.update(overrides)
    return actions.request_disbursement(fund=fund, by=by, amount=amount, **values)


def disburse(
    fund: CharityFund,
    amount: Any = "300",
    *,
    requester: Any = None,
    approver: Any,
    posted_on: date | None = None,
    **overrides: Any,
) -> CharityEntry:
    """A disbursement asked for by ``requester`` (the system when None) and approved by ``approver``."""
    asked = ask(fund, amount, by=requester, **overrides)
    return actions.approve_disbursement(
        request=asked, by=None, approver=approver, posted_on=posted_on
    )


def make_need(*, community: Region, by: Any = None, **overrides: Any) -> CharityNeed:
    values: dict[str, Any] = {
        "title": "独居老人冬季棉被",
        "kind": "goods",
        "quantity": "棉被 2 床",
        "needed_by": timezone.localdate() + timedelta(days=30),
    }
    values.update(overrides)
    return actions.post_need(community=community, by=by, **values)


def money(value: str) -> Decimal:
    return Decimal(value)
