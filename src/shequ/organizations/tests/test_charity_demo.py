"""The demo's charity: deterministic, every fund balanced and never below zero, with pending requests
and needs in several states; removed whole."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequ.facilities.tests.factories import make_community
from shequ.organizations.demo_charity import delete_demo_charity, load_demo_charity
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityLine,
    CharityNeed,
    DisbursementRequest,
    LedgerAccount,
)
from shequ.organizations.queries import charity as queries
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _running_balances_never_negative(fund: CharityFund) -> bool:
    cash = goods = Decimal(0)
    for entry in CharityEntry.objects.filter(fund=fund).order_by("number"):
        for line in CharityLine.objects.filter(entry=entry):
            if line.account == LedgerAccount.CASH:
                cash += line.debit - line.credit
            elif line.account == LedgerAccount.GOODS:
                goods += line.debit - line.credit
        if cash < 0 or goods < 0:
            return False
    return True


def test_the_demo_charity_balances_and_is_removed_whole() -> None:
    world = build_world()
    township = world.regions["320302002"]
    for number in range(2, 30):
        make_community(township, number, f"演示{number}社区")

    counts = load_demo_charity(county=world.regions["320302"], seed=7)

    assert counts["funds"] >= 3 and counts["entries"] >= 30 and counts["needs"] >= 6
    assert DisbursementRequest.objects.filter(status="pending").exists()
    assert DisbursementRequest.objects.filter(status="approved").exists()
    assert len(set(CharityNeed.objects.values_list("status", flat=True))) >= 3
    for fund in CharityFund.objects.all():
        trial = queries.trial_balance(fund)
        assert trial.balanced and trial.equation_holds
        assert _running_balances_never_negative(fund)
        assert 10 <= CharityEntry.objects.filter(fund=fund, kind="donation").count() <= 40

    deleted = delete_demo_charity()

    assert deleted["funds"] == counts["funds"]
    assert not CharityFund.objects.exists() and not CharityEntry.objects.exists()
    assert not CharityNeed.objects.exists()


def test_the_demo_is_deterministic() -> None:
    world = build_world()
    township = world.regions["320302002"]
    for number in range(2, 12):
        make_community(township, number, f"演示{number}社区")
    first = load_demo_charity(county=world.regions["320302"], seed=3)
    amounts = list(
        CharityEntry.objects.order_by("fund__code", "number").values_list("amount", flat=True)
    )
    delete_demo_charity()
    second = load_demo_charity(county=world.regions["320302"], seed=3)
    again = list(
        CharityEntry.objects.order_by("fund__code", "number").values_list("amount", flat=True)
    )
    assert first == second and amounts == again
