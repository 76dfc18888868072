"""Issue #9's "done when", the deliberation part, on the real demo: the streetlight topic is one
co-sign short; the demo resident co-signs it on the resident pages, which sends it to admission
review; the community admits it, deliberates it in a meeting and the meeting's decision is recorded
(``record_decision``, as the meetings feature does); implementation progress is posted; the resident
reviews the outcome, and the topic is archived. Staff and residents act through their pages, reading
ids from the links and forms on them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.actions import deliberation as actions
from shequ.participation.demo_deliberation import STREETLIGHT_TITLE, load_demo_deliberation
from shequ.participation.models import Topic, TopicStage
from shequ.territory.models import Level, Region
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db
G = TopicStage


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def _step_url(page: str, topic_id: int, label: str) -> str:
    return _one(rf'href="(/participation/topics/{topic_id}/step/\d+/)">{re.escape(label)}<', page)


def test_the_streetlight_topic_from_cosign_to_archive(territory) -> None:  # noqa: F811
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not Topic.objects.filter(title=STREETLIGHT_TITLE).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_deliberation(county=county, seed=DEFAULT_SEED, community=home, users=users)
    resident = client_for(users["resident"])
    staff = client_for(users["community_staff"])

    # The resident finds the topic and co-signs it: the threshold is reached.
    listing = _ok(resident.get("/participation/me/topics/"))
    assert STREETLIGHT_TITLE in listing
    page_url = _one(
        r'href="(/participation/me/topics/\d+/)">' + re.escape(STREETLIGHT_TITLE), listing
    )
    topic_id = int(_one(r"/(\d+)/$", page_url))
    assert "我支持" in _ok(resident.get(page_url))
    _ok(resident.post(page_url + "cosign/", follow=True))
    topic = Topic.objects.get(pk=topic_id)
    assert (
        topic.state.stage == G.REVIEWING_ADMISSION and topic.cosign_count == topic.cosign_threshold
    )

    # The community admits it and publishes the answer.
    detail_url = f"/participation/topics/{topic_id}/"
    admit = _step_url(_ok(staff.get(detail_url)), topic_id, "立案")
    staff.post(admit, {"answer": "路灯属于小区公共设施，同意立案，提交居民议事会协商。"})
    staff.post(f"/participation/topics/{topic_id}/answer/", {"do": "publish"})
    # Deliberated in a meeting.
    go = _step_url(_ok(staff.get(detail_url)), topic_id, "开始协商")
    staff.post(go, {"mode": "meeting"})
    topic.refresh_from_db()
    assert topic.state.stage == G.DELIBERATING
    # The meeting decides (the meetings feature calls this when it records the decision).
    actions.record_decision(topic, by=users["community_staff"], text="更换三盏路灯，由物业维修。")
    # Implementation with progress.
    due = (calendar.localdate() + timedelta(days=10)).isoformat()
    implement = _step_url(_ok(staff.get(detail_url)), topic_id, "交付落实")
    staff.post(implement, {"responsible_party": "物业服务中心", "implementation_deadline": due})
    staff.post(
        f"/participation/topics/{topic_id}/progress/", {"body": "已更换两盏路灯。", "percent": "70"}
    )
    finish = _step_url(_ok(staff.get(detail_url)), topic_id, "落实完成，请居民评议")
    staff.post(finish, {"note": "三盏路灯已全部修复。", "review_deadline": due})
    topic.refresh_from_db()
    assert topic.state.stage == G.REVIEWING

    # The resident sees the decision and progress, and reviews it.
    page = _ok(resident.get(page_url))
    assert "更换三盏路灯" in page and "已更换两盏路灯" in page and "同意立案" in page
    _ok(resident.post(page_url + "review/", {"score": "5", "comment": "晚上亮堂了"}, follow=True))
    assert "1 人评议" in _ok(resident.get(page_url))

    # Archived.
    archive = _step_url(_ok(staff.get(detail_url)), topic_id, "归档")
    staff.post(archive, {})
    topic.refresh_from_db()
    assert topic.state.stage == G.ARCHIVED
    public = _ok(client_for_anonymous().get(f"/participation/public/topics/{home.code}/"))
    assert STREETLIGHT_TITLE in public and "更换三盏路灯" in public


def client_for_anonymous() -> Any:
    from django.test import Client

    return Client()
