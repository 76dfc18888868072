"""Demo home services: a few hundred orders over the last three months for the home-dwelling elderly
of the home township, in every state, through the actions as the system. Requests and steps are
made at their own past moments (``calendar.frozen_time``), so the numbers carry the request's date
and indicator 9 reads realistically. Providers are the demo's elderly-care and housekeeping
providers that serve each community (registered at the county or the township)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shequ.care.actions import homeservices as actions
from shequ.care.models.homeservices import HomeServiceKind, HomeServiceOrder
from shequ.care.queries.homeservices import elderly_condition, providers_for
from shequ.core import calendar
from shequ.registry.models import Resident
from shequ.territory.models import Level, Region

DAYS = 90
COMMENTS = ("服务很周到", "师傅很耐心，打扫得很干净", "准时上门", "", "希望下次早点来", "")
NOTES = ("已按需求完成服务", "老人状态良好", "已完成，家属在场", "")
# The share of orders left in each state (the rest are confirmed with a rating).
STATES = (("requested", 0.08), ("scheduled", 0.08), ("delivered", 0.14), ("cancelled", 0.05),
          ("declined", 0.03))  # fmt: skip


def _at(day: Any, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _home_township(county: Region, community: Region | None) -> Region | None:
    if community is not None and community.parent is not None:
        return community.parent
    return (
        Region.objects.filter(parent=county, level=Level.TOWNSHIP)
        .defer("geometry")
        .order_by("code")
        .first()
    )


def load_demo_homeservices(
    *, county: Region, seed: int, community: Region | None = None, orders: int = 300
) -> dict[str, int]:
    """About ``orders`` home-service orders in the home township (``community``'s, else the
    county's first), over the last 90 days."""
    delete_demo_homeservices()
    rng = random.Random(f"{seed}-homeservices")  # noqa: S311 (demo data)
    township = _home_township(county, community)
    counts = {"home_service_orders": 0, "home_services_delivered": 0}
    if township is None:
        return counts
    today = calendar.localdate()
    elderly = list(
        Resident.objects.filter(community__path__under=township.path, is_synthetic=True)
        # 60 or over on the earliest day an order may be dated, not only today.
        .filter(elderly_condition(today - timedelta(days=DAYS + 1)))
        .exclude(account__isnull=False)
        .select_related("community", "household", "grid")
        .order_by("pk")
    )
    if not elderly:
        return counts
    serving: dict[int, list[Any]] = {}
    kinds = list(HomeServiceKind.values)
    weights = [4, 5, 2, 1, 2, 1]  # meals and cleaning most asked for
    with transaction.atomic():
        for _i in range(orders):
            person = rng.choice(elderly)
            if person.community_id not in serving:
                serving[person.community_id] = list(providers_for(person.community))
            providers = serving[person.community_id]
            roll, state = rng.random(), "confirmed"
            for name, share in STATES:
                if roll < share:
                    state = name
                    break
                roll -= share
            if not providers and state not in ("requested", "cancelled"):
                state = "requested"
            recent = state in ("requested", "scheduled")
            back = rng.randint(1, 9) if recent else rng.randint(3, DAYS)
            day = today - timedelta(days=back)
            asked = _at(day, rng.randint(8, 17), rng.choice((0, 15, 30, 45)))
            with calendar.frozen_time(asked):
                order = actions.request_service(
                    resident=person,
                    by=None,
                    kind=rng.choices(kinds, weights)[0],
                    details="",
                    preferred_date=day + timedelta(days=rng.randint(0, 3)),
                    is_synthetic=True,
                )
            counts["home_service_orders"] += 1
            if state == "requested":
                continue
            if state == "declined":
                with calendar.frozen_time(asked + timedelta(hours=3)):
                    actions.decline(order=order, by=None, reason="不在服务范围内")
                continue
            if state == "cancelled":
                with calendar.frozen_time(asked + timedelta(hours=2)):
                    actions.cancel(order=order, by=None, reason="家属已自行安排")
                continue
            visit = _at(day + timedelta(days=rng.randint(1, 2)), rng.randint(8, 16))
            if state == "scheduled":
                visit = _at(today + timedelta(days=rng.randint(1, 5)), rng.randint(8, 16))
            with calendar.frozen_time(asked + timedelta(hours=1)):
                actions.schedule(
                    order=order, by=None, provider=rng.choice(providers), scheduled_for=visit
                )
            if state == "scheduled":
                continue
            done = visit + timedelta(minutes=rng.choice((45, 60, 90, 120)))
            with calendar.frozen_time(done):
                actions.mark_delivered(
                    order=order,
                    by=None,
                    delivered_at=visit,
                    minutes=rng.choice((30, 45, 60, 90, 120)),
                    note=rng.choice(NOTES),
                )
            counts["home_services_delivered"] += 1
            if state == "delivered":
                continue
            with calendar.frozen_time(
                min(done + timedelta(hours=rng.randint(2, 48)), calendar.now())
            ):
                actions.confirm_and_rate(
                    order=order,
                    by=None,
                    rating=rng.choices((5, 4, 3, 2, 1), (55, 30, 10, 3, 2))[0],
                    comment=rng.choice(COMMENTS),
                )
    return counts


def delete_demo_homeservices() -> dict[str, int]:
    """Remove synthetic orders and any order of a synthetic resident (before the demo's providers
    and residents go: orders protect them)."""
    deleted = HomeServiceOrder.objects.filter(
        Q(is_synthetic=True) | Q(resident__is_synthetic=True) | Q(provider__is_synthetic=True)
    ).delete()[0]
    return {"home_service_orders": deleted}
