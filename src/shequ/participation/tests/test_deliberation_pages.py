"""Deliberation topics over HTTP. Residents propose, co-sign, give opinions, review and withdraw on
their pages; staff list (scoped, bounded queries), open a topic, take steps through their forms,
save and publish answers, post progress, propose for a resident, as the committee or from a case;
managers override and edit workflows; the public page shows admitted-and-later topics only, with no
resident names; the API does the same under /api/v1/participation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import CaseKind, Channel
from shequ.core import calendar
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import CoSign, Topic, TopicStage, TopicState
from shequ.participation.tests.factories_deliberation import (
    admitted,
    cosign_up,
    deliberating,
    neighbour,
    propose,
    reviewing,
    step,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
G = TopicStage
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


# --- Residents -------------------------------------------------------------------------------------


def test_resident_proposes_and_sees_it_in_my_topics(world: World) -> None:
    _p, user = neighbour(home(world), "李居民")
    client = client_for(user)
    assert "联署" in html(client.get(url("topic_propose")))
    empty = client.post(url("topic_propose"), {"title": "", "body": ""})
    assert (empty.status_code == 200 and "请填写" in html(empty)) or "必填" in html(empty)
    scripted = client.post(url("topic_propose"), {"title": "路灯", "body": "<script>x</script>"})
    assert "网页代码" in html(scripted)
    assert not Topic.objects.exists()
    made = client.post(url("topic_propose"), {"title": "小区路灯损坏", "body": "3号楼前路灯不亮"})
    topic = Topic.objects.get()
    assert made.status_code == 302 and made["Location"] == url("topic_page", topic_id=topic.pk)
    assert "小区路灯损坏" in html(client.get(url("my_topics")))
    page = html(client.get(url("topic_page", topic_id=topic.pk)))
    assert "撤回议题" in page and "我支持" not in page


def test_cosign_through_the_page_to_the_threshold(world: World) -> None:
    topic, _author = propose(home(world))
    topic = cosign_up(topic, actions.DEFAULT_THRESHOLD - 1)
    _p, last = neighbour(home(world))
    client = client_for(last)
    assert "我支持" in html(client.get(url("topic_page", topic_id=topic.pk)))
    client.post(url("topic_cosign", topic_id=topic.pk))
    topic.refresh_from_db()
    assert topic.state.stage == G.REVIEWING_ADMISSION
    again = client.post(url("topic_cosign", topic_id=topic.pk), follow=True)
    assert "不在征集联署阶段" in html(again)
    assert CoSign.objects.filter(topic=topic).count() == actions.DEFAULT_THRESHOLD


def test_another_communitys_resident_cannot_see_or_cosign(world: World) -> None:
    topic, _author = propose(home(world))
    _p, away = neighbour(world.regions[AWAY])
    client = client_for(away)
    assert client.get(url("topic_page", topic_id=topic.pk)).status_code == 404
    assert client.post(url("topic_cosign", topic_id=topic.pk)).status_code == 404
    assert "小区路灯" not in html(client.get(url("community_topics")))


def test_withdraw_refused_after_a_cosign(world: World) -> None:
    topic, author = propose(home(world))
    cosign_up(topic, 1)
    refused = client_for(author).post(url("topic_withdraw", topic_id=topic.pk), follow=True)
    assert "不能撤回" in html(refused)
    assert Topic.objects.get(pk=topic.pk).state.stage == G.COLLECTING


def test_opinion_and_review_pages(world: World) -> None:
    online = deliberating(home(world), staff(world), mode="online")
    _p, user = neighbour(home(world), "周阿姨")
    client = client_for(user)
    assert "提交意见" in html(client.get(url("topic_page", topic_id=online.pk)))
    client.post(url("topic_opinion", topic_id=online.pk), {"body": "建议晚上施工"})
    _p, other = neighbour(home(world), "郑先生")
    page = html(client_for(other).get(url("topic_page", topic_id=online.pk)))
    assert "建议晚上施工" in page and "周阿姨" not in page and "周**" in page
    done = reviewing(home(world), staff(world))
    bad = client.post(url("topic_review", topic_id=done.pk), {"score": "9"}, follow=True)
    assert "评分" in html(bad)
    client.post(url("topic_review", topic_id=done.pk), {"score": "5", "comment": "很好"})
    again = client.post(url("topic_review", topic_id=done.pk), {"score": "4"}, follow=True)
    assert "已经评议" in html(again)
    assert "1 人评议" in html(client.get(url("topic_page", topic_id=done.pk)))


def test_staff_cannot_use_resident_pages(world: World) -> None:
    topic, _a = propose(home(world))
    assert client_for(staff(world)).post(url("topic_cosign", topic_id=topic.pk)).status_code == 403


# --- Staff -----------------------------------------------------------------------------------------


def test_list_is_scoped_and_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(8):
        actions.propose_staff(by=None, community=home(world), title=f"本社区议题{n}", body="内容")
    actions.propose_staff(by=None, community=world.regions[AWAY], title="外县议题", body="内容")
    client = client_for(staff(world))
    client.get(url("topic_list"))
    with django_assert_max_num_queries(14):
        body = html(client.get(url("topic_list")))
    assert "本社区议题7" in body and "外县议题" not in body
    filtered = html(client.get(url("topic_list") + "?stage=collecting"))
    assert "本社区议题1" not in filtered
    away = Topic.objects.get(title="外县议题")
    assert client.get(url("topic_detail", topic_id=away.pk)).status_code == 404


def test_staff_admit_deliberate_decide_implement_review_through_pages(world: World) -> None:
    by = staff(world)
    topic = actions.propose_staff(by=by, community=home(world), title="加装电梯", body="内容")
    client = client_for(by)
    detail = html(client.get(url("topic_detail", topic_id=topic.pk)))
    admit = step(topic, G.ADMITTED)
    assert "立案" in detail and url("topic_step", topic_id=topic.pk, step_id=admit.pk) in detail
    missing = client.post(url("topic_step", topic_id=topic.pk, step_id=admit.pk), {"answer": ""})
    assert missing.status_code == 200 and Topic.objects.get(pk=topic.pk).state_id == topic.state_id
    client.post(url("topic_step", topic_id=topic.pk, step_id=admit.pk), {"answer": "同意立案"})
    topic.refresh_from_db()
    assert topic.state.stage == G.ADMITTED
    # A second click on the stale form changes nothing.
    stale = client.post(
        url("topic_step", topic_id=topic.pk, step_id=admit.pk), {"answer": "x"}, follow=True
    )
    assert "议题状态已变化" in html(stale)
    client.post(url("topic_answer", topic_id=topic.pk), {"do": "publish"})
    topic.refresh_from_db()
    assert topic.answer_published_at is not None
    go = step(topic, G.DELIBERATING)
    client.post(url("topic_step", topic_id=topic.pk, step_id=go.pk), {"mode": "meeting"})
    topic.refresh_from_db()
    decide = step(topic, G.DECIDED)
    client.post(url("topic_step", topic_id=topic.pk, step_id=decide.pk), {"decision": "维修"})
    topic.refresh_from_db()
    implement = step(topic, G.IMPLEMENTING)
    day = (calendar.localdate() + timedelta(days=5)).isoformat()
    client.post(
        url("topic_step", topic_id=topic.pk, step_id=implement.pk),
        {"responsible_party": "物业", "implementation_deadline": day},
    )
    topic.refresh_from_db()
    assert topic.state.stage == G.IMPLEMENTING
    bad = client.post(
        url("topic_progress", topic_id=topic.pk), {"body": "", "percent": "300"}, follow=True
    )
    assert "alert" in html(bad)
    client.post(url("topic_progress", topic_id=topic.pk), {"body": "已采购灯具", "percent": "50"})
    assert "已采购灯具" in html(client.get(url("topic_detail", topic_id=topic.pk)))
    finish = step(topic, G.REVIEWING)
    client.post(
        url("topic_step", topic_id=topic.pk, step_id=finish.pk),
        {"note": "已完成", "review_deadline": day},
    )
    topic.refresh_from_db()
    assert topic.state.stage == G.REVIEWING


def test_steps_and_answers_need_topics_permission(world: World) -> None:
    topic = actions.propose_staff(by=None, community=home(world), title="议题", body="内容")
    admit = step(topic, G.ADMITTED)
    worker = client_for(world.users["grid_worker"])
    assert worker.get(url("topic_step", topic_id=topic.pk, step_id=admit.pk)).status_code == 403
    outsider = client_for(world.outsider)
    assert (
        outsider.post(
            url("topic_step", topic_id=topic.pk, step_id=admit.pk), {"answer": "x"}
        ).status_code
        == 404
    )
    assert outsider.post(url("topic_answer", topic_id=topic.pk), {"answer": "x"}).status_code == 404


def test_override_by_the_head(world: World) -> None:
    topic = admitted(home(world), staff(world))
    archived = TopicState.objects.get(workflow=topic.workflow, stage=G.ARCHIVED)
    assert (
        client_for(staff(world))
        .post(url("topic_override", topic_id=topic.pk), {"state": archived.pk, "note": "重复"})
        .status_code
        == 403
    )
    head = client_for(world.users["community_head"])
    head.post(url("topic_override", topic_id=topic.pk), {"state": archived.pk, "note": ""})
    assert Topic.objects.get(pk=topic.pk).state.stage == G.ADMITTED
    head.post(url("topic_override", topic_id=topic.pk), {"state": archived.pk, "note": "重复"})
    assert Topic.objects.get(pk=topic.pk).state.stage == G.ARCHIVED


def test_grid_worker_proposes_for_a_resident_and_from_a_case(world: World) -> None:
    from shequ.registry.tests import factories as registry

    grid = world.grids[HOME["grid"]]
    person = registry.resident(home(world), "孙大爷", grid=grid)
    client = client_for(world.users["grid_worker"])
    found = html(client.get(url("topic_propose_staff") + "?q=孙大爷"))
    assert f"?resident={person.pk}" in found
    made = client.post(
        url("topic_propose_staff") + f"?resident={person.pk}",
        {"on_behalf": "resident", "resident": person.pk, "title": "修路", "body": "路面坏了"},
    )
    assert made.status_code == 302
    topic = Topic.objects.get(title="修路")
    assert topic.proposer_id == person.pk and topic.origin == "grid_worker"
    case = submit_case(
        Intake(
            channel=Channel.WINDOW,
            kind=CaseKind.SUGGESTION,
            category="environment",
            title="建议增设停车位",
            description="小区停车难",
            region=home(world),
            requester_name="张三",
            requester_phone="13912345678",
        ),
        by=staff(world),
    )
    desk = client_for(staff(world))
    assert "转为议题" in html(desk.get(reverse("cases:case", kwargs={"case_id": case.pk})))
    form = html(desk.get(url("topic_propose_staff") + f"?case={case.number}"))
    assert "建议增设停车位" in form
    desk.post(
        url("topic_propose_staff") + f"?case={case.number}",
        {
            "on_behalf": "committee",
            "community": home(world).pk,
            "title": "增设停车位",
            "body": "小区停车难",
            "case": case.number,
        },
    )
    linked = Topic.objects.get(title="增设停车位")
    assert linked.case_id == case.pk and linked.origin == "case"
    assert client_for(world.outsider).get(
        url("topic_propose_staff") + f"?case={case.number}"
    ).status_code in (403, 404)


def test_workflow_pages(world: World) -> None:
    head = client_for(world.users["community_head"])
    assert client_for(staff(world)).get(url("workflow_list")).status_code == 403
    made = head.post(url("workflow_list"), {"community": home(world).pk})
    assert made.status_code == 302
    workflow = actions.community_workflow(home(world))
    assert workflow.community_id == home(world).pk
    page = html(head.get(url("workflow_edit", workflow_id=workflow.pk)))
    assert "征集联署" in page
    saved = head.post(
        url("workflow_edit", workflow_id=workflow.pk),
        {"do": "save", "name": "新流程", "cosign_threshold": "3", "cosign_days": "15"},
        follow=True,
    )
    # Every checkbox off: no initial state, so the save is refused and says why.
    assert "初始状态" in html(saved)
    assert actions.community_workflow(home(world)).cosign_threshold == actions.DEFAULT_THRESHOLD
    assert client_for(world.outsider).get(
        url("workflow_edit", workflow_id=workflow.pk)
    ).status_code in (403, 404)


# --- Public and API -------------------------------------------------------------------------------


def test_public_page_shows_admitted_topics_without_names(world: World) -> None:
    _p, user = neighbour(home(world), "吴先生")
    actions.propose(by=user, title="仍在联署的议题", body="内容")
    shown = admitted(home(world), staff(world), title="已立案的议题")
    actions.publish_answer(shown, by=staff(world))
    body = html(client_for_anonymous().get(url("public_topics", code=home(world).code)))
    assert "已立案的议题" in body and "同意立案" in body
    assert "仍在联署的议题" not in body and "吴先生" not in body
    assert client_for_anonymous().get(url("public_topics", code="000")).status_code == 404


def client_for_anonymous() -> Any:
    from django.test import Client

    return Client()


def test_api_list_detail_and_resident_actions(world: World) -> None:
    topic, _a = propose(home(world))
    actions.propose_staff(by=None, community=world.regions[AWAY], title="外县", body="内容")
    api = client_for(staff(world))
    listed = api.get("/api/v1/participation/topics").json()
    assert [t["title"] for t in listed["results"]] == ["小区路灯损坏"]
    assert api.get("/api/v1/participation/topics?stage=bogus").status_code == 422
    away = Topic.objects.get(title="外县")
    assert api.get(f"/api/v1/participation/topics/{away.pk}").status_code == 404
    _p, fan = neighbour(home(world))
    done = client_for(fan).post(f"/api/v1/participation/topics/{topic.pk}/cosign")
    assert done.status_code == 200 and done.json()["cosign_count"] == 1
    again = client_for(fan).post(f"/api/v1/participation/topics/{topic.pk}/cosign")
    assert again.status_code == 422 and "已经联署" in again.json()["message"]
    _p, other = neighbour(world.regions[AWAY])
    assert (
        client_for(other).post(f"/api/v1/participation/topics/{topic.pk}/cosign").status_code == 404
    )
    made = client_for(fan).post(
        "/api/v1/participation/me/topics",
        {"title": "新议题", "body": "<b>x</b>"},
        content_type="application/json",
    )
    assert made.status_code == 422
    step_in = {"step_id": step(admitted(home(world), staff(world)), G.DELIBERATING).pk}
    assert (
        api.post(
            f"/api/v1/participation/topics/{topic.pk}/steps",
            step_in,
            content_type="application/json",
        ).status_code
        == 422
    )
