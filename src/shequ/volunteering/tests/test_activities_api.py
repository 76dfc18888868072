"""The activities API: scoped lists with bounded queries, create and transitions with clear 422s,
the roster, staff sign-in and hours (never beyond the activity's length), and the resident's sign-up,
cancel and attendance by token."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.volunteering import attendance
from shequ.volunteering.models import ActivitySignUp, SignUpStatus, VolunteerActivity
from shequ.volunteering.tests.factories_activities import (
    enrol,
    make_activity,
    started,
    volunteer_user,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteering"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_the_list_is_scoped_and_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(8):
        make_activity(community=home(world), by=staff(world), title=f"活动{n}")
    make_activity(community=world.regions[AWAY], by=world.outsider, title="外县活动")
    client = client_for(staff(world))

    with django_assert_max_num_queries(12):
        response = client.get(f"{API}/activities")

    titles = [row["title"] for row in response.json()["results"]]
    assert response.status_code == 200 and len(titles) == 8 and "外县活动" not in titles


def test_a_bad_filter_is_a_422(world: World) -> None:
    response = client_for(staff(world)).get(f"{API}/activities?status=nonsense")

    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"


def test_create_publish_and_read(world: World) -> None:
    client = client_for(staff(world))
    start = calendar.now() + timedelta(days=2)

    made = post(
        client,
        f"{API}/activities",
        {
            "region_code": HOME["community"],
            "title": "垃圾分类宣传",
            "place": "社区广场",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "needed": 3,
            "target_group": "residents",
        },
    )
    code = made.json()["code"]
    published = post(client, f"{API}/activities/{code}/transitions", {"name": "publish"})

    assert made.status_code == 201
    assert published.status_code == 200 and published.json()["status"] == "recruiting"


def test_create_with_end_before_start_or_elsewhere_is_refused(world: World) -> None:
    client = client_for(staff(world))
    start = calendar.now() + timedelta(days=2)
    body = {
        "region_code": HOME["community"],
        "title": "活动",
        "place": "广场",
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
        "needed": 3,
        "target_group": "residents",
    }

    backwards = post(client, f"{API}/activities", body)
    elsewhere = post(client, f"{API}/activities", {**body, "region_code": AWAY})

    assert backwards.status_code == 422
    assert backwards.json()["errors"][0] == {
        "field": "ends_at",
        "message": "结束时间须晚于开始时间。",
    }
    assert elsewhere.status_code == 404
    assert not VolunteerActivity.objects.exists()


def test_outside_the_jurisdiction_is_404(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))

    response = client_for(world.outsider).get(f"{API}/activities/{activity.code}/roster")

    assert response.status_code == 404


def test_staff_attendance_and_hours_beyond_the_length(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), hours=2)
    user, _v = volunteer_user(home(world))
    signup = enrol(activity, user)
    started(activity, ago=timedelta(hours=6))
    client = client_for(staff(world))
    row = f"{API}/activities/{activity.code}/roster/{signup.pk}"

    out_first = post(
        client, f"{row}/attendance", {"direction": "out", "at": activity.ends_at.isoformat()}
    )
    post(client, f"{row}/attendance", {"direction": "in", "at": activity.starts_at.isoformat()})
    post(client, f"{row}/attendance", {"direction": "out", "at": activity.ends_at.isoformat()})
    post(
        client,
        f"{API}/activities/{activity.code}/transitions",
        {"name": "finish", "people_served": 4, "summary": "完成"},
    )
    too_many = post(client, f"{row}/hours", {"hours": "2.5"})
    confirmed = post(client, f"{row}/hours", {})
    roster = client.get(f"{API}/activities/{activity.code}/roster")

    assert out_first.status_code == 422 and "还没有签到" in out_first.json()["message"]
    assert too_many.status_code == 422 and "不能超过活动时长" in too_many.json()["message"]
    assert confirmed.status_code == 200 and confirmed.json()["hours_confirmed"] == "2.00"
    assert roster.json()[0]["volunteer_name"] == "李志愿"


def test_a_resident_signs_up_cancels_and_attends_by_token(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=1)
    user, _v = volunteer_user(home(world))
    client = client_for(user)

    signed = post(client, f"{API}/me/activities/{activity.code}/sign-up")
    again = post(client, f"{API}/me/activities/{activity.code}/sign-up")
    started(activity, ago=timedelta(minutes=5))
    forged = post(client, f"{API}/me/attend", {"token": "1.2.i." + "0" * 32})
    attended = post(
        client, f"{API}/me/attend", {"token": attendance.make_token(activity, attendance.IN)}
    )
    mine = client.get(f"{API}/me/activities")

    assert signed.status_code == 201 and signed.json()["status"] == SignUpStatus.ENROLLED
    assert again.status_code == 422 and "无需重复报名" in again.json()["message"]
    assert forged.status_code == 422 and "签到码无效" in forged.json()["message"]
    assert attended.status_code == 200 and attended.json()["signed_in_at"]
    assert mine.json()[0]["activity"]["code"] == activity.code
    assert ActivitySignUp.objects.get().signed_in_at is not None


def test_staff_cannot_use_the_resident_endpoints(world: World) -> None:
    response = client_for(staff(world)).get(f"{API}/me/activities")

    assert response.status_code == 403


def test_a_resident_who_is_not_a_volunteer_is_told(world: World) -> None:
    response = client_for(world.users["resident"]).get(f"{API}/me/activities")

    assert response.status_code == 403 and "注册志愿者" in response.json()["message"]
