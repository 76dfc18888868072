"""Shapes of the public statistics API (``volunteering.api.statistics``): aggregates and place names
only."""

from __future__ import annotations

from ninja import Schema


class FiguresOut(Schema):
    region_code: str
    region_name: str
    registered: int
    active: int
    hours: float
    activities: int
    people_served: int


class StatisticsOut(Schema):
    period: str
    period_label: str
    start: str
    end: str
    total: FiguresOut
    children: list[FiguresOut]
