"""The indicator dashboard: each official sees their own place and below (another county is a 404),
figures against targets with binding ones marked and the reasons data is missing, the drill-down to
child regions, and a rebuild of their own subtree."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.facilities import actions as facilities
from shequ.facilities.tests.factories import make_facility
from shequ.indicators.actions.rebuild import rebuild
from shequ.indicators.actions.targets import load_default_targets
from shequ.indicators.attention import attention_items
from shequ.indicators.models import IndicatorValue, RebuildRun
from shequ.indicators.tasks import run_requested_rebuild
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
URL = "/indicators/"
AWAY = "320303"


@pytest.fixture
def world() -> World:
    made = build_world()
    load_default_targets(made.regions[HOME["city"]])
    return made


def year() -> int:
    return calendar.localdate().year


def test_city_official_sees_every_indicator_against_its_target_and_drills_down(
    world: World, django_assert_max_num_queries: Any
) -> None:
    community = world.regions[HOME["community"]]
    facilities.record_floor_area(
        community=community, year=year(), total_floor_area_m2="10000", by=None
    )
    make_facility(community=community, floor_area_m2="600", activity_area_m2="420")
    rebuild(year())
    client = client_for(world.users["city_official"])
    with django_assert_max_num_queries(40):
        page = client.get(URL, {"year": year()})
    assert page.status_code == 200
    body = page.content.decode()
    assert "社区商业和综合服务设施面积占社区总建筑面积的比例" in body
    assert "约束性" in body  # indicators 2, 5 and 9 are binding
    assert "数据不完整" in body and "社区总建筑面积" in body
    assert f"?region={HOME['county']}&amp;year={year()}" in body  # the drill-down links
    query: dict[str, Any] = {"region": HOME["county"], "year": year()}
    county = client.get(URL, query)
    assert county.status_code == 200
    assert world.regions[HOME["township"]].name in county.content.decode()


def test_county_official_sees_only_their_county(world: World) -> None:
    rebuild(year())
    client = client_for(world.users["county_official"])
    page = client.get(URL)
    assert page.status_code == 200
    assert world.regions[HOME["county"]].name in page.content.decode()
    assert client.get(URL, {"region": AWAY}).status_code == 404
    assert client.get(URL, {"region": HOME["city"]}).status_code == 404


def test_staff_without_the_permission_are_refused(world: World) -> None:
    assert client_for(world.users["community_staff"]).get(URL).status_code == 403
    assert client_for(world.users["county_official"]).get(URL, {"region": "abc"}).status_code == 404


def test_a_bad_year_falls_back_to_this_year(world: World) -> None:
    page = client_for(world.users["city_official"]).get(URL, {"year": "20x5"})
    assert page.status_code == 200
    assert str(year()) in page.content.decode()


def test_county_official_rebuilds_their_county_and_not_another(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.users["county_official"])
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(URL + "rebuild/", {"region": HOME["county"], "year": year()})
    assert done.status_code == 302
    assert IndicatorValue.objects.filter(region__code=HOME["county"], year=year()).exists()
    assert client.post(URL + "rebuild/", {"region": AWAY, "year": year()}).status_code == 404
    assert (
        client_for(world.users["township_staff"])
        .post(URL + "rebuild/", {"year": year()})
        .status_code
        == 403
    )


def test_the_charts_carry_the_trend_against_targets_and_each_child_region(world: World) -> None:
    """The chart data names the chosen indicator, its figure by year with the plan's baseline and
    targets, and every child region with its status; the same figures are in the page's table."""
    rebuild(2024)
    rebuild(2025)
    client = client_for(world.users["county_official"])
    page = client.get(URL, {"year": 2025, "indicator": "deliberation_body_coverage"})
    assert page.status_code == 200
    body = html(page)
    chart = json.loads(
        body.split('id="indicator-chart-data" type="application/json">', 1)[1].split("</script>")[0]
    )
    assert chart["indicator"]["code"] == "deliberation_body_coverage"
    trend = chart["trend"]
    assert trend["years"] == ["2023", "2024", "2025"]
    # No meetings were held in the world: 0 % both years; the plan's 2023 baseline and targets.
    assert trend["values"] == [None, 0.0, 0.0]
    assert trend["baselines"][0] is not None and trend["targets"][2] is not None
    codes = [c["code"] for c in chart["children"]]
    assert HOME["township"] in codes and not any(c.startswith(AWAY) for c in codes)
    assert {c["status"] for c in chart["children"]} == {"lagging"}
    table = body.split('id="trend-table-caption"', 1)[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">(\d+)</th>', table) == ["2023", "2024", "2025"]
    # An indicator that means nothing at a county's level falls back to one that does.
    other = client.get(URL, {"year": 2025, "indicator": "not-an-indicator"})
    assert other.status_code == 200


def test_a_lagging_binding_indicator_is_raised_to_the_responsible_level(world: World) -> None:
    """Deliberation-body coverage is binding: with no meetings held, every place lags behind the
    plan, and each official's console says so for their own place — not for another's."""
    rebuild(year() - 1)
    rebuild(year())

    def lagging(user: Any) -> list[str]:
        return [item.title for item in attention_items(user) if item.level == "danger"]

    county = lagging(world.users["county_official"])
    assert len(county) == 1 and world.regions[HOME["county"]].name in county[0]
    (item,) = attention_items(world.users["community_head"])
    assert "5." in item.detail and item.count and item.count >= 1
    assert f"region={HOME['community']}" in item.url
    assert attention_items(world.users["community_staff"]) == []  # no indicators.view
    assert attention_items(world.users["resident"]) == []


def test_a_rebuild_asked_twice_while_queued_is_queued_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """With a broker the request is queued: a second click while it waits queues nothing more,
    the page says it has started, and the queued task runs it once."""
    client = client_for(world.users["county_official"])
    form = {"region": HOME["county"], "year": year()}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.post(URL + "rebuild/", form, follow=True)
        client.post(URL + "rebuild/", form)
    assert len(queued) == 1
    assert "已开始重新计算" in first.content.decode()
    (run,) = RebuildRun.objects.filter(region__code=HOME["county"], year=year())
    assert run.finished_at is None
    assert run_requested_rebuild(run.pk) > 0
    assert run_requested_rebuild(run.pk) == 0  # delivered twice: done once
    run.refresh_from_db()
    assert run.finished_at is not None
    assert AuditEvent.objects.filter(action="indicators.rebuild").count() == 1
