"""The alerts demo on a small world: one closed past rainstorm alert in the home township with every
vulnerable resident reached; loading twice adds nothing; deleting removes it."""

from __future__ import annotations

import pytest

from shequ.emergency.demo_alerts import delete_demo_alerts, load_demo_alerts
from shequ.emergency.models import Alert, AlertKind, AlertStatus, ReachItem, ReachStatus
from shequ.emergency.tests.factories_alerts import tagged
from shequ.registry.models import CareGroup
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_alert_is_closed_and_fully_reached() -> None:
    world = build_world()
    community, grid = world.regions[HOME["community"]], world.grids[HOME["grid"]]
    for i, group in enumerate((CareGroup.DIBAO, CareGroup.OLDEST_OLD, CareGroup.DISABLED)):
        tagged(community, f"演示{i}号", group, grid=grid)
    county = world.regions[HOME["county"]]
    counts = load_demo_alerts(county=county, seed=7, community=community)
    assert counts == {"alerts": 1, "reach_items": 3}
    alert = Alert.objects.get()
    assert alert.is_synthetic and alert.kind == AlertKind.RAINSTORM
    assert alert.status == AlertStatus.CLOSED and alert.closed_at > alert.issued_at
    assert alert.region == world.regions[HOME["township"]]
    assert not ReachItem.objects.filter(status__in=(ReachStatus.PENDING, ReachStatus.ESCALATED))
    assert load_demo_alerts(county=county, seed=7, community=community)["alerts"] == 0
    assert Alert.objects.count() == 1
    assert delete_demo_alerts() == {"alerts": 1, "reach_items": 3}
    assert not Alert.objects.exists() and not ReachItem.objects.exists()


def test_a_township_without_residents_gets_no_demo_alert() -> None:
    world = build_world()
    counts = load_demo_alerts(
        county=world.regions[HOME["county"]], seed=1, community=world.regions[HOME["community"]]
    )
    assert counts == {"alerts": 0, "reach_items": 0} and not Alert.objects.exists()
