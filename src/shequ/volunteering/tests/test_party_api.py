"""The party API: organisations and rosters (masked, scoped), check-ins decided, coverage with
``share`` null where nobody is rostered, the member's own check-in."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.registry.tests import factories as people
from shequ.volunteering.models import CheckInStatus, PartyMemberCheckin
from shequ.volunteering.tests.factories_party import make_member, make_org, member_user
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteering"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def test_organisations_and_masked_members(world: World) -> None:
    client = client_for(world.users["community_staff"])
    made = client.post(
        f"{API}/party/organizations",
        {"region_code": HOME["community"], "name": "街道机关党支部", "kind": "organ"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    org_id = made.json()["id"]
    person = people.resident(home(world), "张三丰")
    added = client.post(
        f"{API}/party/organizations/{org_id}/members",
        {"id_number": person.id_number},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["name"] == "张**"
    members = client.get(f"{API}/party/organizations/{org_id}/members").json()
    assert [m["community_code"] for m in members] == [HOME["community"]]
    assert person.id_number not in str(members)
    again = client.post(
        f"{API}/party/organizations/{org_id}/members",
        {"id_number": person.id_number},
        content_type="application/json",
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "id_number"


def test_another_countys_organisation_is_a_404(world: World) -> None:
    away = make_org(region=world.regions[AWAY])
    client = client_for(world.users["community_staff"])
    assert client.get(f"{API}/party/organizations/{away.pk}").status_code == 404
    assert client.get(f"{API}/party/organizations/{away.pk}/members").status_code == 404


def test_check_in_and_decide_through_the_api(world: World) -> None:
    org = make_org(region=home(world))
    user, _member = member_user(org=org, community=home(world))
    me = client_for(user)
    made = me.post(f"{API}/me/party/check-in", {"offer": "助老"}, content_type="application/json")
    assert made.status_code == 201
    twice = me.post(f"{API}/me/party/check-in", {"offer": ""}, content_type="application/json")
    assert twice.status_code == 422 and "无需重复报到" in twice.json()["message"]
    staff = client_for(world.users["community_staff"])
    listed = staff.get(f"{API}/party/checkins").json()
    assert listed["count"] == 1
    decided = staff.post(
        f"{API}/party/checkins/{made.json()['id']}/decide",
        {"approve": True},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == CheckInStatus.CONFIRMED


def test_a_non_member_cannot_check_in(world: World) -> None:
    from shequ.volunteering.tests.factories_party import resident_user

    me = client_for(resident_user(people.resident(home(world), "路人")))
    response = me.post(f"{API}/me/party/check-in", {"offer": ""}, content_type="application/json")
    assert response.status_code == 403
    assert not PartyMemberCheckin.objects.exists()


def test_coverage_share_is_null_where_nobody_is_rostered(world: World) -> None:
    org = make_org(region=world.regions["320302"])
    member_user(org=org, community=home(world), checked_in=True)
    make_member(org=org, community=home(world), name="未报到")
    body = (
        client_for(world.users["county_official"])
        .get(f"{API}/party/coverage?region=320302001")
        .json()
    )
    shares = {row["code"]: row["share"] for row in body["children"]}
    assert shares[HOME["community"]] == 0.5
    assert shares["320302001201"] is None
