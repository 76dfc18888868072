"""/api/v1/organizations property endpoints over HTTP: an estate's management (a fallback without a
state-owned company and dates out of order refused), the coverage table with the estates without
management, and committees (bad input refused), all scoped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shequ.accounts import actions as accounts_actions
from shequ.organizations.models import EstateCommittee, EstateManagement
from shequ.organizations.tests.factories_providers import (
    make_committee,
    make_estate,
    make_provider,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return {item["field"]: item["message"] for item in body["errors"]}


def test_management_is_set_and_a_bad_one_refused(world: World) -> None:
    estate = make_estate(world.regions[HOME["community"]], "锦绣花园")
    private = make_provider(region=world.regions[HOME["county"]], name="民营物业")
    state = make_provider(region=world.regions[HOME["county"]], name="城投物业",
                          is_state_owned=True)  # fmt: skip
    client = bearer(world.users["community_staff"])
    path = f"/estates/{estate.pk}/management"

    fallback = send(client, "post", path, {"mode": "state_fallback", "provider_id": private.pk,
                                           "started_on": "2025-01-01"})  # fmt: skip
    made = send(client, "post", path, {"mode": "state_fallback", "provider_id": state.pk,
                                       "started_on": "2025-01-01"})  # fmt: skip
    earlier = send(client, "post", path, {"mode": "self_managed", "started_on": "2024-12-01"})

    assert "国有物业兜底" in error(fallback, 422, "invalid")["provider_id"]
    assert made.status_code == 201 and made.json()["current"]["provider_name"] == "城投物业"
    assert "开始日期应晚于" in error(earlier, 422, "invalid")["started_on"]
    assert EstateManagement.objects.count() == 1
    read = client.get(API + path).json()
    assert read["current"]["mode"] == "state_fallback" and len(read["history"]) == 1


def test_an_estate_of_another_county_is_a_404(world: World) -> None:
    away = make_estate(world.regions[AWAY], "外县小区")
    client = bearer(world.users["county_official"])

    assert client.get(f"{API}/estates/{away.pk}/management").status_code == 404
    error(send(client, "post", f"/estates/{away.pk}/management",
               {"mode": "self_managed", "started_on": "2025-01-01"}), 404, "not_found")  # fmt: skip
    assert not EstateManagement.objects.exists()


def test_coverage_by_place_and_the_estates_without(world: World) -> None:
    client = bearer(world.users["county_official"])
    make_estate(world.regions[HOME["community"]], "锦绣花园")

    county = client.get(API + "/property/coverage").json()
    community = client.get(API + f"/property/coverage?region={HOME['community']}").json()
    away = client.get(API + "/property/coverage?region=320303")

    assert county["total"]["region_code"] == HOME["county"] and county["total"]["estates"] == 7
    assert {c["region_code"] for c in county["children"]} == {"320302001", "320302002"}
    assert "锦绣花园" in [e["name"] for e in community["estates_without"]]
    assert away.status_code == 404


def test_committees_are_recorded_listed_and_checked(world: World) -> None:
    estate = make_estate(world.regions[HOME["community"]], "锦绣花园")
    make_committee(make_estate(world.regions[AWAY], "外县小区"))
    client = bearer(world.users["community_staff"])
    base = {"estate_id": estate.pk, "kind": "owners", "established_on": "2024-05-01",
            "term_ends_on": "2029-04-30", "members": 7, "party_members": 3}  # fmt: skip

    backwards = send(client, "post", "/committees", {**base, "term_ends_on": "2024-01-01"})
    too_many = send(client, "post", "/committees", {**base, "party_members": 8})
    made = send(client, "post", "/committees", base)

    assert "任期届满日应晚于成立日期" in error(backwards, 422, "invalid")["term_ends_on"]
    assert "不能多于委员人数" in error(too_many, 422, "invalid")["party_members"]
    assert made.status_code == 201
    assert EstateCommittee.objects.filter(estate=estate).count() == 1
    listed = client.get(API + "/committees").json()
    assert [row["estate_name"] for row in listed["results"]] == ["锦绣花园"]


def test_a_committee_for_an_estate_elsewhere_is_a_404(world: World) -> None:
    away = make_estate(world.regions[AWAY], "外县小区")

    response = send(bearer(world.users["county_official"]), "post", "/committees",
                    {"estate_id": away.pk, "kind": "owners", "established_on": "2024-05-01",
                     "members": 5})  # fmt: skip

    error(response, 404, "not_found")
    assert not EstateCommittee.objects.exists()
