"""The activities demo: past activities settled into the time bank in the demo volunteers'
communities, upcoming ones recruiting at home, nothing twice, and a clean delete."""

from __future__ import annotations

import pytest

from shequ.registry.models import Resident
from shequ.volunteering.demo_activities import delete_demo_activities, load_demo_activities
from shequ.volunteering.demo_timebank import delete_demo_timebank
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    TimeTransfer,
    Volunteer,
    VolunteerActivity,
)
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_settles_past_activities_and_recruits_at_home() -> None:
    world = build_world()
    home = world.regions[HOME["community"]]
    other = world.regions["320302002001"]
    for n in range(4):
        make_volunteer(community=home, name=f"甲{n}")
        make_volunteer(community=other, name=f"乙{n}")
    Volunteer.objects.update(is_synthetic=True)
    Resident.objects.update(is_synthetic=True)  # as the registry's demo makes them

    counts = load_demo_activities(county=world.regions[HOME["county"]], seed=7)
    again = load_demo_activities(county=world.regions[HOME["county"]], seed=7)

    settled = VolunteerActivity.objects.filter(status=ActivityStatus.SETTLED)
    assert counts["activities"] == settled.count() + 3 and settled.count() == 6
    assert counts["hours_credited"] > 0
    assert (
        TimeTransfer.objects.filter(signup__activity__in=settled).count()
        == (counts["hours_credited"])
    )
    assert (
        VolunteerActivity.objects.filter(status=ActivityStatus.RECRUITING, region=home).count() == 3
    )
    assert again["activities"] == 0
    assert all(a.is_synthetic for a in VolunteerActivity.objects.all())

    delete_demo_timebank()
    deleted = delete_demo_activities()

    assert deleted["activities"] == 9
    assert not VolunteerActivity.objects.exists() and not ActivitySignUp.objects.exists()
