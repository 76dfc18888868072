"""``registry.queries.own_resident``: the one record a resident acts through — linked to their account,
still on the register — shared by participation, volunteering, care and emergency."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from shequ.accounts import actions as account_actions
from shequ.registry import actions
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import own_resident
from shequ.registry.tests import factories as f
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def linked(world: World, phone: str = "19570000001") -> tuple[Resident, Any]:
    resident = f.resident(
        world.regions[HOME["community"]], "周玉兰", grid=world.grids[HOME["grid"]]
    )
    user = account_actions.create_resident_user(
        phone=phone, full_name="周玉兰", password="Resident-pass-1"
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return resident, user


def test_gives_the_linked_record_with_its_places_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    resident, user = linked(world)
    with django_assert_num_queries(1):
        found = own_resident(user)
        assert found is not None
        assert found.community.code == HOME["community"]
        assert found.grid is not None and found.grid.code == HOME["grid"]
        assert found.household is not None and found.household.head_id == resident.pk
    assert found.pk == resident.pk


def test_a_record_no_longer_on_the_register_is_not_acted_through(world: World) -> None:
    resident, user = linked(world)
    actions.record_departure(resident=resident, status=LifeStatus.MOVED_OUT, on=date(2026, 1, 5))
    assert Resident.objects.get(pk=resident.pk).account_id == user.pk
    assert own_resident(user) is None


def test_nobody_else_has_one(world: World) -> None:
    linked(world)
    assert own_resident(None) is None
    assert own_resident(AnonymousUser()) is None
    assert (
        own_resident(
            account_actions.create_resident_user(
                phone="19570000002", full_name="未关联", password="Resident-pass-1"
            )
        )
        is None
    )
    staff = world.users["community_staff"]
    other = f.resident(world.regions[HOME["community"]], "钱工作")
    Resident.objects.filter(pk=other.pk).update(account=staff)
    assert own_resident(staff) is None  # a staff account never acts as a resident


def test_the_old_homes_still_import_it() -> None:
    from shequ.care.actions import bookings, homeservices
    from shequ.emergency.queries import alerts
    from shequ.participation import eligibility
    from shequ.volunteering.actions import volunteers

    for module in (bookings, homeservices, alerts, eligibility, volunteers):
        assert module.own_resident is own_resident
