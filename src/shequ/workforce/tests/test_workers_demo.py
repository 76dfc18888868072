"""The demo workforce: every community of the county staffed with its committee, posts on most grids
(some left without a grid worker), pay with some below the average wage, the county's figures;
deterministic for a seed; removed without a trace."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.facilities.tests.factories import make_community
from shequ.territory.models import Grid
from shequ.workforce.demo_workers import delete_demo_workers, load_demo_workers
from shequ.workforce.models import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    UrbanPopulation,
    WorkerPost,
)
from shequ.workforce.queries import staffing
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    world = build_world()
    township = world.regions["320302002"]
    for n in range(2, 20):
        community = make_community(township, n, f"演示社区{n}")
        for g in range(1, 6):
            code = f"{community.code}{g:03d}"
            Grid.objects.create(
                community=community, code=code, name=f"第{g}网格", path=f"{community.path}{code}/"
            )
    return world


def test_the_demo_staffs_the_county_with_gaps(world: World) -> None:
    county = world.regions[HOME["county"]]

    counts = load_demo_workers(county=county, seed=7)

    assert counts["workers"] == CommunityWorker.objects.filter(is_synthetic=True).count() > 100
    per_community = CommunityWorker.objects.filter(region__path__under=county.path).count() / 21
    assert 6 <= per_community <= 14
    assert not CommunityWorker.objects.filter(region__path__under="320300/320303/").exists()
    kinds = set(WorkerPost.objects.values_list("kind", flat=True))
    assert {
        "party_secretary",
        "director",
        "generalist",
        "grid_worker",
        "disaster_informant",
    } <= kinds
    table = staffing.staffing(world.users["county_official"], county, timezone.localdate())
    assert 0 < table.total.grids_without_worker < table.total.grids
    assert table.total.per_10k is not None and table.total.below_standard
    last = timezone.localdate().year - 1
    wage = AverageWage.objects.get(region=county, year=last - 1).amount
    pays = AnnualPay.objects.filter(year=last)
    assert pays.filter(amount__lt=wage).exists() and pays.filter(amount__gte=wage).exists()
    assert UrbanPopulation.objects.filter(region=county).count() == 2


def test_the_demo_is_deterministic_and_removable(world: World) -> None:
    county = world.regions[HOME["county"]]
    load_demo_workers(county=county, seed=3)
    first = list(CommunityWorker.objects.order_by("pk").values_list("name", "birth_date"))

    deleted = delete_demo_workers()
    assert deleted["workers"] == len(first) and not CommunityWorker.objects.exists()
    assert not WorkerPost.objects.exists() and not UrbanPopulation.objects.exists()
    load_demo_workers(county=county, seed=3)

    assert list(CommunityWorker.objects.order_by("pk").values_list("name", "birth_date")) == first
