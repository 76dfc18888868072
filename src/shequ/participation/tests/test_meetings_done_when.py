"""Issue #9's "done when", the meetings part, on the real demo: a monthly talk (民生月谈) is
scheduled in the home community with the streetlight topic on its agenda, residents sign in (the demo
resident on their phone, one resident without a phone by staff), the talk decides the topic (now
decided), a poll is held and its result shown after closing, the minutes are published, and the
coverage page counts the home community as covered. Everything goes through the pages.

Arrange: the streetlight topic is put into deliberation through the deliberation actions (the
deliberation demo does not yet make one in that state)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.actions import deliberation as topic_actions
from shequ.participation.demo_meetings import delete_demo_meetings, load_demo_meetings
from shequ.participation.models import TopicStage
from shequ.participation.models.meetings import DeliberationBody, Meeting, MeetingStatus, Poll
from shequ.participation.tests.factories_deliberation import step
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def url(name: str, **kw: Any) -> str:
    return reverse(f"participation:{name}", kwargs=kw)


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _said(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_a_monthly_talk_decides_the_streetlight_topic_and_counts_for_coverage(
    territory,  # noqa: F811
) -> None:
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not DeliberationBody.objects.filter(
        is_synthetic=True
    ).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_meetings(county=county, seed=DEFAULT_SEED, community=home, users=users)
    staff = users["community_staff"]
    body = DeliberationBody.objects.get(is_synthetic=True, community=home)
    # The demo: a body with members, a past talk with published minutes and decisions, a closed
    # poll with results, an upcoming talk; loading again adds nothing.
    assert body.members.count() >= 5
    past = Meeting.objects.get(is_synthetic=True, status=MeetingStatus.CLOSED)
    assert past.minutes_published_at is not None and past.decisions.exists()
    assert Meeting.objects.filter(is_synthetic=True, status=MeetingStatus.SCHEDULED).exists()
    demo_poll = Poll.objects.get(is_synthetic=True)
    assert demo_poll.status == "closed" and demo_poll.ballots.count() > 0
    assert load_demo_meetings(community=home, seed=DEFAULT_SEED, users=users) == {}
    assert Meeting.objects.filter(is_synthetic=True).count() == 2
    resident_view = _ok(client_for(users["resident"]).get(url("poll_page", poll_id=demo_poll.pk)))
    assert "%" in resident_view and demo_poll.question in resident_view
    topic = topic_actions.propose_staff(
        by=staff, community=home, title="幸福路路灯损坏", body="幸福路一段路灯不亮，夜间出行不便。"
    )
    topic = topic_actions.fire_step(
        topic, step(topic, TopicStage.ADMITTED).pk, by=staff, answer="同意立案。"
    )
    topic = topic_actions.fire_step(
        topic, step(topic, TopicStage.DELIBERATING).pk, by=staff, mode="meeting"
    )
    client = client_for(staff)

    # Schedule the talk and put the topic on its agenda.
    made = client.post(
        url("meeting_create"),
        {
            "community": home.pk,
            "kind": "monthly_talk",
            "title": "路灯问题民生月谈",
            "starts_at": (calendar.localtime() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "place": "社区党群服务中心会议室",
            "body": body.pk,
        },
    )
    detail_url = made["Location"]
    meeting = Meeting.objects.get(title="路灯问题民生月谈")
    page = _ok(client.get(detail_url))
    assert "幸福路路灯损坏" in page
    client.post(url("meeting_agenda", meeting_id=meeting.pk), {"topic": topic.pk})
    client.post(url("meeting_invite", meeting_id=meeting.pk), {"members": "1"})
    client.post(url("meeting_transition", meeting_id=meeting.pk), {"transition": "open"})

    # The demo resident signs in on their phone; staff sign in a neighbour without one.
    me = Resident.objects.get(account=users["resident"])
    assert me.community_id == home.pk
    phone = client_for(users["resident"])
    mine = _ok(phone.get(url("community_meetings")))
    assert "路灯问题民生月谈" in mine
    signed = phone.post(url("meeting_sign_in", meeting_id=meeting.pk), follow=True)
    assert "签到成功" in _said(signed)
    neighbour = (
        Resident.objects.filter(community=home, status=LifeStatus.ACTIVE, account__isnull=True)
        .exclude(pk=me.pk)
        .order_by("pk")
        .first()
    )
    assert neighbour is not None
    found = _ok(client.get(detail_url + "?q=" + neighbour.name))
    assert "代签到" in found
    client.post(url("meeting_sign_for", meeting_id=meeting.pk), {"resident": neighbour.pk})

    # The talk decides the topic.
    client.post(
        url("meeting_decision", meeting_id=meeting.pk),
        {"topic": topic.pk, "text": "由物业公司两周内更换幸福路损坏路灯。"},
    )
    topic.refresh_from_db()
    assert topic.state.stage == TopicStage.DECIDED

    # A poll: the resident votes online, staff record a show of hands; results after closing.
    client.post(
        url("poll_create"),
        {
            "community": home.pk,
            "meeting": meeting.pk,
            "question": "是否同意路灯更换方案",
            "options": "同意\n不同意",
        },
    )
    poll = Poll.objects.get(question="是否同意路灯更换方案")
    closes = (calendar.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        url("poll_transition", poll_id=poll.pk), {"transition": "open", "closes_at": closes}
    )
    ballot_page = _ok(phone.get(url("poll_page", poll_id=poll.pk)))
    yes = re.findall(r'name="option" value="(\d+)"', ballot_page)[0]
    phone.post(url("poll_vote", poll_id=poll.pk), {"option": yes})
    client.post(url("poll_record", poll_id=poll.pk), {"resident": neighbour.pk, "option": yes})
    waiting = _ok(phone.get(url("poll_page", poll_id=poll.pk)))
    assert "已投票" in waiting and "100%" not in waiting
    client.post(url("poll_transition", poll_id=poll.pk), {"transition": "close"})
    result = _ok(phone.get(url("poll_page", poll_id=poll.pk)))
    assert "100%" in result and "共 2 票" in result

    # Close and publish the minutes.
    client.post(url("meeting_transition", meeting_id=meeting.pk), {"transition": "close"})
    client.post(
        url("meeting_minutes", meeting_id=meeting.pk),
        {"minutes": "会议讨论了幸福路路灯损坏问题，决定由物业公司两周内更换。", "publish": "1"},
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED and meeting.attendee_count == 2
    assert meeting.minutes_published_at is not None
    public = _ok(client_for(staff).get(url("public_meetings", code=home.code)))
    assert "由物业公司两周内更换幸福路损坏路灯" in public and neighbour.name not in public

    # Indicator 5 counts the home community.
    head = client_for(users["community_head"])
    coverage = _ok(head.get(url("deliberation_coverage")))
    assert "覆盖 1 / 1" in coverage

    # Removing the demo leaves the real meeting and the body it used.
    removed = delete_demo_meetings()
    assert removed["meetings"] == 2 and removed["deliberation_bodies"] == 0
    assert Meeting.objects.filter(pk=meeting.pk).exists()
