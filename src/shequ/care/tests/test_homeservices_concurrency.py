"""Double clicks on home services (PostgreSQL, real threads): two staff scheduling one order at once
schedule it once (the second is told); a request retried at the same moment lands once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequ.care.actions import homeservices as actions
from shequ.care.models.homeservices import HomeServiceOrder, HomeServiceStatus
from shequ.care.tests.factories_homeservices import care_provider, elder, make_order
from shequ.core import calendar
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world


@pytest.mark.django_db(transaction=True)
def test_two_staff_scheduling_at_once_schedule_once() -> None:
    postgres_only("the conditional updates")
    world = build_world()
    order = make_order(resident=elder(world.regions[HOME["community"]]))
    first = care_provider(world.regions[HOME["county"]], name="颐康养老")
    second = care_provider(world.regions[HOME["township"]], name="乐家家政", kind="housekeeping")
    when = calendar.now() + timedelta(days=1)
    staff, head = world.users["community_staff"], world.users["community_head"]

    def by(user: object, provider: object) -> object:
        fresh = HomeServiceOrder.objects.get(pk=order.pk)
        return lambda: actions.schedule(order=fresh, by=user, provider=provider, scheduled_for=when)

    results = at_once(by(staff, first), by(head, second))
    assert results.count("ok") == 1, results
    assert any("刚刚" in r for r in results), results
    order.refresh_from_db()
    assert order.status == HomeServiceStatus.SCHEDULED and order.version == 2


@pytest.mark.django_db(transaction=True)
def test_a_request_retried_at_the_same_moment_lands_once() -> None:
    postgres_only("the unique request key")
    world = build_world()
    person = elder(world.regions[HOME["community"]])
    staff = world.users["community_staff"]
    results = at_once(
        *(
            (
                lambda: actions.request_service(
                    resident=person, by=staff, kind="meal", request_key="same-click"
                )
            )
            for _n in range(2)
        )
    )
    assert results == ["ok", "ok"]
    assert HomeServiceOrder.objects.filter(request_key="same-click").count() == 1
