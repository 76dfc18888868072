"""Double clicks on micro-renewal projects (PostgreSQL, real threads): two clerks recording spending
at once never push it past the funds received; two clicks on "start" move the project once."""

from __future__ import annotations

import pytest

from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import RenewalStatus, Spending
from shequ.participation.tests.factories_lists import give, make_renewal, spend
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world


@pytest.mark.django_db(transaction=True)
def test_two_clerks_at_once_cannot_push_spending_past_the_funds() -> None:
    postgres_only("the row lock on the project")
    world = build_world()
    renewal = make_renewal(
        world.regions[HOME["community"]], world.users["community_staff"], budget="1000"
    )
    give(renewal, world.users["community_staff"], "500")
    results = at_once(
        lambda: spend(renewal, world.users["community_staff"], "300", item="甲"),
        lambda: spend(renewal, world.users["community_staff"], "300", item="乙"),
    )
    assert sorted(r == "ok" for r in results) == [False, True], results
    assert Spending.objects.filter(project=renewal).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_start_a_project_once() -> None:
    postgres_only("the conditional update")
    world = build_world()
    renewal = make_renewal(world.regions[HOME["community"]], world.users["community_staff"])
    results = at_once(
        *[
            (
                lambda: actions.transition_renewal(
                    renewal=renewal, by=world.users["community_staff"], transition="start"
                )
            )
            for _ in range(2)
        ]
    )
    assert sorted(r == "ok" for r in results) == [False, True], results
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.IN_PROGRESS and renewal.version == 1
