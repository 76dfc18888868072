"""The evaluation report (综合评估 / 专项评估) of a region and year: the plan's indicators against
their targets with their trend by year, the six standards, work projects, case statistics (the
12345 "three rates"), visit compliance and living-circle coverage — as a printable page and an Excel
workbook.

A *comprehensive* evaluation holds every section; a *special* one the sections chosen. Nothing is
computed here: every figure is read through the query that owns it (the indicator snapshots and
their targets, ``standards.six_standards_share``, ``projects.project_progress``,
``cases.queries.statistics.case_statistics``, ``care.queries.compliance.dashboard``,
``facilities.queries.coverage.summary``), so the report always agrees with the page each figure
comes from. Sections read from another app's records respect that app's permission over the region
(``cases.statistics``, ``care.view``, ``facilities.view``): a reader without it gets the section
saying so, not the figures. The number of queries does not depend on the number of child regions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from shequ.care.permissions import CarePerm
from shequ.care.queries import compliance
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import statistics
from shequ.core import audit, calendar
from shequ.core.exports import ExportFile, exported_by, safe_row, stamped_sheet
from shequ.core.text import enumerate_items
from shequ.facilities.models import CircleRequirement, CoverageRun
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries import coverage
from shequ.indicators.models import ProjectStatus, Status
from shequ.indicators.queries import charts, values
from shequ.indicators.queries.projects import project_progress
from shequ.indicators.queries.standards import (
    GOAL_SHARE,
    GOAL_YEAR,
    percent,
    six_standards_share,
)
from shequ.territory.models import Region

# Indicator 10 (探访关爱机制) is the visit-compliance section's figure from the plan.
VISITS_INDICATOR = "hardship_visit_mechanism_rate"


class Kind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", gettext_lazy("综合评估")
    SPECIAL = "special", gettext_lazy("专项评估")


class Section(models.TextChoices):
    """The report's parts, in the order they are shown."""

    INDICATORS = "indicators", gettext_lazy("规划指标与目标")
    STANDARDS = "standards", gettext_lazy("六个规范")
    PROJECTS = "projects", gettext_lazy("工作项目")
    CASES = "cases", gettext_lazy("工单统计（三率）")
    VISITS = "visits", gettext_lazy("探访关爱")
    COVERAGE = "coverage", gettext_lazy("生活圈覆盖")


def section_codes(kind: str, chosen: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The sections of a report of ``kind``: every one for a comprehensive evaluation, the chosen
    ones (in the report's order) for a special one."""
    if kind == Kind.COMPREHENSIVE:
        return tuple(Section.values)
    return tuple(code for code in Section.values if code in chosen)


def holds_at(user: Any, perm: str, region: Region) -> bool:
    """Whether ``user`` holds ``perm`` over the whole of ``region`` (at it or above it)."""
    if not user.has_permission(perm):
        return False
    return any(region.path.startswith(p) for p in user.jurisdiction(perm).region_paths)


# --- The parts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    card: values.Card
    trend: dict[str, Any]  # charts.trend: years, values, targets, baselines

    def by_year(self, years: list[str]) -> list[tuple[Any, Any]]:
        """(figure, target) for each of ``years``; None where there is none."""
        points = dict(
            zip(
                self.trend["years"],
                zip(self.trend["values"], self.trend["targets"], strict=True),
                strict=True,
            )
        )
        return [points.get(year, (None, None)) for year in years]


@dataclass
class IndicatorsPart:
    rows: list[IndicatorRow]
    years: list[str]
    computed_at: datetime | None

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(status, label, how many indicators) for each status that occurs."""
        found = Counter(row.card.status for row in self.rows)
        return [(s.value, str(s.label), found[s.value]) for s in Status if found[s.value]]

    @property
    def trend_table(self) -> list[tuple[IndicatorRow, list[tuple[Any, Any]]]]:
        """Each indicator with its (figure, target) for every year of the report."""
        return [(row, row.by_year(self.years)) for row in self.rows]

    @property
    def binding_lagging(self) -> list[values.Card]:
        return [row.card for row in self.rows if row.card.is_alert]

    def chart_data(self) -> list[dict[str, Any]]:
        """What the page's small trend charts draw (every number is also in the trend table)."""
        return [
            {
                "code": row.card.indicator.code,
                "unit": row.card.indicator.unit_label,
                **row.trend,
            }
            for row in self.rows
        ]


@dataclass(frozen=True)
class StandardsPart:
    met: int
    assessed: int
    total: int
    goal_share: Decimal = GOAL_SHARE
    goal_year: int = GOAL_YEAR

    @property
    def share(self) -> Decimal | None:
        return percent(self.met, self.total)

    @property
    def unassessed(self) -> int:
        return self.total - self.assessed

    @property
    def goal_met(self) -> bool:
        return self.share is not None and self.share >= self.goal_share


@dataclass(frozen=True)
class ProjectsPart:
    projects: int
    by_status: list[tuple[str, int]]  # (label, count) in the workflow's order
    milestones_due: int
    milestones_done: int
    milestones_done_on_time: int
    milestones_overdue: int

    @property
    def on_time_share(self) -> Decimal | None:
        return percent(self.milestones_done_on_time, self.milestones_due)


@dataclass(frozen=True)
class CasesPart:
    period: statistics.Period
    allowed: bool
    stats: statistics.CaseStatistics | None = None


@dataclass(frozen=True)
class VisitsPart:
    card: values.Card | None
    month: date | None  # None: no month of the year has begun
    allowed: bool
    table: compliance.Dashboard | None = None


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@dataclass(frozen=True)
class CoveragePart:
    allowed: bool
    run: CoverageRun | None = None
    total: coverage.RegionCoverage | None = None
    parts: list[coverage.RegionCoverage] = field(default_factory=list)
    requirements: list[CircleRequirement] = field(default_factory=list)

    def requirement_rows(self) -> list[tuple[str, coverage.Share, float | None, float | None]]:
        """The region's share for each requirement, labelled ``circle · category``, with the
        households' and the elderly's share in percent."""
        if self.total is None:
            return []
        rows = []
        for req in self.requirements:
            share = self.total.by_requirement.get((req.circle_id, req.category))
            if share is not None:
                label = f"{req.circle.label} · {req.get_category_display()}"
                rows.append(
                    (label, share, _percent(share.household_share), _percent(share.elderly_share))
                )
        return rows


@dataclass
class EvaluationReport:
    region: Region
    year: int
    kind: str
    sections: tuple[str, ...]
    made_at: datetime
    indicators: IndicatorsPart | None = None
    standards: StandardsPart | None = None
    projects: ProjectsPart | None = None
    cases: CasesPart | None = None
    visits: VisitsPart | None = None
    coverage: CoveragePart | None = None

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def section_labels(self) -> list[str]:
        return [str(Section(code).label) for code in self.sections]


# --- Building the report ----------------------------------------------------------------------------


def _indicators(cards: list[values.Card], region: Region) -> IndicatorsPart:
    # Two queries per indicator (its figures and its targets by year): bounded by the 13 of the plan.
    found = charts.trends(region, [card.indicator for card in cards])
    rows = [IndicatorRow(card, found[card.indicator.code]) for card in cards]
    years = sorted({year for row in rows for year in row.trend["years"]})
    computed = [c.row.computed_at for c in cards if c.row is not None]
    return IndicatorsPart(rows=rows, years=years, computed_at=max(computed, default=None))


def _projects(region: Region, year: int) -> ProjectsPart:
    found = project_progress(region, year)
    return ProjectsPart(
        projects=found["projects"],
        by_status=[
            (str(label), found["by_status"].get(code, 0)) for code, label in ProjectStatus.choices
        ],
        milestones_due=found["milestones_due"],
        milestones_done=found["milestones_done"],
        milestones_done_on_time=found["milestones_done_on_time"],
        milestones_overdue=found["milestones_overdue"],
    )


def _cases(user: Any, region: Region, year: int) -> CasesPart:
    period = statistics.Period(date(year, 1, 1), date(year, 12, 31))
    if not holds_at(user, CasesPerm.STATISTICS, region):
        return CasesPart(period=period, allowed=False)
    stats = statistics.case_statistics(user, period=period, code=region.code)
    return CasesPart(period=period, allowed=True, stats=stats)


def visits_month(year: int, today: date | None = None) -> date | None:
    """The month whose visits the report reads: the year's last, or this month for the running
    year; None for a year not begun."""
    today = today or calendar.localdate()
    if year < today.year:
        return date(year, 12, 1)
    if year == today.year:
        return today.replace(day=1)
    return None


def _visits(user: Any, region: Region, year: int, cards: list[values.Card]) -> VisitsPart:
    card = next((c for c in cards if c.indicator.code == VISITS_INDICATOR), None)
    month = visits_month(year)
    if not holds_at(user, CarePerm.VIEW, region):
        return VisitsPart(card=card, month=month, allowed=False)
    table = compliance.dashboard(user, region, month) if month is not None else None
    return VisitsPart(card=card, month=month, allowed=True, table=table)


def _coverage(user: Any, region: Region) -> CoveragePart:
    if not holds_at(user, FacilitiesPerm.VIEW, region):
        return CoveragePart(allowed=False)
    run = coverage.latest_run(region)
    if run is None:
        return CoveragePart(allowed=True)
    total, parts = coverage.summary(user, region, run)
    return CoveragePart(
        allowed=True, run=run, total=total, parts=parts, requirements=coverage.requirements()
    )


def evaluation_report(
    user: Any, region: Region, year: int, *, kind: str, sections: tuple[str, ...]
) -> EvaluationReport:
    """The report of ``region`` (which the caller found in ``user``'s jurisdiction for
    ``indicators.view``) for ``year`` with ``sections`` (see ``section_codes``)."""
    report = EvaluationReport(
        region=region,
        year=year,
        kind=kind,
        sections=sections,
        made_at=calendar.localtime(calendar.now()),
    )
    cards = (
        values.cards(region, year)
        if Section.INDICATORS in sections or Section.VISITS in sections
        else []
    )
    if Section.INDICATORS in sections:
        report.indicators = _indicators(cards, region)
    if Section.STANDARDS in sections:
        report.standards = StandardsPart(*six_standards_share(region, year))
    if Section.PROJECTS in sections:
        report.projects = _projects(region, year)
    if Section.CASES in sections:
        report.cases = _cases(user, region, year)
    if Section.VISITS in sections:
        report.visits = _visits(user, region, year, cards)
    if Section.COVERAGE in sections:
        report.coverage = _coverage(user, region)
    return report


# --- The workbook -----------------------------------------------------------------------------------


def _number(value: Any) -> Any:
    """A figure for a cell: the number, or a dash where there is none."""
    if value is None:
        return "—"
    return float(value) if isinstance(value, Decimal) else value


def _rate(rate: statistics.Rate) -> Any:
    return _number(rate.percent)


def _status_label(status: str) -> str:
    return str(Status(status).label)


class _Book:
    """The stamped workbook's further sheets: a bold title and header, then safe rows."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.bold = Font(bold=True)
        self.sheet: Any = None

    def _bold(self, values: list[Any]) -> list[WriteOnlyCell]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=str(value))
            cell.font = self.bold
            cells.append(cell)
        return cells

    def sheet_for(self, name: str, title: str, note: str) -> None:
        self.sheet = self.workbook.create_sheet(name[:31])
        self.sheet.oddHeader.center.text = note
        self.sheet.append(self._bold([title]))
        self.sheet.append([note])

    def header(self, values: list[Any]) -> None:
        self.sheet.append(self._bold(values))

    def row(self, values: list[Any]) -> None:
        self.sheet.append(safe_row(values))

    def gap(self) -> None:
        self.sheet.append([])


def _indicators_sheet(book: _Book, part: IndicatorsPart) -> None:
    book.header(
        [
            _("序号"), _("指标"), _("单位"), _("性质"), _("基线年份"), _("基线"), _("数值"),
            _("目标年份"), _("目标"), _("状态"), _("分子"), _("分母"), _("缺数单位数"),
            _("缺少的数据"),
        ]
    )  # fmt: skip
    for row in part.rows:
        card, goal = row.card, row.card.goal
        binding = _("约束性") if goal and goal.is_binding else _("预期性") if goal else ""
        book.row(
            [
                card.indicator.number,
                str(card.indicator.name),
                card.indicator.unit_label,
                binding,
                goal.baseline_year if goal and goal.baseline_year else "",
                _number(goal.baseline) if goal else "—",
                _number(card.value),
                goal.target_year if goal and goal.target_year else "",
                _number(goal.target) if goal else "—",
                _status_label(card.status),
                _number(card.row.numerator) if card.row else "—",
                _number(card.row.denominator) if card.row else "—",
                card.row.missing_units if card.row else "",
                enumerate_items(card.row.reasons) if card.row and card.row.missing else "",
            ]
        )
    book.gap()
    book.header([_("历年数值"), _("项目"), *part.years])
    for row in part.rows:
        name = f"{row.card.indicator.number}. {row.card.indicator.short_name}"
        points = row.by_year(part.years)
        book.row([name, _("实际值"), *[_number(v) for v, _t in points]])
        if any(t is not None for _v, t in points):
            book.row([name, _("目标值"), *[_number(t) for _v, t in points]])


def _standards_sheet(book: _Book, part: StandardsPart) -> None:
    book.header([_("项目"), _("数值")])
    book.row([_("村(社区)总数"), part.total])
    book.row([_("已完成评定"), part.assessed])
    book.row([_("六项全部达标"), part.met])
    book.row([_("未评定或未审核"), part.unassessed])
    book.row([_("达标比例(%)"), _number(part.share)])
    book.row([_("目标(%)"), _number(part.goal_share)])
    book.row([_("目标年份"), part.goal_year])
    book.row([_("达到目标"), _("是") if part.goal_met else _("否")])


def _projects_sheet(book: _Book, part: ProjectsPart) -> None:
    book.header([_("项目"), _("数值")])
    book.row([_("年内实施的工作项目"), part.projects])
    for label, count in part.by_status:
        book.row([_("其中：%(status)s") % {"status": label}, count])
    book.row([_("年内到期节点"), part.milestones_due])
    book.row([_("已完成节点"), part.milestones_done])
    book.row([_("按期完成节点"), part.milestones_done_on_time])
    book.row([_("逾期未完成节点"), part.milestones_overdue])
    book.row([_("节点按期完成率(%)"), _number(part.on_time_share)])


def _cases_sheet(book: _Book, part: CasesPart) -> None:
    if part.stats is None:
        book.row([_("您没有查看本地区工单统计的权限，本部分未列出。")])
        return
    book.header(
        [
            _("区域"), _("收件量"), _("响应率(%)"), _("按期办结率(%)"), _("解决率(%)"),
            _("满意率(%)"), _("办结"), _("评价数"), _("在办"), _("超期"),
        ]
    )  # fmt: skip

    def line(name: str, t: statistics.Tally) -> list[Any]:
        return [
            name, t.received, _rate(t.response_rate), _rate(t.on_time_rate),
            _rate(t.resolution_rate), _rate(t.satisfaction_rate), t.closed, t.ratings, t.open,
            t.overdue,
        ]  # fmt: skip

    for region, tally in part.stats.parts:
        book.row(line(region.name, tally))
    book.row(line(_("合计"), part.stats.total))


def _visits_sheet(book: _Book, part: VisitsPart) -> None:
    card = part.card
    if card is not None:
        book.header([_("指标"), _("数值"), _("目标"), _("状态")])
        book.row(
            [
                f"{card.indicator.number}. {card.indicator.name}",
                _number(card.value),
                _number(card.goal.target) if card.goal else "—",
                _status_label(card.status),
            ]
        )
        book.gap()
    if not part.allowed:
        book.row([_("您没有查看本地区探访情况的权限，探访完成情况未列出。")])
        return
    if part.table is None or part.month is None:
        book.row([_("该年度尚未开始，没有探访计划。")])
        return
    book.row([_("%(month)s 探访完成情况") % {"month": part.month.strftime("%Y-%m")}])
    book.header(
        [
            _("地区"), _("应探访"), _("已完成"), _("按时完成"), _("逾期未探访"), _("完成率(%)"),
            _("特困应探访"), _("特困已完成"), _("特困完成率(%)"),
        ]
    )  # fmt: skip

    def line(name: str, r: compliance.RateRow) -> list[Any]:
        return [
            name, r.due, r.done, r.on_time, r.overdue, _number(r.rate), r.hardship_due,
            r.hardship_done, _number(r.hardship_rate),
        ]  # fmt: skip

    for r in part.table.rows:
        book.row(line(r.place.name if r.place is not None else _("未划入网格"), r))
    book.row(line(_("合计"), part.table.total))


def _coverage_sheet(book: _Book, part: CoveragePart) -> None:
    if not part.allowed:
        book.row([_("您没有查看本地区生活圈覆盖情况的权限，本部分未列出。")])
        return
    if part.run is None or part.total is None:
        book.row([_("还没有生活圈覆盖计算结果。")])
        return
    finished = calendar.localtime(part.run.finished_at) if part.run.finished_at else None
    book.row(
        [
            _("计算时间：%(when)s")
            % {"when": finished.strftime("%Y-%m-%d %H:%M") if finished else "—"}
        ]
    )
    book.header(
        [
            _("配置要求"), _("户数"), _("覆盖户数"), _("户数覆盖率(%)"), _("老年人"),
            _("覆盖老年人"), _("老年人覆盖率(%)"),
        ]
    )  # fmt: skip
    for label, share, households, elderly in part.requirement_rows():
        book.row(
            [
                label, share.households, share.covered_households, _number(households),
                share.elderly, share.covered_elderly, _number(elderly),
            ]
        )  # fmt: skip
    book.gap()
    book.header([_("地区"), _("生活圈得分")])
    for child in part.parts:
        book.row([child.region.name, _number(child.score)])
    book.row([_("合计"), _number(part.total.score)])


def export(*, user: Any, report: EvaluationReport) -> ExportFile:
    """The report as a workbook: a cover naming the region, year, kind, who made it and when, then
    one sheet per section. Aggregates only — no names of residents. Audited."""
    now = report.made_at
    title = _("%(place)s %(year)s年%(kind)s") % {
        "place": report.region.name,
        "year": report.year,
        "kind": report.kind_label,
    }
    note = _("导出人：%(who)s　导出时间：%(when)s　仅限工作使用") % {
        "who": exported_by(user),
        "when": now.strftime("%Y-%m-%d %H:%M"),
    }
    cover = stamped_sheet(
        user, title, [_("项目"), _("内容")], sheet_name=_("封面"), note=note, now=now
    )
    cover.append([_("地区"), report.region.name])
    cover.append([_("区划代码"), report.region.code])
    cover.append([_("年度"), report.year])
    cover.append([_("评估类型"), report.kind_label])
    cover.append([_("评估内容"), "、".join(report.section_labels)])
    cover.append([_("导出人"), exported_by(user)])
    cover.append([_("导出时间"), now.strftime("%Y-%m-%d %H:%M")])
    if report.indicators is not None and report.indicators.computed_at is not None:
        computed = calendar.localtime(report.indicators.computed_at)
        cover.append([_("指标计算时间"), computed.strftime("%Y-%m-%d %H:%M")])
    book = _Book(cover.workbook)
    writers: list[tuple[str, Any, Any]] = [
        (Section.INDICATORS, report.indicators, _indicators_sheet),
        (Section.STANDARDS, report.standards, _standards_sheet),
        (Section.PROJECTS, report.projects, _projects_sheet),
        (Section.CASES, report.cases, _cases_sheet),
        (Section.VISITS, report.visits, _visits_sheet),
        (Section.COVERAGE, report.coverage, _coverage_sheet),
    ]
    for code, part, write in writers:
        if part is None:
            continue
        label = str(Section(code).label)
        book.sheet_for(label, f"{title} · {label}", note)
        write(book, part)
    with transaction.atomic():
        audit.record(
            "indicators.evaluation_export",
            actor=user,
            object_type="territory.Region",
            object_id=str(report.region.pk),
            object_repr=f"{report.region.name} {report.year} {report.kind_label}"[:200],
            region=report.region,
        )
    return ExportFile(
        f"evaluation-{report.kind}-{report.region.code}-{report.year}.xlsx",
        cover.content(),
        len(report.sections),
    )
