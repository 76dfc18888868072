"""Volunteers over HTTP: the resident's own pages (not linked, registering, my volunteering), the
staff list (scope, filters, constant queries, masked export), a volunteer's page (decision, status,
points, recognitions; elsewhere a 404), registering on behalf by ID number, and teams (create,
duplicates, members from the team's area only, one leader, party members shown)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequ.accounts import actions as accounts
from shequ.core.models import AuditEvent
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import (
    PointsEntry,
    Recognition,
    TeamCategory,
    TeamMembership,
    TeamRole,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.queries.volunteers import star_level
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

ME = reverse("volunteering:my_volunteering")
REGISTER = reverse("volunteering:my_register")
LIST = reverse("volunteering:volunteer_list")
NEW = reverse("volunteering:volunteer_new")
TEAMS = reverse("volunteering:team_list")
TEAM_NEW = reverse("volunteering:team_new")
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail(volunteer: Volunteer) -> str:
    return reverse("volunteering:volunteer_detail", kwargs={"volunteer_id": volunteer.pk})


def team_url(team: VolunteerTeam, suffix: str = "") -> str:
    return reverse("volunteering:team_detail", kwargs={"team_id": team.pk}) + suffix


def linked_resident(world: World, name: str = "王居民") -> tuple[Any, Resident]:
    user = world.users["resident"]
    person = people.resident(home(world), name)
    Resident.objects.filter(pk=person.pk).update(account=user)
    person.refresh_from_db()
    return user, person


# --- The resident's pages ---------------------------------------------------------------------------


def test_a_resident_not_linked_is_told_to_link_their_record(world: World) -> None:
    client = client_for(world.users["resident"])
    for url in (ME, REGISTER):
        body = html(client.get(url))
        assert "请先关联您的居民信息" in body and reverse("registry:own") in body


def test_staff_may_not_open_the_resident_pages(world: World) -> None:
    assert client_for(world.users["community_staff"]).get(ME).status_code == 403


def test_a_resident_registers_and_sees_it_pending(world: World) -> None:
    user, person = linked_resident(world)
    client = client_for(user)
    assert "注册志愿者" in html(client.get(ME))
    form_page = html(client.get(REGISTER))
    assert "您的信息如何使用" in form_page and 'for="id_skills_0"' in form_page
    response = client.post(
        REGISTER,
        {"skills": ["elderly_care", "repair"], "availability": ["weekend"], "area": "township"},
    )
    assert response.status_code == 302 and response.url == ME
    volunteer = Volunteer.objects.get(resident=person)
    assert volunteer.status == VolunteerStatus.PENDING and volunteer.channel == "self"
    assert volunteer.service_area == home(world).parent
    body = html(client.get(ME))
    assert volunteer.number in body and "待审核" in body and "助老服务" in body
    # A second registration while pending goes back to the summary.
    assert client.get(REGISTER).status_code == 302


def test_a_registration_without_skills_or_times_says_what_is_missing(world: World) -> None:
    user, _person = linked_resident(world)
    body = html(client_for(user).post(REGISTER, {"area": "community"}))
    assert "请至少选择一项服务技能" in body and "请至少选择一个可服务时间" in body
    assert not Volunteer.objects.exists()


def test_my_page_shows_hours_points_star_and_teams(world: World) -> None:
    user, person = linked_resident(world)
    volunteer = make_volunteer(community=home(world), resident=person)
    team = actions.create_team(region=home(world), by=None, name="红马甲", category="party")
    actions.add_member(team=team, volunteer=volunteer, by=None)
    actions.add_recognition(
        volunteer=volunteer,
        title="优秀志愿者",
        year=2025,
        awarded_by_name="街道",
        by=None,
        points=50,
    )
    body = html(client_for(user).get(ME))
    assert "红马甲" in body and "优秀志愿者" in body and ">50<" in body
    assert reverse("volunteering:my_activities") in body


# --- Star level --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "stars"),
    [(0, 0), (Decimal("99.99"), 0), (100, 1), (300, 2), (599, 2), (600, 3), (1000, 4), (1500, 5)],
)
def test_star_level(hours: Any, stars: int) -> None:
    assert star_level(hours) == stars


# --- The staff list -------------------------------------------------------------------------------------


def test_the_list_shows_my_area_only_and_filters(world: World) -> None:
    mine = make_volunteer(community=home(world), name="张助老")
    make_volunteer(community=home(world), name="李维修", skills=("repair",))
    make_volunteer(community=world.regions[AWAY], name="外县志愿者")
    client = client_for(world.users["community_staff"])
    body = html(client.get(LIST))
    assert "张助老" in body and "李维修" in body and "外县志愿者" not in body
    repair = html(client.get(LIST + "?skill=repair"))
    assert "李维修" in repair and "张助老" not in repair
    by_number = html(client.get(LIST + f"?q={mine.number}"))
    assert "张助老" in by_number and "李维修" not in by_number
    assert "共 0 名" in html(client.get(LIST + "?status=pending"))


def test_the_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        make_volunteer(community=home(world), name=f"志愿者{n}")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        response = client.get(LIST)
    assert "共 30 名志愿者" in html(response)


def test_the_export_is_masked_and_scoped(world: World) -> None:
    mine = make_volunteer(community=home(world), name="张助老", number=people.id_number())
    make_volunteer(community=world.regions[AWAY], name="外县志愿者")
    response = client_for(world.users["community_staff"]).get(
        reverse("volunteering:volunteer_export")
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert mine.number in cells and "张**" in cells
    assert "张助老" not in cells and not any("外县" in c for c in cells)
    assert AuditEvent.objects.filter(action="volunteering.volunteer_export").exists()


def test_a_volunteer_elsewhere_is_a_404(world: World) -> None:
    away = make_volunteer(community=world.regions[AWAY])
    client = client_for(world.users["community_staff"])
    assert client.get(detail(away)).status_code == 404
    assert client.post(detail(away) + "status/", {"move": "suspend"}).status_code == 404


# --- Decisions, status, points, recognitions ---------------------------------------------------------


def test_approving_and_rejecting_a_registration(world: World) -> None:
    pending = make_volunteer(community=home(world), approve=False)
    other = make_volunteer(community=home(world), approve=False, name="赵二")
    client = client_for(world.users["community_staff"])
    page = html(client.get(detail(pending)))
    assert "审核注册" in page
    client.post(detail(pending) + "decide/", {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.ACTIVE
    # A second click finds it decided.
    client.post(detail(pending) + "decide/", {"decision": "reject", "note": "x"})
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.ACTIVE
    # Rejecting needs a reason.
    response = client.post(detail(other) + "decide/", {"decision": "reject"}, follow=True)
    assert "不通过时请填写原因" in html(response)
    other.refresh_from_db()
    assert other.status == VolunteerStatus.PENDING


def test_a_grid_worker_sees_but_may_not_decide(world: World) -> None:
    pending = make_volunteer(community=home(world), approve=False)
    client = client_for(world.users["grid_worker"])
    assert client.get(detail(pending)).status_code == 200
    assert client.post(detail(pending) + "decide/", {"decision": "approve"}).status_code == 403


def test_suspend_resume_and_leave(world: World) -> None:
    volunteer = make_volunteer(community=home(world))
    team = actions.create_team(region=home(world), by=None, name="一队", category="general")
    actions.add_member(team=team, volunteer=volunteer, by=None)
    client = client_for(world.users["community_staff"])
    response = client.post(detail(volunteer) + "status/", {"move": "suspend"}, follow=True)
    assert "暂停服务时请填写原因" in html(response)
    client.post(detail(volunteer) + "status/", {"move": "suspend", "note": "长期外出"})
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.SUSPENDED
    client.post(detail(volunteer) + "status/", {"move": "resume"})
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE
    client.post(detail(volunteer) + "status/", {"move": "leave"})
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.LEFT
    assert not TeamMembership.objects.filter(volunteer=volunteer, left_on__isnull=True).exists()
    response = client.post(detail(volunteer) + "status/", {"move": "resume"}, follow=True)
    assert "不能执行此操作" in html(response)


def test_points_are_added_and_deducted_never_below_zero(world: World) -> None:
    volunteer = make_volunteer(community=home(world))
    client = client_for(world.users["community_staff"])
    client.post(detail(volunteer) + "points/", {"points": "30", "note": "协助疫苗接种"})
    response = client.post(
        detail(volunteer) + "points/", {"points": "-40", "note": "兑换"}, follow=True
    )
    assert "积分余额只有 30 分" in html(response)
    no_note = client.post(detail(volunteer) + "points/", {"points": "5"}, follow=True)
    assert "请说明增减积分的原因" in html(no_note)
    client.post(detail(volunteer) + "points/", {"points": "-10", "note": "兑换毛巾"})
    assert sorted(PointsEntry.objects.values_list("points", flat=True)) == [-10, 30]
    page = html(client.get(detail(volunteer)))
    assert "协助疫苗接种" in page and "积分 20" in page


def test_a_recognition_with_points(world: World) -> None:
    volunteer = make_volunteer(community=home(world))
    client = client_for(world.users["community_staff"])
    bad = client.post(
        detail(volunteer) + "recognition/",
        {"title": "最美志愿者", "year": "1999", "awarded_by_name": "区文明办"},
        follow=True,
    )
    assert "年度应在" in html(bad) and not Recognition.objects.exists()
    client.post(
        detail(volunteer) + "recognition/",
        {"title": "最美志愿者", "year": "2025", "awarded_by_name": "区文明办", "points": "100"},
    )
    assert Recognition.objects.get().title == "最美志愿者"
    assert PointsEntry.objects.get().points == 100


def test_service_points_are_awarded_once_per_signup(world: World) -> None:
    from shequ.volunteering.tests.test_statistics import held

    volunteer = make_volunteer(community=home(world))
    activity = held(world, HOME["community"], date(2026, 7, 1), [(volunteer, "2.5")])
    signup = activity.signups.get()
    entry = actions.award_service_points(signup, None)
    assert entry is not None and entry.points == 25 and entry.reason == "service"
    assert actions.award_service_points(signup, None) is None  # a second call adds nothing
    assert PointsEntry.objects.count() == 1


# --- Registering on behalf ----------------------------------------------------------------------------


def test_staff_register_a_resident_of_their_area_by_id_number(world: World) -> None:
    number = people.id_number()
    person = people.resident(home(world), "孙代办", number=number)
    client = client_for(world.users["community_staff"])
    response = client.post(
        NEW,
        {
            "id_number": number,
            "skills": ["legal"],
            "availability": ["any_time"],
            "area": "community",
        },
    )
    volunteer = Volunteer.objects.get(resident=person)
    assert response.status_code == 302 and response.url == detail(volunteer)
    assert volunteer.channel == "staff"


def test_a_resident_elsewhere_is_not_found_without_saying_where(world: World) -> None:
    number = people.id_number()
    people.resident(world.regions[AWAY], "外县居民", number=number)
    body = html(
        client_for(world.users["community_staff"]).post(
            NEW,
            {
                "id_number": number,
                "skills": ["legal"],
                "availability": ["weekend"],
                "area": "community",
            },
        )
    )
    assert "在您管辖范围内的居民信息库中没有找到" in body and "外县居民" not in body
    assert not Volunteer.objects.exists()


# --- Teams ------------------------------------------------------------------------------------------


def test_creating_a_party_team_and_refusing_a_duplicate(world: World) -> None:
    client = client_for(world.users["community_staff"])
    data = {
        "region": HOME["community"],
        "name": "党员先锋队",
        "category": "party",
        "is_active": "on",
    }
    response = client.post(TEAM_NEW, data)
    team = VolunteerTeam.objects.get()
    assert response.status_code == 302 and team.category == TeamCategory.PARTY
    body = html(client.post(TEAM_NEW, data))
    assert "该区域已有同名的志愿服务队" in body and VolunteerTeam.objects.count() == 1
    assert "请填写队伍名称" in html(client.post(TEAM_NEW, {**data, "name": ""}))
    assert client.post(TEAM_NEW, {**data, "region": AWAY, "name": "x"}).status_code == 200
    assert VolunteerTeam.objects.count() == 1


def test_members_come_from_the_teams_area_and_there_is_one_leader(world: World) -> None:
    team = actions.create_team(region=home(world), by=None, name="先锋队", category="party")
    first = make_volunteer(community=home(world), name="甲队员")
    second = make_volunteer(community=home(world), name="乙队员")
    elsewhere = make_volunteer(community=world.regions["320302001201"], name="丙队员")
    pending = make_volunteer(community=home(world), name="丁队员", approve=False)
    client = client_for(world.users["township_staff"])
    add = team_url(team, "members/add/")
    assert client.post(add, {"number": first.number}).status_code == 302
    client.post(add, {"number": second.number})
    assert "不在本队伍所在区域内" in html(client.post(add, {"number": elsewhere.number}))
    assert "只有在册的志愿者" in html(client.post(add, {"number": pending.number}))
    assert "已经是本队队员" in html(client.post(add, {"number": first.number}))
    one, two = TeamMembership.objects.order_by("pk")
    client.post(team_url(team, "members/"), {"membership": one.pk, "action": "leader"})
    client.post(team_url(team, "members/"), {"membership": two.pk, "action": "leader"})
    roles = dict(TeamMembership.objects.values_list("pk", "role"))
    assert roles == {one.pk: TeamRole.MEMBER, two.pk: TeamRole.LEADER}
    client.post(team_url(team, "members/"), {"membership": one.pk, "action": "remove"})
    assert TeamMembership.objects.filter(left_on__isnull=True).count() == 1


def test_a_party_team_shows_who_is_a_rostered_party_member(world: World) -> None:
    from shequ.volunteering.models import PartyMember, PartyOrganization

    team = actions.create_team(region=home(world), by=None, name="先锋队", category="party")
    member = make_volunteer(community=home(world), name="党员甲")
    actions.add_member(team=team, volunteer=member, by=None)
    org = PartyOrganization.objects.create(
        region=home(world), code="P1", name="某局机关党委", kind="organ"
    )
    PartyMember.objects.create(resident=member.resident, organization=org, community=home(world))
    body = html(client_for(world.users["community_staff"]).get(team_url(team)))
    assert "党员甲" in body and "在册党员" in body


def test_the_team_list_is_scoped_and_bounded(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        actions.create_team(region=home(world), by=None, name=f"队{n}", category="general")
    actions.create_team(region=world.regions[AWAY], by=None, name="外县队", category="general")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        body = html(client.get(TEAMS))
    assert "共 20 支队伍" in body and "外县队" not in body
    away = VolunteerTeam.objects.get(name="外县队")
    assert client_for(world.users["community_staff"]).get(team_url(away)).status_code == 404


def test_editing_a_team(world: World) -> None:
    team = actions.create_team(region=home(world), by=None, name="旧名", category="general")
    client = client_for(world.users["community_staff"])
    client.post(team_url(team, "edit/"), {"name": "新名", "category": "elderly"})
    team.refresh_from_db()
    assert team.name == "新名" and team.category == "elderly" and not team.is_active


def test_a_resident_account_cannot_be_made_a_volunteer_by_someone_else(world: World) -> None:
    other = accounts.create_resident_user(
        phone="19900009999", full_name="别人", password="Pass-1234567"
    )
    person = people.resident(home(world), "本人")
    with pytest.raises(actions.PermissionDenied):
        actions.register_volunteer(resident=person, by=other, skills=["legal"])


def test_a_suspended_volunteer_cannot_lift_it_by_registering_again(world: World) -> None:
    user, person = linked_resident(world)
    volunteer = make_volunteer(community=home(world), resident=person)
    actions.change_volunteer_status(volunteer=volunteer, move="suspend", by=None, note="外出")
    client = client_for(user)
    assert client.get(REGISTER).status_code == 302
    assert "已暂停" in html(client.get(ME))
    with pytest.raises(actions.ValidationError):
        actions.register_volunteer(resident=person, by=user, skills=["legal"])
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.SUSPENDED
