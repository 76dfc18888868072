"""The elections API: scoped list, detail and roll (no ID numbers), a resident's application and
objection with clear 4xx refusals, and the one-pending-application rule under concurrency."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.participation.actions import elections as actions
from shequ.participation.models.elections import VoterRegistration
from shequ.participation.tests.factories_elections import (
    adult,
    make_election,
    published,
    resident_user,
)
from tests.concurrency import at_once, postgres_only
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_list_detail_and_roll_are_scoped(world: World) -> None:
    home = world.regions[HOME["community"]]
    mine = make_election(home, by=staff(world), title="本地选举")
    voter = adult(home, "吴选民")
    actions.build_roll(election=mine, by=staff(world))
    away = make_election(
        world.regions[AWAY], by=User.objects.get(username="elsewhere"), title="外地选举"
    )
    client = client_for(staff(world))
    listing = client.get(f"{API}/elections").json()
    titles = [e["title"] for e in listing["results"]]
    assert "本地选举" in titles and "外地选举" not in titles
    assert client.get(f"{API}/elections/{away.pk}").status_code == 404
    roll = client.get(f"{API}/elections/{mine.pk}/roll")
    assert roll.status_code == 200
    names = [row["name"] for row in roll.json()["results"]]
    assert names == ["吴选民"] and voter.id_number not in roll.text
    resident = client_for(resident_user(voter))
    assert resident.get(f"{API}/elections").status_code == 403


def test_resident_applies_and_objects_with_clear_refusals(world: World) -> None:
    home = world.regions[HOME["community"]]
    election = make_election(home, by=staff(world))
    migrant = adult(home, "郑外来", residence_status="migrant")
    client = client_for(resident_user(migrant))
    url = f"{API}/elections/{election.pk}/registrations"
    made = post(client, url, {"reason": "在本社区居住多年", "years_resident": 4})
    assert made.status_code == 201, made.content
    twice = post(client, url, {"reason": "再次申请", "years_resident": 4})
    assert twice.status_code == 422 and "待审核" in twice.json()["message"]
    early = post(
        client,
        f"{API}/elections/{election.pk}/objections",
        {"kind": "missing", "subject_id": migrant.pk, "body": "漏登"},
    )
    assert early.status_code == 422 and "尚未公示" in early.json()["message"]
    stranger = adult(world.regions[AWAY], "外地人")
    other = client_for(resident_user(stranger))
    assert post(other, url, {"reason": "想登记", "years_resident": 4}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_pending_application_even_at_once() -> None:
    postgres_only("the partial unique constraint")
    world = build_world()
    home = world.regions[HOME["community"]]
    election = published(make_election(home, by=staff(world)), by=None) if adult(home) else None
    assert election is not None
    migrant = adult(home, "冯外来", residence_status="permanent")
    user = resident_user(migrant)
    results = at_once(
        *[
            (
                lambda: actions.apply(
                    election=election, by=user, reason="居住满三年", years_resident=3
                )
            )
            for _ in range(3)
        ]
    )
    assert results.count("ok") == 1
    assert VoterRegistration.objects.filter(election=election).count() == 1
