"""Bookable services, slots, bookings and the residents who book, made through the real actions."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from typing import Any

from shequ.accounts import actions as accounts
from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import BookableKind, BookableService, Booking, ServiceSlot
from shequ.core import calendar
from shequ.registry.models import Relation, Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)


def years_ago(years: int, days: int = 30) -> date:
    today = calendar.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


def make_service(
    *,
    region: Region,
    by: Any = None,
    kind: str = BookableKind.MEAL_TABLE,
    name: str = "幸福里老年餐桌",
    capacity: int = 2,
    **values: Any,
) -> BookableService:
    return actions.create_service(
        by=by, region=region, kind=kind, name=name, default_capacity=capacity, **values
    )


def make_slot(
    service: BookableService,
    *,
    by: Any = None,
    in_days: int = 2,
    starts: time = time(11, 30),
    ends: time = time(13, 0),
    capacity: int | None = None,
    menu: str = "红烧肉、清炒时蔬、番茄蛋汤",
) -> ServiceSlot:
    return actions.create_slot(
        service=service,
        by=by,
        date=calendar.localdate() + timedelta(days=in_days),
        starts_at=starts,
        ends_at=ends,
        capacity=capacity,
        menu=menu,
    )


def elder(community: Region, name: str = "王奶奶", *, age: int = 70, **fields: Any) -> Resident:
    return registry.resident(community, name, born=years_ago(age), sex="female", **fields)


def resident_user(resident: Resident) -> Any:
    """A sign-in account linked to ``resident``."""
    user = accounts.create_resident_user(
        phone=f"198{next(_phones) + 20000000:08d}",
        full_name=resident.name,
        password="Resident-pass-1",
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user


def family_with_child(community: Region, child_months: int) -> tuple[Resident, Resident]:
    """A parent (head) and a child aged ``child_months`` months today."""
    born = calendar.localdate() - timedelta(days=int(child_months * 30.44) + 5)
    home = registry.household(
        community,
        [
            registry.member("刘妈妈", Relation.HEAD, born=date(1992, 3, 4), sex="female"),
            registry.member("刘宝宝", Relation.CHILD, born=born, sex="male"),
        ],
    )
    parent, child = registry.members_of(home)
    return parent, child


def book(slot: ServiceSlot, resident: Resident, by: Any = None, **kw: Any) -> Booking:
    return actions.book(slot=slot, resident=resident, by=by, **kw)
