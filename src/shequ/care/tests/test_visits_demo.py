"""The visits demo on the small world: city rules, plans in the home township, a share visited,
visits due today in the demo grid; deleting it leaves nothing synthetic."""

from __future__ import annotations

from datetime import date

import pytest

from shequ.care.demo_visits import delete_demo_visits, load_demo_visits
from shequ.care.models import Visit, VisitPlan, VisitPlanStatus, VisitRule
from shequ.care.tests.factories_visits import cared_for
from shequ.core import calendar
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_demo_loads_rules_plans_and_a_share_of_visits(world: World) -> None:
    community = world.regions[HOME["community"]]
    grid = world.grids[HOME["grid"]]
    other = world.grids["320302001001002"]
    for i in range(12):
        cared_for(community, f"演示老人{i}", grid=grid if i % 2 else other,
                  group="living_alone_elderly" if i % 3 else "extreme_poverty")  # fmt: skip
    with calendar.frozen_time("2026-11-18T10:00:00+08:00"):
        counts = load_demo_visits(
            county=world.regions[HOME["county"]],
            seed=7,
            community=community,
            grid=grid,
            users=world.users,
        )
        today = calendar.localdate()
    assert counts["rules"] >= 8 and VisitRule.objects.filter(region__code="320300").exists()
    assert counts["plans"] > 12 and counts["visits"] > 0
    plans = VisitPlan.objects.all()
    done = plans.filter(status=VisitPlanStatus.DONE).count()
    assert 0 < done < plans.count()
    assert plans.filter(grid=grid, due_date=today, status="planned").exists()
    assert plans.filter(status="planned", due_date__lt=today).exists()  # some overdue
    assert plans.filter(visitor=world.users["grid_worker"]).exists()
    assert today == date(2026, 11, 18)
    removed = delete_demo_visits()
    assert removed["plans"] > 0 and not Visit.objects.exists() and not VisitPlan.objects.exists()
