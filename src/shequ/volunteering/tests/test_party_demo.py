"""The party demo: organisations, members (most checked in), wishes in several states in the home
community; the journey member rostered but not checked in; loading twice and deleting are safe."""

from __future__ import annotations

from datetime import date

import pytest

from shequ.registry.tests import factories as people
from shequ.volunteering.demo_party import delete_demo_party, load_demo_party
from shequ.volunteering.models import PartyMember, PartyMemberCheckin, PartyOrganization, Wish
from shequ.volunteering.queries.party import coverage
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_loads_twice_and_deletes() -> None:
    world = build_world()
    home = world.regions[HOME["community"]]
    for n in range(12):
        people.resident(home, f"成年{n}", born=date(1980, 1, 1 + n))
    for n in range(8):
        people.resident(home, f"老人{n}", born=date(1945, 1, 1 + n))
    journey = people.resident(home, "党员甲", born=date(1985, 5, 5))
    county = world.regions["320302"]

    first = load_demo_party(county=county, seed=7, journey_member=journey)
    again = load_demo_party(county=county, seed=7, journey_member=journey)

    assert first == again and first["organizations"] >= 5 and first["wishes"] == 8
    assert PartyMember.objects.get(resident=journey).is_active
    assert not PartyMemberCheckin.objects.filter(member__resident=journey).exists()
    members, checked = coverage([home.pk])[home.pk]
    assert members == first["members"] and 0 < checked < members
    assert set(Wish.objects.values_list("status", flat=True)) >= {"posted", "open", "confirmed"}

    delete_demo_party()
    assert not PartyOrganization.objects.exists() and not Wish.objects.exists()
