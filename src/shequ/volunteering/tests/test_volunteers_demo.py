"""The demo volunteers: loaded in a few communities of the county with the journey volunteer in the
home party team, no other account made a volunteer, loading twice adds nothing, and deleting leaves
no synthetic rows."""

from __future__ import annotations

import pytest

from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.volunteering.demo_volunteers import delete_demo_volunteers, load_demo_volunteers
from shequ.volunteering.models import (
    TeamCategory,
    TeamMembership,
    TeamRole,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


def test_demo_volunteers_load_and_delete() -> None:
    world: World = build_world()
    home = world.regions[HOME["community"]]
    for n in range(6):
        people.resident(home, f"居民{n}")
    people.resident(world.regions["320302002001"], "镇二居民")
    journey = people.resident(home, "演示志愿者")
    Resident.objects.filter(pk=journey.pk).update(account=world.users["volunteer"])
    journey.refresh_from_db()
    other_account = people.resident(home, "演示居民")
    Resident.objects.filter(pk=other_account.pk).update(account=world.users["resident"])

    counts = load_demo_volunteers(world.regions[HOME["county"]], 7, journey_volunteer=journey)

    assert counts["volunteers"] == Volunteer.objects.count() == 8
    assert not Volunteer.objects.filter(resident=other_account).exists()
    mine = Volunteer.objects.get(resident=journey)
    assert mine.status == VolunteerStatus.ACTIVE and mine.is_synthetic
    party = VolunteerTeam.objects.get(region=home, category=TeamCategory.PARTY)
    assert TeamMembership.objects.filter(team=party, volunteer=mine).exists()
    for team in VolunteerTeam.objects.all():
        leaders = TeamMembership.objects.filter(team=team, role=TeamRole.LEADER).count()
        assert leaders <= 1
    assert Volunteer.objects.filter(status=VolunteerStatus.PENDING).count() == 2

    again = load_demo_volunteers(world.regions[HOME["county"]], 7, journey_volunteer=journey)
    assert Volunteer.objects.count() == 8 and again["recognitions"] == 0

    delete_demo_volunteers()
    assert not Volunteer.objects.exists() and not VolunteerTeam.objects.exists()
