"""The compliance API and indicator 10: rows of the dashboard, the paged overdue list, indicator 10
per community and as a share; out-of-scope places are a 422 on ``region``; fixed query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shequ.care.queries import compliance as queries
from shequ.care.tests import factories_compliance as f
from shequ.care.tests import test_compliance_pages as shared
from tests.pages import client_for
from tests.world import World

pytestmark = pytest.mark.django_db

# The pages' fixtures: the frozen clock, the world and May's plans.
frozen, world, data = shared.frozen, shared.world, shared.data
AWAY, C1, MAY, T2C, VILLAGE = shared.AWAY, shared.C1, shared.MAY, shared.T2C, shared.VILLAGE

API = "/api/v1/care/compliance"


def test_compliance_rows(world: World, data: dict[str, Any]) -> None:
    client = client_for(world.users["township_staff"])
    body = client.get(API, {"month": "2026-05"}).json()
    assert body["region_code"] == "320302001" and body["month"] == "2026-05"
    rows = {row["code"]: row for row in body["children"]}
    assert rows[C1]["due"] == 5 and rows[C1]["rate"] == 60.0 and rows[C1]["hardship_rate"] == 50.0
    assert rows[VILLAGE]["due"] == 0 and rows[VILLAGE]["rate"] is None
    assert body["total"]["overdue"] == 1
    grids = client.get(API, {"region": C1, "month": "2026-05"}).json()["children"]
    assert {row["level"] for row in grids} == {"grid"}


def test_compliance_refusals(world: World, data: dict[str, Any]) -> None:
    client = client_for(world.users["township_staff"])
    response = client.get(API, {"region": "320303"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    assert client.get(API, {"region": "320302002"}).status_code == 422
    response = client.get(API, {"month": "2026-5"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "month"
    assert client.get(API, {"group": "nobody"}).json()["errors"][0]["field"] == "group"
    assert client_for(world.users["resident"]).get(API).status_code == 403


def test_overdue_api_is_paged_masked_and_fixed(
    world: World, data: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        person = f.cared_for(world.regions[C1], f"郑{n}号", grid=world.grids[C1 + "001"])
        f.plan(person, date(2026, 5, 3))
    client = client_for(world.users["township_staff"])
    client.get(f"{API}/overdue")
    with django_assert_max_num_queries(7):
        body = client.get(f"{API}/overdue", {"page_size": 5}).json()
    assert body["count"] == 14 and len(body["results"]) == 5
    first = body["results"][0]
    assert first["name"] == "王**" and first["days_overdue"] == 40
    names = {
        row["name"] for row in client.get(f"{API}/overdue", {"page_size": 200}).json()["results"]
    }
    assert "吴**" not in names and all("*" in name for name in names)
    assert client.get(f"{API}/overdue", {"region": AWAY}).status_code == 422


# --- Indicator 10 ----------------------------------------------------------------------------------


@pytest.fixture
def indicator(world: World, data: dict[str, Any]) -> dict[str, Any]:
    """A done special-hardship visit in the second township's community; elsewhere a rule for
    another group only (``data`` made one for extreme poverty at 320303: switched off here)."""
    g = f.cared_for(world.regions[T2C], "何庚八", grid=world.grids[T2C + "001"])
    f.plan(g, date(2026, 5, 10), done_on=date(2026, 5, 9))
    queries.VisitRule.objects.filter(region__code="320303").update(is_active=False)
    return data


def test_hardship_visiting_per_community(world: World, indicator: dict[str, Any]) -> None:
    ids = {code: world.regions[code].pk for code in (C1, VILLAGE, T2C, AWAY)}
    result = queries.hardship_visiting(ids.values(), MAY)
    assert result[ids[C1]] == {"rules_set": True, "due": 4, "done": 2, "counts": False}
    assert result[ids[VILLAGE]] == {"rules_set": True, "due": 0, "done": 0, "counts": True}
    assert result[ids[T2C]] == {"rules_set": True, "due": 1, "done": 1, "counts": True}
    assert result[ids[AWAY]] == {"rules_set": False, "due": 1, "done": 0, "counts": False}
    # April: only a's overdue plan in the home community.
    april = queries.hardship_visiting([ids[C1]], date(2026, 4, 15))
    assert april[ids[C1]]["counts"] is False and april[ids[C1]]["due"] == 1


def test_hardship_visiting_share(
    world: World, indicator: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        share = queries.hardship_visiting_share(world.regions["320302"], MAY)
    assert (share.communities, share.counting, share.share) == (3, 2, Decimal("66.7"))
    assert queries.hardship_visiting_share(world.regions["320303"], MAY).share == Decimal("0.0")


def test_indicator_10_api(world: World, indicator: dict[str, Any]) -> None:
    client = client_for(world.users["county_official"])
    body = client.get(f"{API}/indicator-10", {"month": "2026-05"}).json()
    assert body["region_code"] == "320302"
    assert (body["communities"], body["counting"], body["share"]) == (3, 2, 66.7)
    assert {row["community_code"] for row in body["rows"]} == {C1, VILLAGE, T2C}
    township = client_for(world.users["township_staff"])
    assert township.get(f"{API}/indicator-10", {"region": "320302"}).status_code == 422
    assert township.get(f"{API}/indicator-10").json()["communities"] == 2


@pytest.mark.parametrize("role", ["township_staff", "county_official", "city_official"])
def test_api_queries_are_fixed(
    world: World, indicator: dict[str, Any], role: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users[role])
    for url in (API, f"{API}/indicator-10"):
        client.get(url)
        with django_assert_max_num_queries(8):
            assert client.get(url, {"month": "2026-05"}).status_code == 200
