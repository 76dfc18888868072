"""The staffing table over HTTP: per child region and in total, serving workers on a date, workers per
10,000 urban residents (county and city only; "incomplete" and what is missing without a population,
never 0), certified social workers, grids without a full-time grid worker, communities practising the
generalist model and without a disaster information officer; drill-down to a community's workers and
grids; the Excel export; jurisdiction; and a constant number of queries whatever the size."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.facilities.tests.factories import make_community
from shequ.territory.models import Grid
from shequ.workforce.actions import workers as actions
from shequ.workforce.models import SocialWorkQualification
from shequ.workforce.queries import staffing as queries
from shequ.workforce.tests.factories_workers import make_post, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

STAFFING = reverse("workforce:staffing")
EXPORT = reverse("workforce:staffing_export")


@pytest.fixture
def world() -> World:
    return build_world()


def staffed(world: World) -> dict[str, Any]:
    """Home community: a grid worker on grid 001 (grid 002 lacks one), a generalist who holds a
    qualification, a committee member who left last month. Second township's community: a disaster
    officer. The other county: a worker (never counted at home)."""
    home = world.regions[HOME["community"]]
    second = world.regions["320302002001"]
    grid_worker = make_worker(region=home, name="网格甲")
    make_post(worker=grid_worker, community=home, kind="grid_worker",
              grid=world.grids[HOME["grid"]])  # fmt: skip
    generalist = make_worker(region=home, name="全科乙")
    make_post(worker=generalist, community=home, kind="generalist")
    SocialWorkQualification.objects.create(
        worker=generalist, level="intermediate", certificate_number="Z-1",
        obtained_on=date(2020, 1, 1),
    )  # fmt: skip
    gone = make_worker(region=home, name="离职丙")
    make_post(worker=gone, community=home)
    actions.change_status(
        worker=gone, to_status="left", effective_on=timezone.localdate() - timedelta(days=30),
        reason="辞职", by=None,
    )  # fmt: skip
    officer = make_worker(region=second, name="灾害丁")
    make_post(worker=officer, community=second, kind="disaster_informant")
    away = make_worker(region=world.regions["320303001001"], name="【X320303】外县")
    make_post(worker=away, community=world.regions["320303001001"])
    return {"gone": gone}


def test_the_county_table(world: World) -> None:
    staffed(world)
    county = world.regions[HOME["county"]]
    table = queries.staffing(world.users["county_official"], county, timezone.localdate())

    rows = {row.region.code: row for row in table.rows}
    first, second = rows["320302001"], rows["320302002"]
    assert (first.workers, first.certified, first.grids, first.grids_without_worker) == (2, 1, 4, 3)
    assert (first.communities, first.generalist_communities) == (2, 1)
    assert first.communities_without_officer == 2 and second.communities_without_officer == 0
    assert second.workers == 1 and table.total.workers == 3
    assert not first.per_10k_applies and table.total.per_10k_applies
    assert table.total.per_10k is None and "城镇常住人口" in table.total.population_missing


def test_a_past_date_counts_who_served_then(world: World) -> None:
    staffed(world)
    county = world.regions[HOME["county"]]
    before = timezone.localdate() - timedelta(days=60)

    table = queries.staffing(world.users["county_official"], county, before)

    assert table.total.workers == 4


def test_per_10k_at_the_city_with_a_county_flagged_below_standard(world: World) -> None:
    staffed(world)
    year = timezone.localdate().year
    actions.record_urban_population(region=world.regions["320302"], year=year, population=1000,
                                    by=None)  # fmt: skip
    actions.record_urban_population(region=world.regions["320300"], year=year, population=5000,
                                    by=None)  # fmt: skip
    client = client_for(world.users["city_official"])

    body = html(client.get(STAFFING, {"region": "320300"}))
    table = queries.staffing(
        world.users["city_official"], world.regions["320300"], timezone.localdate()
    )

    rows = {row.region.code: row for row in table.rows}
    assert str(rows["320302"].per_10k) == "30.00" and not rows["320302"].below_standard
    assert rows["320303"].per_10k is None and "数据不完整" in body
    assert str(table.total.per_10k) == "8.00" and table.total.below_standard
    assert "低于标准" in body


def test_a_community_lists_its_workers_and_grids_lacking_one(world: World) -> None:
    staffed(world)
    client = client_for(world.users["community_staff"])

    body = html(client.get(STAFFING))

    assert "网格甲" in body and "全科乙" in body and "离职丙" not in body
    assert world.grids[HOME["community"] + "002"].name in body
    assert world.grids[HOME["grid"]].name not in body.split("无专职网格员的网格")[-1]


def test_drilling_down_and_jurisdiction(world: World) -> None:
    staffed(world)
    client = client_for(world.users["county_official"])

    county = html(client.get(STAFFING))
    township = html(client.get(STAFFING, {"region": "320302001"}))

    assert "?region=320302001&amp;on=" in county
    assert "?region=320302001001&amp;on=" in township
    assert "外县" not in county and "【320303" not in county
    assert client.get(STAFFING, {"region": "320303"}).status_code == 404
    assert client.get(EXPORT, {"region": "320303"}).status_code == 404


def test_the_export(world: World) -> None:
    staffed(world)

    response = client_for(world.users["county_official"]).get(EXPORT, {"region": "320302"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    names = [row[0] for row in rows[2:]]
    assert world.regions["320302001"].name in names and any("合计" in str(n) for n in names)
    total = rows[-1]
    assert total[1] == 3 and "城镇常住人口" in str(total[2])


def test_the_table_costs_the_same_queries_whatever_the_size(
    world: World, django_assert_max_num_queries: Any
) -> None:
    staffed(world)
    client = client_for(world.users["county_official"])
    client.get(STAFFING)
    with django_assert_max_num_queries(30) as few:
        client.get(STAFFING)
    township = world.regions["320302002"]
    for n in range(2, 12):
        community = make_community(township, n, f"新社区{n}")
        grid = Grid.objects.create(
            community=community, code=f"{community.code}001", name=f"新网格{n}",
            path=f"{community.path}{community.code}001/",
        )  # fmt: skip
        worker = make_worker(region=community, name=f"新人{n}")
        make_post(worker=worker, community=community, kind="grid_worker", grid=grid)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = html(client.get(STAFFING))
    assert "【320302002】" in body
