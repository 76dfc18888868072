"""Work projects for tests, built through the real actions (as the system, ``by=None``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shequ.accounts.models import HandlingUnit
from shequ.core import calendar
from shequ.indicators.actions import projects as actions
from shequ.indicators.models import Milestone, WorkProject
from shequ.territory.models import Region


def make_project(
    *,
    region: Region,
    lead_unit: HandlingUnit,
    title: str = "社区综合服务设施达标建设",
    starts_on: date | None = None,
    ends_on: date | None = None,
    **values: Any,
) -> WorkProject:
    today = calendar.localdate()
    return actions.create_project(
        region=region,
        by=None,
        title=title,
        plan_task=values.pop("plan_task", "三、(一) 完善社区服务设施"),
        lead_unit=lead_unit,
        starts_on=starts_on or today - timedelta(days=120),
        ends_on=ends_on or today + timedelta(days=240),
        **values,
    )


def make_milestone(
    *,
    project: WorkProject,
    unit: HandlingUnit,
    due_on: date,
    title: str = "完成选址",
    **values: Any,
) -> Milestone:
    return actions.add_milestone(
        project=project, by=None, title=title, due_on=due_on, responsible_unit=unit, **values
    )


def start(project: WorkProject) -> WorkProject:
    return actions.transition_project(project=project, transition="start", by=None)
