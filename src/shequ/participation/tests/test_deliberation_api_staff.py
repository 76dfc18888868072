"""The deliberation API beyond listing and steps: staff propose (for a resident, as the committee),
save and publish answers, post progress, list the steps they may take, managers override a topic's
state and edit workflows, moderators hide and restore opinions, and residents read their topics under
``/me/topics``. Each: success, no permission → 403, another county → 404, bad input → 422 naming the
field, wrong state → 422."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import (
    DeliberationMode,
    ProgressUpdate,
    Topic,
    TopicOrigin,
    TopicStage,
    TopicState,
    TopicStep,
    TopicWorkflow,
)
from shequ.participation.tests.factories_deliberation import (
    admitted,
    deliberating,
    neighbour,
    propose,
    step,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"
G = TopicStage


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def head(world: World) -> Any:
    return world.users["community_head"]


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def put(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def implementing(community: Any, by: Any) -> Topic:
    topic = deliberating(community, by)
    topic = actions.record_decision(topic, by=by, text="维修路灯。")
    return actions.fire_step(
        topic,
        step(topic, G.IMPLEMENTING).pk,
        by=by,
        responsible_party="物业公司",
        implementation_deadline=calendar.localdate() + timedelta(days=10),
    )


def away_topic(world: World) -> Topic:
    return admitted(world.regions[AWAY], world.outsider, title="外县议题")


# --- Proposing as staff ----------------------------------------------------------------------------


def test_staff_propose_as_the_committee_once_per_request_key(world: World) -> None:
    body = {
        "title": "加装电梯",
        "body": "老旧小区加装电梯。",
        "community_code": home(world).code,
        "request_key": "k-committee-1",
    }
    made = post(client_for(staff(world)), f"{API}/topics", body)
    assert made.status_code == 201, made.content
    shown = made.json()
    assert shown["origin"] == TopicOrigin.COMMITTEE and shown["stage"] == G.REVIEWING_ADMISSION
    again = post(client_for(staff(world)), f"{API}/topics", body)
    assert again.status_code == 200 and again.json()["id"] == shown["id"]
    assert Topic.objects.count() == 1
    stolen = post(client_for(head(world)), f"{API}/topics", body)
    assert stolen.status_code == 422 and fields(stolen) == ["request_key"]


def test_staff_propose_on_behalf_of_a_resident_collects_cosigns(world: World) -> None:
    person, _user = neighbour(home(world), "钱居民")
    made = post(
        client_for(staff(world)),
        f"{API}/topics",
        {"title": "垃圾分类", "body": "增设分类垃圾桶。", "resident_id": person.pk},
    )
    assert made.status_code == 201, made.content
    assert made.json()["origin"] == TopicOrigin.GRID_WORKER
    assert made.json()["stage"] == G.COLLECTING
    assert "钱居民" not in made.content.decode()


def test_staff_propose_refusals(world: World) -> None:
    client = client_for(staff(world))
    away = post(client, f"{API}/topics", {"title": "外县", "body": "内容", "community_code": AWAY})
    assert away.status_code == 404 and fields(away) == ["community_code"]
    _p, resident_user = neighbour(home(world))
    assert (
        post(client_for(resident_user), f"{API}/topics", {"title": "x", "body": "y"}).status_code
        == 403
    )
    nowhere = post(client, f"{API}/topics", {"title": "无社区", "body": "内容"})
    assert nowhere.status_code == 422 and fields(nowhere) == ["community_code"]
    blank = post(
        client, f"{API}/topics", {"title": " ", "body": "内容", "community_code": home(world).code}
    )
    assert blank.status_code == 422 and fields(blank) == ["title"]
    unknown = post(client, f"{API}/topics", {"title": "x", "body": "y", "resident_id": 999999})
    assert unknown.status_code == 404 and fields(unknown) == ["resident_id"]
    assert not Topic.objects.exists()


# --- Steps, answer, progress, override ------------------------------------------------------------


def test_steps_list_what_the_caller_may_take_with_required_fields(world: World) -> None:
    topic = actions.propose_staff(by=staff(world), community=home(world), title="t", body="b")
    rows = client_for(staff(world)).get(f"{API}/topics/{topic.pk}/steps").json()
    by_stage = {r["target_stage"]: r["required_fields"] for r in rows}
    assert by_stage == {G.ADMITTED: ["answer"], G.REFUSED: ["answer"]}
    assert (
        client_for(world.users["township_staff"]).get(f"{API}/topics/{topic.pk}/steps").json() == []
    )
    away = away_topic(world)
    assert client_for(staff(world)).get(f"{API}/topics/{away.pk}/steps").status_code == 404


def test_save_and_publish_the_answer(world: World) -> None:
    topic = actions.propose_staff(by=staff(world), community=home(world), title="t", body="b")
    client = client_for(staff(world))
    early = post(client, f"{API}/topics/{topic.pk}/answer/publish")
    assert early.status_code == 422 and "请先填写并保存答复" in early.json()["message"]
    saved = post(client, f"{API}/topics/{topic.pk}/answer", {"answer": "将于下周答复。"})
    assert saved.status_code == 200 and saved.json()["answer"] == "将于下周答复。"
    assert saved.json()["answer_published_at"] is None
    done = post(client, f"{API}/topics/{topic.pk}/answer/publish")
    assert done.status_code == 200 and done.json()["answer_published_at"]
    twice = post(client, f"{API}/topics/{topic.pk}/answer/publish")
    assert twice.status_code == 422 and "已经公开" in twice.json()["message"]


def test_answer_refusals(world: World) -> None:
    topic = actions.propose_staff(by=staff(world), community=home(world), title="t", body="b")
    blank = post(client_for(staff(world)), f"{API}/topics/{topic.pk}/answer", {"answer": " "})
    assert blank.status_code == 422 and fields(blank) == ["answer"]
    grid = post(
        client_for(world.users["grid_worker"]), f"{API}/topics/{topic.pk}/answer", {"answer": "x"}
    )
    assert grid.status_code == 403
    away = away_topic(world)
    elsewhere = post(client_for(staff(world)), f"{API}/topics/{away.pk}/answer", {"answer": "x"})
    assert elsewhere.status_code == 404 and fields(elsewhere) == ["topic_id"]
    assert Topic.objects.get(pk=topic.pk).answer == ""


def test_progress_while_implementing_and_its_list(
    world: World, django_assert_max_num_queries: Any
) -> None:
    topic = implementing(home(world), staff(world))
    client = client_for(staff(world))
    made = post(
        client, f"{API}/topics/{topic.pk}/progress", {"body": "已采购灯具。", "percent": 30}
    )
    assert made.status_code == 201 and made.json()["percent"] == 30
    for n in range(4):
        post(client, f"{API}/topics/{topic.pk}/progress", {"body": f"进展{n}", "percent": 40 + n})
    with django_assert_max_num_queries(12):
        listed = client.get(f"{API}/topics/{topic.pk}/progress").json()
    assert listed["count"] == 5 and listed["results"][0]["body"] == "已采购灯具。"
    _p, resident = neighbour(home(world))
    assert client_for(resident).get(f"{API}/topics/{topic.pk}/progress").json()["count"] == 5
    bad = post(client, f"{API}/topics/{topic.pk}/progress", {"body": "x", "percent": 101})
    assert bad.status_code == 422 and fields(bad) == ["percent"]


def test_progress_refusals(world: World) -> None:
    topic = admitted(home(world), staff(world))
    early = post(
        client_for(staff(world)), f"{API}/topics/{topic.pk}/progress", {"body": "x", "percent": 1}
    )
    assert early.status_code == 422 and "落实中" in early.json()["message"]
    grid = post(
        client_for(world.users["grid_worker"]),
        f"{API}/topics/{topic.pk}/progress",
        {"body": "x", "percent": 1},
    )
    assert grid.status_code == 403
    away = away_topic(world)
    assert (
        post(
            client_for(staff(world)),
            f"{API}/topics/{away.pk}/progress",
            {"body": "x", "percent": 1},
        ).status_code
        == 404
    )
    assert not ProgressUpdate.objects.exists()


def test_manager_overrides_the_state(world: World) -> None:
    topic = admitted(home(world), staff(world))
    archived = TopicState.objects.get(workflow=topic.workflow, stage=G.ARCHIVED)
    done = post(
        client_for(head(world)),
        f"{API}/topics/{topic.pk}/override",
        {"state_id": archived.pk, "note": "居民撤回诉求。"},
    )
    assert done.status_code == 200 and done.json()["stage"] == G.ARCHIVED
    assert topic.transitions.filter(overridden=True).count() == 1


def test_override_refusals(world: World) -> None:
    topic = admitted(home(world), staff(world))
    client = client_for(head(world))
    archived = TopicState.objects.get(workflow=topic.workflow, stage=G.ARCHIVED)
    body = {"state_id": archived.pk, "note": "说明"}
    assert (
        post(client_for(staff(world)), f"{API}/topics/{topic.pk}/override", body).status_code == 403
    )
    bad = post(client, f"{API}/topics/{topic.pk}/override", {"state_id": 999999, "note": "说明"})
    assert bad.status_code == 422 and fields(bad) == ["state_id"]
    blank = post(client, f"{API}/topics/{topic.pk}/override", {"state_id": archived.pk, "note": ""})
    assert blank.status_code == 422 and fields(blank) == ["note"]
    away = away_topic(world)
    assert post(client, f"{API}/topics/{away.pk}/override", body).status_code == 404
    assert Topic.objects.get(pk=topic.pk).state.stage == G.ADMITTED


# --- Opinions --------------------------------------------------------------------------------------


def consulted(community: Any, by: Any, count: int = 1) -> Topic:
    topic = deliberating(community, by, mode=DeliberationMode.ONLINE)
    for n in range(count):
        _p, user = neighbour(community)
        actions.give_opinion(topic, by=user, body=f"意见{n}")
    return topic


def test_hide_and_restore_an_opinion(world: World, django_assert_max_num_queries: Any) -> None:
    topic = consulted(home(world), staff(world), count=4)
    opinion = topic.opinions.order_by("pk").first()
    assert opinion is not None
    client = client_for(staff(world))
    base = f"{API}/topics/{topic.pk}/opinions/{opinion.pk}"
    hidden = post(client, f"{base}/hide", {"reason": "人身攻击"})
    assert hidden.status_code == 200
    assert hidden.json()["is_hidden"] and hidden.json()["hidden_reason"] == "人身攻击"
    twice = post(client, f"{base}/hide", {"reason": "再次"})
    assert twice.status_code == 422 and "已经隐藏" in twice.json()["message"]
    with django_assert_max_num_queries(12):
        rows = client.get(f"{API}/topics/{topic.pk}/opinions").json()["results"]
    assert len(rows) == 4 and rows[0]["is_hidden"]
    _p, resident = neighbour(home(world))
    seen = client_for(resident).get(f"{API}/topics/{topic.pk}/opinions").json()
    assert seen["count"] == 3 and opinion.body not in [r["body"] for r in seen["results"]]
    shown = post(client, f"{base}/restore", {"reason": "核实无误"})
    assert shown.status_code == 200 and not shown.json()["is_hidden"]
    assert client_for(resident).get(f"{API}/topics/{topic.pk}/opinions").json()["count"] == 4


def test_opinion_moderation_refusals(world: World) -> None:
    topic = consulted(home(world), staff(world))
    opinion = topic.opinions.get()
    base = f"{API}/topics/{topic.pk}/opinions/{opinion.pk}"
    grid = post(client_for(world.users["grid_worker"]), f"{base}/hide", {"reason": "x"})
    assert grid.status_code == 403
    blank = post(client_for(staff(world)), f"{base}/hide", {"reason": " "})
    assert blank.status_code == 422 and fields(blank) == ["reason"]
    visible = post(client_for(staff(world)), f"{base}/restore", {"reason": "x"})
    assert visible.status_code == 422 and "没有被隐藏" in visible.json()["message"]
    elsewhere = post(client_for(world.outsider), f"{base}/hide", {"reason": "x"})
    assert elsewhere.status_code == 404 and fields(elsewhere) == ["topic_id"]
    other = away_topic(world)
    wrong = post(
        client_for(world.outsider),
        f"{API}/topics/{other.pk}/opinions/{opinion.pk}/hide",
        {"reason": "x"},
    )
    assert wrong.status_code == 404 and fields(wrong) == ["opinion_id"]
    opinion.refresh_from_db()
    assert not opinion.is_hidden


# --- Workflows -------------------------------------------------------------------------------------


def test_workflows_copy_list_and_read(world: World, django_assert_max_num_queries: Any) -> None:
    client = client_for(head(world))
    made = post(client, f"{API}/topic-workflows", {"community_code": home(world).code})
    assert made.status_code == 201, made.content
    detail = made.json()
    assert detail["community_code"] == home(world).code
    assert len(detail["states"]) == len(actions.DEFAULT_STATES)
    assert len(detail["steps"]) == len(actions.DEFAULT_STEPS)
    again = post(client, f"{API}/topic-workflows", {"community_code": home(world).code})
    assert again.status_code == 200 and again.json()["id"] == detail["id"]
    actions.copy_workflow(community=world.regions[AWAY], by=None)
    with django_assert_max_num_queries(12):
        listed = client.get(f"{API}/topic-workflows").json()
    assert [w["community_code"] for w in listed["results"]] == [home(world).code]
    assert client.get(f"{API}/topic-workflows/{detail['id']}").json()["name"] == detail["name"]


def test_workflow_refusals(world: World) -> None:
    client = client_for(head(world))
    assert (
        post(
            client_for(staff(world)), f"{API}/topic-workflows", {"community_code": home(world).code}
        ).status_code
        == 403
    )
    away = post(client, f"{API}/topic-workflows", {"community_code": AWAY})
    assert away.status_code == 404 and fields(away) == ["community_code"]
    elsewhere = actions.copy_workflow(community=world.regions[AWAY], by=None)
    assert client.get(f"{API}/topic-workflows/{elsewhere.pk}").status_code == 404
    default = actions.default_workflow()
    assert client.get(f"{API}/topic-workflows/{default.pk}").status_code == 404
    assert not TopicWorkflow.objects.filter(community=home(world)).exists()


def test_workflow_update(world: World) -> None:
    workflow = actions.copy_workflow(community=home(world), by=None)
    state = TopicState.objects.get(workflow=workflow, code="admitted")
    client = client_for(head(world))
    body = {
        "name": "本社区流程",
        "cosign_threshold": 3,
        "cosign_days": 20,
        "states": [
            {"id": state.pk, "name": "已受理", "position": state.position, "is_public": True}
        ],
    }
    done = put(client, f"{API}/topic-workflows/{workflow.pk}", body)
    assert done.status_code == 200, done.content
    assert done.json()["cosign_threshold"] == 3
    assert "已受理" in [s["name"] for s in done.json()["states"]]
    bad = put(client, f"{API}/topic-workflows/{workflow.pk}", body | {"cosign_days": 0})
    assert bad.status_code == 422 and fields(bad) == ["cosign_days"]
    foreign = TopicState.objects.filter(workflow=actions.default_workflow()).first()
    assert foreign is not None
    stray = body | {"states": [{"id": foreign.pk, "name": "x", "position": 0}]}
    wrong = put(client, f"{API}/topic-workflows/{workflow.pk}", stray)
    assert wrong.status_code == 422 and fields(wrong) == ["states"]
    assert (
        put(client_for(staff(world)), f"{API}/topic-workflows/{workflow.pk}", body).status_code
        == 403
    )
    assert TopicWorkflow.objects.get(pk=workflow.pk).cosign_days == 20


def test_workflow_steps_add_and_remove(world: World) -> None:
    workflow = actions.copy_workflow(community=home(world), by=None)
    states = {s.code: s.pk for s in TopicState.objects.filter(workflow=workflow)}
    client = client_for(head(world))
    url = f"{API}/topic-workflows/{workflow.pk}/steps"
    body = {
        "source_id": states["admitted"],
        "target_id": states["archived"],
        "label": "直接归档",
        "actor": "staff",
    }
    made = post(client, url, body)
    assert made.status_code == 201, made.content
    added = TopicStep.objects.get(workflow=workflow, label="直接归档")
    assert post(client, url, body).status_code == 422
    bad = post(client, url, body | {"actor": "nobody", "target_id": 999999})
    assert bad.status_code == 422 and set(fields(bad)) == {"actor", "target_id"}
    removed = client.delete(f"{url}/{added.pk}")
    assert removed.status_code == 200
    assert added.pk not in [s["id"] for s in removed.json()["steps"]]
    gone = client.delete(f"{url}/{added.pk}")
    assert gone.status_code == 404 and fields(gone) == ["step_id"]
    assert client_for(staff(world)).delete(f"{url}/{added.pk}").status_code == 403


# --- Residents under /me/topics --------------------------------------------------------------------


def test_resident_reads_own_and_community_topics(world: World) -> None:
    topic, author = propose(home(world))
    mine = client_for(author).get(f"{API}/me/topics/{topic.pk}")
    assert mine.status_code == 200 and mine.json()["title"] == topic.title
    listed = client_for(author).get(f"{API}/me/topics").json()
    assert [t["id"] for t in listed["results"]] == [topic.pk]
    _p, fan = neighbour(home(world))
    assert client_for(fan).get(f"{API}/me/topics/{topic.pk}").status_code == 200
    _p, stranger = neighbour(world.regions[AWAY])
    missing = client_for(stranger).get(f"{API}/me/topics/{topic.pk}")
    assert missing.status_code == 404 and fields(missing) == ["topic_id"]
    assert client_for(staff(world)).get(f"{API}/me/topics/{topic.pk}").status_code == 403


def test_resident_proposes_once_per_request_key(world: World) -> None:
    _p, user = neighbour(home(world))
    body = {"title": "小区路灯损坏", "body": "3号楼前路灯不亮。", "request_key": "k-resident-1"}
    first = post(client_for(user), f"{API}/me/topics", body)
    assert first.status_code == 201, first.content
    again = post(client_for(user), f"{API}/me/topics", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Topic.objects.count() == 1
