"""The time-bank demo: the county's rule, spends, pool donations and grants among members who have
hours; loading twice posts nothing new; deleting removes the demo's rows and nothing else."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.volunteering.demo_timebank import delete_demo_timebank, load_demo_timebank
from shequ.volunteering.models import (
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.tests.factories_timebank import earn
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_load_twice_then_delete() -> None:
    world = build_world()
    county = world.regions[HOME["county"]]
    home = world.regions[HOME["community"]]
    real = people.resident(home, "真实居民")
    earn(real, "2")
    for n in range(8):
        person = people.resident(home, f"演示{n}")
        Resident.objects.filter(pk=person.pk).update(is_synthetic=True)
        person.refresh_from_db()
        earn(person, "4")

    counts = load_demo_timebank(county=county, seed=7)
    rule = TimeBankRule.objects.get(region=county)
    assert (rule.overdraft_limit, rule.max_balance, rule.yearly_donation_limit) == (0, 500, 100)
    assert rule.expiry_months == 24
    assert counts["spends"] + counts["pool_donations"] > 0
    made = TimeTransfer.objects.count()
    assert load_demo_timebank(county=county, seed=7)["rules"] == 1
    assert TimeTransfer.objects.count() == made
    assert TimeMovement.objects.aggregate(total=Sum("amount"))["total"] == 0

    deleted = delete_demo_timebank()
    assert deleted["rules"] == 1 and deleted["transfers"] > 0
    assert not TimeAccount.objects.filter(is_synthetic=True).exists()
    assert not TimeBankRule.objects.exists()
    # The real resident's credit stays, with the issuing account it came from.
    left = TimeTransfer.objects.get()
    assert left.kind == TransferKind.EARN and left.target.holder_id == real.pk
    assert TimeMovement.objects.aggregate(total=Sum("amount"))["total"] == 0
