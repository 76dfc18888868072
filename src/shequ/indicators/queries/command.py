"""The command dashboard (综合指挥平台): what a county's or city's command centre watches on its wall
— today's case intake, the backlog and the overdue cases, today's visits, the active alerts, and
how the plan's indicators stand — for one region, in total and per child region.

Every figure is read through the owning app's queries and counts only the chosen region's subtree,
inside the reader's jurisdiction for ``indicators.command`` (a region outside it is a 404). The
number of queries does not depend on the number of child regions: cases, visits and alerts are
grouped queries; the indicators are the stored snapshots of the region itself.

Indicator year: the current one when a target applies to it, else the last one — the plan's last
year is evaluated in the year after it (as for the console's lagging indicators).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404

from shequ.care.queries import compliance
from shequ.cases.numbers import grouped
from shequ.cases.queries import statistics
from shequ.core import calendar
from shequ.emergency.models import Alert
from shequ.emergency.queries import alerts as alert_queries
from shequ.indicators.models import Status
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries.values import Card, cards
from shequ.territory.models import Region
from shequ.territory.queries import child_regions, region_in_scope

PERM = IndicatorPerm.COMMAND
MOST_OVERDUE = 5  # cases listed on the wall; the case statistics page lists them all
ALERTS_SHOWN = 5
# The statuses counted on the wall, in the order shown (``no_target`` is left out: nothing to track).
COUNTED_STATUSES = (Status.MET, Status.ON_TRACK, Status.LAGGING, Status.NO_DATA)


def command_region(user: Any, code: str = "") -> Region:
    """``code`` inside the user's jurisdiction for ``indicators.command`` (404 outside), or the top
    of that jurisdiction."""
    if (code or "").strip():
        return region_in_scope(user, code, PERM)
    paths = sorted(user.jurisdiction(PERM).region_paths, key=len)
    if not paths:
        raise Http404
    return Region.objects.defer("geometry").get(path=paths[0])


@dataclass(frozen=True)
class OverdueCase:
    """A case past its stage deadline, as the wall shows it: no title, no requester."""

    number: str
    category: str
    place: str
    days: int | None


@dataclass
class ChildRow:
    region: Region
    cases: statistics.Tally
    visits: compliance.TodayRow


@dataclass
class IndicatorStanding:
    year: int
    counts: Counter[str] = field(default_factory=Counter)
    binding_lagging: list[Card] = field(default_factory=list)
    has_targets: bool = False

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in the order shown."""
        return [(s.value, str(s.label), self.counts[s.value]) for s in COUNTED_STATUSES]


@dataclass
class CommandBoard:
    region: Region
    as_of: datetime
    cases: statistics.Tally
    visits: compliance.TodayRow
    children: list[ChildRow]
    most_overdue: list[OverdueCase]
    alerts: list[Alert]
    alert_count: int
    indicators: IndicatorStanding

    @property
    def updated_at(self) -> str:
        return calendar.localtime(self.as_of).strftime("%H:%M")

    @property
    def alerts_more(self) -> int:
        return max(self.alert_count - len(self.alerts), 0)


def indicator_standing(region: Region) -> IndicatorStanding:
    """How the region's indicators stand in the year being tracked (two queries, four when the
    current year has no targets yet)."""
    this_year = calendar.localdate().year
    found: list[Card] = []
    year, has_targets = this_year, False
    for candidate in (this_year, this_year - 1):
        read = cards(region, candidate)
        if any(c.goal is not None and c.goal.target is not None for c in read):
            year, found, has_targets = candidate, read, True
            break
        if candidate == this_year:
            found = read  # no targets at all: this year's figures, without a status to track
    standing = IndicatorStanding(year=year, has_targets=has_targets)
    standing.counts.update(c.status for c in found)
    standing.binding_lagging = [c for c in found if c.is_alert]
    return standing


def _most_overdue(user: Any, region: Region) -> list[OverdueCase]:
    today = calendar.localdate()
    rows = statistics.overdue_cases(statistics.cases_under(user, region, PERM))[:MOST_OVERDUE]
    return [
        OverdueCase(
            number=grouped(case.number),
            category=case.get_category_display(),
            place=case.region.name,
            days=statistics.days_overdue(case, today),
        )
        for case in rows
    ]


def command_board(user: Any, region: Region) -> CommandBoard:
    """Everything the wall shows for ``region`` (which ``user`` may command). A bounded number of
    queries, whatever the number of child regions."""
    today = calendar.localdate()
    children = child_regions(user, region, PERM)
    cases = statistics.cases_under(user, region, PERM)
    case_total, case_rows = statistics.intake_and_backlog(cases, region, children, today)
    visit_total, visit_rows = compliance.visits_today(user, region, children, PERM)
    active = alert_queries.active_alerts(user, region, PERM)
    shown = list(active[:ALERTS_SHOWN])
    count = len(shown) if len(shown) < ALERTS_SHOWN else active.count()
    return CommandBoard(
        region=region,
        as_of=calendar.now(),
        cases=case_total,
        visits=visit_total,
        children=[
            ChildRow(
                region=child,
                cases=case_rows.get(child) or statistics.Tally(),
                visits=visit_rows.get(child.path) or compliance.TodayRow(),
            )
            for child in children
        ],
        most_overdue=_most_overdue(user, region),
        alerts=shown,
        alert_count=count,
        indicators=indicator_standing(region),
    )
