"""The wish API: the board scoped, staff posting by ID number, opening, a member taking (twice →
422), fulfilling, the resident confirming their own wish only."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.registry.tests import factories as people
from shequ.volunteering.models import WishStatus
from shequ.volunteering.tests.factories_party import make_org, make_wish, member_user, resident_user
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteering"
AWAY = "320303001001"
JSON = "application/json"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def test_the_wish_journey_through_the_api(world: World) -> None:
    person = people.resident(home(world), "赵奶奶")
    staff = client_for(world.users["community_staff"])
    made = staff.post(
        f"{API}/wishes",
        {"id_number": person.id_number, "category": "repair", "title": "修灯"},
        content_type=JSON,
    )
    assert made.status_code == 201 and made.json()["resident_name"] == "赵**"
    number = made.json()["number"]
    assert staff.post(f"{API}/wishes/{number}/open", {}, content_type=JSON).status_code == 200

    org = make_org(region=home(world))
    user, _m = member_user(org=org, community=home(world), checked_in=True)
    other, _n = member_user(org=org, community=home(world), name="乙党员", checked_in=True)
    member = client_for(user)
    assert [w["number"] for w in member.get(f"{API}/me/wishes/open").json()["results"]] == [number]
    assert member.post(f"{API}/me/wishes/open/{number}/take").status_code == 200
    late = client_for(other).post(f"{API}/me/wishes/open/{number}/take")
    assert late.status_code == 422 and "认领" in late.json()["message"]
    done = member.post(f"{API}/me/tasks/{number}/fulfil", {"note": "换好了"}, content_type=JSON)
    assert done.json()["status"] == WishStatus.FULFILLED

    neighbour = client_for(resident_user(people.resident(home(world), "邻居")))
    assert (
        neighbour.post(f"{API}/me/wishes/{number}/confirm", {"rating": 5}, content_type=JSON)
    ).status_code == 404
    own = client_for(resident_user(person))
    bad = own.post(f"{API}/me/wishes/{number}/confirm", {"rating": 9}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    ok = own.post(f"{API}/me/wishes/{number}/confirm", {"rating": 5}, content_type=JSON)
    assert ok.json()["status"] == WishStatus.CONFIRMED


def test_the_board_is_scoped(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(5):
        make_wish(community=home(world), title=f"本地{n}")
    away = make_wish(community=world.regions[AWAY], title="外县")
    client = client_for(world.users["community_staff"])
    with django_assert_max_num_queries(12):
        body = client.get(f"{API}/wishes").json()
    assert body["count"] == 5
    assert client.get(f"{API}/wishes/{away.number}").status_code == 404
