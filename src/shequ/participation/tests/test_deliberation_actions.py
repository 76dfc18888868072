"""Deliberation topics through the actions: the default workflow, proposing, co-signing to the
threshold, every step's requirements, record_decision for meetings, withdraw, review, override, the
workflow editor's refusals, the nightly sweep and the concurrency rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.core import calendar
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import (
    CoSign,
    DeliberationMode,
    ModerationPolicy,
    Topic,
    TopicReview,
    TopicStage,
    TopicState,
    TopicTransition,
    TopicWorkflow,
)
from shequ.participation.queries.deliberation import topics_for_agenda
from shequ.participation.tests.factories_deliberation import (
    admitted,
    cosign_up,
    deliberating,
    neighbour,
    propose,
    reviewing,
    step,
)
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, World, build_world

G = TopicStage
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


pytestmark = pytest.mark.django_db


def test_default_workflow_is_created_once_with_every_stage() -> None:
    first = actions.default_workflow()
    again = actions.default_workflow()
    assert first.pk == again.pk
    assert TopicWorkflow.objects.filter(community__isnull=True).count() == 1
    actions.validate_workflow(first)
    assert set(TopicState.objects.filter(workflow=first).values_list("stage", flat=True)) >= set(
        actions.REQUIRED_STAGES
    )


def test_resident_topic_collects_then_threshold_moves_it_to_review(world: World) -> None:
    topic, _author = propose(home(world))
    assert topic.state.stage == G.COLLECTING
    assert topic.cosign_threshold == actions.DEFAULT_THRESHOLD
    assert topic.cosign_deadline == calendar.localdate() + timedelta(days=actions.DEFAULT_DAYS)
    topic = cosign_up(topic, actions.DEFAULT_THRESHOLD - 1)
    assert topic.state.stage == G.COLLECTING
    topic = cosign_up(topic, 1)
    topic.refresh_from_db()
    assert topic.state.stage == G.REVIEWING_ADMISSION
    assert topic.cosign_count == actions.DEFAULT_THRESHOLD
    assert TopicTransition.objects.filter(topic=topic, by__isnull=True).count() == 1


def test_cosign_refusals(world: World) -> None:
    topic, author = propose(home(world))
    with pytest.raises(ValidationError, match="提出人"):
        actions.cosign(topic, by=author)
    _p, other = neighbour(world.regions[AWAY])
    with pytest.raises(PermissionDenied, match="居民才能参与"):
        actions.cosign(topic, by=other)
    with pytest.raises(PermissionDenied):
        actions.cosign(topic, by=staff(world))
    _p, fan = neighbour(home(world))
    actions.cosign(topic, by=fan)
    with pytest.raises(ValidationError, match="已经联署"):
        actions.cosign(topic, by=fan)
    assert CoSign.objects.filter(topic=topic).count() == 1
    Topic.objects.filter(pk=topic.pk).update(cosign_deadline=calendar.localdate() - timedelta(1))
    _p, late = neighbour(home(world))
    with pytest.raises(ValidationError, match="联署已于"):
        actions.cosign(topic, by=late)


def test_withdraw_only_without_cosigns(world: World) -> None:
    topic, author = propose(home(world))
    _p, fan = neighbour(home(world))
    with pytest.raises(PermissionDenied):
        actions.withdraw(topic, by=fan)
    actions.cosign(topic, by=fan)
    with pytest.raises(ValidationError, match="不能撤回"):
        actions.withdraw(topic, by=author)
    fresh, author2 = propose(home(world), title="另一个议题")
    fresh = actions.withdraw(fresh, by=author2)
    assert fresh.state.stage == G.WITHDRAWN


def test_steps_require_their_fields_and_staff_over_the_community(world: World) -> None:
    by = staff(world)
    topic = actions.propose_staff(by=by, community=home(world), title="加装电梯", body="内容")
    assert topic.state.stage == G.REVIEWING_ADMISSION and topic.origin == "committee"
    admit = step(topic, G.ADMITTED)
    with pytest.raises(ValidationError) as missing:
        actions.fire_step(topic, admit.pk, by=by)
    assert "answer" in missing.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.fire_step(topic, admit.pk, by=world.outsider, answer="同意")
    with pytest.raises(PermissionDenied):
        actions.fire_step(topic, admit.pk, by=world.users["grid_worker"], answer="同意")
    topic = actions.fire_step(topic, admit.pk, by=by, answer="同意立案")
    assert topic.number and topic.number.startswith("YT")
    assert topic.answer_published_at is None
    go = step(topic, G.DELIBERATING)
    with pytest.raises(ValidationError) as no_deadline:
        actions.fire_step(topic, go.pk, by=by, mode=DeliberationMode.ONLINE)
    assert "consultation_deadline" in no_deadline.value.message_dict
    with pytest.raises(ValidationError):
        actions.fire_step(topic, go.pk, by=by, mode="nonsense")
    # A stale step (from another state) is refused.
    with pytest.raises(ValidationError, match="议题状态已变化"):
        actions.fire_step(topic, admit.pk, by=by, answer="再次")


def test_refuse_publishes_the_reason(world: World) -> None:
    by = staff(world)
    topic = actions.propose_staff(by=by, community=home(world), title="议题", body="内容")
    with pytest.raises(ValidationError):
        actions.fire_step(topic, step(topic, G.REFUSED).pk, by=by, answer="")
    topic = actions.fire_step(topic, step(topic, G.REFUSED).pk, by=by, answer="不属于自治事项")
    assert topic.answer_published_at is not None


def test_record_decision_and_agenda(world: World) -> None:
    by = staff(world)
    topic = admitted(home(world), by)
    assert list(topics_for_agenda(home(world))) == [topic]
    with pytest.raises(ValidationError, match="不在协商中"):
        actions.record_decision(topic, by=by, text="决定")
    topic = deliberating(home(world), by)
    assert topic in topics_for_agenda(home(world))
    with pytest.raises(ValidationError):
        actions.record_decision(topic, by=by, text="  ")
    decided = actions.record_decision(topic, by=by, text="由物业维修路灯")
    assert decided.state.stage == G.DECIDED
    assert decided.decision == "由物业维修路灯" and decided.decided_at is not None
    assert decided not in topics_for_agenda(home(world))
    with pytest.raises(ValidationError):
        actions.record_decision(decided, by=by, text="再次")


def test_review_once_score_and_text_checked(world: World) -> None:
    topic = reviewing(home(world), staff(world))
    _p, user = neighbour(home(world))
    with pytest.raises(ValidationError):
        actions.review(topic, by=user, score=6)
    with pytest.raises(ValidationError):
        actions.review(topic, by=user, score="abc")
    with pytest.raises(ValidationError) as markup:
        actions.review(topic, by=user, score=4, comment="<script>alert(1)</script>")
    assert "comment" in markup.value.message_dict
    actions.review(topic, by=user, score=4, comment="修得好")
    with pytest.raises(ValidationError, match="已经评议"):
        actions.review(topic, by=user, score=5)
    assert TopicReview.objects.filter(topic=topic).count() == 1
    _p, away = neighbour(world.regions[AWAY])
    with pytest.raises(PermissionDenied):
        actions.review(topic, by=away, score=3)


def test_review_only_while_reviewing_and_opinion_only_online(world: World) -> None:
    topic = admitted(home(world), staff(world))
    _p, user = neighbour(home(world))
    with pytest.raises(ValidationError, match="评议阶段"):
        actions.review(topic, by=user, score=5)
    with pytest.raises(ValidationError):
        actions.give_opinion(topic, by=user, body="意见")
    online = deliberating(home(world), staff(world), mode=DeliberationMode.ONLINE)
    actions.give_opinion(online, by=user, body="同意")
    with pytest.raises(ValidationError) as link:
        actions.give_opinion(online, by=user, body="看这里 http://example.com")
    assert "body" in link.value.message_dict
    Topic.objects.filter(pk=online.pk).update(
        consultation_deadline=calendar.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="截止"):
        actions.give_opinion(online, by=user, body="晚了")


def test_proposal_text_is_checked(world: World) -> None:
    ModerationPolicy.objects.create(region=home(world), sensitive_words="违禁词")
    _p, user = neighbour(home(world))
    with pytest.raises(ValidationError) as bad:
        actions.propose(by=user, title="标题", body="含有违禁词的内容")
    assert "body" in bad.value.message_dict
    with pytest.raises(ValidationError) as empty:
        actions.propose(by=user, title="", body="")
    assert set(empty.value.message_dict) == {"title", "body"}
    with pytest.raises(PermissionDenied):
        actions.propose(by=staff(world), title="标题", body="内容")
    assert not Topic.objects.exists()


def test_progress_and_answer(world: World) -> None:
    by = staff(world)
    topic = admitted(home(world), by)
    with pytest.raises(ValidationError, match="落实中"):
        actions.add_progress(topic, by=by, body="进展", percent=10)
    # The admission answer is saved, not yet published.
    assert topic.answer and topic.answer_published_at is None
    topic = actions.publish_answer(topic, by=by)
    assert topic.answer_published_at is not None
    # Saving a new answer withdraws the published one until it is published again.
    topic = actions.save_answer(topic, by=by, text="新的答复")
    assert topic.answer_published_at is None
    with pytest.raises(ValidationError):
        actions.save_answer(topic, by=by, text=" ")
    topic = actions.publish_answer(topic, by=by)
    assert topic.answer_published_at is not None
    with pytest.raises(ValidationError, match="已经公开"):
        actions.publish_answer(topic, by=by)
    with pytest.raises(PermissionDenied):
        actions.save_answer(topic, by=world.outsider, text="越权")


def test_override_needs_configure_and_a_note(world: World) -> None:
    topic = admitted(home(world), staff(world))
    archived = TopicState.objects.get(workflow=topic.workflow, stage=G.ARCHIVED)
    with pytest.raises(PermissionDenied):
        actions.override_state(topic, archived.pk, by=staff(world), note="原因")
    head = world.users["community_head"]
    with pytest.raises(ValidationError):
        actions.override_state(topic, archived.pk, by=head, note="")
    topic = actions.override_state(topic, archived.pk, by=head, note="重复议题")
    assert topic.state.stage == G.ARCHIVED
    assert TopicTransition.objects.get(topic=topic, overridden=True).note == "重复议题"


def test_community_workflow_copy_edit_and_refusals(world: World) -> None:
    head = world.users["community_head"]
    with pytest.raises(PermissionDenied):
        actions.copy_workflow(community=home(world), by=staff(world))
    workflow = actions.copy_workflow(community=home(world), by=head)
    assert actions.copy_workflow(community=home(world), by=head).pk == workflow.pk
    assert actions.community_workflow(home(world)).pk == workflow.pk
    states = {s.code: s for s in TopicState.objects.filter(workflow=workflow)}
    rows = {
        s.pk: {
            "name": s.name,
            "position": s.position,
            "is_initial": s.is_initial,
            "is_public": s.is_public,
            "requires_note": s.requires_note,
        }
        for s in states.values()
    }
    rows[states["collecting"].pk]["name"] = "征集支持"
    actions.update_workflow(
        workflow=workflow, by=head, name="我的流程", cosign_threshold=2, cosign_days=10, states=rows
    )
    rows[states["collecting"].pk]["is_initial"] = False
    with pytest.raises(ValidationError, match="初始状态"):
        actions.update_workflow(
            workflow=workflow,
            by=head,
            name="我的流程",
            cosign_threshold=2,
            cosign_days=10,
            states=rows,
        )
    with pytest.raises(ValidationError):
        actions.update_workflow(
            workflow=workflow, by=head, name="", cosign_threshold=-1, cosign_days=10
        )
    topic, _a = propose(home(world))
    assert topic.cosign_threshold == 2 and topic.workflow_id == workflow.pk
    # Topics keep their workflow; the new one has the renamed state.
    assert topic.state.name == "征集支持"
    with pytest.raises(ValidationError):
        actions.add_step(
            workflow=workflow,
            by=head,
            source=states["admitted"].pk,
            target=states["admitted"].pk,
            label="x",
            actor="staff",
        )
    made = actions.add_step(
        workflow=workflow,
        by=head,
        source=states["admitted"].pk,
        target=states["decided"].pk,
        label="直接决定",
        actor="staff",
    )
    actions.remove_step(workflow=workflow, by=head, step_id=made.pk)
    TopicState.objects.filter(pk=states["expired"].pk).delete()
    with pytest.raises(ValidationError, match="缺少"):
        actions.validate_workflow(workflow)
    with pytest.raises(ValidationError, match="默认"):
        actions.add_step(
            workflow=actions.default_workflow(),
            by=head,
            source=1,
            target=2,
            label="x",
            actor="staff",
        )


def test_nightly_sweep_expires_and_archives_idempotently(world: World) -> None:
    old, _a = propose(home(world))
    Topic.objects.filter(pk=old.pk).update(cosign_deadline=calendar.localdate() - timedelta(1))
    done = reviewing(home(world), staff(world))
    Topic.objects.filter(pk=done.pk).update(review_deadline=calendar.localdate() - timedelta(1))
    fresh, _b = propose(home(world), title="新议题")
    assert actions.nightly_sweep() == {"expired": 1, "archived": 1}
    assert actions.nightly_sweep() == {"expired": 0, "archived": 0}
    assert Topic.objects.get(pk=old.pk).state.stage == G.EXPIRED
    assert Topic.objects.get(pk=done.pk).state.stage == G.ARCHIVED
    assert Topic.objects.get(pk=fresh.pk).state.stage == G.COLLECTING


def test_staff_propose_on_behalf_and_from_a_case(world: World) -> None:
    from shequ.registry.tests import factories as registry

    grid = world.grids[HOME["grid"]]
    person = registry.resident(home(world), "赵大爷", grid=grid)
    worker = world.users["grid_worker"]
    topic = actions.propose_staff(by=worker, resident=person, title="修路", body="路面破损")
    assert topic.origin == "grid_worker" and topic.proposer_id == person.pk
    assert topic.state.stage == G.COLLECTING
    stranger = registry.resident(world.regions[AWAY], "钱大妈")
    with pytest.raises(PermissionDenied):
        actions.propose_staff(by=worker, resident=stranger, title="修路", body="路面破损")


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_cosign_lands_once() -> None:
    postgres_only()
    world = build_world()
    topic, _author = propose(home(world))
    _p, fan = neighbour(home(world))
    results = at_once(lambda: actions.cosign(topic, by=fan), lambda: actions.cosign(topic, by=fan))
    assert sorted(r == "ok" for r in results) == [False, True]
    assert CoSign.objects.filter(topic=topic).count() == 1
    assert Topic.objects.get(pk=topic.pk).cosign_count == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_same_step_one_succeeds() -> None:
    postgres_only()
    world = build_world()
    by = staff(world)
    topic = actions.propose_staff(by=by, community=home(world), title="议题", body="内容")
    admit = step(topic, G.ADMITTED)
    results = at_once(
        lambda: actions.fire_step(Topic.objects.get(pk=topic.pk), admit.pk, by=by, answer="同意"),
        lambda: actions.fire_step(Topic.objects.get(pk=topic.pk), admit.pk, by=by, answer="同意"),
    )
    assert results.count("ok") == 1
    assert any("议题状态已变化" in r for r in results if r != "ok")
    assert TopicTransition.objects.filter(topic=topic).count() == 2
