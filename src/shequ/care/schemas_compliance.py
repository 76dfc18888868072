"""Schemas of the compliance API: visit rates per place, the overdue list and indicator 10."""

from __future__ import annotations

from ninja import Schema


class RateOut(Schema):
    code: str  # region or grid code; "" for plans in no grid
    name: str
    level: str  # city, county, township, community, grid, or "" for plans in no grid
    due: int
    done: int
    on_time: int
    overdue: int
    rate: float | None  # percent; null when nothing is due ("no plans")
    hardship_due: int
    hardship_done: int
    hardship_rate: float | None


class ComplianceOut(Schema):
    region_code: str
    region_name: str
    month: str
    group: str
    total: RateOut
    children: list[RateOut]


class OverdueOut(Schema):
    id: int
    name: str  # masked
    group: str
    group_label: str
    mode: str
    community_code: str
    community_name: str
    grid_code: str
    grid_name: str
    visitor: str
    due_date: str
    days_overdue: int


class Indicator10Row(Schema):
    community_code: str
    community_name: str
    rules_set: bool
    due: int
    done: int
    counts: bool


class Indicator10Out(Schema):
    region_code: str
    region_name: str
    month: str
    communities: int
    counting: int
    share: float | None  # percent; null when the place has no community
    rows: list[Indicator10Row]
