"""Double clicks on volunteer writes (PostgreSQL, real threads): two decisions at once decide once;
two deductions at once cannot take the points below zero; two leaders named at once leave one."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import PointsEntry, TeamMembership, TeamRole, VolunteerStatus
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_decide_once() -> None:
    postgres_only()
    world = build_world()
    pending = make_volunteer(community=world.regions[HOME["community"]], approve=False)
    staff, head = world.users["community_staff"], world.users["community_head"]
    results = at_once(
        lambda: actions.decide_volunteer(volunteer=pending, approve=True, by=staff),
        lambda: actions.decide_volunteer(volunteer=pending, approve=False, by=head, note="重复"),
    )
    assert results.count("ok") == 1, results
    pending.refresh_from_db()
    assert pending.status in (VolunteerStatus.ACTIVE, VolunteerStatus.REJECTED)


@pytest.mark.django_db(transaction=True)
def test_two_deductions_at_once_cannot_overdraw_points() -> None:
    postgres_only()
    world = build_world()
    volunteer = make_volunteer(community=world.regions[HOME["community"]])
    actions.adjust_points(volunteer=volunteer, points=30, note="奖励", by=None)
    staff = world.users["community_staff"]
    results = at_once(
        *(
            (lambda: actions.adjust_points(volunteer=volunteer, points=-20, note="兑换", by=staff))
            for _n in range(2)
        )
    )
    assert results.count("ok") == 1, results
    total = PointsEntry.objects.filter(volunteer=volunteer).aggregate(t=Sum("points"))["t"]
    assert total == 10


@pytest.mark.django_db(transaction=True)
def test_two_leaders_named_at_once_leave_one() -> None:
    postgres_only()
    world = build_world()
    home = world.regions[HOME["community"]]
    team = actions.create_team(region=home, by=None, name="先锋队", category="party")
    first = actions.add_member(team=team, volunteer=make_volunteer(community=home), by=None)
    second = actions.add_member(
        team=team, volunteer=make_volunteer(community=home, name="乙"), by=None
    )
    staff = world.users["community_staff"]
    results = at_once(
        lambda: actions.set_leader(membership=first, by=staff),
        lambda: actions.set_leader(membership=second, by=staff),
    )
    assert results == ["ok", "ok"]
    assert TeamMembership.objects.filter(team=team, role=TeamRole.LEADER).count() == 1
