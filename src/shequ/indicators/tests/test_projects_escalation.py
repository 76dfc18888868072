"""Escalation of overdue milestones: the responsible unit first, the project's own level after N
working days, the level above after 2N, each told once (re-running sends nothing new), recorded on
the milestone and shown on the console of the level it reached."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shequ.core import calendar
from shequ.core.models import Notification
from shequ.indicators import tasks
from shequ.indicators.actions.projects import (
    NOTIFY_TOPIC,
    escalate_overdue,
    escalation_working_days,
)
from shequ.indicators.models import Escalation, Milestone
from shequ.indicators.tests.factories_projects import make_milestone, make_project, start
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def told(user: object) -> int:
    return Notification.objects.filter(recipient=user, topic=NOTIFY_TOPIC).count()


def working_days_after(day: date, n: int) -> date:
    found = day
    while calendar.working_days_between(day, found) < n:
        found += timedelta(days=1)
    return found


def overdue_milestone(world: World, due: date) -> Milestone:
    project = make_project(
        region=world.regions[HOME["county"]],
        lead_unit=world.units[HOME["county"]],
        starts_on=due - timedelta(days=60),
        ends_on=due + timedelta(days=200),
    )
    milestone = make_milestone(
        project=project,
        unit=world.units[HOME["county"]],
        due_on=due,
        responsible_person=world.users["county_official"],
    )
    start(project)
    return milestone


def test_escalation_goes_up_one_level_at_a_time_and_tells_each_level_once(world: World) -> None:
    due = calendar.localdate() - timedelta(days=1)
    milestone = overdue_milestone(world, due)
    handler, county, city = (
        world.users[r] for r in ("unit_handler", "county_official", "city_official")
    )
    n = escalation_working_days()

    first = escalate_overdue(due + timedelta(days=1))
    milestone.refresh_from_db()
    assert first.escalated == 1 and milestone.escalation_level == Escalation.UNIT
    assert milestone.escalated_at is not None
    assert told(handler) == 1 and told(county) == 1  # the unit's staff and the named person
    assert told(city) == 0
    assert escalate_overdue(due + timedelta(days=1)).escalated == 0
    assert told(handler) == 1

    owner_day = working_days_after(due, n)
    assert escalate_overdue(owner_day - timedelta(days=1)).escalated == 0  # not N days yet
    escalate_overdue(owner_day)
    milestone.refresh_from_db()
    assert milestone.escalation_level == Escalation.OWNER
    assert told(county) == 2 and told(city) == 0 and told(handler) == 1
    console = html(client_for(county).get("/"))
    assert "上报到本级督办的逾期项目节点" in console

    above_day = working_days_after(due, 2 * n)
    escalate_overdue(above_day)
    escalate_overdue(above_day)
    milestone.refresh_from_db()
    assert milestone.escalation_level == Escalation.ABOVE
    assert told(city) == 1 and told(county) == 2 and told(handler) == 1
    assert "上报到本级督办的逾期项目节点" in html(client_for(city).get("/"))


def test_a_late_run_sends_every_missed_step_once_and_done_milestones_are_left_alone(
    world: World,
) -> None:
    due = calendar.localdate() - timedelta(days=1)
    milestone = overdue_milestone(world, due)
    done = overdue_milestone(world, due)
    Milestone.objects.filter(pk=done.pk).update(done_on=due)
    run = escalate_overdue(working_days_after(due, 2 * escalation_working_days()))
    assert sorted(step for pk, step in run.notified if pk == milestone.pk) == [1, 2, 3]
    assert not [pk for pk, _step in run.notified if pk == done.pk]
    assert told(world.users["city_official"]) == 1


def test_the_daily_job_is_idempotent_and_unit_staff_see_their_overdue_milestones(
    world: World,
) -> None:
    overdue_milestone(world, calendar.localdate() - timedelta(days=1))
    assert tasks.escalate_overdue_milestones()["escalated"] == 1
    assert tasks.escalate_overdue_milestones() == {"checked": 1, "escalated": 0, "notified": 0}
    handler = client_for(world.users["unit_handler"])
    assert "本单位负责的逾期项目节点" in html(handler.get("/"))
    assert "逾期" in html(handler.get("/indicators/projects/mine/"))
    # The county's console counts it among its subtree's overdue milestones.
    assert "辖区内逾期未完成的项目节点" in html(client_for(world.users["county_official"]).get("/"))
