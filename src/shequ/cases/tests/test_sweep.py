"""The deadline sweep: due soon at 80 % of a stage, overdue at its end with escalation to the level
above (once), a timeline line and one message per supervisor; a second sweep changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.sweep import sweep_deadlines
from shequ.cases.models import Case, CaseEvent, DeadlineState
from shequ.core import calendar
from shequ.core.models import Notification
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _submit(world) -> Case:
    return submit_case(
        Intake(
            channel="window",
            kind="complaint",
            category="environment",
            description="路灯不亮",
            region=world.regions[HOME["community"]],
            requester_name="张三",
            requester_phone="13912345678",
        ),
        by=world.users["community_staff"],
    )


def test_sweep_marks_warns_and_escalates_once(world):
    with calendar.frozen_time(datetime(2026, 11, 2, 9, 0)) as clock:  # a Monday
        late, soon, supervised = _submit(world), _submit(world), _submit(world)
        county = world.regions[HOME["county"]]
        Case.objects.filter(pk=supervised.pk).update(escalated_to=county, supervised=True)
        now = calendar.now()
        Case.objects.filter(pk__in=[late.pk, supervised.pk]).update(
            stage_warn_at=now - timedelta(hours=3), stage_due_at=now - timedelta(minutes=1)
        )
        Case.objects.filter(pk=soon.pk).update(
            stage_warn_at=now - timedelta(minutes=1), stage_due_at=now + timedelta(hours=2)
        )
        result = sweep_deadlines()
        assert (result.due_soon, result.overdue, result.escalated) == (1, 2, 1)
        late.refresh_from_db()
        assert late.deadline_state == DeadlineState.OVERDUE
        assert late.escalated_to == world.regions[HOME["township"]]
        assert late.supervised and late.escalated_at == now
        supervised.refresh_from_db()
        assert supervised.deadline_state == DeadlineState.OVERDUE
        assert supervised.escalated_to == county and supervised.escalated_at is None
        soon.refresh_from_db()
        assert soon.deadline_state == DeadlineState.DUE_SOON and soon.escalated_to is None
        assert CaseEvent.objects.filter(action="overdue").count() == 2
        township_staff = world.users["township_staff"]
        assert Notification.objects.filter(
            recipient=township_staff, topic="cases.deadline", subject="超期工单已升级由您督办"
        ).exists()
        clock.move_to(datetime(2026, 11, 2, 9, 5))
        again = sweep_deadlines()
        assert (again.due_soon, again.overdue, again.escalated) == (0, 0, 0)


def test_a_summoned_unit_late_to_report_in_is_reminded_once(world):
    from shequ.cases.actions import handling
    from shequ.cases.models import CaseUnit
    from tests.pages import client_for, html

    with calendar.frozen_time(datetime(2026, 11, 24, 9, 0)) as clock:
        case = _submit(world)
        handling.accept(case=case, by=world.users["community_staff"])
        handling.whistle(
            case=case, by=world.users["township_staff"], units=[world.units["320302"]], note="会商"
        )
        clock.tick(timedelta(hours=3))
        assert sweep_deadlines().late_report_ins == 0  # within its 4 working hours
        clock.tick(timedelta(days=1))
        assert sweep_deadlines().late_report_ins == 1
        assert sweep_deadlines().late_report_ins == 0  # once
    link = CaseUnit.objects.get(case=case, role="summoned")
    assert link.report_reminded_at is not None and link.reported_at is None
    handler = world.users["unit_handler"]
    assert (
        Notification.objects.filter(recipient=handler, subject__contains="报到已超时").count() == 1
    )
    page = html(client_for(world.users["township_staff"]).get(f"/cases/{case.pk}/"))
    assert "报到超时，已催告" in page
    assert CaseEvent.objects.filter(case=case, kind="report_in", action="late").count() == 1
