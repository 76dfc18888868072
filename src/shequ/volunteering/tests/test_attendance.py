"""Attendance by the rotating QR code, and by staff: the code changes every 30 seconds and is good for
at most a minute; a code reused after the activity, forged, or copied to someone not on the roster is
refused in plain words and changes nothing; sign-out before sign-in is refused; a repeat says it is
already done; the staff fallback keeps to the same windows. Plus two sign-ups at once for the last
place and two settlements at once (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from shequ.core import calendar
from shequ.volunteering import attendance
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.models import (
    ActivitySignUp,
    AttendanceMethod,
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
from tests.concurrency import at_once
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def attend_url(token: str) -> str:
    return reverse("volunteering:attend", kwargs={"attendance_token": token})


def running(
    world: World, *, ago: timedelta = timedelta(minutes=10)
) -> tuple[VolunteerActivity, Any, Any]:
    """An activity that started ``ago``, with one enrolled volunteer (user, signup)."""
    activity = make_activity(community=home(world), by=staff(world), hours=2)
    user, _v = volunteer_user(home(world))
    signup = enrol(activity, user)
    return started(activity, ago=ago), user, signup


# --- The token --------------------------------------------------------------------------------------


def test_a_token_is_good_for_its_window_and_the_next_only(world: World) -> None:
    activity, _user, _signup = running(world)
    now = calendar.now()
    token = attendance.make_token(activity, attendance.IN, attendance.window_at(now))
    parsed = attendance.parse_token(token)

    assert parsed is not None and attendance.signature_matches(activity, parsed)
    assert attendance.window_is_current(parsed.window, now + timedelta(seconds=30))
    assert not attendance.window_is_current(parsed.window, now + timedelta(seconds=61))
    assert token.replace(".", "").replace("-", "").isalnum()


def test_a_token_signed_with_another_activitys_secret_does_not_match(world: World) -> None:
    activity, _user, _signup = running(world)
    other = make_activity(community=home(world), by=staff(world), title="另一个")
    forged = attendance.make_token(other, attendance.IN).split(".")
    forged[0] = str(activity.pk)

    parsed = attendance.parse_token(".".join(forged))

    assert parsed is not None and not attendance.signature_matches(activity, parsed)


@pytest.mark.parametrize(
    "token", ["", "abc", "1.2.x.abc", "1.2.i." + "z" * 32, "x.1.i." + "0" * 32]
)
def test_malformed_tokens_do_not_parse(token: str) -> None:
    assert attendance.parse_token(token) is None


# --- The organiser's phone -------------------------------------------------------------------------


def test_the_organisers_page_shows_a_qr_code_and_the_short_code_and_refreshes(
    world: World,
) -> None:
    activity, _user, _signup = running(world)
    url = reverse("volunteering:activity_attendance", kwargs={"activity_code": activity.code})

    body = html(client_for(staff(world)).get(url + "?mode=out"))

    assert "<svg" in body and 'http-equiv="refresh"' in body
    assert attendance.short_code(activity, attendance.OUT) in body
    assert "扫码签退" in body


def test_someone_outside_cannot_open_the_organisers_page(world: World) -> None:
    activity, _user, _signup = running(world)
    url = reverse("volunteering:activity_attendance", kwargs={"activity_code": activity.code})

    assert client_for(world.outsider).get(url).status_code == 404


# --- Signing in and out by QR ----------------------------------------------------------------------


def test_sign_in_then_out_by_qr_computes_the_hours(world: World) -> None:
    activity, user, signup = running(world, ago=timedelta(minutes=90))
    client = client_for(user)

    page = html(client.get(attend_url(attendance.make_token(activity, attendance.IN))))
    client.post(attend_url(attendance.make_token(activity, attendance.IN)))
    client.post(attend_url(attendance.make_token(activity, attendance.OUT)))

    signup.refresh_from_db()
    assert activity.title in page and "确认签到" in page
    assert signup.sign_in_method == signup.sign_out_method == AttendanceMethod.QR
    assert signup.hours_computed == Decimal("0.00")  # in and out within the same minute


def test_an_old_code_is_refused_and_changes_nothing(world: World) -> None:
    activity, user, signup = running(world)
    old = attendance.make_token(activity, attendance.IN, attendance.window_at() - 3)

    response = client_for(user).post(attend_url(old))

    assert "签到码已过期" in html(response) and activity.title not in response.content.decode()
    signup.refresh_from_db()
    assert signup.signed_in_at is None


def test_a_forged_code_is_refused(world: World) -> None:
    activity, user, signup = running(world)
    token = attendance.make_token(activity, attendance.IN)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")

    body = html(client_for(user).post(attend_url(forged)))

    assert "签到码无效" in body
    signup.refresh_from_db()
    assert signup.signed_in_at is None


def test_a_code_copied_to_someone_not_on_the_roster_is_refused(world: World) -> None:
    activity, _user, _signup = running(world)
    absent_user, _v = volunteer_user(home(world), "王未报")
    token = attendance.make_token(activity, attendance.IN)

    response = client_for(absent_user).post(attend_url(token))

    assert "您没有报名这个活动" in html(response)
    assert activity.title not in response.content.decode()
    assert not ActivitySignUp.objects.filter(volunteer=_v).exists()


def test_a_waitlisted_volunteer_cannot_sign_in(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), needed=1)
    enrol(activity, volunteer_user(home(world), "甲")[0])
    waiting_user, _v = volunteer_user(home(world), "乙")
    enrol(activity, waiting_user)
    started(activity)

    with pytest.raises(ValidationError) as refused:
        actions.attend_with_token(
            token=attendance.make_token(activity, attendance.IN), by=waiting_user
        )

    assert "候补" in str(refused.value)


def test_sign_out_before_sign_in_is_refused(world: World) -> None:
    activity, user, signup = running(world)

    body = html(client_for(user).post(attend_url(attendance.make_token(activity, attendance.OUT))))

    assert "还没有签到，不能签退" in body
    signup.refresh_from_db()
    assert signup.signed_out_at is None


def test_a_repeat_sign_in_says_it_is_already_done(world: World) -> None:
    activity, user, _signup = running(world)
    actions.attend_with_token(token=attendance.make_token(activity, attendance.IN), by=user)

    with pytest.raises(ValidationError) as again:
        actions.attend_with_token(token=attendance.make_token(activity, attendance.IN), by=user)

    assert "已经签到过了" in str(again.value)


def test_a_code_reused_after_the_activity_is_refused(world: World) -> None:
    # The activity ended three hours ago: even a code made now is outside the sign-in window.
    activity, user, signup = running(world, ago=timedelta(hours=5))

    with pytest.raises(ValidationError) as refused:
        actions.attend_with_token(token=attendance.make_token(activity, attendance.IN), by=user)

    assert "签到时间须在活动开始前30分钟到活动结束之间" in str(refused.value)
    signup.refresh_from_db()
    assert signup.signed_in_at is None


def test_sign_in_too_early_is_refused(world: World) -> None:
    activity = make_activity(community=home(world), by=staff(world), starts_in=timedelta(hours=1))
    user, _v = volunteer_user(home(world))
    enrol(activity, user)

    with pytest.raises(ValidationError):
        actions.attend_with_token(token=attendance.make_token(activity, attendance.IN), by=user)


def test_the_short_code_typed_on_the_activity_page(world: World) -> None:
    activity, user, signup = running(world)
    url = reverse("volunteering:my_activity", kwargs={"activity_code": activity.code})
    client = client_for(user)

    wrong = html(client.post(url, {"do": "code", "code": "12345"}))
    client.post(url, {"do": "code", "code": attendance.short_code(activity, attendance.IN)})

    signup.refresh_from_db()
    assert "签到码是6位数字" in wrong
    assert signup.signed_in_at is not None


def test_guessing_the_short_code_stops_after_five_wrong_tries(world: World) -> None:
    activity, user, signup = running(world)
    url = reverse("volunteering:my_activity", kwargs={"activity_code": activity.code})
    client = client_for(user)
    right = attendance.short_code(activity, attendance.IN)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _try in range(actions.SHORT_CODE_TRIES):
        assert "签到码不正确" in html(client.post(url, {"do": "code", "code": wrong}, follow=True))
    blocked = html(client.post(url, {"do": "code", "code": right}, follow=True))

    signup.refresh_from_db()
    assert "输错次数过多" in blocked
    assert signup.signed_in_at is None
    # The QR code still works: the limit is on guessing, not on attending.
    actions.attend_with_token(token=attendance.make_token(activity, attendance.IN), by=user)
    signup.refresh_from_db()
    assert signup.signed_in_at is not None


# --- The staff fallback ----------------------------------------------------------------------------


def test_staff_sign_a_volunteer_in_and_out_within_the_windows(world: World) -> None:
    activity, _user, signup = running(world, ago=timedelta(hours=8))
    url = reverse(
        "volunteering:roster_attendance",
        kwargs={"activity_code": activity.code, "signup_id": signup.pk},
    )
    client = client_for(staff(world))
    at = calendar.localtime(activity.starts_at)

    too_early = client.post(
        url,
        {"direction": "in", "at": (at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    client.post(url, {"direction": "in", "at": at.strftime("%Y-%m-%dT%H:%M")})
    too_late = client.post(
        url,
        {"direction": "out", "at": (at + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    client.post(
        url, {"direction": "out", "at": (at + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}
    )

    signup.refresh_from_db()
    assert "活动开始前30分钟" in too_early.content.decode()
    assert "活动结束后2小时" in too_late.content.decode()
    assert signup.sign_in_method == AttendanceMethod.STAFF
    assert signup.hours_computed == Decimal("2.00")  # clipped to the activity's two hours


def test_staff_elsewhere_cannot_sign_anyone_in(world: World) -> None:
    activity, _user, signup = running(world)
    url = reverse(
        "volunteering:roster_attendance",
        kwargs={"activity_code": activity.code, "signup_id": signup.pk},
    )

    response = client_for(world.outsider).post(url, {"direction": "in", "at": "2026-01-01T09:00"})

    assert response.status_code == 404


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sign_ups_at_once_never_enrol_more_than_needed() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the activity row lock is exercised on PostgreSQL")
    world = build_world()
    activity = make_activity(community=home(world), by=staff(world), needed=2)
    users = [volunteer_user(home(world), f"志愿者{n}")[0] for n in range(5)]

    results = at_once(*[lambda u=u: actions.sign_up(activity=activity, by=u) for u in users])

    assert results.count("ok") == 5, results
    statuses = list(ActivitySignUp.objects.values_list("status", flat=True))
    assert statuses.count(SignUpStatus.ENROLLED) == 2
    assert statuses.count(SignUpStatus.WAITLISTED) == 3


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_settlement_credits_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the activity row lock is exercised on PostgreSQL")
    world = build_world()
    activity, _user, signup = running(world, ago=timedelta(hours=3))
    by = staff(world)
    for direction, at in (("in", activity.starts_at), ("out", activity.ends_at)):
        actions.record_attendance(
            signup=signup, direction=direction, at=at, by=by, method=AttendanceMethod.STAFF
        )
    actions.transition_activity(
        activity=activity, name="finish", by=by, people_served=5, summary="完成"
    )
    actions.confirm_hours(signup=signup, by=by)

    results = at_once(
        lambda: actions.settle_activity(
            activity=VolunteerActivity.objects.get(pk=activity.pk), by=by
        ),
        lambda: actions.settle_activity(
            activity=VolunteerActivity.objects.get(pk=activity.pk), by=by
        ),
    )

    assert results.count("ok") == 1, results
    assert TimeTransfer.objects.filter(signup=signup).count() == 1
