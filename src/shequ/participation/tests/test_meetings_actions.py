"""Meeting and poll actions: the state machines refuse a second click, one ballot and one sign-in
per resident (also under eight concurrent votes on PostgreSQL), refusals for another community, the
wrong time and outside the jurisdiction; indicator 5 set-based in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.core import calendar
from shequ.participation.actions import meetings as actions
from shequ.participation.models.meetings import Ballot, MeetingStatus
from shequ.participation.queries import meetings as queries
from shequ.participation.tests.factories_meetings import (
    in_session,
    make_body,
    make_meeting,
    make_poll,
    staff_at,
    villager,
)
from shequ.registry.tests import factories as registry
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def test_workflows_refuse_a_second_click_and_unknown_steps(world: World) -> None:
    meeting = make_meeting(home(world), by=staff(world))
    stale = type(meeting).objects.get(pk=meeting.pk)
    actions.transition(meeting=meeting, name="open", by=staff(world))
    with pytest.raises(ValidationError):
        actions.transition(meeting=stale, name="cancel", by=staff(world))
    with pytest.raises(ValidationError):
        actions.transition(meeting=meeting, name="reopen", by=staff(world))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_SESSION
    assert {t.name for t in actions.MEETING_WORKFLOW.transitions} == {"open", "close", "cancel"}


def test_voting_from_another_community_after_closing_and_twice_is_refused(world: World) -> None:
    poll = make_poll(home(world), by=staff(world))
    yes = poll.options.first()
    _me, user = villager(home(world))
    _away, away_user = villager(world.regions[AWAY])
    with pytest.raises(PermissionDenied, match="的居民才能参与"):
        actions.vote(poll=poll, user=away_user, option=yes)
    with pytest.raises(PermissionDenied):
        actions.vote(poll=poll, user=staff(world), option=yes)
    actions.vote(poll=poll, user=user, option=yes)
    with pytest.raises(ValidationError, match="每人只能投一票"):
        actions.vote(poll=poll, user=user, option=yes)
    actions.poll_transition(poll=poll, name="close", by=staff(world))
    _late, late_user = villager(home(world))
    with pytest.raises(ValidationError, match="已经结束"):
        actions.vote(poll=poll, user=late_user, option=yes)
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_a_poll_past_its_closing_time_takes_no_votes_and_shows_results(world: World) -> None:
    poll = make_poll(home(world), by=staff(world), open_days=1)
    yes = poll.options.first()
    _me, user = villager(home(world))
    actions.vote(poll=poll, user=user, option=yes)
    assert queries.poll_results(poll).options == []
    with calendar.frozen_time(calendar.now() + timedelta(days=2)):
        _late, late_user = villager(home(world))
        with pytest.raises(ValidationError, match="已经结束"):
            actions.vote(poll=poll, user=late_user, option=yes)
        results = queries.poll_results(poll)
    assert results.closed and results.ballots == 1 and results.options[0].votes == 1


def test_a_draft_poll_takes_no_votes_and_staff_outside_cannot_record(world: World) -> None:
    poll = make_poll(home(world), by=staff(world), open_days=None)
    person = registry.resident(home(world), "周大爷")
    with pytest.raises(ValidationError, match="还没有开始"):
        actions.record_ballot(
            poll=poll, by=staff(world), resident=person, option=poll.options.first()
        )
    with pytest.raises(PermissionDenied):
        actions.record_ballot(
            poll=poll, by=world.outsider, resident=person, option=poll.options.first()
        )


def test_sign_in_once_only_while_in_session_and_only_residents_of_the_community(
    world: World,
) -> None:
    meeting = make_meeting(home(world), by=staff(world))
    person, user = villager(home(world))
    with pytest.raises(ValidationError, match="还没有开始"):
        actions.sign_in(meeting=meeting, user=user)
    actions.transition(meeting=meeting, name="open", by=staff(world))
    actions.sign_in(meeting=meeting, user=user)
    with pytest.raises(ValidationError, match="已经签到"):
        actions.sign_for(meeting=meeting, by=staff(world), resident=person)
    away = registry.resident(world.regions[AWAY], "外县居民")
    with pytest.raises(ValidationError, match="不是本村"):
        actions.sign_for(meeting=meeting, by=staff(world), resident=away)
    with pytest.raises(PermissionDenied):
        actions.sign_for(meeting=meeting, by=world.outsider, resident=person)
    actions.transition(meeting=meeting, name="close", by=staff(world))
    meeting.refresh_from_db()
    assert meeting.attendee_count == 1


def test_a_member_is_a_resident_of_the_community_or_a_named_outsider(world: World) -> None:
    body = make_body(home(world), by=staff(world), members=0)
    away = registry.resident(world.regions[AWAY], "外县居民")
    with pytest.raises(ValidationError) as refused:
        actions.add_member(body=body, by=staff(world), resident=away, start_on=date(2025, 2, 1))
    assert "resident" in refused.value.message_dict
    with pytest.raises(ValidationError) as early:
        actions.add_member(
            body=body,
            by=staff(world),
            name="某代表",
            affiliation="某单位",
            start_on=date(2020, 1, 1),
        )
    assert "start_on" in early.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.create_body(
            by=staff(world),
            community=world.regions[AWAY],
            kind="residents_council",
            name="外县",
            constituted_on=date(2025, 1, 1),
        )


def test_coverage_is_set_based_and_follows_the_rules(
    world: World, django_assert_max_num_queries: Any
) -> None:
    county = world.regions[HOME["county"]]
    today = calendar.localdate()
    start, end = queries.period_bounds("month", today)
    body = make_body(home(world), by=staff(world), members=1)
    in_session(home(world), by=staff(world), body=body, starts_at=calendar.now())
    # A community with a body but no members does not count.
    other = world.regions["320302001201"]
    other_staff = staff_at(other)
    make_body(other, by=other_staff, members=0)
    make_meeting(other, by=other_staff, starts_at=calendar.now())
    # A cancelled meeting does not count either.
    third = world.regions["320302002001"]
    third_staff = staff_at(third)
    make_body(third, by=third_staff, members=1)
    cancelled = make_meeting(third, by=third_staff, starts_at=calendar.now())
    actions.transition(meeting=cancelled, name="cancel", by=third_staff)
    with django_assert_max_num_queries(1):
        total = queries.deliberation_coverage(county, start, end)
    with django_assert_max_num_queries(2):
        children = queries.deliberation_coverage_by_child(county, start, end)
    assert total["covered"] == 1 and total["communities"] >= 3
    by_code = {row["region"].code: row for row in children}
    assert by_code[HOME["township"]]["covered"] == 1
    assert by_code["320302002"]["covered"] == 0
    last_year = queries.period_bounds("year", today.replace(year=today.year - 1))
    assert queries.deliberation_coverage(county, *last_year)["covered"] == 0
    assert queries.period_bounds("quarter", date(2026, 11, 29)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_votes_of_one_resident_make_exactly_one_ballot() -> None:
    postgres_only("concurrent votes")
    world = build_world()
    poll = make_poll(home(world), by=staff(world))
    yes = poll.options.first()
    _me, user = villager(home(world))

    results = at_once(*[lambda: actions.vote(poll=poll, user=user, option=yes) for _ in range(8)])

    assert sorted(r == "ok" for r in results) == [False] * 7 + [True]
    assert Ballot.objects.filter(poll=poll).count() == 1
