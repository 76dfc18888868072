"""Targets: the bundled plan file loads; a bad file is refused whole, naming line and column; a
figure's status against its target follows the straight line from the baseline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shequ.indicators.actions.targets import load_default_targets, load_targets
from shequ.indicators.models import IndicatorTarget, Status
from shequ.indicators.queries.values import Goal, expected_on, goals, status
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_plan_file_loads_with_binding_indicators_marked() -> None:
    world = build_world()
    city = world.regions[HOME["city"]]
    assert load_default_targets(city) == 13 * 3
    found = goals(world.regions[HOME["community"]], 2025)
    assert found["service_area_per_100_households"].target == Decimal("30")
    assert found["service_area_per_100_households"].is_binding
    assert not found["commercial_service_area_ratio"].is_binding
    assert found["home_service_elderly_share"].baseline == Decimal("11.39")
    assert found["home_service_elderly_share"].baseline_year == 2023
    # A count's target is the city's own: a community does not inherit "3,000 qualified workers".
    assert "certified_social_workers" not in found
    assert goals(city, 2025)["certified_social_workers"].target == Decimal("3000")


def test_a_bad_file_is_refused_whole_naming_the_line() -> None:
    world = build_world()
    text = (
        "code,target_2025,property\nself_service_terminal_coverage,100,expected\nnope,5,binding\n"
    )
    with pytest.raises(ValidationError) as refused:
        load_targets(text, region=world.regions[HOME["city"]])
    assert "第3行" in str(refused.value)
    assert not IndicatorTarget.objects.exists()
    with pytest.raises(ValidationError) as refused:
        load_targets(
            "code,target_2025\nself_service_terminal_coverage,abc\n",
            region=world.regions[HOME["city"]],
        )
    assert "target_2025" in str(refused.value)


def test_status_follows_the_line_from_the_baseline() -> None:
    goal = Goal(Decimal(20), 2025, Decimal(10), 2023, True)
    # Half way between the end of 2023 and the end of 2025.
    assert expected_on(goal, date(2024, 12, 31)).quantize(Decimal("0.1")) == Decimal("15.0")  # type: ignore[union-attr]
    assert status(Decimal(20), goal, date(2025, 6, 30)) == Status.MET
    assert status(Decimal(16), goal, date(2024, 12, 31)) == Status.ON_TRACK
    assert status(Decimal(14), goal, date(2024, 12, 31)) == Status.LAGGING
    assert status(Decimal(19), goal, date(2025, 12, 31)) == Status.LAGGING
    assert status(None, goal, date(2025, 1, 1)) == Status.NO_DATA
    assert status(Decimal(1), None, date(2025, 1, 1)) == Status.NO_TARGET
