"""Test data for the compliance feature: visit rules, plans and visits in exact states (due in a
given month, done on time or late, cancelled, overdue, unassigned).

The ONE place the compliance tests write care models directly: the compliance feature only reads
them, and its tests need plans in states the visits feature's actions reach only over weeks of
simulated time (a visit done late, a plan cancelled by a rule change). Residents and their care-group
tags go through the registry's actions."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from typing import Any

from django.utils import timezone

from shequ.care.models import Visit, VisitPlan, VisitPlanStatus, VisitRule
from shequ.registry.actions import tag_care_group
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Grid, Region

_keys = count(1)


def at(day: date, hour: int = 10) -> datetime:
    """A local time on ``day``."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def cared_for(
    community: Region,
    name: str = "王奶奶",
    *,
    grid: Grid | None = None,
    group: str = "extreme_poverty",
    since: date = date(2020, 1, 1),
) -> Resident:
    resident = people.resident(community, name, grid=grid, born=date(1940, 3, 1))
    tag_care_group(resident=resident, group=group, start_date=since, by=None)
    return resident


def rule(
    region: Region, group: str = "extreme_poverty", mode: str = "in_person", *, active: bool = True
) -> VisitRule:
    return VisitRule.objects.create(
        region=region,
        group=group,
        mode=mode,
        frequency="monthly",
        visitor_kind="grid_worker",
        checklist=["居住环境是否安全"],
        is_active=active,
    )


def plan(
    resident: Resident,
    due: date,
    *,
    status: str = VisitPlanStatus.PLANNED,
    done_on: date | None = None,
    visitor: Any = None,
    group: str = "extreme_poverty",
    mode: str = "in_person",
    visit_rule: VisitRule | None = None,
    period_start: date | None = None,
) -> VisitPlan:
    """A plan of ``resident`` due on ``due`` (``done_on`` marks it done that day)."""
    if visit_rule is None:
        visit_rule = VisitRule.objects.filter(group=group, mode=mode).first() or rule(
            resident.community, group, mode
        )
    if done_on is not None:
        status = VisitPlanStatus.DONE
    made = VisitPlan.objects.create(
        rule=visit_rule,
        resident=resident,
        community=resident.community,
        grid=resident.grid,
        group=group,
        mode=mode,
        period_start=period_start or due,
        due_date=due,
        visitor=visitor,
        status=status,
        done_at=at(done_on) if done_on else None,
    )
    return made


def visit(resident: Resident, on: date, visitor: Any, planned: VisitPlan | None = None) -> Visit:
    return Visit.objects.create(
        plan=planned,
        resident=resident,
        community=resident.community,
        grid=resident.grid,
        visitor=visitor,
        mode="in_person",
        visited_at=at(on),
        request_key=f"test-{next(_keys)}",
    )
