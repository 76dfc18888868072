"""Reading the indicator snapshots: a region's 13 figures for a year against their targets, with
status, the drill-down by child region, and trends by year. Dashboards read only stored rows; the
only computing here is comparing a figure with its target.

Status of a figure against the year's target:
- **met**: at or above the target;
- **on track**: below it but at or above the straight line from the baseline (at the end of its
  year) to the target (at the end of the target's year), read on the day asked (or the year's end);
- **lagging**: below that line;
- **no data** when the figure cannot be computed, **no target** when no target applies.
A region without its own target takes its nearest ancestor's — except for a count, whose target is
only ever its own region's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import Http404

from shequ.core import calendar
from shequ.indicators.definitions import INDICATORS, Indicator
from shequ.indicators.models import IndicatorTarget, IndicatorValue, Status
from shequ.indicators.permissions import IndicatorPerm
from shequ.territory.models import Region
from shequ.territory.queries import child_regions, region_in_scope


@dataclass(frozen=True)
class Goal:
    """What a figure of ``year`` is measured against."""

    target: Decimal | None
    target_year: int | None
    baseline: Decimal | None
    baseline_year: int | None
    is_binding: bool


def path_prefixes(path: str) -> list[str]:
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def goals(region: Region, year: int) -> dict[str, Goal]:
    """Per indicator: the target of ``year`` (or, failing that, the nearest later one) and the
    latest baseline before it, each from the nearest region on the path that has one. One query."""
    rows = list(
        IndicatorTarget.objects.filter(region__path__in=path_prefixes(region.path)).values_list(
            "indicator", "region__path", "year", "value", "is_baseline", "is_binding"
        )
    )
    # The nearest region first, then by year.
    rows.sort(key=lambda r: (-len(r[1]), r[2]))
    found: dict[str, Goal] = {}
    for indicator in INDICATORS:
        mine = [r for r in rows if r[0] == indicator.code]
        if indicator.is_count:
            # A count's target is the place's own (3,000 qualified workers is the city's, not
            # every community's): it is never inherited.
            mine = [r for r in mine if r[1] == region.path]
        if not mine:
            continue
        nearest = len(mine[0][1])
        mine = [r for r in mine if len(r[1]) == nearest]
        targets = [r for r in mine if not r[4] and r[2] >= year]
        baselines = [r for r in mine if r[4] and r[2] < year]
        target = targets[0] if targets else None
        baseline = baselines[-1] if baselines else None
        found[indicator.code] = Goal(
            target=target[3] if target else None,
            target_year=target[2] if target else None,
            baseline=baseline[3] if baseline else None,
            baseline_year=baseline[2] if baseline else None,
            is_binding=any(r[5] for r in mine),
        )
    return found


def expected_on(goal: Goal, day: date) -> Decimal | None:
    """Where the straight line from the baseline to the target stands on ``day``."""
    if goal.target is None or goal.target_year is None:
        return None
    if goal.baseline is None or goal.baseline_year is None:
        return goal.target
    start = date(goal.baseline_year, 12, 31)
    end = date(goal.target_year, 12, 31)
    if day >= end:
        return goal.target
    if day <= start:
        return goal.baseline
    share = Decimal((day - start).days) / Decimal((end - start).days)
    return goal.baseline + (goal.target - goal.baseline) * share


def status(value: Decimal | None, goal: Goal | None, day: date) -> str:
    if value is None:
        return Status.NO_DATA
    if goal is None or goal.target is None:
        return Status.NO_TARGET
    if value >= goal.target:
        return Status.MET
    expected = expected_on(goal, day)
    if expected is not None and value >= expected:
        return Status.ON_TRACK
    return Status.LAGGING


@dataclass(frozen=True)
class Card:
    indicator: Indicator
    row: IndicatorValue | None
    goal: Goal | None
    status: str

    @property
    def value(self) -> Decimal | None:
        return self.row.value if self.row is not None else None

    @property
    def is_complete(self) -> bool:
        return self.row is not None and not self.row.missing

    @property
    def is_alert(self) -> bool:
        return bool(self.goal and self.goal.is_binding and self.status == Status.LAGGING)


def as_of(year: int) -> date:
    return min(date(year, 12, 31), calendar.localdate())


def cards(region: Region, year: int) -> list[Card]:
    """The indicators that mean something at ``region``'s level, as of the last rebuild. Two
    queries."""
    rows = {row.indicator: row for row in IndicatorValue.objects.filter(region=region, year=year)}
    found = goals(region, year)
    day = as_of(year)
    out = []
    for indicator in INDICATORS:
        if not indicator.applies_at(region.level):
            continue
        row = rows.get(indicator.code)
        goal = found.get(indicator.code)
        out.append(Card(indicator, row, goal, status(row.value if row else None, goal, day)))
    return out


@dataclass(frozen=True)
class ChildRow:
    region: Region
    cards: dict[str, Card]


def drill_down(user: Any, region: Region, year: int) -> list[ChildRow]:
    """The child regions ``user`` may see, each with its figures (three queries whatever the number
    of children: children, their values, the targets on their common path)."""
    children = child_regions(user, region, IndicatorPerm.VIEW)
    if not children:
        return []
    values: dict[int, dict[str, IndicatorValue]] = {}
    for row in IndicatorValue.objects.filter(region__in=children, year=year):
        values.setdefault(row.region_id, {})[row.indicator] = row
    found = goals(region, year)  # children without their own targets inherit these
    own = set(
        IndicatorTarget.objects.filter(region__in=children).values_list("region_id", flat=True)
    )
    day = as_of(year)
    rows = []
    for child in children:
        child_goals = goals(child, year) if child.pk in own else found
        mine = values.get(child.pk, {})
        rows.append(
            ChildRow(
                child,
                {
                    i.code: Card(
                        i,
                        mine.get(i.code),
                        child_goals.get(i.code),
                        status(
                            mine[i.code].value if i.code in mine else None,
                            child_goals.get(i.code),
                            day,
                        ),
                    )
                    for i in INDICATORS
                    if i.applies_at(child.level)
                },
            )
        )
    return rows


def trend(region: Region, code: str) -> list[tuple[int, Decimal | None]]:
    """The figure of every year rebuilt so far, oldest first."""
    return list(
        IndicatorValue.objects.filter(region=region, indicator=code)
        .order_by("year")
        .values_list("year", "value")
    )


def dashboard_region(user: Any, code: str = "") -> Region:
    """The region the dashboard shows: ``code`` inside the user's jurisdiction for
    ``indicators.view`` (404 outside), or the top of that jurisdiction."""
    if code:
        return region_in_scope(user, code, IndicatorPerm.VIEW)
    where = (
        user.jurisdiction(IndicatorPerm.VIEW) if user.has_permission(IndicatorPerm.VIEW) else None
    )
    paths = sorted(where.region_paths, key=len) if where is not None else []
    if not paths:
        raise Http404
    return Region.objects.defer("geometry").get(path=paths[0])
