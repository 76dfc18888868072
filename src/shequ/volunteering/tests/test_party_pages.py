"""Party members over HTTP: organisations and rosters (masked outside the jurisdiction, 404 outside
it), the member's check-in (once; not for someone on no roster), the community's decision, ending,
and coverage figures (incomplete where nobody is rostered, never 0%)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.registry.tests import factories as people
from shequ.volunteering.actions import party as actions
from shequ.volunteering.models import (
    CheckInStatus,
    PartyMember,
    PartyMemberCheckin,
    PartyOrganization,
)
from shequ.volunteering.queries.party import coverage
from shequ.volunteering.tests.factories_party import (
    confirm,
    make_member,
    make_org,
    member_user,
    resident_user,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
ORGS = reverse("volunteering:party_orgs")
CHECKINS = reverse("volunteering:party_checkins")
COVERAGE = reverse("volunteering:party_coverage")
ME = reverse("volunteering:my_party")
CHECK_IN = reverse("volunteering:my_party_check_in")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def org_url(org: PartyOrganization, tail: str = "") -> str:
    return reverse("volunteering:party_org", kwargs={"party_org_id": org.pk}) + tail


# --- Organisations and rosters ----------------------------------------------------------------------


def test_staff_register_an_organisation_and_roster_a_member_by_id_number(world: World) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(
        reverse("volunteering:party_org_new"),
        {"region": HOME["community"], "name": "区税务局机关党委", "kind": "organ", "workplace": ""},
    )
    org = PartyOrganization.objects.get()
    assert response.status_code == 302 and response.url == org_url(org)
    person = people.resident(home(world), "刘党员")

    added = client.post(org_url(org, "members/add/"), {"id_number": person.id_number})

    member = PartyMember.objects.get()
    assert added.status_code == 302
    assert member.resident == person and member.community == home(world)
    page = html(client.get(org_url(org)))
    assert "刘党员" in page and person.id_number not in page
    assert AuditEvent.objects.filter(action="volunteering.party_member_add").exists()


@pytest.mark.parametrize(
    ("id_number", "message"),
    [("", "请填写身份证号码"), ("110101199003077777", "人口库中没有该身份证号码")],
)
def test_rostering_an_unknown_id_number_is_refused(
    world: World, id_number: str, message: str
) -> None:
    org = make_org(region=home(world))
    response = client_for(world.users["community_staff"]).post(
        org_url(org, "members/add/"), {"id_number": id_number}
    )
    assert response.status_code == 422 and message in html(response)
    assert not PartyMember.objects.exists()


def test_rostering_the_same_person_twice_is_refused(world: World) -> None:
    org = make_org(region=home(world))
    member = make_member(org=org, community=home(world))
    response = client_for(world.users["community_staff"]).post(
        org_url(org, "members/add/"), {"id_number": member.resident.id_number}
    )
    assert "已在本组织名册中" in html(response)
    assert PartyMember.objects.count() == 1


def test_a_member_living_outside_the_jurisdiction_is_masked_on_the_roster(world: World) -> None:
    org = make_org(region=home(world))
    make_member(org=org, community=world.regions[AWAY], name="欧阳外县")
    make_member(org=org, community=home(world), name="张本地")
    body = html(client_for(world.users["community_staff"]).get(org_url(org)))
    assert "张本地" in body
    assert "欧阳外县" not in body and "欧阳**" in body and "辖区外" in body


def test_another_countys_organisation_is_a_404(world: World) -> None:
    away = make_org(region=world.regions[AWAY])
    member = make_member(org=away, community=world.regions[AWAY])
    client = client_for(world.users["community_staff"])
    assert client.get(org_url(away)).status_code == 404
    assert client.get(org_url(away, "edit/")).status_code == 404
    assert client.post(org_url(away, f"members/{member.pk}/remove/")).status_code == 404
    assert PartyMember.objects.get().is_active


def test_remove_and_not_in_service_end_the_open_checkin(world: World) -> None:
    org = make_org(region=home(world))
    _user, member = member_user(org=org, community=home(world), checked_in=True)
    client = client_for(world.users["community_staff"])
    client.post(org_url(org, f"members/{member.pk}/retire/"))
    member.refresh_from_db()
    assert not member.in_service
    assert PartyMemberCheckin.objects.get().status == CheckInStatus.ENDED
    client.post(org_url(org, f"members/{member.pk}/remove/"))
    member.refresh_from_db()
    assert not member.is_active


def test_the_organisation_list_costs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        org = make_org(region=home(world), name=f"党组织{n}")
        make_member(org=org, community=home(world), name=f"党员{n}")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        response = client.get(ORGS)
    assert "共 30 个党组织" in html(response)


# --- Check-in ---------------------------------------------------------------------------------------


def test_a_member_checks_in_and_the_community_confirms(world: World) -> None:
    org = make_org(region=world.regions["320302"])
    user, _member = member_user(org=org, community=home(world))
    me = client_for(user)
    page = html(me.get(ME))
    assert org.name in page and home(world).name in page

    assert me.post(CHECK_IN, {"offer": "周末助老"}).status_code == 302
    checkin = PartyMemberCheckin.objects.get()
    assert checkin.status == CheckInStatus.PENDING and checkin.community == home(world)

    staff = client_for(world.users["community_staff"])
    assert "周末助老" in html(staff.get(CHECKINS))
    staff.post(
        reverse("volunteering:party_checkin_decide", kwargs={"checkin_id": checkin.pk}),
        {"approve": "1"},
    )
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.CONFIRMED
    assert "已报到" in html(me.get(ME))


def test_checking_in_twice_is_refused(world: World) -> None:
    org = make_org(region=home(world))
    user, _member = member_user(org=org, community=home(world))
    me = client_for(user)
    me.post(CHECK_IN, {"offer": ""})
    second = me.post(CHECK_IN, {"offer": ""}, follow=True)
    assert "无需重复报到" in html(second)
    assert PartyMemberCheckin.objects.count() == 1


def test_the_database_refuses_a_second_open_checkin(world: World) -> None:
    org = make_org(region=home(world))
    user, member = member_user(org=org, community=home(world))
    actions.check_in(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyMemberCheckin.objects.create(member=member, community=home(world), organization=org)


def test_a_resident_on_no_roster_is_told_why_and_cannot_check_in(world: World) -> None:
    user = resident_user(people.resident(home(world), "普通居民"))
    me = client_for(user)
    assert "您不在任何党组织的在职党员名册中" in html(me.get(ME))
    after = me.post(CHECK_IN, {"offer": ""}, follow=True)
    assert "请先由所在单位党组织将您登记入册" in html(after)
    assert not PartyMemberCheckin.objects.exists()


def test_an_unlinked_resident_is_asked_to_link_their_record(world: World) -> None:
    body = html(client_for(world.users["resident"]).get(ME))
    assert reverse("registry:own") in body


def test_rejecting_needs_a_reason(world: World) -> None:
    org = make_org(region=home(world))
    user, _member = member_user(org=org, community=home(world))
    checkin = actions.check_in(user=user)
    url = reverse("volunteering:party_checkin_decide", kwargs={"checkin_id": checkin.pk})
    staff = client_for(world.users["community_staff"])
    refused = staff.post(url, {"approve": "0", "note": ""}, follow=True)
    assert "请填写原因" in html(refused)
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.PENDING
    staff.post(url, {"approve": "0", "note": "不住本社区"})
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.REJECTED and checkin.note == "不住本社区"


def test_a_checkin_elsewhere_is_a_404_for_community_staff(world: World) -> None:
    org = make_org(region=world.regions[AWAY])
    user, _member = member_user(org=org, community=world.regions[AWAY], name="【外】党员")
    checkin = actions.check_in(user=user)
    staff = client_for(world.users["community_staff"])
    url = reverse("volunteering:party_checkin_decide", kwargs={"checkin_id": checkin.pk})
    assert staff.post(url, {"approve": "1"}).status_code == 404
    assert "【外】党员" not in html(staff.get(CHECKINS))


def test_the_member_ends_their_checkin_after_moving(world: World) -> None:
    org = make_org(region=home(world))
    user, _member = member_user(org=org, community=home(world), checked_in=True)
    client_for(user).post(reverse("volunteering:my_party_end"), {"note": "已搬离"})
    assert PartyMemberCheckin.objects.get().status == CheckInStatus.ENDED


def test_the_checkin_list_costs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    org = make_org(region=home(world))
    for n in range(25):
        user, _m = member_user(org=org, community=home(world), name=f"党员{n}")
        actions.check_in(user=user)
    client = client_for(world.users["community_staff"])
    with django_assert_max_num_queries(14):
        response = client.get(CHECKINS)
    assert "共 25 条报到" in html(response)


# --- Coverage ---------------------------------------------------------------------------------------


def test_coverage_figures_per_community_and_organisation(
    world: World, django_assert_max_num_queries: Any
) -> None:
    org = make_org(region=world.regions["320302"], name="县委办党支部")
    for n in range(3):
        member_user(org=org, community=home(world), name=f"甲{n}", checked_in=n < 2)
    village = world.regions["320302001201"]
    assert coverage([home(world).pk, village.pk]) == {home(world).pk: (3, 2)}

    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        township = html(client.get(COVERAGE + "?region=320302001"))
    assert "66.7%" in township and "未登记党员" in township and "0.0%" not in township
    assert "县委办党支部" in html(client.get(COVERAGE))
    community = html(client.get(COVERAGE + f"?region={HOME['community']}"))
    assert "甲2" in community and "甲0" not in community


def test_coverage_outside_the_jurisdiction_is_a_404(world: World) -> None:
    client = client_for(world.users["community_staff"])
    assert client.get(COVERAGE + f"?region={AWAY}").status_code == 404


def test_a_confirmed_checkin_counts_once(world: World) -> None:
    org = make_org(region=home(world))
    user, _member = member_user(org=org, community=home(world))
    checkin = actions.check_in(user=user)
    confirm(checkin)
    assert coverage([home(world).pk]) == {home(world).pk: (1, 1)}
