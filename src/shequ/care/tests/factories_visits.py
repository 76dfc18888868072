"""Visit-rule, plan and visit data for tests, made through the care app's actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.care.actions import visits as actions
from shequ.care.models import VisitPlan, VisitRule
from shequ.registry.actions import tag_care_group
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Grid, Region


def cared_for(
    community: Region,
    name: str = "王奶奶",
    *,
    grid: Grid | None = None,
    group: str = "extreme_poverty",
    since: date = date(2020, 1, 1),
) -> Resident:
    """A resident of ``community`` (and ``grid``) in ``group`` since ``since``."""
    resident = people.resident(community, name, grid=grid, born=date(1940, 3, 1))
    tag_care_group(resident=resident, group=group, start_date=since, by=None)
    return resident


def rule(
    region: Region,
    group: str = "extreme_poverty",
    mode: str = "in_person",
    frequency: str = "monthly",
    visitor_kind: str = "grid_worker",
    checklist: list[str] | None = None,
    by: Any = None,
) -> VisitRule:
    return actions.create_rule(
        region=region,
        group=group,
        mode=mode,
        frequency=frequency,
        visitor_kind=visitor_kind,
        checklist=checklist or ["居住环境是否安全", "身体状况是否良好"],
        by=by,
    )


def plans_for(region: Region, day: date) -> list[VisitPlan]:
    actions.generate_plans(region=region, period_start=day, by=None)
    return list(VisitPlan.objects.filter(community__path__under=region.path).order_by("pk"))
