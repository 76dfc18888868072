"""Social-work stations and rooms over HTTP: a station only at a township and a room only at a
community, the operator from the jurisdiction, staff (a community worker or a named person) with dates
in order, ending a post, and the per-township summary (station staffed, share of communities with a
room) at a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.organizations.actions import social as actions
from shequ.organizations.models import SiteStaff, SocialWorkSite
from shequ.organizations.tests.factories_social import make_org, make_site, make_staff, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

SITES = reverse("organizations:sites")
NEW = reverse("organizations:site_new")
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def detail(site: SocialWorkSite) -> str:
    return reverse("organizations:site_detail", kwargs={"sw_site_id": site.pk})


def test_registering_a_station_and_a_room(world: World) -> None:
    operator = make_org(region=world.regions[HOME["township"]], name="彭城社工服务中心")
    client = client_for(world.users["township_staff"])
    response = client.post(
        NEW,
        {
            "kind": "station",
            "region": HOME["township"],
            "name": "某街道社工站",
            "operator": str(operator.pk),
            "opened_on": "2022-06-01",
        },
    )
    station = SocialWorkSite.objects.get()
    assert response.status_code == 302 and station.operator == operator
    room = client.post(NEW, {"kind": "room", "region": HOME["community"], "name": "幸福社工室"})
    assert room.status_code == 302 and SocialWorkSite.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "station", "region": HOME["community"]}, "社工站应建在镇(街道)"),
        ({"kind": "room", "region": HOME["township"]}, "社工室应建在村(社区)"),
        ({"kind": "room", "region": HOME["community"], "opened_on": "2099-01-01"}, "不能晚于今天"),
    ],
)
def test_a_site_at_the_wrong_level_is_refused(
    world: World, data: dict[str, Any], message: str
) -> None:
    response = client_for(world.users["township_staff"]).post(NEW, {"name": "站", **data})
    assert response.status_code == 200 and message in html(response)
    assert not SocialWorkSite.objects.exists()


def test_an_operator_outside_the_jurisdiction_is_refused(world: World) -> None:
    away = make_org(region=world.regions[AWAY], name="外县机构")
    response = client_for(world.users["township_staff"]).post(
        NEW, {"kind": "room", "region": HOME["community"], "name": "室", "operator": str(away.pk)}
    )
    assert response.status_code == 200 and "选择一个有效的选项" in html(response)
    assert not SocialWorkSite.objects.exists()


def test_staff_a_worker_or_a_named_person_and_end_a_post(world: World) -> None:
    site = make_site(region=world.regions[HOME["township"]], kind="station")
    worker = make_worker(region=world.regions[HOME["community"]], name="陈工")
    client = client_for(world.users["township_staff"])
    url = reverse("organizations:site_staff_add", kwargs={"sw_site_id": site.pk})
    started = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert client.post(url, {"worker": str(worker.pk), "started_on": started}).status_code == 302
    staff = SiteStaff.objects.get()
    assert staff.name == "陈工" and staff.qualification == "intermediate"
    assert (
        client.post(
            url, {"name": "刘社工", "qualification": "assistant", "started_on": started}
        ).status_code
        == 302
    )
    body = html(client.get(detail(site)))
    assert "陈工" in body and "刘社工" in body
    end = reverse(
        "organizations:site_staff_end", kwargs={"sw_site_id": site.pk, "sw_staff_id": staff.pk}
    )
    early = client.post(end, {"ended_on": "2000-01-01"}, follow=True)
    assert "离岗日期不能早于到岗日期" in html(early)
    assert client.post(end, {"ended_on": timezone.localdate().isoformat()}).status_code == 302
    staff.refresh_from_db()
    assert staff.ended_on == timezone.localdate()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "张", "started_on": "2025-05-01", "ended_on": "2025-01-01"},
            "离岗日期不能早于到岗日期",
        ),
        ({"name": "", "started_on": "2025-05-01"}, "请选择社区工作者，或填写人员姓名"),
        ({"name": "张", "started_on": ""}, "这个字段是必填项"),
    ],
)
def test_bad_staff_is_refused(world: World, data: dict[str, Any], message: str) -> None:
    site = make_site(region=world.regions[HOME["community"]], kind="room")
    response = client_for(world.users["community_staff"]).post(
        reverse("organizations:site_staff_add", kwargs={"sw_site_id": site.pk}), data
    )
    assert response.status_code == 422 and message in html(response)
    assert not SiteStaff.objects.exists()


def test_a_worker_of_another_county_cannot_be_staff(world: World) -> None:
    site = make_site(region=world.regions[HOME["township"]], kind="station")
    away = make_worker(region=world.regions[AWAY], name="外县社工")
    response = client_for(world.users["township_staff"]).post(
        reverse("organizations:site_staff_add", kwargs={"sw_site_id": site.pk}),
        {"worker": str(away.pk), "started_on": "2025-01-01"},
    )
    assert response.status_code == 422 and not SiteStaff.objects.exists()


def test_the_summary_per_township(world: World, django_assert_max_num_queries: Any) -> None:
    station = make_site(region=world.regions[HOME["township"]], kind="station")
    make_staff(site=station)
    make_site(region=world.regions["320302002"], kind="station")  # no staff
    for n in range(55):  # closed rooms: listed, not counted
        old = make_site(region=world.regions[HOME["community"]], kind="room", name=f"旧室{n}")
        actions.set_site_active(site=old, active=False, by=None)
    make_site(region=world.regions[HOME["community"]], kind="room")
    make_site(region=world.regions[AWAY], kind="room", name="【X320303】外县社工室")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(16):
        body = html(client.get(SITES))
    assert "外县社工室" not in body
    # Home township: a staffed station, 1 of 2 communities with a room (50%); the other: unstaffed.
    assert "50%" in body and "未建站" not in body
    assert body.count("bi-check-lg") == 1 and body.count("bi-x-lg") == 1


def test_another_countys_site_is_a_404(world: World) -> None:
    away = make_site(region=world.regions[AWAY], kind="room")
    assert client_for(world.users["county_official"]).get(detail(away)).status_code == 404


def test_closing_a_site(world: World) -> None:
    site = make_site(region=world.regions[HOME["community"]], kind="room")
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:site_active", kwargs={"sw_site_id": site.pk})
    assert client.post(url, {"active": "0"}).status_code == 302
    site.refresh_from_db()
    assert not site.is_active
    reopen = client.post(url, {"active": "1"})
    assert reopen.status_code == 302
    site.refresh_from_db()
    assert site.is_active


def test_editing_a_site(world: World) -> None:
    site = make_site(region=world.regions[HOME["community"]], kind="room")
    operator = make_org(region=world.regions[HOME["community"]], name="幸福社工服务社")
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:site_edit", kwargs={"sw_site_id": site.pk})
    assert site.name in html(client.get(url))
    future = client.post(url, {"name": "新名", "opened_on": "2099-01-01", "version": site.version})
    assert future.status_code == 200 and "不能晚于今天" in html(future)
    ok = client.post(
        url, {"name": "幸福社区社会工作室", "operator": str(operator.pk), "version": site.version}
    )
    assert ok.status_code == 302
    site.refresh_from_db()
    assert site.name == "幸福社区社会工作室" and site.operator == operator
    stale = client.post(url, {"name": "又一个名", "version": 1})
    assert "刚刚已被他人修改" in html(stale)
