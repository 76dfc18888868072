"""Join requests over HTTP: a resident asks to join a team from their own page, staff who manage the
team's area approve (the volunteer becomes a member) or decline with a reason; double clicks, a
party team for rostered party members only, teams outside the volunteer's area, scope (404), the
team list's pending count at a bounded number of queries, and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.core.notifications import Notification
from shequ.registry.tests import factories as people
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import (
    JoinRequestStatus,
    TeamJoinRequest,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)
from shequ.volunteering.tests.factories_party import make_member, make_org, resident_user
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.concurrency import at_once, postgres_only
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

ME = reverse("volunteering:my_volunteering")
TEAMS = reverse("volunteering:team_list")
API = "/api/v1/volunteering"
AWAY = "320303001001"
OTHER_TOWNSHIP = "320302002001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def team_url(team: VolunteerTeam) -> str:
    return reverse("volunteering:team_detail", kwargs={"team_id": team.pk})


def join_url(team: VolunteerTeam) -> str:
    return reverse("volunteering:my_team_join", kwargs={"team_id": team.pk})


def decide_url(join: TeamJoinRequest) -> str:
    return reverse(
        "volunteering:team_join_decide",
        kwargs={"team_id": join.team_id, "join_request_id": join.pk},
    )


def volunteer_user(world: World, name: str = "赵志愿") -> tuple[Any, Volunteer]:
    volunteer = make_volunteer(community=home(world), name=name)
    return resident_user(volunteer.resident), volunteer


def make_team(region: Any, name: str = "助老服务队", category: str = "elderly") -> VolunteerTeam:
    return actions.create_team(region=region, by=None, name=name, category=category)


def test_join_then_staff_approve_makes_a_member(world: World) -> None:
    user, volunteer = volunteer_user(world)
    team = make_team(home(world))
    me = client_for(user)
    body = html(me.get(ME))
    assert "可申请加入的队伍" in body and "助老服务队" in body and join_url(team) in body
    response = me.post(join_url(team), {"note": "我会修电器"})
    assert response.status_code == 302
    join = TeamJoinRequest.objects.get()
    assert join.status == JoinRequestStatus.PENDING and join.note == "我会修电器"
    body = html(me.get(ME))
    assert "我的入队申请" in body and "待审核" in body and join_url(team) not in body

    staff = client_for(world.users["community_staff"])
    assert "我会修电器" in html(staff.get(team_url(team)))
    assert staff.post(decide_url(join), {"decision": "approve"}).status_code == 302
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.APPROVED
    assert join.decided_by == world.users["community_staff"]
    assert TeamMembership.objects.filter(team=team, volunteer=volunteer).exists()
    assert Notification.objects.filter(recipient=user).exists()
    kinds = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"volunteering.join_request", "volunteering.join_decide"} <= kinds
    # Second click: told it is decided, still one membership.
    staff.post(decide_url(join), {"decision": "approve"})
    assert TeamMembership.objects.filter(team=team, volunteer=volunteer).count() == 1
    assert "我的队伍" in html(me.get(ME))


def test_decline_needs_a_reason_and_the_volunteer_sees_it(world: World) -> None:
    user, _volunteer = volunteer_user(world)
    team = make_team(home(world))
    join = actions.request_to_join(team=team, by=user)
    staff = client_for(world.users["community_staff"])
    page = html(staff.post(decide_url(join), {"decision": "decline"}, follow=True))
    assert "不同意时请填写原因" in page
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.PENDING
    staff.post(decide_url(join), {"decision": "decline", "note": "队伍已满员"})
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.DECLINED and join.decision_note == "队伍已满员"
    assert not TeamMembership.objects.filter(team=team).exists()
    assert "队伍已满员" in html(client_for(user).get(ME))


def test_a_double_click_makes_one_request_and_a_member_cannot_ask(world: World) -> None:
    user, _volunteer = volunteer_user(world)
    team = make_team(home(world))
    me = client_for(user)
    me.post(join_url(team))
    page = html(me.post(join_url(team), follow=True))
    assert "您已经申请加入该队，请等待审核" in page
    assert TeamJoinRequest.objects.count() == 1
    actions.decide_join_request(
        request=TeamJoinRequest.objects.get(), approve=True, by=world.users["community_staff"]
    )
    assert "您已经是该队队员" in html(me.post(join_url(team), follow=True))


def test_withdrawing_a_request(world: World) -> None:
    user, _volunteer = volunteer_user(world)
    team = make_team(home(world))
    join = actions.request_to_join(team=team, by=user)
    url = reverse("volunteering:my_join_withdraw", kwargs={"join_request_id": join.pk})
    other, _v = volunteer_user(world, name="钱志愿")
    assert client_for(other).post(url).status_code == 404
    client_for(user).post(url)
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.WITHDRAWN
    # Decided now: staff are told so.
    with pytest.raises(Exception, match="已经处理过"):
        actions.decide_join_request(request=join, approve=True, by=world.users["community_staff"])


def test_a_party_team_is_for_rostered_party_members_only(world: World) -> None:
    user, volunteer = volunteer_user(world)
    team = make_team(home(world), name="党员先锋队", category="party")
    me = client_for(user)
    assert join_url(team) not in html(me.get(ME))
    page = html(me.post(join_url(team), follow=True))
    assert "党员志愿服务队只接受在职党员名册中的党员加入" in page
    assert not TeamJoinRequest.objects.exists()
    make_member(
        org=make_org(region=home(world)), community=home(world), resident=volunteer.resident
    )
    assert join_url(team) in html(me.get(ME))
    me.post(join_url(team))
    assert TeamJoinRequest.objects.filter(team=team).exists()


def test_a_team_outside_the_area_is_refused(world: World) -> None:
    user, _volunteer = volunteer_user(world)
    elsewhere = make_team(world.regions[OTHER_TOWNSHIP], name="外镇服务队")
    away = make_team(world.regions[AWAY], name="外县服务队")
    me = client_for(user)
    body = html(me.get(ME))
    assert "外镇服务队" not in body and "外县服务队" not in body
    for team in (elsewhere, away):
        assert "该队伍不在您的注册社区或服务区域内" in html(me.post(join_url(team), follow=True))
    assert not TeamJoinRequest.objects.exists()
    # A township-wide team covers the volunteer's community.
    wide = make_team(world.regions[HOME["township"]], name="全镇应急队", category="emergency")
    assert join_url(wide) in html(me.get(ME))


def test_a_volunteer_not_yet_approved_cannot_ask(world: World) -> None:
    person = people.resident(home(world), "孙待审")
    user = resident_user(person)
    actions.register_volunteer(resident=person, by=user)
    team = make_team(home(world))
    page = html(client_for(user).post(join_url(team), follow=True))
    assert "只有审核通过、在册的志愿者可以申请加入队伍" in page
    assert not TeamJoinRequest.objects.exists()


def test_staff_outside_the_teams_area_get_404(world: World) -> None:
    user, _volunteer = volunteer_user(world)
    team = make_team(home(world))
    join = actions.request_to_join(team=team, by=user)
    away_staff = client_for(world.outsider)
    assert away_staff.get(team_url(team)).status_code == 404
    assert away_staff.post(decide_url(join), {"decision": "approve"}).status_code == 404
    assert away_staff.get(f"{API}/teams/{team.pk}/requests").status_code == 404
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.PENDING
    # A grid worker may see the team but not decide.
    assert (
        client_for(world.users["grid_worker"])
        .post(decide_url(join), {"decision": "approve"})
        .status_code
        == 403
    )


def test_the_team_list_counts_pending_requests_in_bounded_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    teams = [make_team(home(world), name=f"队{n}", category="general") for n in range(15)]
    for n in range(4):
        user, volunteer = volunteer_user(world, name=f"志愿{n}")
        actions.add_member(team=teams[0], volunteer=volunteer, by=None)
        actions.request_to_join(team=teams[1], by=user)
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        body = html(client.get(TEAMS))
    assert "待审核申请" in body and "共 15 支队伍" in body
    assert ">4</span>" in body


def test_the_api_join_list_and_decide(world: World) -> None:
    user, volunteer = volunteer_user(world)
    team = make_team(home(world))
    me = client_for(user)
    response = me.post(
        f"{API}/me/teams/{team.pk}/join", json.dumps({"note": "周末有空"}), "application/json"
    )
    assert response.status_code == 201, response.content
    join_id = response.json()["id"]
    again = me.post(f"{API}/me/teams/{team.pk}/join", "{}", "application/json")
    assert again.status_code == 422
    staff = client_for(world.users["community_staff"])
    listed = staff.get(f"{API}/teams/{team.pk}/requests")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [join_id]
    url = f"{API}/teams/{team.pk}/requests/{join_id}/decide"
    refused = staff.post(url, json.dumps({"approve": False}), "application/json")
    assert refused.status_code == 422
    done = staff.post(url, json.dumps({"approve": True}), "application/json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert staff.post(url, json.dumps({"approve": True}), "application/json").status_code == 422
    assert TeamMembership.objects.filter(team=team, volunteer=volunteer).exists()
    assert staff.post(f"{API}/me/teams/{team.pk}/join", "{}", "application/json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_double_clicks_at_once_ask_once_and_decide_once() -> None:
    postgres_only()
    world = build_world()
    user, volunteer = volunteer_user(world)
    team = make_team(home(world))
    asked = at_once(*((lambda: actions.request_to_join(team=team, by=user)) for _n in range(2)))
    assert asked.count("ok") == 1, asked
    join = TeamJoinRequest.objects.get()
    staff, head = world.users["community_staff"], world.users["community_head"]
    decided = at_once(
        lambda: actions.decide_join_request(request=join, approve=True, by=staff),
        lambda: actions.decide_join_request(request=join, approve=True, by=head),
    )
    assert decided.count("ok") == 1, decided
    assert TeamMembership.objects.filter(team=team, volunteer=volunteer).count() == 1
