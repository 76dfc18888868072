"""The targets page: a city official sees each indicator's baselines and targets (the region's own,
or those it takes from above), sets a county's own target by hand, uploads another plan's file (all
or nothing, errors naming line and column), downloads a region's targets as a file that loads back,
and removes a target so the region falls back to the one above. Nobody else may, and nothing
outside the jurisdiction is reachable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.models import AuditEvent
from shequ.indicators.actions.targets import load_default_targets, parse_targets
from shequ.indicators.models import IndicatorTarget
from shequ.indicators.queries.values import goals
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
URL = "/indicators/targets/"


@pytest.fixture
def world() -> World:
    made = build_world()
    load_default_targets(made.regions[HOME["city"]])
    return made


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("plan.csv", text.encode("utf-8"), content_type="text/csv")


def test_the_city_official_sees_own_and_inherited_targets(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["city_official"])
    with django_assert_max_num_queries(20):
        city = client.get(URL)
    assert city.status_code == 200
    body = html(city)
    assert "徐州市三年行动实施方案专栏1" in body  # the city's own, with their source
    county = html(client.get(URL, {"region": HOME["county"]}))
    assert world.regions[HOME["city"]].name in county  # taken from the city
    assert "未设目标" in county  # counts (certified social workers) are never inherited


def test_a_county_gets_its_own_target_and_the_dashboard_measures_against_it(world: World) -> None:
    client = client_for(world.users["city_official"])
    county = world.regions[HOME["county"]]
    form = {
        "region": county.code,
        "indicator": "deliberation_body_coverage",
        "year": "2025",
        "kind": "target",
        "value": "99.5",
        "is_binding": "on",
        "source": "县级方案",
    }
    done = client.post(URL + "enter/", form)
    assert done.status_code == 302
    own = IndicatorTarget.objects.get(region=county, indicator="deliberation_body_coverage")
    assert own.value == Decimal("99.5") and own.is_binding and own.entered_by is not None
    assert goals(county, 2025)["deliberation_body_coverage"].target == Decimal("99.5")
    assert AuditEvent.objects.filter(action="indicators.set_target").count() == 1
    # Removed again: the county takes the city's target once more.
    removed = client.post(URL + f"{own.pk}/remove/", {"region": county.code})
    assert removed.status_code == 302
    assert goals(county, 2025)["deliberation_body_coverage"].target == Decimal(100)  # the city's


def test_bad_entries_are_named_and_nothing_is_written(world: World) -> None:
    client = client_for(world.users["city_official"])
    before = IndicatorTarget.objects.count()
    township = {
        "region": HOME["township"],
        "indicator": "community_workers_per_10k_urban",  # county and city only
        "year": "2025",
        "kind": "target",
        "value": "18",
    }
    refused = client.post(URL + "enter/", township)
    assert refused.status_code == 400
    assert "不能给" in html(refused)
    bad = client.post(URL + "enter/", {**township, "indicator": "deliberation_body_coverage",
                                       "year": "1999", "value": "-3"})  # fmt: skip
    assert bad.status_code == 400
    assert IndicatorTarget.objects.count() == before


def test_another_plan_file_loads_all_or_nothing(world: World) -> None:
    client = client_for(world.users["city_official"])
    before = IndicatorTarget.objects.count()
    broken = (
        "code,baseline_2026,target_2028,property\n"
        "deliberation_body_coverage,80,100,binding\n"
        "no_such_indicator,1,2,expected\n"
        "certified_social_workers,abc,4000,expected\n"
    )
    refused = client.post(URL + "upload/", {"file": _csv(broken), "source": "某市方案"})
    assert refused.status_code == 400
    body = html(refused)
    assert "第3行" in body and "第4行" in body
    assert IndicatorTarget.objects.count() == before
    good = broken.splitlines()[0] + "\n" + broken.splitlines()[1] + "\n"
    loaded = client.post(URL + "upload/", {"file": _csv(good), "source": "某市方案"})
    assert loaded.status_code == 302
    assert IndicatorTarget.objects.filter(source="某市方案").count() == 2
    not_utf8 = SimpleUploadedFile("plan.csv", "code,目标".encode("gbk"), content_type="text/csv")
    assert client.post(URL + "upload/", {"file": not_utf8, "source": "x"}).status_code == 400


def test_the_downloaded_file_loads_back_as_the_same_targets(world: World) -> None:
    client = client_for(world.users["city_official"])
    response = client.get(URL + "file.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = parse_targets(text)
    stored = IndicatorTarget.objects.filter(region=world.regions[HOME["city"]])
    assert len(rows) == stored.count()
    assert {(r["indicator"], r["year"], r["value"]) for r in rows} == {
        (t.indicator, t.year, t.value) for t in stored
    }
    assert AuditEvent.objects.filter(action="indicators.export_targets").count() == 1


def test_only_holders_of_the_targets_permission_inside_their_jurisdiction(world: World) -> None:
    for role in ("county_official", "township_staff", "community_head", "resident"):
        user = world.users[role]
        assert client_for(user).get(URL).status_code in (302, 403), role
    city = client_for(world.users["city_official"])
    assert city.get(URL, {"region": "999999"}).status_code == 404
    assert city.get(URL, {"region": "x1"}).status_code == 404
    other = IndicatorTarget.objects.filter(region=world.regions[HOME["city"]]).first()
    assert other is not None
    # A target is removed only through the region it belongs to.
    wrong = city.post(URL + f"{other.pk}/remove/", {"region": HOME["county"]})
    assert wrong.status_code == 404
