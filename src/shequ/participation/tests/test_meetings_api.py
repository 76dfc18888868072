"""The meetings API: scoped lists and details, voting once by a verified resident of the community
(another community, twice, after closing: clear refusals), results only once closed, sign-in, and
indicator 5 with its child regions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.actions import meetings as actions
from shequ.participation.tests.factories_meetings import (
    make_body,
    make_meeting,
    make_poll,
    villager,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_lists_are_scoped_and_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    body = make_body(home(world), by=staff(world), name="本地议事会")
    for n in range(4):
        make_meeting(home(world), by=staff(world), body=body, title=f"本地会议{n}")
    away = make_meeting(world.regions[AWAY], by=world.outsider, title="外县会议")
    client = client_for(staff(world))
    with django_assert_max_num_queries(15):
        meetings = client.get(f"{API}/meetings").json()
    titles = {m["title"] for m in meetings["results"]}
    assert "本地会议3" in titles and "外县会议" not in titles
    assert client.get(f"{API}/meetings/{away.pk}").status_code == 404
    assert client.get(f"{API}/bodies/{body.pk}").json()["members"]
    assert client.get(f"{API}/meetings?status=bogus").status_code == 422


def test_vote_once_by_a_verified_resident_results_after_closing(world: World) -> None:
    poll = make_poll(home(world), by=staff(world))
    yes = poll.options.first()
    assert yes is not None
    _me, user = villager(home(world))
    _away, away_user = villager(world.regions[AWAY])
    resident = client_for(user)
    first = post(resident, f"{API}/polls/{poll.pk}/vote", {"option_id": yes.pk})
    assert first.status_code == 200 and first.json()["voted"] is True
    assert first.json()["options"][0]["votes"] is None
    twice = post(resident, f"{API}/polls/{poll.pk}/vote", {"option_id": yes.pk})
    assert twice.status_code == 422 and "每人只能投一票" in twice.json()["message"]
    elsewhere = post(client_for(away_user), f"{API}/polls/{poll.pk}/vote", {"option_id": yes.pk})
    assert elsewhere.status_code == 403 and "的居民才能参与" in elsewhere.json()["message"]
    by_staff = post(client_for(staff(world)), f"{API}/polls/{poll.pk}/vote", {"option_id": yes.pk})
    assert by_staff.status_code == 403
    bad = post(resident, f"{API}/polls/{poll.pk}/vote", {"option_id": 999999})
    assert bad.status_code == 422
    actions.poll_transition(poll=poll, name="close", by=staff(world))
    shown = resident.get(f"{API}/polls/{poll.pk}").json()
    assert shown["closed"] and shown["ballots"] == 1 and shown["options"][0]["votes"] == 1
    _late, late_user = villager(home(world))
    late = post(client_for(late_user), f"{API}/polls/{poll.pk}/vote", {"option_id": yes.pk})
    assert late.status_code == 422 and "已经结束" in late.json()["message"]
    assert client_for(away_user).get(f"{API}/polls/{poll.pk}").status_code == 404


def test_sign_in_and_coverage(world: World) -> None:
    body = make_body(home(world), by=staff(world), members=1)
    meeting = make_meeting(home(world), by=staff(world), body=body, starts_at=calendar.now())
    _me, user = villager(home(world))
    early = post(client_for(user), f"{API}/meetings/{meeting.pk}/sign-in")
    assert early.status_code == 422
    actions.transition(meeting=meeting, name="open", by=staff(world))
    assert post(client_for(user), f"{API}/meetings/{meeting.pk}/sign-in").status_code == 200
    head = client_for(world.users["community_head"])
    rows = head.get(f"{API}/deliberation-coverage?period=month").json()
    assert rows[0]["covered"] == 1 and rows[0]["communities"] == 1
    assert head.get(f"{API}/deliberation-coverage?region={AWAY}").status_code == 404
    assert head.get(f"{API}/deliberation-coverage?on=yesterday").status_code == 422
    assert client_for(staff(world)).get(f"{API}/deliberation-coverage").status_code == 403
