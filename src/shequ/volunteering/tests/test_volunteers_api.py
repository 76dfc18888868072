"""The volunteers API: scoped lists and details (elsewhere 404, no permission 403), the decision
with its refusals, teams and members; no ID number or phone goes out."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.registry.tests import factories as people
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import VolunteerStatus
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/volunteering"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_list_is_scoped_and_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    home = world.regions[HOME["community"]]
    for n in range(15):
        make_volunteer(community=home, name=f"志愿者{n}")
    make_volunteer(community=world.regions[AWAY], name="外县")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(12):
        data = client.get(f"{BASE}/volunteers?page_size=50").json()
    assert data["count"] == 15
    assert all("id_number" not in row and "phone" not in row for row in data["results"])
    assert client.get(f"{BASE}/volunteers?status=nonsense").status_code == 422
    assert client.get(f"{BASE}/volunteers?region={AWAY}").status_code == 422


def test_detail_and_decision(world: World) -> None:
    number = people.id_number()
    pending = make_volunteer(
        community=world.regions[HOME["community"]], approve=False, number=number
    )
    away = make_volunteer(community=world.regions[AWAY])
    client = client_for(world.users["community_staff"])
    got = client.get(f"{BASE}/volunteers/{pending.pk}")
    assert got.status_code == 200 and number not in got.content.decode()
    assert client.get(f"{BASE}/volunteers/{away.pk}").status_code == 404
    url = f"{BASE}/volunteers/{pending.pk}/decide"
    refused = client.post(url, {"approve": False}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "note"
    done = client.post(url, {"approve": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == VolunteerStatus.ACTIVE
    again = client.post(url, {"approve": True}, content_type="application/json")
    assert again.status_code == 422
    grid = client_for(world.users["grid_worker"])
    assert grid.post(url, {"approve": True}, content_type="application/json").status_code == 403


def test_teams_and_members(world: World) -> None:
    client = client_for(world.users["community_staff"])
    made = client.post(
        f"{BASE}/teams",
        {"region_code": HOME["community"], "name": "党员先锋队", "category": "party"},
        content_type="application/json",
    )
    assert made.status_code == 201
    team_id = made.json()["id"]
    volunteer = make_volunteer(community=world.regions[HOME["community"]], name="甲")
    added = client.post(
        f"{BASE}/teams/{team_id}/members",
        {"number": volunteer.number},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["members"][0]["number"] == volunteer.number
    again = client.post(
        f"{BASE}/teams/{team_id}/members",
        {"number": volunteer.number},
        content_type="application/json",
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "number"
    away = actions.create_team(region=world.regions[AWAY], by=None, name="外县", category="general")
    assert client.get(f"{BASE}/teams/{away.pk}").status_code == 404
    assert client.get(f"{BASE}/teams").json()["count"] == 1
    outside = client.post(
        f"{BASE}/teams",
        {"region_code": AWAY, "name": "x", "category": "party"},
        content_type="application/json",
    )
    assert outside.status_code == 404
