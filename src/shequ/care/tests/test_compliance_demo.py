"""The compliance pages over the visits demo (the compliance feature has no demo of its own): each
page renders for the demo's staff, the figures agree with the plans the demo made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.care.demo_visits import load_demo_visits
from shequ.care.models import VisitPlan, VisitPlanStatus
from shequ.care.queries import compliance as queries
from shequ.care.tests.factories_compliance import cared_for
from shequ.core import calendar
from tests.pages import client_for, html
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_pages_over_the_visits_demo() -> None:
    with calendar.frozen_time("2026-11-18T10:00:00+08:00"):
        world = build_world()
        community, grid = world.regions[HOME["community"]], world.grids[HOME["grid"]]
        other = world.grids["320302001001002"]
        for i in range(10):
            cared_for(community, f"演示老人{i}", grid=grid if i % 2 else other,
                      group="living_alone_elderly" if i % 3 else "extreme_poverty")  # fmt: skip
        load_demo_visits(
            county=world.regions[HOME["county"]],
            seed=7,
            community=community,
            grid=grid,
            users=world.users,
        )
        month = queries.current_month()
        table = queries.dashboard(
            world.users["township_staff"], world.regions[HOME["township"]], month
        )
        in_month = VisitPlan.objects.filter(
            community__path__under=world.regions[HOME["township"]].path,
            due_date__gte=month,
            due_date__lte=queries.month_end(month),
        ).exclude(status=VisitPlanStatus.CANCELLED)
        assert table.total.due == in_month.count() > 0
        assert table.total.done == in_month.filter(status=VisitPlanStatus.DONE).count()
        for role in ("grid_worker", "community_staff", "township_staff", "county_official"):
            client = client_for(world.users[role])
            for name in ("care:dashboard", "care:overdue", "care:workload", "care:never_visited"):
                response = client.get(reverse(name))
                assert response.status_code == 200, (role, name)
                assert world.leaked_tokens(world.users[role], html(response)) == []
        export = client_for(world.users["county_official"]).get(reverse("care:overdue_export"))
        assert export.status_code == 200
