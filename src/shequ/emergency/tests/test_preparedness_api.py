"""The preparedness API: shelters (open, occupancy within capacity, close), supplies (list with low
flags, detail with movements, idempotent movements never below zero), drills (never in the future),
fire grids and informants; scoped, with ``?region=`` outside the jurisdiction a 422."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.emergency.models import SupplyMovement
from shequ.emergency.tests.factories_preparedness import (
    make_drill,
    make_shelter,
    make_stock,
    open_shelter,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_shelters_open_report_and_close(world: World) -> None:
    home = world.regions[HOME["community"]]
    shelter = make_shelter(community=home, capacity=40)
    make_shelter(community=world.regions[AWAY], name="外区避难场所")
    client = client_for(world.users["community_staff"])

    listed = client.get(f"{API}/shelters").json()
    assert [r["facility_id"] for r in listed["results"]] == [shelter.pk]

    opened = post(client, f"{API}/shelters/open", {"facility_id": shelter.pk})
    assert opened.status_code == 201
    opening_id = opened.json()["id"]
    again = post(client, f"{API}/shelters/open", {"facility_id": shelter.pk})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "facility"

    over = post(client, f"{API}/shelters/openings/{opening_id}/occupancy", {"occupancy": 41})
    assert over.status_code == 422 and "40" in over.json()["message"]
    ok = post(client, f"{API}/shelters/openings/{opening_id}/occupancy", {"occupancy": 12})
    assert ok.status_code == 200 and ok.json()["occupancy"] == 12
    closed = post(client, f"{API}/shelters/openings/{opening_id}/close", {})
    assert closed.status_code == 200 and closed.json()["closed_at"]


def test_supplies_list_detail_and_idempotent_movements(
    world: World, django_assert_max_num_queries: Any
) -> None:
    home = world.regions[HOME["community"]]
    stock = make_stock(region=home, quantity=10, low_threshold=10)
    make_stock(region=world.regions[AWAY], item="外区沙袋")
    client = client_for(world.users["community_staff"])

    with django_assert_max_num_queries(8):
        listed = client.get(f"{API}/supplies").json()
    assert listed["count"] == 1 and listed["results"][0]["is_low"] is True

    url = f"{API}/supplies/{stock.pk}/movements"
    body = {"kind": "issued", "quantity": 4, "request_key": "k-1"}
    first = post(client, url, body)
    second = post(client, url, body)
    assert first.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert first.json()["balance_after"] == 6

    negative = post(client, url, {"kind": "issued", "quantity": 7})
    assert negative.status_code == 422
    assert "现有 6 袋" in negative.json()["message"]
    assert SupplyMovement.objects.filter(stock=stock).count() == 2

    away = post(
        client,
        url,
        {"kind": "transfer", "quantity": 1, "to_region_code": AWAY, "to_location": "仓库"},
    )
    assert away.status_code == 422 and away.json()["errors"][0]["field"] == "to_region_code"

    detail = client.get(f"{API}/supplies/{stock.pk}").json()
    assert detail["quantity"] == 6 and len(detail["movements"]) == 2
    assert client.get(f"{API}/supplies?region={AWAY}").status_code == 422


def test_out_of_scope_stock_is_404_and_grid_worker_cannot_move(world: World) -> None:
    there = make_stock(region=world.regions[AWAY])
    home_stock = make_stock(region=world.regions[HOME["community"]])
    staff = client_for(world.users["community_staff"])
    assert staff.get(f"{API}/supplies/{there.pk}").status_code == 404
    worker = client_for(world.users["grid_worker"])
    refused = post(
        worker, f"{API}/supplies/{home_stock.pk}/movements", {"kind": "issued", "quantity": 1}
    )
    assert refused.status_code == 403


def test_drills_create_and_list(world: World, django_assert_max_num_queries: Any) -> None:
    client = client_for(world.users["community_staff"])
    future = post(
        client,
        f"{API}/drills",
        {
            "region_code": HOME["community"],
            "kind": "flood",
            "title": "防汛演练",
            "held_on": (calendar.localdate() + timedelta(days=1)).isoformat(),
            "participants": 10,
        },
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "held_on"
    made = post(
        client,
        f"{API}/drills",
        {
            "region_code": HOME["community"],
            "kind": "flood",
            "title": "防汛演练",
            "held_on": calendar.localdate().isoformat(),
            "participants": 10,
        },
    )
    assert made.status_code == 201
    make_drill(region=world.regions[AWAY], title="外区演练")
    with django_assert_max_num_queries(8):
        listed = client.get(f"{API}/drills").json()
    assert [d["title"] for d in listed["results"]] == ["防汛演练"]


def test_fire_grids_and_informants_lists(world: World, django_assert_max_num_queries: Any) -> None:
    client = client_for(world.users["township_staff"])
    with django_assert_max_num_queries(8):
        grids = client.get(f"{API}/fire-grids").json()
    assert grids["count"] == 4 and not any(g["designated"] for g in grids["results"])
    with django_assert_max_num_queries(8):
        officers = client.get(f"{API}/informants").json()
    assert officers["count"] == 2 and {o["status"] for o in officers["results"]} == {"missing"}
    open_shelter(make_shelter(community=world.regions[HOME["community"]]))
    assert client.get(f"{API}/shelters").json()["results"][0]["opening_id"]
