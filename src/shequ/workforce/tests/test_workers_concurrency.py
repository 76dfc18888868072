"""Writes that race: two clicks that change a worker's status, and two requests that give one worker
two full-time grid posts. On PostgreSQL they really run at once; on SQLite (writers serialised) the
same races are played one after the other from stale copies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shequ.workforce.actions import workers as actions
from shequ.workforce.models import CommunityWorker, WorkerPost, WorkerStatusChange
from shequ.workforce.tests.factories_workers import make_worker
from tests.concurrency import at_once
from tests.world import HOME, build_world


@pytest.mark.django_db(transaction=True)
def test_two_status_changes_at_once_record_one() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; see the stale-copy test below")
    world = build_world()
    worker = make_worker(region=world.regions[HOME["community"]])
    today = timezone.localdate()

    def change(to: str) -> Callable[[], object]:
        return lambda: actions.change_status(
            worker=CommunityWorker.objects.get(pk=worker.pk), to_status=to, effective_on=today,
            reason="并发点击", by=None, version=1,
        )  # fmt: skip

    results = at_once(change("left"), change("retired"))

    assert results.count("ok") == 1
    assert any("刚刚已被他人修改" in r for r in results)
    assert WorkerStatusChange.objects.filter(worker=worker).count() == 2  # registration + one


@pytest.mark.django_db(transaction=True)
def test_two_grid_posts_at_once_give_one() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; see the stale-copy test below")
    world = build_world()
    community = world.regions[HOME["community"]]
    worker = make_worker(region=community)

    def assign(number: str) -> Callable[[], object]:
        return lambda: actions.assign_post(
            worker=CommunityWorker.objects.get(pk=worker.pk), kind="grid_worker", community=community,
            grid=world.grids[HOME["community"] + number], started_on=date(2024, 1, 1), by=None,
        )  # fmt: skip

    results = at_once(assign("001"), assign("002"))

    assert results.count("ok") == 1
    assert any("专职网格员" in r for r in results)
    assert WorkerPost.objects.filter(worker=worker, ended_on__isnull=True).count() == 1


@pytest.mark.django_db
def test_stale_copies_are_refused() -> None:
    world = build_world()
    worker = make_worker(region=world.regions[HOME["community"]])
    first, second = (
        CommunityWorker.objects.get(pk=worker.pk),
        CommunityWorker.objects.get(pk=worker.pk),
    )
    today = timezone.localdate()

    actions.change_status(worker=first, to_status="left", effective_on=today, reason="辞职",
                          by=None, version=1)  # fmt: skip
    with pytest.raises(ValidationError, match="刚刚已被他人修改"):
        actions.change_status(worker=second, to_status="retired", effective_on=today,
                              reason="退休", by=None, version=1)  # fmt: skip

    assert CommunityWorker.objects.get(pk=worker.pk).status == "left"


@pytest.mark.django_db
def test_the_constraint_backs_the_check() -> None:
    """What the action checks first, the database refuses too (an import or a race that slipped
    past the check)."""
    world = build_world()
    community = world.regions[HOME["community"]]
    worker = make_worker(region=community)
    actions.assign_post(worker=worker, kind="grid_worker", community=community,
                        grid=world.grids[HOME["grid"]], started_on=date(2024, 1, 1), by=None)  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkerPost.objects.create(
            worker=worker, kind="grid_worker", community=community,
            grid=world.grids[HOME["community"] + "002"], started_on=date(2024, 2, 1),
        )  # fmt: skip
    assert WorkerPost.objects.filter(worker=worker).count() == 1
