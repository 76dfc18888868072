"""Shelters, supplies, drills and fire-safety grids made through the actions, as the pages make them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shequ.core import calendar
from shequ.emergency.actions import preparedness as actions
from shequ.emergency.models import Drill, ShelterOpening, SupplyStock
from shequ.facilities.models import Facility
from shequ.facilities.tests.factories import make_facility
from shequ.territory.models import Region


def make_shelter(
    *, community: Region, name: str = "幸福广场应急避难场所", capacity: int = 100, **extra: Any
) -> Facility:
    return make_facility(
        community=community,
        category="shelter",
        name=name,
        address="幸福路 8 号",
        capacity=str(capacity),
        **extra,
    )


def open_shelter(facility: Facility, by: Any = None, capacity: int | None = None) -> ShelterOpening:
    return actions.open_shelter(facility=facility, capacity=capacity, by=by)


def make_stock(
    *,
    region: Region,
    item: str = "沙袋",
    unit: str = "袋",
    quantity: int = 100,
    low_threshold: int = 20,
    location: str = "社区应急物资储备点",
    category: str = "flood_control",
    by: Any = None,
) -> SupplyStock:
    return actions.create_stock(
        region=region,
        location=location,
        category=category,
        item=item,
        unit=unit,
        quantity=quantity,
        low_threshold=low_threshold,
        by=by,
    )


def make_drill(
    *, region: Region, title: str = "防汛转移演练", held_on: date | None = None, by: Any = None
) -> Drill:
    return actions.record_drill(
        region=region,
        kind="flood",
        title=title,
        held_on=held_on or calendar.localdate() - timedelta(days=3),
        participants=40,
        location="社区广场",
        findings="转移路线指示不清",
        improvements="增设指示牌",
        by=by,
    )
