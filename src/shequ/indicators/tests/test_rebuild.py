"""The indicator engine on hand-built data: each figure is the ratio of sums of its communities'
facts, missing data is named (never zero), an incremental rebuild equals a full one, and the
county-only indicators stay at county and city."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from shequ.core import calendar
from shequ.facilities import actions as facilities
from shequ.facilities.tests.factories import make_facility
from shequ.indicators.actions.rebuild import rebuild
from shequ.indicators.models import IndicatorValue
from shequ.registry.tests import factories as registry
from shequ.workforce.actions import workers as workforce
from shequ.workforce.tests.factories_workers import make_post, make_worker
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

OTHER = "320302002001"  # a community in another township of the home county
VILLAGE = "320302001201"  # a village in the home township


@pytest.fixture
def world() -> World:
    return build_world()


def year() -> int:
    return calendar.localdate().year


def value(code: str, indicator: str) -> IndicatorValue:
    return IndicatorValue.objects.get(region__code=code, indicator=indicator, year=year())


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        IndicatorValue.objects.filter(year=year()).values_list(
            "indicator", "region__code", "numerator", "denominator", "value", "units",
            "missing_units", "missing",
        )
    )  # fmt: skip


def areas(
    world: World, code: str, *, total: str, centre: str, activity: str, shops: str, households: int
) -> None:
    community = world.regions[code]
    facilities.record_floor_area(
        community=community, year=year(), total_floor_area_m2=total, by=None
    )
    make_facility(community=community, floor_area_m2=centre, activity_area_m2=activity)
    make_facility(
        community=community,
        category="convenience_shop",
        name="便民超市",
        floor_area_m2=shops,
        activity_area_m2="",
        commercial_area_m2=shops,
    )
    for n in range(households):
        registry.resident(community, f"住户{n}")


def test_area_indicators_are_ratios_of_sums_and_missing_data_is_named(world: World) -> None:
    areas(
        world,
        HOME["community"],
        total="10000",
        centre="600",
        activity="420",
        shops="400",
        households=4,
    )
    areas(world, OTHER, total="30000", centre="900", activity="450", shops="600", households=2)
    rebuild(year())

    home = value(HOME["community"], "commercial_service_area_ratio")
    assert home.value == Decimal("10.00")  # (600 + 400) / 10000
    assert value(OTHER, "commercial_service_area_ratio").value == Decimal("5.00")  # 1500 / 30000
    county = value(HOME["county"], "commercial_service_area_ratio")
    # Σ numerators ÷ Σ denominators: 2500 / 40000, not the mean of 10% and 5%.
    assert county.value == Decimal("6.25")
    assert value(HOME["community"], "service_area_per_100_households").value == Decimal("15000.00")
    assert value(HOME["community"], "resident_activity_area_ratio").value == Decimal("70.00")

    # The county's other communities have no floor area entered: counted as missing, and named.
    assert county.units == 2
    assert county.missing_units >= 1
    assert any(str(year()) in reason and "社区总建筑面积" in reason for reason in county.reasons)
    village = IndicatorValue.objects.get(
        region__code=VILLAGE, indicator="commercial_service_area_ratio", year=year()
    )
    assert village.value is None
    assert village.missing


def test_incremental_rebuild_equals_full_rebuild(world: World) -> None:
    areas(
        world,
        HOME["community"],
        total="10000",
        centre="600",
        activity="420",
        shops="400",
        households=3,
    )
    rebuild(year())
    # A new facility in one community, then only that community's subtree is rebuilt...
    make_facility(community=world.regions[OTHER], floor_area_m2="500", activity_area_m2="300")
    facilities.record_floor_area(
        community=world.regions[OTHER], year=year(), total_floor_area_m2="20000", by=None
    )
    rebuild(year(), root=world.regions[OTHER])
    incremental = snapshot()
    changed = value(HOME["county"], "commercial_service_area_ratio")
    assert changed.units == 2
    # ...and the result is what a full rebuild gives.
    rebuild(year())
    assert snapshot() == incremental


def test_workers_per_10k_only_at_county_and_city_with_the_population_named_when_missing(
    world: World,
) -> None:
    community = world.regions[HOME["community"]]
    for n in range(3):
        worker = make_worker(region=world.regions[HOME["township"]], name=f"社工{n}")
        make_post(worker=worker, community=community)
        # A second post in another community does not count the worker twice.
        make_post(worker=worker, community=world.regions[VILLAGE], kind="generalist")
    workforce.record_urban_population(
        region=world.regions[HOME["county"]],
        year=year(),
        population=20000,
        by=None,
        source="统计公报",
    )
    rebuild(
        year(),
        codes=[
            "community_workers_per_10k_urban",
            "certified_social_workers",
            "generalist_service_coverage",
        ],
    )

    county = value(HOME["county"], "community_workers_per_10k_urban")
    assert county.numerator == 3
    assert county.value == Decimal("1.50")  # 3 × 10000 / 20000
    city = value(HOME["city"], "community_workers_per_10k_urban")
    assert city.value is None
    assert any("城镇常住人口" in reason for reason in city.reasons)
    assert not IndicatorValue.objects.filter(
        indicator="community_workers_per_10k_urban", region__level="township"
    ).exists()
    assert value(HOME["county"], "certified_social_workers").value == Decimal("0.00")
    # The village has a generalist (全科社工) post: 1 of 1; the home community has none.
    assert value(VILLAGE, "generalist_service_coverage").value == Decimal("100.00")
    assert value(HOME["community"], "generalist_service_coverage").value == Decimal("0.00")


def test_every_indicator_rebuilds_on_an_empty_city_without_inventing_zeros(world: World) -> None:
    run = rebuild(year())
    assert run.finished_at is not None
    city = {row.indicator: row for row in IndicatorValue.objects.filter(region__code=HOME["city"])}
    assert len(city) == 13
    # No floor areas, households, elderly people or party members anywhere: no figure, reasons named.
    for code in (
        "commercial_service_area_ratio",
        "service_area_per_100_households",
        "home_service_elderly_share",
        "party_member_checkin_coverage",
    ):
        assert city[code].value is None, code
        assert city[code].missing, code
    # Coverage counts what is there: no deliberation body is a real 0 %.
    assert city["deliberation_body_coverage"].value == Decimal("0.00")
    assert city["mental_rehab_county_coverage"].units == 2  # the two counties


def test_the_nightly_job_rebuilds_the_running_year_and_can_run_twice(world: World) -> None:
    from shequ.indicators.tasks import rebuild_indicators

    first = rebuild_indicators()
    rows = snapshot()
    second = rebuild_indicators()
    assert first["years"] == second["years"] and year() in first["years"]
    assert snapshot() == rows


def test_missing_data_is_named_in_the_readers_language_whoever_rebuilt(world: World) -> None:
    """The reasons are stored untranslated: a rebuild run in English shows Chinese to a Chinese
    reader and English to an English one."""
    with translation.override("en"):
        rebuild(year())
    county = IndicatorValue.objects.get(
        indicator="commercial_service_area_ratio", region=world.regions[HOME["county"]], year=year()
    )
    with translation.override("zh-hans"):
        assert any("社区总建筑面积" in reason for reason in county.reasons), county.reasons
    with translation.override("en"):
        assert any("floor area" in reason.lower() for reason in county.reasons), county.reasons
        assert not any("社区" in reason for reason in county.reasons), county.reasons
