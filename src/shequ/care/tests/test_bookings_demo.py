"""The bookings demo loader on a small world: the four services, the next 14 days' lunches with
Chinese menus and some seats booked (never for the demo resident's household), attended
rehabilitation sessions; deterministic, idempotent, and removable."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shequ.care.demo_bookings import delete_demo_bookings, load_demo_bookings
from shequ.care.models.bookings import BookableKind, BookableService, Booking, BookingStatus
from shequ.care.tests.factories_bookings import elder, resident_user
from shequ.facilities.models import FacilityCategory
from shequ.facilities.tests.factories import make_facility
from shequ.registry import actions as registry_actions
from shequ.registry.models import CareGroup
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _population(world: World) -> Any:
    home = world.regions[HOME["community"]]
    for n in range(8):
        elder(home, f"老人{n}", age=65 + n)
    for n in range(2):
        patient = elder(home, f"患者{n}", age=40 + n)
        registry_actions.tag_care_group(
            resident=patient, group=CareGroup.SEVERE_MENTAL_DISORDER, start_date=date(2020, 1, 1)
        )
    make_facility(community=home, category=FacilityCategory.MEAL_POINT, name="幸福里长者助餐点")
    me = elder(home, "演示居民", age=70)
    return home, me, resident_user(me)


def test_the_demo_has_four_services_menus_bookings_and_attended_rehabilitation(
    world: World,
) -> None:
    home, me, user = _population(world)

    counts = load_demo_bookings(
        county=world.regions[HOME["county"]], seed=7, community=home, users={"resident": user}
    )
    again = load_demo_bookings(county=world.regions[HOME["county"]], seed=7, community=home)

    meal = BookableService.objects.get(kind=BookableKind.MEAL_TABLE)
    assert counts["bookable_services"] == 4 and again["bookable_services"] == 0
    assert meal.facility is not None and meal.facility.name == "幸福里长者助餐点"
    assert meal.slots.count() == 14 and "红烧肉" in " ".join(
        meal.slots.values_list("menu", flat=True)
    )
    assert Booking.objects.filter(slot__service=meal).exists()
    assert not Booking.objects.filter(resident=me).exists()
    assert Booking.objects.filter(
        slot__service__kind=BookableKind.REHABILITATION, status=BookingStatus.ATTENDED
    ).exists()
    assert all(b.is_synthetic for b in Booking.objects.all())

    removed = delete_demo_bookings()

    assert removed["bookable_services"] == 4 and not Booking.objects.exists()
