"""Volunteer activities over HTTP: the scoped list with filters and bounded queries, the post and its
workflow, the roster with hours confirmed (never beyond the activity's length) and settlement into
the time bank (once, even clicked twice); the volunteer's side: browse, sign up or waitlist,
overlapping activities refused, cancel with promotion from the waitlist, my activities and hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.core import calendar
from shequ.core.models import AuditEvent, Notification
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    AttendanceMethod,
    PointsEntry,
    SignUpStatus,
    TimeTransfer,
    VolunteerActivity,
)
from shequ.volunteering.tests.factories_activities import (
    enrol,
    make_activity,
    started,
    volunteer_user,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

LIST = reverse("volunteering:activity_list")
NEW = reverse("volunteering:activity_new")
MINE = reverse("volunteering:my_activities")
BROWSE = reverse("volunteering:browse_activities")
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def roster_url(activity: VolunteerActivity) -> str:
    return reverse("volunteering:activity_detail", kwargs={"activity_code": activity.code})


def mine_url(activity: VolunteerActivity) -> str:
    return reverse("volunteering:my_activity", kwargs={"activity_code": activity.code})


def row_url(activity: VolunteerActivity, signup: ActivitySignUp, what: str) -> str:
    return reverse(
        f"volunteering:roster_{what}",
        kwargs={"activity_code": activity.code, "signup_id": signup.pk},
    )


def post_form(**overrides: Any) -> dict[str, Any]:
    start = calendar.localtime() + timedelta(days=3)
    data: dict[str, Any] = {
        "region": HOME["community"],
        "title": "助老理发",
        "description": "为独居老人上门理发",
        "place": "幸福里社区活动室",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT12:00"),
        "needed": "4",
        "skills": ["elderly_care"],
        "target_group": "elderly",
    }
    data.update(overrides)
    return data


def attended_signup(
    world: World, activity: VolunteerActivity, name: str = "李志愿"
) -> ActivitySignUp:
    """A volunteer who signed up, came and left (staff fallback) on a past activity."""
    user, _volunteer = volunteer_user(home(world), name)
    signup = enrol(activity, user)
    return signup


def finish(world: World, activity: VolunteerActivity) -> VolunteerActivity:
    return actions.transition_activity(
        activity=activity, name="finish", by=staff(world), people_served=12, summary="顺利完成"
    )


# --- The list --------------------------------------------------------------------------------------


def test_the_list_shows_my_territory_only_and_filters(world: World) -> None:
    make_activity(community=home(world), by=staff(world), title="敬老院陪伴")
    make_activity(community=home(world), by=staff(world), title="儿童课堂", target_group="children")
    make_activity(community=world.regions[AWAY], by=world.outsider, title="【A320303】外县活动")

    client = client_for(staff(world))
    body = html(client.get(LIST))
    children = html(client.get(LIST + "?target_group=children"))

    assert "敬老院陪伴" in body and "儿童课堂" in body and "外县活动" not in body
    assert "儿童课堂" in children and "敬老院陪伴" not in children


def test_a_bad_date_range_is_explained(world: World) -> None:
    body = html(client_for(staff(world)).get(LIST + "?date_from=2026-05-02&date_to=2026-05-01"))

    assert "截止日期不能早于起始日期" in body


def test_the_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        activity = make_activity(community=home(world), by=staff(world), title=f"活动{n}")
        user, _v = volunteer_user(home(world), f"志愿者{n}")
        enrol(activity, user)
    client = client_for(staff(world))
    client.get(LIST)

    with django_assert_max_num_queries(14):
        response = client.get(LIST)

    assert response.status_code == 200 and "活动11" in response.content.decode()


# --- The post and its workflow ---------------------------------------------------------------------


def test_staff_post_an_activity_as_a_draft_then_publish_it(world: World) -> None:
    client = client_for(staff(world))

    response = client.post(NEW, post_form())
    activity = VolunteerActivity.objects.get(title="助老理发")
    client.post(
        reverse("volunteering:activity_transition", kwargs={"activity_code": activity.code}),
        {"transition": "publish"},
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RECRUITING and activity.published_at is not None
    assert activity.organiser == staff(world) and len(activity.attendance_secret) == 64
    assert AuditEvent.objects.filter(action="volunteering.activity_create").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, ""),
        ({"ends_at": "2020-01-01T08:00"}, "结束时间须晚于开始时间"),
        ({"needed": "0"}, "招募人数至少为1人"),
        ({"target_group": "aliens"}, ""),
        ({"region": AWAY}, ""),
        ({"region": "320302001"}, ""),
        ({"starts_at": "明天"}, "请填写有效的日期和时间"),
    ],
)
def test_a_bad_post_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    response = client_for(staff(world)).post(NEW, post_form(**overrides))

    assert response.status_code == 200
    body = response.content.decode()
    assert (message or "is-invalid") in body
    assert not VolunteerActivity.objects.exists()


def test_the_action_refuses_a_township_as_the_place() -> None:
    world = build_world()
    with pytest.raises(ValidationError) as refused:
        make_activity(community=world.regions["320302001"], by=staff(world))

    assert "村(社区)" in str(refused.value)


def test_someone_outside_gets_404_on_the_roster(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))

    response = client_for(world.outsider).get(roster_url(activity))

    assert response.status_code == 404


def test_editing_fewer_places_than_enrolled_is_refused(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=2)
    for n in range(2):
        enrol(activity, volunteer_user(home(world), f"志愿者{n}")[0])
    start = calendar.localtime(activity.starts_at)
    edit = reverse("volunteering:activity_edit", kwargs={"activity_code": activity.code})

    response = client_for(staff(world)).post(
        edit,
        post_form(
            needed="1",
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert "不能少于已报名人数" in response.content.decode()
    activity.refresh_from_db()
    assert activity.needed == 2


def test_cancelling_tells_the_volunteers(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))
    user, _v = volunteer_user(home(world))
    enrol(activity, user)

    client_for(staff(world)).post(
        reverse("volunteering:activity_transition", kwargs={"activity_code": activity.code}),
        {"transition": "cancel"},
    )

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    assert Notification.objects.filter(recipient=user, subject__contains="取消").exists()


def test_finishing_before_the_start_or_without_a_summary_is_refused(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))
    url = reverse("volunteering:activity_transition", kwargs={"activity_code": activity.code})
    client = client_for(staff(world))

    early = client.post(url, {"transition": "finish", "people_served": "3", "summary": "好"})
    started(activity)
    blank = client.post(url, {"transition": "finish", "people_served": "3", "summary": ""})

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RECRUITING
    assert early.status_code == blank.status_code == 302
    with pytest.raises(ValidationError):
        actions.transition_activity(
            activity=activity, name="finish", by=staff(world), people_served=None, summary=""
        )


def test_every_transition_is_declared_once() -> None:
    names = [t.name for t in actions.WORKFLOW.transitions]
    assert names == ["publish", "close", "finish", "settle", "cancel"]


# --- The roster: hours and settlement --------------------------------------------------------------


def _past_with_attendance(world: World, names: tuple[str, ...] = ("李志愿",)) -> Any:
    activity = make_activity(community=home(world), by=staff(world), hours=3)
    signups = [attended_signup(world, activity, name) for name in names]
    started(activity)
    for signup in signups:
        actions.record_attendance(
            signup=signup,
            direction="in",
            at=activity.starts_at,
            by=staff(world),
            method=AttendanceMethod.STAFF,
        )
        actions.record_attendance(
            signup=signup,
            direction="out",
            at=activity.starts_at + timedelta(hours=2, minutes=30),
            by=staff(world),
            method=AttendanceMethod.STAFF,
        )
    finish(world, activity)
    return activity, [ActivitySignUp.objects.get(pk=s.pk) for s in signups]


def test_hours_are_computed_and_confirmed_then_settled_into_the_time_bank(world: World) -> None:
    activity, (signup,) = _past_with_attendance(world)
    client = client_for(staff(world))
    assert signup.hours_computed == Decimal("2.50")

    finished_page = html(client.get(roster_url(activity)))
    volunteer_page = html(client_for(signup.volunteer.resident.account).get(mine_url(activity)))
    client.post(row_url(activity, signup, "hours"), {"hours": ""})
    settled_page = html(client.get(roster_url(activity)))
    client.post(
        reverse("volunteering:activity_transition", kwargs={"activity_code": activity.code}),
        {"transition": "settle"},
    )

    signup.refresh_from_db()
    activity.refresh_from_db()
    assert signup.hours_confirmed == Decimal("2.50") and signup.confirmed_by == staff(world)
    assert activity.status == ActivityStatus.SETTLED
    assert TimeTransfer.objects.filter(signup=signup, hours=Decimal("2.50")).count() == 1
    assert PointsEntry.objects.filter(signup=signup).count() == 1
    assert "确认时长" in finished_page and "评价这次活动" in volunteer_page
    assert "确认全部时长" in settled_page


def test_hours_beyond_the_activitys_length_or_negative_are_refused(world: World) -> None:
    activity, (signup,) = _past_with_attendance(world)
    client = client_for(staff(world))

    too_many = client.post(row_url(activity, signup, "hours"), {"hours": "3.01"}, follow=True)
    negative = client.post(row_url(activity, signup, "hours"), {"hours": "-1"}, follow=True)
    three_places = client.post(row_url(activity, signup, "hours"), {"hours": "1.234"}, follow=True)

    assert "不能超过活动时长（3小时）" in too_many.content.decode()
    assert "不能为负数" in negative.content.decode()
    assert "最多两位小数" in three_places.content.decode()
    signup.refresh_from_db()
    assert signup.hours_confirmed is None


def test_hours_may_be_lowered_and_are_final(world: World) -> None:
    _activity, (signup,) = _past_with_attendance(world)

    actions.confirm_hours(signup=signup, by=staff(world), hours=Decimal("1.5"))
    with pytest.raises(ValidationError) as again:
        actions.confirm_hours(signup=signup, by=staff(world), hours=Decimal("2"))

    signup.refresh_from_db()
    assert signup.hours_confirmed == Decimal("1.50")
    assert "不能重复确认" in str(again.value)


def test_settling_with_unconfirmed_hours_is_refused(world: World) -> None:
    activity, (first, _second) = _past_with_attendance(world, ("甲志愿", "乙志愿"))
    actions.confirm_hours(signup=first, by=staff(world))

    with pytest.raises(ValidationError) as refused:
        actions.settle_activity(activity=activity, by=staff(world))

    activity.refresh_from_db()
    assert "还有1名志愿者" in str(refused.value)
    assert activity.status == ActivityStatus.FINISHED and not TimeTransfer.objects.exists()


def test_settling_twice_credits_once(world: World) -> None:
    activity, (signup,) = _past_with_attendance(world)
    actions.confirm_hours(signup=signup, by=staff(world))
    actions.settle_activity(activity=activity, by=staff(world))

    with pytest.raises(ValidationError) as again:
        actions.settle_activity(
            activity=VolunteerActivity.objects.get(pk=activity.pk), by=staff(world)
        )

    assert "已经确认过时长" in str(again.value)
    assert TimeTransfer.objects.filter(signup=signup).count() == 1


def test_absent_and_ratings(world: World) -> None:
    activity, (came,) = _past_with_attendance(world)
    _no_show_user, _v = volunteer_user(home(world), "王缺席")
    no_show = ActivitySignUp.objects.create(
        activity=activity, volunteer=_v, status=SignUpStatus.ENROLLED
    )
    client = client_for(staff(world))

    client.post(row_url(activity, no_show, "absent"))
    client.post(row_url(activity, came, "rating"), {"rating": "5", "comment": "认真负责"})
    bad = client.post(row_url(activity, came, "rating"), {"rating": "9"}, follow=True)

    no_show.refresh_from_db()
    came.refresh_from_db()
    assert no_show.status == SignUpStatus.ABSENT
    assert came.volunteer_rating == 5 and came.volunteer_comment == "认真负责"
    assert "评分须为1到5分" in bad.content.decode()


def test_the_roster_costs_the_same_queries_for_many_volunteers(
    world: World, django_assert_max_num_queries: Any
) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=20)
    for n in range(15):
        enrol(activity, volunteer_user(home(world), f"志愿者{n}")[0])
    client = client_for(staff(world))
    client.get(roster_url(activity))

    with django_assert_max_num_queries(14):
        response = client.get(roster_url(activity))

    assert "志愿者14" in html(response)


# --- The volunteer's side --------------------------------------------------------------------------


def test_a_resident_who_is_not_a_volunteer_is_told_what_to_do(world: World) -> None:
    body = html(client_for(world.users["resident"]).get(MINE))

    assert "关联居民信息" in body


def test_browse_sign_up_and_my_activities(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), title="社区清扫")
    make_activity(community=world.regions[AWAY], by=world.outsider, title="外县活动")
    user, _v = volunteer_user(home(world))
    client = client_for(user)

    browse = html(client.get(BROWSE))
    response = client.post(mine_url(activity), {"do": "sign_up"}, follow=True)
    mine = html(client.get(MINE))

    assert "社区清扫" in browse and "外县活动" not in browse
    assert "报名成功" in response.content.decode()
    assert "社区清扫" in mine
    assert ActivitySignUp.objects.get(activity=activity).status == SignUpStatus.ENROLLED


def test_a_full_activity_puts_the_volunteer_on_the_waitlist_with_a_position(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=1)
    enrol(activity, volunteer_user(home(world), "甲")[0])
    enrol(activity, volunteer_user(home(world), "乙")[0])
    third, _v = volunteer_user(home(world), "丙")

    response = client_for(third).post(mine_url(activity), {"do": "sign_up"}, follow=True)

    assert "候补，排第2位" in response.content.decode()


def test_a_double_clicked_sign_up_signs_up_once(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))
    user, _v = volunteer_user(home(world))
    client = client_for(user)

    client.post(mine_url(activity), {"do": "sign_up"})
    second = client.post(mine_url(activity), {"do": "sign_up"}, follow=True)

    assert "无需重复报名" in second.content.decode()
    assert ActivitySignUp.objects.filter(activity=activity).count() == 1


def test_overlapping_activities_are_refused_and_named(world: World) -> None:
    first = make_activity(community=home(world), by=staff(world), title="上午助老", hours=3)
    second = make_activity(
        community=home(world),
        by=staff(world),
        title="上午护河",
        starts_at=first.starts_at + timedelta(hours=2),
    )
    user, _v = volunteer_user(home(world))
    enrol(first, user)

    response = client_for(user).post(mine_url(second), {"do": "sign_up"}, follow=True)

    assert "上午助老" in response.content.decode() and "时间重叠" in response.content.decode()
    assert not ActivitySignUp.objects.filter(activity=second).exists()


def test_cancelling_promotes_the_first_on_the_waitlist_and_tells_them(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=1)
    first_user, _v1 = volunteer_user(home(world), "甲")
    waiting_user, _v2 = volunteer_user(home(world), "乙")
    enrol(activity, first_user)
    waiting = enrol(activity, waiting_user)

    client_for(first_user).post(mine_url(activity), {"do": "cancel"})

    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.ENROLLED
    assert Notification.objects.filter(recipient=waiting_user, subject__contains="候补").exists()


def test_signing_up_after_the_start_is_refused(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world))
    started(activity, ago=timedelta(minutes=5))
    user, _v = volunteer_user(home(world))

    with pytest.raises(ValidationError):
        enrol(activity, user)


def test_a_volunteer_cannot_open_an_activity_outside_their_area(world: World) -> None:
    away = make_activity(community=world.regions[AWAY], by=world.outsider)
    user, _v = volunteer_user(home(world))

    assert client_for(user).get(mine_url(away)).status_code == 404


def test_staff_get_403_on_resident_pages(world: World) -> None:
    assert client_for(staff(world)).get(MINE).status_code == 403


def test_a_volunteer_rates_an_attended_activity(world: World) -> None:
    activity, (signup,) = _past_with_attendance(world)
    user = signup.volunteer.resident.account
    client = client_for(user)

    client.post(mine_url(activity), {"do": "rate", "rating": "4", "comment": "很有意义"})
    bad = client.post(mine_url(activity), {"do": "rate", "rating": "0"})

    signup.refresh_from_db()
    assert signup.activity_rating == 4
    assert "评分须为1到5分" in bad.content.decode()
