"""Two issues at once that together would empty the stock below zero, two openings of one shelter,
two occupancy reports: one wins, the other is told (PostgreSQL only; SQLite serialises writers)."""

from __future__ import annotations

import pytest

from shequ.emergency.actions import preparedness as actions
from shequ.emergency.models import ShelterOpening, SupplyMovement, SupplyStock
from shequ.emergency.tests.factories_preparedness import make_shelter, make_stock
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_issues_at_once_never_make_stock_negative() -> None:
    postgres_only()
    world = build_world()
    stock = make_stock(region=world.regions[HOME["community"]], quantity=10)
    staff = world.users["community_staff"]

    def issue() -> None:
        actions.record_movement(stock=stock, kind="issued", quantity=7, by=staff)

    results = at_once(issue, issue)

    assert sorted(results)[0] == "ok" and "现有 3 袋" in sorted(results)[1]
    assert SupplyStock.objects.get(pk=stock.pk).quantity == 3
    assert SupplyMovement.objects.filter(kind="issued").count() == 1


def test_two_openings_of_one_shelter_at_once_open_it_once() -> None:
    postgres_only("the partial unique index")
    world = build_world()
    shelter = make_shelter(community=world.regions[HOME["community"]])

    results = at_once(*(lambda: actions.open_shelter(facility=shelter, by=None) for _ in range(2)))

    assert sorted(results)[0] == "ok" and "重复开放" in sorted(results)[1]
    assert ShelterOpening.objects.count() == 1
