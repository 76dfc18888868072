"""Concurrent clicks (PostgreSQL, real threads): one resident's reports sent at once land once; two
moderators deciding one hidden post at once act once; a retried post lands once."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.participation.actions import talk as actions
from shequ.participation.models import ModerationDecision, Post, Report
from shequ.participation.tests.factories_talk import neighbour, policy, post
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_reports_by_one_user_lands_once() -> None:
    postgres_only("the unique report constraint")
    world = build_world()
    community = world.regions[HOME["community"]]
    item = post(neighbour(community, "王五"))
    flooder = neighbour(community, "赵一")

    def report() -> Any:
        return actions.report_post(post=item, by=flooder, reason="广告")

    results = at_once(*([report] * 4))
    assert results.count("ok") == 1, results
    assert all("您已举报过" in r for r in results if r != "ok"), results
    item.refresh_from_db()
    assert item.report_count == 1 and Report.objects.filter(post=item).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_moderators_at_once_act_once_and_a_retried_post_lands_once() -> None:
    postgres_only("the conditional update on version")
    world = build_world()
    policy(world.regions[HOME["county"]], hide_after=1)
    community = world.regions[HOME["community"]]
    author = neighbour(community, "王五")
    item = post(author)
    actions.report_post(post=item, by=neighbour(community, "赵一"), reason="广告")
    item.refresh_from_db()
    staff, township = world.users["community_staff"], world.users["township_staff"]

    def by(user: Any, outcome: str) -> Any:
        fresh = Post.objects.get(pk=item.pk)
        return lambda: actions.decide(
            by=user, post=fresh, outcome=outcome, reason="处理", version=item.version
        )

    results = at_once(by(staff, "restore"), by(township, "remove"))
    assert results.count("ok") == 1, results
    assert ModerationDecision.objects.filter(post=item).count() == 1

    def make() -> Any:
        return actions.create_post(
            by=author, board="forum", title="同一次提交", body="内容", request_key="same"
        )

    results = at_once(make, make)
    assert results.count("ok") == 2, results
    assert Post.objects.filter(request_key="same").count() == 1
