"""The meetings API for staff: everything the pages do, over HTTP. Bodies and members, a meeting from
scheduling to published minutes (agenda topic decided through the deliberation actions), polls with
in-person ballots; and the refusals: no permission (403), another county's object or a body field
pointing there (404, named), bad input (422 naming the field), the wrong state (422), a stale
version (409)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.models import TopicStage
from shequ.participation.models.meetings import (
    Attendance,
    AttendanceChannel,
    Ballot,
    BallotChannel,
    BodyMember,
    Invitation,
    Meeting,
)
from shequ.participation.tests.factories_deliberation import deliberating
from shequ.participation.tests.factories_meetings import (
    in_session,
    make_body,
    make_meeting,
    make_poll,
)
from shequ.registry.tests import factories as registry
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


def away(world: World) -> Any:
    return world.regions[AWAY]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def send(client: Any, url: str, body: Any = None, method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def later(days: int = 2) -> str:
    return (calendar.localtime() + timedelta(days=days)).isoformat()


# --- Bodies and members -----------------------------------------------------------------------------


def test_create_and_update_a_body(world: World) -> None:
    client = client_for(staff(world))
    made = send(
        client,
        f"{API}/bodies",
        {
            "community_code": HOME["community"],
            "kind": "residents_council",
            "name": "东苑居民议事会",
            "constituted_on": "2025-01-01",
            "rules": "每月一次。",
        },
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["community_code"] == HOME["community"] and body["members"] == []
    changed = send(
        client,
        f"{API}/bodies/{body['id']}",
        {"name": "东苑议事会", "dissolved_on": "2025-06-30"},
        method="patch",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "东苑议事会"
    assert changed.json()["dissolved_on"] == "2025-06-30"
    assert changed.json()["kind"] == "residents_council"  # not sent, kept
    cleared = send(client, f"{API}/bodies/{body['id']}", {"dissolved_on": None}, method="patch")
    assert cleared.json()["dissolved_on"] is None


def test_add_members_and_end_a_tenure(world: World) -> None:
    client = client_for(staff(world))
    body = make_body(home(world), by=staff(world), members=0)
    person = registry.resident(home(world), "王议事")
    url = f"{API}/bodies/{body.pk}/members"
    resident = send(
        client, url, {"resident_id": person.pk, "role": "chair", "start_on": "2025-02-01"}
    )
    assert resident.status_code == 201, resident.json()
    assert resident.json()["name"] == "王议事" and resident.json()["role"] == "chair"
    outside = send(
        client, url, {"name": "李代表", "affiliation": "驻区供电所", "start_on": "2025-02-01"}
    )
    assert outside.status_code == 201 and outside.json()["affiliation"] == "驻区供电所"
    again = send(client, url, {"resident_id": person.pk, "start_on": "2025-02-01"})
    assert again.status_code == 422 and fields(again) == ["resident_id"]
    member_id = resident.json()["id"]
    ended = send(client, f"{API}/body-members/{member_id}/end", {"end_on": "2025-05-01"})
    assert ended.status_code == 200 and ended.json()["end_on"] == "2025-05-01"
    twice = send(client, f"{API}/body-members/{member_id}/end")
    assert twice.status_code == 422 and "已经结束" in twice.json()["message"]
    detail = client.get(f"{API}/bodies/{body.pk}").json()
    assert {m["name"] for m in detail["members"]} == {"王议事", "李代表"}


# --- Meetings ---------------------------------------------------------------------------------------


def test_a_meeting_from_scheduling_to_published_minutes(world: World) -> None:
    client = client_for(staff(world))
    body = make_body(home(world), by=staff(world), members=1)
    topic = deliberating(home(world), staff(world))
    guest = registry.resident(home(world), "赵来宾")
    made = send(
        client,
        f"{API}/meetings",
        {
            "community_code": HOME["community"],
            "kind": "monthly_talk",
            "title": "十一月民生月谈",
            "starts_at": "2030-11-05T09:30:00",
            "place": "社区会议室",
            "body_id": body.pk,
        },
    )
    assert made.status_code == 201, made.json()
    meeting = made.json()
    assert meeting["status"] == "scheduled" and meeting["body_id"] == body.pk
    starts = calendar.localtime(Meeting.objects.get(pk=meeting["id"]).starts_at)
    assert (starts.date(), starts.hour, starts.minute) == (date(2030, 11, 5), 9, 30)  # local time
    base = f"{API}/meetings/{meeting['id']}"
    item = send(client, f"{base}/agenda", {"topic_id": topic.pk})
    assert item.status_code == 201 and item.json() == {
        "position": 1,
        "title": topic.title,
        "topic_id": topic.pk,
    }
    assert send(client, f"{base}/agenda", {"title": "其他事项"}).json()["position"] == 2
    invited = send(client, f"{base}/invitations", {"members": True, "resident_ids": [guest.pk]})
    assert invited.status_code == 200 and invited.json()["invited"] == 2
    assert Invitation.objects.filter(meeting_id=meeting["id"]).count() == 2
    opened = send(client, f"{base}/transitions", {"transition": "open"})
    assert opened.status_code == 200 and opened.json()["status"] == "in_session"
    signed = send(client, f"{base}/sign-for", {"resident_id": guest.pk})
    assert signed.status_code == 200 and signed.json()["attendee_count"] == 1
    row = Attendance.objects.get(meeting_id=meeting["id"])
    assert row.channel == AttendanceChannel.STAFF and row.signed_by == staff(world)
    decided = send(client, f"{base}/decisions", {"topic_id": topic.pk, "text": "同意加装电梯。"})
    assert decided.status_code == 201 and decided.json()["topic_id"] == topic.pk
    topic.refresh_from_db()
    assert topic.state.stage == TopicStage.DECIDED
    closed = send(client, f"{base}/transitions", {"transition": "close", "organisations": "物业"})
    assert closed.status_code == 200 and closed.json()["attendee_count"] == 1
    published = send(client, f"{base}/minutes", {"minutes": "会议同意加装电梯。", "publish": True})
    assert published.status_code == 200, published.json()
    assert published.json()["minutes_published"] is True
    assert len(published.json()["decisions"]) == 1


def test_update_a_meeting_with_the_version_read(world: World) -> None:
    client = client_for(staff(world))
    meeting = make_meeting(home(world), by=staff(world))
    url = f"{API}/meetings/{meeting.pk}"
    changed = send(client, url, {"version": meeting.version, "place": "村委会二楼"}, method="patch")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["place"] == "村委会二楼"
    assert changed.json()["title"] == meeting.title  # not sent, kept
    assert changed.json()["version"] == meeting.version + 1


def test_a_stale_version_is_a_conflict(world: World) -> None:
    client = client_for(staff(world))
    meeting = make_meeting(home(world), by=staff(world))
    url = f"{API}/meetings/{meeting.pk}"
    first = send(client, url, {"version": meeting.version, "title": "甲"}, method="patch")
    assert first.status_code == 200
    stale = send(client, url, {"version": meeting.version, "title": "乙"}, method="patch")
    assert stale.status_code == 409 and fields(stale) == ["version"]
    assert Meeting.objects.get(pk=meeting.pk).title == "甲"


def test_a_meeting_in_the_wrong_state_is_refused(world: World) -> None:
    client = client_for(staff(world))
    scheduled = make_meeting(home(world), by=staff(world))
    person = registry.resident(home(world), "钱居民")
    early = send(client, f"{API}/meetings/{scheduled.pk}/sign-for", {"resident_id": person.pk})
    assert early.status_code == 422 and "还没有开始" in early.json()["message"]
    minutes = send(client, f"{API}/meetings/{scheduled.pk}/minutes", {"minutes": "纪要"})
    assert minutes.status_code == 422
    running = in_session(home(world), by=staff(world))
    cancel = send(client, f"{API}/meetings/{running.pk}/transitions", {"transition": "cancel"})
    assert cancel.status_code == 422 and Meeting.objects.get(pk=running.pk).status == "in_session"
    edit = send(
        client,
        f"{API}/meetings/{running.pk}",
        {"version": running.version, "title": "改名"},
        method="patch",
    )
    assert edit.status_code == 422 and "已开始" in edit.json()["message"]
    publish = send(
        client, f"{API}/meetings/{running.pk}/minutes", {"minutes": "纪要", "publish": True}
    )
    assert publish.status_code == 422 and fields(publish) == ["minutes"]


def test_signing_a_resident_in_twice_is_refused(world: World) -> None:
    client = client_for(staff(world))
    meeting = in_session(home(world), by=staff(world))
    person = registry.resident(home(world), "孙居民")
    url = f"{API}/meetings/{meeting.pk}/sign-for"
    assert send(client, url, {"resident_id": person.pk}).status_code == 200
    twice = send(client, url, {"resident_id": person.pk})
    assert twice.status_code == 422 and fields(twice) == ["resident_id"]
    assert Attendance.objects.filter(meeting=meeting).count() == 1


# --- Polls ------------------------------------------------------------------------------------------


def test_a_poll_with_in_person_ballots(world: World) -> None:
    client = client_for(staff(world))
    meeting = in_session(home(world), by=staff(world))
    made = send(
        client,
        f"{API}/polls",
        {"meeting_id": meeting.pk, "question": "是否同意改造", "options": ["同意", "不同意"]},
    )
    assert made.status_code == 201, made.json()
    poll = made.json()
    assert poll["status"] == "draft" and poll["community_code"] == HOME["community"]
    assert poll["meeting_id"] == meeting.pk
    base = f"{API}/polls/{poll['id']}"
    person = registry.resident(home(world), "周居民")
    yes = poll["options"][0]["id"]
    draft = send(client, f"{base}/ballots", {"resident_id": person.pk, "option_id": yes})
    assert draft.status_code == 422 and "还没有开始" in draft.json()["message"]
    no_deadline = send(client, f"{base}/transitions", {"transition": "open"})
    assert no_deadline.status_code == 422 and fields(no_deadline) == ["closes_at"]
    opened = send(client, f"{base}/transitions", {"transition": "open", "closes_at": later()})
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    cast = send(client, f"{base}/ballots", {"resident_id": person.pk, "option_id": yes})
    assert cast.status_code == 200 and cast.json()["ballots"] == 1
    assert cast.json()["options"][0]["votes"] is None  # results only once closed
    assert Ballot.objects.get(poll_id=poll["id"]).channel == BallotChannel.IN_PERSON
    twice = send(client, f"{base}/ballots", {"resident_id": person.pk, "option_id": yes})
    assert twice.status_code == 422 and fields(twice) == ["option_id"]
    closed = send(client, f"{base}/transitions", {"transition": "close"})
    assert closed.status_code == 200 and closed.json()["closed"] is True
    assert closed.json()["options"][0]["votes"] == 1


# --- Refusals ---------------------------------------------------------------------------------------


def test_writes_need_the_meetings_permission(world: World) -> None:
    body = make_body(home(world), by=staff(world))
    meeting = make_meeting(home(world), by=staff(world), body=body)
    poll = make_poll(home(world), by=staff(world))
    member = BodyMember.objects.get(body=body)
    writes = [
        ("post", f"{API}/bodies", {"community_code": HOME["community"], "name": "甲"}),
        ("patch", f"{API}/bodies/{body.pk}", {"name": "乙"}),
        ("post", f"{API}/bodies/{body.pk}/members", {"name": "丙", "affiliation": "单位"}),
        ("post", f"{API}/body-members/{member.pk}/end", {}),
        ("post", f"{API}/meetings", {"community_code": HOME["community"], "title": "丁"}),
        ("patch", f"{API}/meetings/{meeting.pk}", {"version": meeting.version, "title": "戊"}),
        ("post", f"{API}/meetings/{meeting.pk}/agenda", {"title": "己"}),
        ("post", f"{API}/meetings/{meeting.pk}/invitations", {"members": True}),
        ("post", f"{API}/meetings/{meeting.pk}/transitions", {"transition": "cancel"}),
        ("post", f"{API}/meetings/{meeting.pk}/sign-for", {"resident_id": 1}),
        ("post", f"{API}/meetings/{meeting.pk}/minutes", {"minutes": "庚"}),
        ("post", f"{API}/meetings/{meeting.pk}/decisions", {"text": "辛"}),
        ("post", f"{API}/polls", {"community_code": HOME["community"], "question": "壬"}),
        ("post", f"{API}/polls/{poll.pk}/transitions", {"transition": "close"}),
        ("post", f"{API}/polls/{poll.pk}/ballots", {"resident_id": 1, "option_id": 1}),
    ]
    # A grid worker reads meetings but does not manage them; a county official oversees only.
    for role in ("grid_worker", "county_official"):
        client = client_for(world.users[role])
        for method, url, body_in in writes:
            answer = send(client, url, body_in, method=method)
            assert answer.status_code == 403, (role, url, answer.json())
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"
    assert not Invitation.objects.exists()


def test_another_countys_objects_are_not_found(world: World) -> None:
    body = make_body(away(world), by=world.outsider)
    meeting = make_meeting(away(world), by=world.outsider, body=body)
    poll = make_poll(away(world), by=world.outsider)
    member = BodyMember.objects.get(body=body)
    person = registry.resident(away(world), "外县居民")
    client = client_for(staff(world))
    writes = [
        ("patch", f"{API}/bodies/{body.pk}", {"name": "乙"}, "body_id"),
        ("post", f"{API}/bodies/{body.pk}/members", {"name": "丙"}, "body_id"),
        ("post", f"{API}/body-members/{member.pk}/end", {}, "body_member_id"),
        ("patch", f"{API}/meetings/{meeting.pk}", {"version": meeting.version}, "meeting_id"),
        ("post", f"{API}/meetings/{meeting.pk}/agenda", {"title": "己"}, "meeting_id"),
        ("post", f"{API}/meetings/{meeting.pk}/invitations", {"members": True}, "meeting_id"),
        (
            "post",
            f"{API}/meetings/{meeting.pk}/transitions",
            {"transition": "cancel"},
            "meeting_id",
        ),
        ("post", f"{API}/meetings/{meeting.pk}/sign-for", {"resident_id": person.pk}, "meeting_id"),
        ("post", f"{API}/meetings/{meeting.pk}/minutes", {"minutes": "庚"}, "meeting_id"),
        ("post", f"{API}/meetings/{meeting.pk}/decisions", {"text": "辛"}, "meeting_id"),
        ("post", f"{API}/polls/{poll.pk}/transitions", {"transition": "close"}, "poll_id"),
        ("post", f"{API}/polls/{poll.pk}/ballots", {"resident_id": 1, "option_id": 1}, "poll_id"),
    ]
    for method, url, body_in, field in writes:
        answer = send(client, url, body_in, method=method)
        assert answer.status_code == 404, (url, answer.json())
        assert fields(answer) == [field], url
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"
    assert BodyMember.objects.get(pk=member.pk).end_on is None


def test_body_fields_pointing_at_another_county_are_not_found(world: World) -> None:
    client = client_for(staff(world))
    away_body = make_body(away(world), by=world.outsider, members=0)
    away_meeting = make_meeting(away(world), by=world.outsider)
    away_topic = deliberating(away(world), world.outsider)
    away_person = registry.resident(away(world), "外县居民")
    body = make_body(home(world), by=staff(world), members=0)
    meeting = in_session(home(world), by=staff(world))
    poll = make_poll(home(world), by=staff(world))
    option = poll.options.first()
    assert option is not None
    cases = [
        (f"{API}/bodies", {"community_code": AWAY, "name": "甲"}, "community_code"),
        (f"{API}/meetings", {"community_code": AWAY, "title": "乙"}, "community_code"),
        (
            f"{API}/meetings",
            {"community_code": HOME["community"], "body_id": away_body.pk},
            "body_id",
        ),
        (f"{API}/bodies/{body.pk}/members", {"resident_id": away_person.pk}, "resident_id"),
        (f"{API}/meetings/{meeting.pk}/agenda", {"topic_id": away_topic.pk}, "topic_id"),
        (
            f"{API}/meetings/{meeting.pk}/invitations",
            {"resident_ids": [away_person.pk]},
            "resident_ids",
        ),
        (f"{API}/meetings/{meeting.pk}/sign-for", {"resident_id": away_person.pk}, "resident_id"),
        (
            f"{API}/meetings/{meeting.pk}/decisions",
            {"topic_id": away_topic.pk, "text": "丙"},
            "topic_id",
        ),
        (f"{API}/polls", {"meeting_id": away_meeting.pk, "question": "丁"}, "meeting_id"),
        (f"{API}/polls", {"topic_id": away_topic.pk, "question": "戊"}, "topic_id"),
        (
            f"{API}/polls/{poll.pk}/ballots",
            {"resident_id": away_person.pk, "option_id": option.pk},
            "resident_id",
        ),
    ]
    for url, body_in, field in cases:
        answer = send(client, url, body_in)
        assert answer.status_code == 404, (url, answer.json())
        assert fields(answer) == [field], url
    assert not Attendance.objects.exists() and not Ballot.objects.exists()


def test_bad_input_is_refused_naming_the_field(world: World) -> None:
    client = client_for(staff(world))
    body = make_body(home(world), by=staff(world), members=0)
    meeting = make_meeting(home(world), by=staff(world))
    poll = make_poll(home(world), by=staff(world))
    today = calendar.localdate()
    cases = [
        (
            "post",
            f"{API}/bodies",
            {"community_code": HOME["community"], "kind": "residents_council", "name": ""},
            {"name", "constituted_on"},
        ),
        (
            "patch",
            f"{API}/bodies/{body.pk}",
            {"constituted_on": (today + timedelta(days=1)).isoformat()},
            {"constituted_on"},
        ),
        (
            "post",
            f"{API}/bodies/{body.pk}/members",
            {"name": "乙", "start_on": date(2025, 1, 1).isoformat()},
            {"affiliation"},
        ),
        (
            "post",
            f"{API}/meetings",
            {"community_code": HOME["community"], "kind": "bogus", "title": "丙"},
            {"kind", "place", "starts_at"},
        ),
        ("patch", f"{API}/meetings/{meeting.pk}", {"title": "丁"}, {"version"}),
        ("post", f"{API}/meetings/{meeting.pk}/agenda", {"title": " "}, {"title"}),
        ("post", f"{API}/meetings/{meeting.pk}/invitations", {}, {"resident_ids"}),
        ("post", f"{API}/meetings/{meeting.pk}/transitions", {"transition": "x"}, {"transition"}),
        ("post", f"{API}/polls", {"community_code": HOME["community"]}, {"question", "options"}),
        ("post", f"{API}/polls", {"question": "戊", "options": ["甲", "乙"]}, {"community_code"}),
        (
            "post",
            f"{API}/polls/{poll.pk}/transitions",
            {"transition": "reopen"},
            {"transition"},
        ),
        (
            "post",
            f"{API}/polls/{poll.pk}/ballots",
            {"resident_id": registry.resident(home(world), "吴居民").pk, "option_id": 0},
            {"option_id"},
        ),
    ]
    for method, url, body_in, expected in cases:
        answer = send(client, url, body_in, method=method)
        assert answer.status_code == 422, (url, body_in, answer.json())
        assert set(fields(answer)) == expected, (url, answer.json())
    assert not BodyMember.objects.exists() and not Ballot.objects.exists()
