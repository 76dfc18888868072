"""Meetings over HTTP. Staff: bodies and members, scheduling a meeting with an agenda topic and
invitations, the session with residents signing in themselves and by staff, decisions that move the
topic to decided, minutes published; polls with online and in-person ballots and results only after
closing; the scoped lists in a bounded number of queries; indicator 5. Residents: their community's
meetings, signing in, voting once, the refusals. Public: published minutes without names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.core import calendar
from shequ.core.models import Notification
from shequ.participation.models import TopicStage
from shequ.participation.models.meetings import (
    Attendance,
    AttendanceChannel,
    Ballot,
    BallotChannel,
    BodyMember,
    DeliberationBody,
    Meeting,
    MeetingStatus,
    Poll,
    PollStatus,
)
from shequ.participation.tests.factories_deliberation import deliberating
from shequ.participation.tests.factories_meetings import (
    in_session,
    make_body,
    make_meeting,
    villager,
)
from shequ.registry.tests import factories as registry
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def url(name: str, **kw: Any) -> str:
    return reverse(f"participation:{name}", kwargs=kw)


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_staff_create_a_body_and_add_a_resident_and_an_outside_member(world: World) -> None:
    client = client_for(staff(world))
    made = client.post(
        url("body_create"),
        {
            "community": home(world).pk,
            "kind": "residents_council",
            "name": "幸福里居民议事会",
            "constituted_on": "2025-03-01",
        },
    )
    body = DeliberationBody.objects.get(name="幸福里居民议事会")
    assert made.status_code == 302 and made["Location"] == url("body_edit", body_id=body.pk)
    person = registry.resident(home(world), "赵议事")
    found = html(client.get(url("body_edit", body_id=body.pk) + "?q=赵议事"))
    assert "赵议事" in found and "加为成员" in found
    client.post(
        url("body_member_add", body_id=body.pk),
        {"resident": person.pk, "role": "chair", "start_on": "2025-03-01"},
    )
    client.post(
        url("body_member_add", body_id=body.pk),
        {"name": "王代表", "affiliation": "", "role": "member", "start_on": "2025-03-01"},
    )
    refused = client.post(
        url("body_member_add", body_id=body.pk),
        {"name": "王代表", "role": "member", "start_on": "2025-03-01"},
        follow=True,
    )
    assert "单位或身份" in messages_of(refused)
    client.post(
        url("body_member_add", body_id=body.pk),
        {"name": "王代表", "affiliation": "物业公司", "role": "member", "start_on": "2025-03-01"},
    )
    assert sorted(BodyMember.objects.filter(body=body).values_list("name", flat=True)) == [
        "王代表",
        "赵议事",
    ]
    member = BodyMember.objects.get(body=body, name="王代表")
    client.post(url("body_member_end", body_member_id=member.pk), {"end_on": ""})
    member.refresh_from_db()
    assert member.end_on == calendar.localdate()
    again = client.post(url("body_member_end", body_member_id=member.pk), {}, follow=True)
    assert "已经结束" in messages_of(again)


def test_a_body_needs_a_name_and_a_date_not_in_the_future(world: World) -> None:
    client = client_for(staff(world))
    response = client.post(
        url("body_create"),
        {
            "community": home(world).pk,
            "kind": "residents_council",
            "name": "未来议事会",
            "constituted_on": (calendar.localdate() + timedelta(days=3)).isoformat(),
        },
    )
    body = html(response)
    assert response.status_code == 200 and "不能晚于今天" in body
    assert not DeliberationBody.objects.exists()


def test_a_monthly_talk_from_agenda_to_published_minutes(world: World) -> None:
    client = client_for(staff(world))
    body = make_body(home(world), by=staff(world), members=1)
    member = BodyMember.objects.get(body=body)
    _member_user = villager(home(world))  # unrelated resident
    from shequ.participation.tests.factories_meetings import resident_user

    member_account = resident_user(member.resident)
    topic = deliberating(home(world), staff(world))
    starts = calendar.localtime() + timedelta(days=2)
    made = client.post(
        url("meeting_create"),
        {
            "community": home(world).pk,
            "kind": "monthly_talk",
            "title": "十一月民生月谈",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "社区会议室",
            "body": body.pk,
        },
    )
    meeting = Meeting.objects.get(title="十一月民生月谈")
    assert made.status_code == 302
    detail = url("meeting_detail", meeting_id=meeting.pk)
    assert topic.title in html(client.get(detail))
    client.post(url("meeting_agenda", meeting_id=meeting.pk), {"topic": topic.pk})
    client.post(url("meeting_agenda", meeting_id=meeting.pk), {"title": "其他事项"})
    twice = client.post(
        url("meeting_agenda", meeting_id=meeting.pk), {"topic": topic.pk}, follow=True
    )
    assert meeting.agenda.count() == 2
    assert "不能列入议程" in messages_of(twice)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url("meeting_invite", meeting_id=meeting.pk), {"members": "1"})
    assert meeting.invitations.count() == 1
    assert Notification.objects.filter(recipient=member_account, topic="participation.meetings")

    # Residents cannot sign in before the session opens.
    early = client_for(member_account).post(
        url("meeting_sign_in", meeting_id=meeting.pk), follow=True
    )
    assert "还没有开始" in messages_of(early)
    client.post(url("meeting_transition", meeting_id=meeting.pk), {"transition": "open"})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_SESSION
    double = client.post(
        url("meeting_transition", meeting_id=meeting.pk), {"transition": "open"}, follow=True
    )
    assert "当前状态下不能" in messages_of(double)

    resident_client = client_for(member_account)
    page = html(resident_client.get(url("meeting_page", meeting_id=meeting.pk)))
    assert "签到" in page
    resident_client.post(url("meeting_sign_in", meeting_id=meeting.pk))
    again = resident_client.post(url("meeting_sign_in", meeting_id=meeting.pk), follow=True)
    assert "已经签到" in messages_of(again)
    no_phone = registry.resident(home(world), "钱奶奶")
    search = html(client.get(detail + "?q=钱奶奶"))
    assert "代签到" in search
    client.post(url("meeting_sign_for", meeting_id=meeting.pk), {"resident": no_phone.pk})
    assert sorted(Attendance.objects.filter(meeting=meeting).values_list("channel", flat=True)) == [
        AttendanceChannel.SELF,
        AttendanceChannel.STAFF,
    ]

    client.post(
        url("meeting_decision", meeting_id=meeting.pk),
        {"topic": topic.pk, "text": "由物业在两周内更换路灯。"},
    )
    topic.refresh_from_db()
    assert topic.state.stage == TopicStage.DECIDED
    assert meeting.decisions.count() == 1
    early_publish = client.post(
        url("meeting_minutes", meeting_id=meeting.pk),
        {"minutes": "会议讨论了路灯问题。", "publish": "1"},
        follow=True,
    )
    assert "结束后才能公开" in messages_of(early_publish)
    client.post(
        url("meeting_transition", meeting_id=meeting.pk),
        {"transition": "close", "organisations": "物业公司"},
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED and meeting.attendee_count == 2
    late = resident_client.post(url("meeting_sign_in", meeting_id=meeting.pk), follow=True)
    assert "已经结束" in messages_of(late) or "已经签到" in messages_of(late)
    client.post(
        url("meeting_minutes", meeting_id=meeting.pk),
        {"minutes": "会议讨论了路灯问题。", "publish": "1"},
    )
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is not None

    public = html(client_for(staff(world)).get(url("public_meetings", code=home(world).code)))
    assert "由物业在两周内更换路灯" in public and "钱奶奶" not in public
    mine = html(resident_client.get(url("meeting_page", meeting_id=meeting.pk)))
    assert "由物业在两周内更换路灯" in mine and "会议讨论了路灯问题" in mine


def test_a_cancelled_meeting_takes_no_agenda_and_a_meeting_needs_its_fields(world: World) -> None:
    client = client_for(staff(world))
    response = client.post(
        url("meeting_create"),
        {"community": home(world).pk, "kind": "monthly_talk", "title": "", "place": ""},
    )
    assert response.status_code == 200 and not Meeting.objects.exists()
    meeting = make_meeting(home(world), by=staff(world))
    client.post(url("meeting_transition", meeting_id=meeting.pk), {"transition": "cancel"})
    refused = client.post(url("meeting_agenda", meeting_id=meeting.pk), {"title": "x"}, follow=True)
    assert "已取消" in messages_of(refused) and not meeting.agenda.exists()
    unknown = client.post(
        url("meeting_transition", meeting_id=meeting.pk), {"transition": "explode"}, follow=True
    )
    assert "未知的操作" in messages_of(unknown)


def test_a_poll_counts_one_ballot_per_resident_and_shows_results_only_when_closed(
    world: World,
) -> None:
    client = client_for(staff(world))
    made = client.post(
        url("poll_create"),
        {"community": home(world).pk, "question": "是否同意更换路灯", "options": "同意\n不同意\n"},
    )
    poll = Poll.objects.get(question="是否同意更换路灯")
    assert made.status_code == 302
    past = client.post(
        url("poll_transition", poll_id=poll.pk),
        {"transition": "open", "closes_at": "2020-01-01T10:00"},
        follow=True,
    )
    assert "晚于现在" in messages_of(past)
    closes = (calendar.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        url("poll_transition", poll_id=poll.pk), {"transition": "open", "closes_at": closes}
    )
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN
    yes, no = list(poll.options.order_by("position"))

    _me, user = villager(home(world))
    voter = client_for(user)
    page = html(voter.get(url("poll_page", poll_id=poll.pk)))
    assert "未投票" in page and "同意" in page
    voter.post(url("poll_vote", poll_id=poll.pk), {"option": yes.pk})
    twice = voter.post(url("poll_vote", poll_id=poll.pk), {"option": no.pk}, follow=True)
    assert "每人只能投一票" in messages_of(twice)
    _away_person, away_user = villager(world.regions[AWAY])
    assert (
        client_for(away_user)
        .post(url("poll_vote", poll_id=poll.pk), {"option": yes.pk})
        .status_code
        == 404
    )
    bad = voter.post(url("poll_vote", poll_id=poll.pk), {"option": 999999}, follow=True)
    assert "选项" in messages_of(bad)

    paper = registry.resident(home(world), "孙爷爷")
    client.post(url("poll_record", poll_id=poll.pk), {"resident": paper.pk, "option": no.pk})
    assert sorted(Ballot.objects.filter(poll=poll).values_list("channel", flat=True)) == [
        BallotChannel.IN_PERSON,
        BallotChannel.ONLINE,
    ]
    before = html(voter.get(url("poll_page", poll_id=poll.pk)))
    assert "已投票" in before and "表决结束后公布结果" in before and "50%" not in before
    staff_before = html(client.get(url("poll_detail", poll_id=poll.pk)))
    assert "表决结束后公布结果" in staff_before and "50%" not in staff_before

    client.post(url("poll_transition", poll_id=poll.pk), {"transition": "close"})
    after = html(voter.get(url("poll_page", poll_id=poll.pk)))
    assert "50%" in after and "表决已结束" not in after  # voted: shows 已投票
    late = voter.post(url("poll_vote", poll_id=poll.pk), {"option": yes.pk}, follow=True)
    assert "已经结束" in messages_of(late) or "每人只能投一票" in messages_of(late)
    _late_person, late_user = villager(home(world))
    late2 = client_for(late_user).post(
        url("poll_vote", poll_id=poll.pk), {"option": yes.pk}, follow=True
    )
    assert "已经结束" in messages_of(late2)
    assert Ballot.objects.filter(poll=poll).count() == 2


def test_a_poll_needs_two_distinct_options(world: World) -> None:
    client = client_for(staff(world))
    response = client.post(
        url("poll_create"),
        {"community": home(world).pk, "question": "选项重复", "options": "同意\n同意"},
    )
    assert response.status_code == 200 and "两个不同的选项" in html(response)
    assert not Poll.objects.exists()


def test_staff_lists_are_scoped_and_bounded(
    world: World, django_assert_max_num_queries: Any
) -> None:
    body = make_body(home(world), by=staff(world), name="本地议事会")
    for n in range(5):
        make_meeting(home(world), by=staff(world), body=body, title=f"本地会议{n}")
    make_body(world.regions[AWAY], by=world.outsider, name="外县议事会")
    make_meeting(world.regions[AWAY], by=world.outsider, title="外县会议")
    client = client_for(staff(world))
    with django_assert_max_num_queries(20):
        meetings = html(client.get(url("meeting_list")))
    with django_assert_max_num_queries(20):
        bodies = html(client.get(url("body_list")))
    assert "本地会议4" in meetings and "外县会议" not in meetings
    assert "本地议事会" in bodies and "外县议事会" not in bodies
    away = Meeting.objects.get(title="外县会议")
    assert client.get(url("meeting_detail", meeting_id=away.pk)).status_code == 404
    assert (
        client.post(
            url("meeting_transition", meeting_id=away.pk), {"transition": "open"}
        ).status_code
        == 404
    )
    grid = client_for(world.users["grid_worker"])
    assert grid.get(url("meeting_create")).status_code == 403
    mine = Meeting.objects.filter(title="本地会议0").first()
    assert mine is not None
    assert (
        grid.post(url("meeting_transition", meeting_id=mine.pk), {"transition": "open"}).status_code
        == 403
    )


def test_residents_see_their_community_only(world: World) -> None:
    mine = make_meeting(home(world), by=staff(world), title="本社区月谈")
    away = make_meeting(world.regions[AWAY], by=world.outsider, title="外县月谈")
    _person, user = villager(home(world))
    client = client_for(user)
    page = html(client.get(url("community_meetings")))
    assert "本社区月谈" in page and "外县月谈" not in page
    assert client.get(url("meeting_page", meeting_id=away.pk)).status_code == 404
    assert client.get(url("meeting_page", meeting_id=mine.pk)).status_code == 200
    assert client_for(staff(world)).get(url("community_meetings")).status_code == 403


def test_coverage_counts_a_community_with_a_body_members_and_a_meeting(world: World) -> None:
    head = world.users["community_head"]
    county = client_for(world.users.get("county_admin") or head)
    body = make_body(home(world), by=staff(world), members=1)
    meeting = in_session(
        home(world), by=staff(world), body=body, in_days=0, starts_at=calendar.now()
    )
    assert meeting.status == MeetingStatus.IN_SESSION
    page = html(client_for(head).get(url("deliberation_coverage")))
    assert "覆盖 1 / 1" in page
    del county
    assert client_for(staff(world)).get(url("deliberation_coverage")).status_code == 403


def test_a_poll_on_a_topic_and_not_on_a_topic_elsewhere(world: World) -> None:
    topic = deliberating(home(world), staff(world))
    client = client_for(staff(world))
    form = html(client.get(url("poll_create") + f"?topic={topic.pk}"))
    assert topic.title in form
    client.post(
        url("poll_create"),
        {"community": home(world).pk, "topic": topic.pk, "question": "方案", "options": "甲\n乙"},
    )
    assert Poll.objects.get(question="方案").topic_id == topic.pk
    away_topic = deliberating(world.regions[AWAY], world.outsider)
    assert client.get(url("poll_create") + f"?topic={away_topic.pk}").status_code == 404
