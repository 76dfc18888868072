"""Case statistics (工单统计): the 12345 "three rates" and more, per region and per handling unit.

Every number comes from a grouped query (``GROUP BY`` with conditional ``COUNT``), so a page costs the
same handful of queries for ten cases or ten million, for a community or the whole city. Cases are
those in the user's jurisdiction for ``cases.statistics`` *and* under the chosen region; a region
outside that jurisdiction answers 404. Periods are whole local days (Asia/Shanghai), ``start`` and
``end`` both included.

The measures, and exactly what they count:

- **Received** (收件量): cases submitted in the period; of them how many were accepted (受理, a case
  resolved on the spot included), rejected (不予受理), merged into another (合并) and withdrawn by the
  requester (撤回), as they stand now.
- **Response rate** (响应率): of the cases received in the period, those accepted or rejected within
  the acceptance stage's deadline (one working day; shorter for urgent cases). The deadline of that
  stage is not kept once the case moves on, so the rule reads the timeline instead: a case was
  answered on time when it was accepted or rejected and **no** ``deadline``/``overdue`` event (written
  by the sweep when a stage runs out) is dated at or before that answer. The denominator counts a case
  once it was answered or once it ran late, whichever came first; a case still waiting and not yet late
  is not counted yet, and merged or withdrawn cases count only if they ran late first. The sweep runs
  every few minutes, so an answer given in the minutes between the deadline and the next sweep still
  counts as on time.
- **On-time completion rate** (按期办结率): of the cases closed in the period (``closed_at`` in it,
  status closed or rated), those whose handling finished (``handled_at``) by the case's due time
  (``due_at``, moved by approved extensions and suspensions); a case resolved on the spot is on time.
- **Resolution rate** (解决率): of the cases whose *first* rating was given in the period, those rated
  three stars or more (3 = 基本满意 counts as resolved), plus the cases resolved on the spot and
  closed in the period (counted on both sides, and never again through a rating).
- **Satisfaction rate** (满意率): every rating given in the period; four or five stars over all. With
  the distribution of stars, the bad ratings (two stars or fewer) and their callbacks (回访): done on
  time, done late, still open.
- **Backlog** (积压): cases not finished now — open or suspended — by their age in *natural* days since
  submission (today's date minus the submission date, local time): ≤1, 2–3, 4–5, 6–10, 11–15, >15.
  The backlog and the overdue list are a snapshot of now, not of the period.
- **Whistles** (吹哨) blown in the period, and per summoned unit its summons in the period: reported
  in on time (by ``report_due_at``), late, or still awaited.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import (
    BAD_RATING_MAX,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    CaseUnit,
    DeadlineState,
    EventKind,
    Rating,
    UnitRole,
)
from shequ.cases.numbers import grouped
from shequ.cases.permissions import CasesPerm
from shequ.core import audit, calendar
from shequ.core.exports import safe_row
from shequ.core.scoping import scoped
from shequ.territory.models import Region

PERM = CasesPerm.STATISTICS
# Not finished: still waiting on someone, or suspended with approval (挂起 still counts as backlog).
UNFINISHED_STATUSES = (*OPEN_STATUSES, CaseStatus.SUSPENDED)
RESOLVED_MIN_STARS = 3  # 基本满意 and above
SATISFIED_MIN_STARS = 4  # 满意 and 非常满意
STARS = (1, 2, 3, 4, 5)
# Backlog bands in natural days since submission: (label, youngest, oldest or None).
AGE_BANDS: tuple[tuple[str, Any, int, int | None], ...] = (
    ("0-1", gettext_lazy("≤1天"), 0, 1),
    ("2-3", gettext_lazy("2–3天"), 2, 3),
    ("4-5", gettext_lazy("4–5天"), 4, 5),
    ("6-10", gettext_lazy("6–10天"), 6, 10),
    ("11-15", gettext_lazy("11–15天"), 11, 15),
    ("16+", gettext_lazy(">15天"), 16, None),
)
OVERDUE_SHOWN = 200  # rows of the overdue list on the page; the export has them all
MAX_EXPORT_OVERDUE = 100_000


# --- Periods and rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days, ``start`` and ``end`` included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def q(self, lookup: str) -> Q:
        return Q(**{f"{lookup}__gte": self.since, f"{lookup}__lt": self.until})


def this_month(today: date | None = None) -> Period:
    """The default period: the first of this month to today, local time."""
    today = today or calendar.localdate()
    return Period(today.replace(day=1), today)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.numerator * 100 / self.denominator, 1)

    def __str__(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent:g}%"


# --- Tallies -----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """The counts of one row (a region, a unit, or the total)."""

    received: int = 0
    accepted: int = 0
    rejected: int = 0
    merged: int = 0
    withdrawn: int = 0
    response_due: int = 0
    responded_on_time: int = 0
    closed: int = 0
    closed_on_time: int = 0
    on_spot: int = 0
    first_rated: int = 0
    first_resolved: int = 0
    ratings: int = 0
    stars: Counter[int] = field(default_factory=Counter)
    callbacks: int = 0
    callbacks_on_time: int = 0
    callbacks_late: int = 0
    callbacks_open: int = 0
    open: int = 0
    overdue: int = 0
    backlog: Counter[str] = field(default_factory=Counter)
    whistles: int = 0

    def add(self, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            if name.startswith("stars_"):
                self.stars[int(name[6:])] += value
            elif name.startswith("age_"):
                self.backlog[name[4:]] += value
            else:
                setattr(self, name, getattr(self, name) + value)

    @property
    def response_rate(self) -> Rate:
        return Rate(self.responded_on_time, self.response_due)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.closed_on_time, self.closed)

    @property
    def resolution_rate(self) -> Rate:
        return Rate(self.first_resolved + self.on_spot, self.first_rated + self.on_spot)

    @property
    def satisfied(self) -> int:
        return sum(n for stars, n in self.stars.items() if stars >= SATISFIED_MIN_STARS)

    @property
    def satisfaction_rate(self) -> Rate:
        return Rate(self.satisfied, self.ratings)

    @property
    def bad(self) -> int:
        return sum(n for stars, n in self.stars.items() if stars <= BAD_RATING_MAX)

    @property
    def star_counts(self) -> list[tuple[int, int]]:
        return [(stars, self.stars[stars]) for stars in STARS]

    @property
    def backlog_counts(self) -> list[int]:
        return [self.backlog[key] for key, _label, _low, _high in AGE_BANDS]


@dataclass
class SummonsRow:
    """A summoned unit's report-ins (报到) for the whistles of the period."""

    unit: HandlingUnit
    summoned: int = 0
    on_time: int = 0
    late: int = 0
    awaited: int = 0
    awaited_overdue: int = 0

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.summoned)


@dataclass(frozen=True)
class Crumb:
    region: Region
    linked: bool


@dataclass
class CaseStatistics:
    region: Region
    period: Period
    as_of: datetime
    crumbs: list[Crumb]
    roots: list[Region]
    total: Tally
    parts: list[tuple[Region, Tally]]
    units: list[tuple[HandlingUnit | None, Tally]]
    summons: list[SummonsRow]
    overdue: list[Case]

    @property
    def overdue_more(self) -> int:
        """Overdue cases not listed on the page."""
        return max(self.total.overdue - len(self.overdue), 0)


# --- Scope -------------------------------------------------------------------------------------------


def statistics_roots(user: Any) -> list[Region]:
    """The regions where the user holds ``cases.statistics``; one inside another is not a root."""
    if not getattr(user, "is_authenticated", False):
        return []
    paths = sorted(set(user.jurisdiction(PERM).region_paths))
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return list(Region.objects.filter(path__in=tops).order_by("path")) if tops else []


def _within(user: Any, path: str) -> bool:
    """Statistics are held at regions: a grid or a unit gives none."""
    return any(path.startswith(p) for p in user.jurisdiction(PERM).region_paths)


def _region(user: Any, code: str, roots: list[Region]) -> Region:
    if not code:
        if not roots:
            raise Http404
        return roots[0]
    for root in roots:
        if root.code == code:
            return root
    region = Region.objects.filter(code=code).first()
    if region is None or not _within(user, region.path):
        raise Http404
    return region


def _crumbs(user: Any, region: Region) -> list[Crumb]:
    """The ancestors of ``region``, root first; linked when the user may open them here."""
    parts = region.path.strip("/").split("/")[:-1]
    paths = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    if not paths:
        return []
    regions = Region.objects.filter(path__in=paths).order_by("path")
    return [Crumb(r, _within(user, r.path)) for r in regions]


def cases_under(user: Any, region: Region, perm: str = PERM) -> QuerySet[Case]:
    """The cases the user may count (for ``perm``), at ``region`` or below it."""
    return scoped(Case.objects.all(), user, perm).filter(region__path__under=region.path)


# --- The grouped queries ---------------------------------------------------------------------------


def _received(cases: QuerySet[Case], key: str, period: Period) -> QuerySet[Any]:
    late = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.DEADLINE, action="overdue")
    accepted = Q(accepted_at__isnull=False)
    rejected = Q(status=CaseStatus.REJECTED)
    answered_in_time = (accepted & ~Exists(late.filter(at__lte=OuterRef("accepted_at")))) | (
        rejected & ~Exists(late.filter(at__lte=OuterRef("closed_at")))
    )
    return (
        cases.filter(period.q("submitted_at"))
        .values(group=F(key))
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=accepted),
            rejected=Count("pk", filter=rejected),
            merged=Count("pk", filter=Q(status=CaseStatus.MERGED)),
            withdrawn=Count("pk", filter=Q(status=CaseStatus.WITHDRAWN)),
            response_due=Count("pk", filter=accepted | rejected | Q(Exists(late))),
            responded_on_time=Count("pk", filter=answered_in_time),
        )
        .order_by()
    )


def _closed(cases: QuerySet[Case], key: str, period: Period) -> QuerySet[Any]:
    on_spot = Q(resolved_on_spot=True)
    return (
        cases.filter(period.q("closed_at"), status__in=FINISHED_STATUSES)
        .values(group=F(key))
        .annotate(
            closed=Count("pk"),
            closed_on_time=Count("pk", filter=on_spot | Q(handled_at__lte=F("due_at"))),
            on_spot=Count("pk", filter=on_spot),
        )
        .order_by()
    )


def _ratings(cases: QuerySet[Case], key: str, period: Period) -> QuerySet[Any]:
    earlier = Rating.objects.filter(case=OuterRef("case")).filter(
        Q(rated_at__lt=OuterRef("rated_at"))
        | Q(rated_at=OuterRef("rated_at"), pk__lt=OuterRef("pk"))
    )
    first = Q(~Exists(earlier)) & Q(case__resolved_on_spot=False)
    callback_done = Q(callback__done_at__isnull=False)
    stars = {f"stars_{n}": Count("pk", filter=Q(stars=n)) for n in STARS}
    return (
        Rating.objects.filter(period.q("rated_at"), case__in=cases.values("pk"))
        .values(group=F(f"case__{key}"))
        .annotate(
            ratings=Count("pk"),
            first_rated=Count("pk", filter=first),
            first_resolved=Count("pk", filter=first & Q(stars__gte=RESOLVED_MIN_STARS)),
            callbacks=Count("callback"),
            callbacks_on_time=Count(
                "callback", filter=callback_done & Q(callback__done_at__lte=F("callback__due_at"))
            ),
            callbacks_late=Count(
                "callback", filter=callback_done & Q(callback__done_at__gt=F("callback__due_at"))
            ),
            callbacks_open=Count("callback", filter=Q(callback__done_at__isnull=True)),
            **stars,
        )
        .order_by()
    )


def _age_q(low: int, high: int | None, today: date) -> Q:
    """Submitted between ``low`` and ``high`` natural days ago (local dates), both included."""

    def midnight(days_ago: int) -> datetime:
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time.min))

    condition = Q()
    if high is not None:
        condition &= Q(submitted_at__gte=midnight(high))
    if low > 0:
        condition &= Q(submitted_at__lt=midnight(low - 1))
    return condition


def _backlog(cases: QuerySet[Case], key: str, today: date) -> QuerySet[Any]:
    ages = {
        f"age_{name}": Count("pk", filter=_age_q(low, high, today))
        for name, _label, low, high in AGE_BANDS
    }
    return (
        cases.filter(status__in=UNFINISHED_STATUSES)
        .values(group=F(key))
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(deadline_state=DeadlineState.OVERDUE)),
            **ages,
        )
        .order_by()
    )


def _whistles(cases: QuerySet[Case], key: str, period: Period) -> QuerySet[Any]:
    return (
        CaseEvent.objects.filter(
            period.q("at"), kind=EventKind.WHISTLE, case__in=cases.values("pk")
        )
        .values(group=F(f"case__{key}"))
        .annotate(whistles=Count("pk"))
        .order_by()
    )


def _tally_by(
    queries: Iterable[QuerySet[Any]], key_of: Callable[[Any], Any], total: Tally | None = None
) -> dict[Any, Tally]:
    """Run the grouped ``queries`` and add each row to its group's tally (and to ``total``)."""
    tallies: dict[Any, Tally] = {}
    for query in queries:
        for row in query:
            raw = row.pop("group")
            if total is not None:
                total.add(row)
            key = key_of(raw)
            tallies.setdefault(key, Tally()).add(row)
    return tallies


def _summons(cases: QuerySet[Case], period: Period, now: datetime) -> QuerySet[Any]:
    waiting = Q(reported_at__isnull=True)
    return (
        CaseUnit.objects.filter(
            period.q("assigned_at"), role=UnitRole.SUMMONED, case__in=cases.values("pk")
        )
        .values("unit_id")
        .annotate(
            summoned=Count("pk"),
            on_time=Count("pk", filter=Q(reported_at__lte=F("report_due_at"))),
            late=Count("pk", filter=Q(reported_at__gt=F("report_due_at"))),
            awaited=Count("pk", filter=waiting),
            awaited_overdue=Count("pk", filter=waiting & Q(report_due_at__lt=now)),
        )
        .order_by()
    )


def _child_of(region: Region, children: Iterable[Region]) -> Callable[[str], Region | None]:
    """Which of ``children`` (of ``region``) a case's region path lies under."""
    by_path = {child.path: child for child in children}
    depth = len(region.path)

    def child_of(path: str) -> Region | None:
        head = path[depth:].split("/", 1)[0]
        return by_path.get(f"{region.path}{head}/") if head else None

    return child_of


def intake_and_backlog(
    cases: QuerySet[Case], region: Region, children: Iterable[Region], today: date
) -> tuple[Tally, dict[Region, Tally]]:
    """Today's intake (received today, with how many were accepted, rejected ...) and the backlog
    now (open, overdue, by age) of ``cases`` under ``region``, in total and per child of ``region``
    (a child with neither is missing). Two grouped queries whatever the number of children."""
    total = Tally()
    path_key = "region__path"
    per_child = _tally_by(
        [_received(cases, path_key, Period(today, today)), _backlog(cases, path_key, today)],
        _child_of(region, children),
        total,
    )
    per_child.pop(None, None)
    return total, per_child


def overdue_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Unfinished cases past their stage deadline, the longest overdue first."""
    return (
        cases.filter(status__in=UNFINISHED_STATUSES, deadline_state=DeadlineState.OVERDUE)
        .select_related("region", "lead_unit")
        .order_by("stage_due_at", "id")
    )


def case_statistics(user: Any, *, period: Period, code: str = "") -> CaseStatistics:
    """Everything the statistics page and its export show, for the region with ``code`` (the user's
    first statistics region when blank) and ``period``. 404 outside the user's jurisdiction."""
    roots = statistics_roots(user)
    region = _region(user, code, roots)
    now = calendar.now()
    today = calendar.localdate()
    cases = cases_under(user, region)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    child_of = _child_of(region, children)
    total = Tally()
    path_key = "region__path"
    region_queries = [
        _received(cases, path_key, period),
        _closed(cases, path_key, period),
        _ratings(cases, path_key, period),
        _backlog(cases, path_key, today),
        _whistles(cases, path_key, period),
    ]
    per_child = _tally_by(region_queries, child_of, total)
    unit_key = "lead_unit_id"
    unit_queries = [
        _received(cases, unit_key, period),
        _closed(cases, unit_key, period),
        _ratings(cases, unit_key, period),
        _backlog(cases, unit_key, today),
    ]
    per_unit = _tally_by(unit_queries, lambda unit_id: unit_id)
    summons_rows = list(_summons(cases, period, now))
    unit_ids = {pk for pk in per_unit if pk is not None} | {row["unit_id"] for row in summons_rows}
    units = HandlingUnit.objects.in_bulk(list(unit_ids)) if unit_ids else {}
    unit_rows: list[tuple[HandlingUnit | None, Tally]] = sorted(
        ((units.get(pk) if pk is not None else None, tally) for pk, tally in per_unit.items()),
        key=lambda pair: (pair[0] is None, pair[0].code if pair[0] is not None else ""),
    )
    summons = sorted(
        (
            SummonsRow(unit=units[row.pop("unit_id")], **row)
            for row in summons_rows
            if row["unit_id"] in units
        ),
        key=lambda summons_row: summons_row.unit.code,
    )
    overdue = list(overdue_cases(cases)[:OVERDUE_SHOWN])
    return CaseStatistics(
        region=region,
        period=period,
        as_of=now,
        crumbs=_crumbs(user, region),
        roots=roots,
        total=total,
        parts=[(child, per_child.get(child, Tally())) for child in children],
        units=unit_rows,
        summons=summons,
        overdue=overdue,
    )


# --- The Excel workbook ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes


def _percent(rate: Rate) -> Any:
    return rate.percent if rate.percent is not None else "—"


def _region_sheet(stats: CaseStatistics) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [
        _("区域"), _("收件量"), _("受理"), _("不予受理"), _("合并"), _("撤回"),
        _("响应率(%)"), _("按时响应"), _("应响应"),
        _("办结"), _("按期办结率(%)"), _("按期办结"),
        _("解决率(%)"), _("已解决"), _("应计解决"),
        _("满意率(%)"), _("满意评价"), _("评价数"), _("差评"),
        _("吹哨"), _("在办"), _("超期"),
    ]  # fmt: skip

    def row(name: str, t: Tally) -> list[Any]:
        return [
            name, t.received, t.accepted, t.rejected, t.merged, t.withdrawn,
            _percent(t.response_rate), t.responded_on_time, t.response_due,
            t.closed, _percent(t.on_time_rate), t.closed_on_time,
            _percent(t.resolution_rate), t.resolution_rate.numerator,
            t.resolution_rate.denominator,
            _percent(t.satisfaction_rate), t.satisfied, t.ratings, t.bad,
            t.whistles, t.open, t.overdue,
        ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for region, tally in stats.parts:
            yield row(region.name, tally)
        yield row(_("合计"), stats.total)

    return header, rows()


def _unit_sheet(stats: CaseStatistics) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [
        _("主办单位"), _("主办件数"), _("办结"), _("按期办结率(%)"), _("按期办结"),
        _("解决率(%)"), _("已解决"), _("应计解决"), _("满意率(%)"), _("满意评价"), _("评价数"),
        _("差评"), _("在办"), _("超期"),
    ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for unit, t in stats.units:
            yield [
                unit.name if unit is not None else _("未派遣（本级办理）"),
                t.received, t.closed, _percent(t.on_time_rate), t.closed_on_time,
                _percent(t.resolution_rate), t.resolution_rate.numerator,
                t.resolution_rate.denominator,
                _percent(t.satisfaction_rate), t.satisfied, t.ratings, t.bad, t.open, t.overdue,
            ]  # fmt: skip

    return header, rows()


def _backlog_sheet(stats: CaseStatistics) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [_("区域"), *[str(label) for _k, label, _l, _h in AGE_BANDS], _("在办合计"), _("超期")]

    def rows() -> Iterator[list[Any]]:
        for region, t in stats.parts:
            yield [region.name, *t.backlog_counts, t.open, t.overdue]
        yield [_("合计"), *stats.total.backlog_counts, stats.total.open, stats.total.overdue]

    return header, rows()


def days_overdue(case: Case, today: date | None = None) -> int | None:
    """Whole local days since the case's stage deadline ran out (``None`` without one)."""
    if case.stage_due_at is None:
        return None
    return ((today or calendar.localdate()) - calendar.localtime(case.stage_due_at).date()).days


def _overdue_sheet(cases: QuerySet[Case]) -> tuple[list[Any], Iterator[list[Any]]]:
    """Numbers and places only: titles are the requester's words and may name people."""
    header = [
        _("工单编号"), _("村(社区)"), _("类别"), _("状态"), _("主办单位"), _("本环节时限"),
        _("超期天数"),
    ]  # fmt: skip
    today = calendar.localdate()

    def rows() -> Iterator[list[Any]]:
        for case in cases[:MAX_EXPORT_OVERDUE].iterator(chunk_size=2000):
            due = calendar.localtime(case.stage_due_at) if case.stage_due_at else None
            yield [
                grouped(case.number),
                case.region.name,
                case.get_category_display(),
                case.get_status_display(),
                case.lead_unit.name if case.lead_unit else "",
                due.strftime("%Y-%m-%d %H:%M") if due else "",
                (today - due.date()).days if due else "",
            ]

    return header, rows()


def _summons_sheet(stats: CaseStatistics) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [
        _("被召集单位"), _("召集次数"), _("按时报到"), _("逾期报到"), _("待报到"),
        _("待报到已超时"), _("按时报到率(%)"),
    ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for s in stats.summons:
            yield [
                s.unit.name, s.summoned, s.on_time, s.late, s.awaited, s.awaited_overdue,
                _percent(s.on_time_rate),
            ]  # fmt: skip
        yield [_("吹哨次数"), stats.total.whistles]

    return header, rows()


def _ratings_sheet(stats: CaseStatistics) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [_("项目"), _("数量")]
    t = stats.total

    def rows() -> Iterator[list[Any]]:
        for stars, n in t.star_counts:
            yield [_("%(n)d星") % {"n": stars}, n]
        yield [_("评价数"), t.ratings]
        yield [_("满意率(%)"), _percent(t.satisfaction_rate)]
        yield [_("差评"), t.bad]
        yield [_("回访总数"), t.callbacks]
        yield [_("按时回访"), t.callbacks_on_time]
        yield [_("逾期回访"), t.callbacks_late]
        yield [_("待回访"), t.callbacks_open]

    return header, rows()


def export_workbook(*, user: Any, stats: CaseStatistics) -> ExportFile:
    """The page's tables as an .xlsx workbook, one sheet each. Counts, places, units and case
    numbers only: no names, phones, addresses or case texts. Every export is audited."""
    now = calendar.localtime()
    period = stats.period
    title = _("%(region)s 工单统计 %(start)s 至 %(end)s") % {
        "region": stats.region.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    note = _("导出时间：%(when)s　仅限工作使用，不得外传") % {
        "when": now.strftime("%Y-%m-%d %H:%M")
    }
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    workbook.properties.description = note
    bold = Font(bold=True)
    sheets = [
        (_("区域统计"), _region_sheet(stats)),
        (_("承办单位"), _unit_sheet(stats)),
        (_("积压工单"), _backlog_sheet(stats)),
        (_("超期工单"), _overdue_sheet(overdue_cases(cases_under(user, stats.region)))),
        (_("吹哨报到"), _summons_sheet(stats)),
        (_("评价与回访"), _ratings_sheet(stats)),
    ]
    for name, (header, rows) in sheets:
        sheet = workbook.create_sheet(name)
        sheet.oddHeader.center.text = note
        heading = WriteOnlyCell(sheet, value=title)
        heading.font = bold
        sheet.append([heading])
        sheet.append([note])
        cells = []
        for text in header:
            cell = WriteOnlyCell(sheet, value=str(text))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append(safe_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit.record(
            "cases.statistics_export",
            actor=user,
            object_type="cases.Case",
            object_repr=title[:200],
            region=stats.region,
        )
    return ExportFile(
        filename=f"case-statistics-{stats.region.code}-{now:%Y%m%d-%H%M%S}.xlsx",
        content=buffer.getvalue(),
    )
