"""Visit compliance (G2): how a place keeps its visiting rules, read from the visit plans.

- ``dashboard(user, region, month, group)``: per child of the chosen place (county → townships →
  communities → grids) and in total, the plans due in the month (not cancelled), done, done on time,
  overdue (due date passed, not done) and the rate done / due; special-hardship elderly
  (``extreme_poverty``, 100 % target) separately. A place with no plans has no rate ("no plans",
  never 0 % nor 100 %). Every figure comes from two aggregate queries grouped by the child a plan's
  path lies under (``territory.queries.grouped_by_child``), whatever the size of the place.
- ``overdue_plans`` (and ``export_overdue``), ``workload``, ``never_visited``: the lists behind it.
- **Indicator 10** (hardship visiting mechanism, 探访关爱机制), for the indicators app (issue #10)::

      hardship_visiting(community_ids: Iterable[int], month: date)
          -> dict[int, {"rules_set": bool, "due": int, "done": int, "counts": bool}]

  ``month`` is any day of the month. A community counts when its rules are set (an active
  ``VisitRule`` for ``extreme_poverty`` at the community or a region above it) and the month's
  required visits of special-hardship elderly (plans due in the month, not cancelled) are all done;
  a community with rules and nothing due that month counts, one without rules never does. Three
  queries whatever the number of communities. Not scoped: the caller decides which communities.

      hardship_visiting_share(region: Region, month: date) -> HardshipShare
          (communities, counting, share: Decimal | None — percent, one decimal; None without
          communities)

  the share of the communities under ``region`` that count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.care.models import VisitPlan, VisitPlanStatus, VisitRule
from shequ.care.models.visits import Visit
from shequ.care.permissions import CarePerm
from shequ.core import audit, calendar
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.masking import mask_name
from shequ.core.scoping import scoped
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.territory.models import Grid, Level, Region
from shequ.territory.queries import child_regions, grouped_by_child, region_in_scope

PERM = CarePerm.VIEW
EXPORT_PERM = CarePerm.STATISTICS
HARDSHIP = CareGroup.EXTREME_POVERTY
NEVER_VISITED_RECENT_DAYS = 90
MAX_EXPORT_ROWS = 50_000
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --- Months and places ---------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(start: date) -> date:
    """The last day of the month starting ``start``."""
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def current_month() -> date:
    return month_start(calendar.localdate())


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; empty → this month."""
    text = (text or "").strip()
    if not text:
        return current_month()
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValidationError({"month": _("月份格式不正确，应为“年-月”，例如 2026-05。")})
    return date(int(found.group(1)), int(found.group(2)), 1)


def default_region(user: Any, perm: str = PERM) -> Region:
    """The user's top place for ``perm`` (a grid worker: their grid's community)."""
    where = user.jurisdiction(perm)
    tops = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not tops:
        raise Http404
    return Region.objects.defer("geometry").get(path=tops[0])


def chosen_region(user: Any, code: str, perm: str = PERM) -> Region:
    """The region with ``code`` in the user's jurisdiction (404 outside), else their top place."""
    return region_in_scope(user, code, perm) if (code or "").strip() else default_region(user, perm)


def visible_plans(user: Any, perm: str = PERM) -> QuerySet[VisitPlan]:
    return scoped(VisitPlan.objects.all(), user, perm)


def child_grids(user: Any, community: Region, perm: str = PERM) -> list[Grid]:
    """The top-level grids of a community the user may see, by code."""
    grids = Grid.objects.filter(community=community, is_micro=False).defer("geometry")
    return list(scoped(grids, user, perm).order_by("code"))


def _checked_group(group: str) -> str:
    group = (group or "").strip()
    if group and group not in CareGroup.values:
        raise ValidationError({"group": _("关爱类别不正确。")})
    return group


# --- The dashboard -------------------------------------------------------------------------------


def _rate(done: int, due: int) -> Decimal | None:
    if not due:
        return None
    return (Decimal(done) * 100 / due).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class RateRow:
    """One place's figures for a month. ``place`` is a Region or (below a community) a Grid; ``None``
    is the row of plans in no grid."""

    place: Region | Grid | None
    due: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    hardship_due: int = 0
    hardship_done: int = 0

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.done, self.due)

    @property
    def hardship_rate(self) -> Decimal | None:
        return _rate(self.hardship_done, self.hardship_due)

    @property
    def hardship_short(self) -> bool:
        """Below the 100 % target for special-hardship elderly."""
        return self.hardship_due > 0 and self.hardship_done < self.hardship_due

    @property
    def is_grid(self) -> bool:
        return isinstance(self.place, Grid)

    def fill(self, row: dict[str, Any]) -> None:
        for name in ("due", "done", "on_time", "overdue", "hardship_due", "hardship_done"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))


@dataclass
class Dashboard:
    region: Region
    month: date
    group: str
    total: RateRow
    rows: list[RateRow] = field(default_factory=list)

    @property
    def month_code(self) -> str:
        return self.month.strftime("%Y-%m")


def _month_plans(user: Any, region: Region, month: date, group: str) -> QuerySet[VisitPlan]:
    plans = visible_plans(user).filter(
        community__path__under=region.path,
        due_date__gte=month,
        due_date__lte=month_end(month),
    )
    plans = plans.exclude(status=VisitPlanStatus.CANCELLED)
    return plans.filter(group=group) if group else plans


def _rate_aggregates(today: date) -> dict[str, Any]:
    done = Q(status=VisitPlanStatus.DONE)
    hardship = Q(group=HARDSHIP)
    # Done on time: on or before the due date, read in local time (Asia/Shanghai).
    on_time = done & Q(done_at__date__lte=F("due_date"))
    return {
        "due": Count("id"),
        "done": Count("id", filter=done),
        "on_time": Count("id", filter=on_time),
        "overdue": Count("id", filter=Q(status=VisitPlanStatus.PLANNED, due_date__lt=today)),
        "hardship_due": Count("id", filter=hardship),
        "hardship_done": Count("id", filter=hardship & done),
    }


def dashboard(user: Any, region: Region, month: date, group: str = "") -> Dashboard:
    """Visit rates of ``region`` (which ``user`` may see) for ``month`` per child and in total."""
    group = _checked_group(group)
    today = calendar.localdate()
    plans = _month_plans(user, region, month, group)
    aggregates = _rate_aggregates(today)
    total = RateRow(place=region)
    total.fill(plans.aggregate(**aggregates))
    table = Dashboard(region=region, month=month, group=group, total=total)
    if region.level == Level.COMMUNITY:
        grids = child_grids(user, region)
        rows = {grid.path: RateRow(place=grid) for grid in grids}
        loose = RateRow(place=None)
        for path, row in grouped_by_child(plans, "grid__path", cast(Any, grids), **aggregates):
            (rows[path] if path is not None else loose).fill(row)
        table.rows = list(rows.values())
        if loose.due:
            table.rows.append(loose)
    else:
        children = child_regions(user, region, PERM)
        rows = {child.path: RateRow(place=child) for child in children}
        for path, row in grouped_by_child(plans, "community__path", children, **aggregates):
            if path is not None:
                rows[path].fill(row)
        table.rows = list(rows.values())
    return table


# --- Today ---------------------------------------------------------------------------------------


@dataclass
class TodayRow:
    """A place's visits of today: plans due today (not cancelled), plans done today (whatever their
    due date), and plans overdue now (due date passed, not done)."""

    due_today: int = 0
    done_today: int = 0
    overdue: int = 0

    def fill(self, row: dict[str, Any]) -> None:
        for name in ("due_today", "done_today", "overdue"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))


def visits_today(
    user: Any, region: Region, children: list[Region], perm: str = PERM
) -> tuple[TodayRow, dict[str, TodayRow]]:
    """Today's visits of ``region`` as ``user`` may see them (for ``perm``), in total and per child
    path of ``children``. One grouped query whatever the number of children."""
    today = calendar.localdate()
    start = calendar.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    done_today = Q(
        status=VisitPlanStatus.DONE, done_at__gte=start, done_at__lt=start + timedelta(days=1)
    )
    due_today = Q(due_date=today) & ~Q(status=VisitPlanStatus.CANCELLED)
    overdue = Q(status=VisitPlanStatus.PLANNED, due_date__lt=today)
    plans = visible_plans(user, perm).filter(community__path__under=region.path)
    plans = plans.filter(due_today | done_today | overdue)
    total = TodayRow()
    rows: dict[str, TodayRow] = {}
    for path, row in grouped_by_child(
        plans,
        "community__path",
        children,
        due_today=Count("id", filter=due_today),
        done_today=Count("id", filter=done_today),
        overdue=Count("id", filter=overdue),
    ):
        total.fill(row)
        if path is not None:
            rows.setdefault(path, TodayRow()).fill(row)
    return total, rows


# --- The overdue list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueFilters:
    region: Region | None = None
    grid: Grid | None = None
    group: str = ""


def overdue_plans(user: Any, filters: OverdueFilters, perm: str = PERM) -> QuerySet[VisitPlan]:
    """Plans past their due date and not done, in the user's jurisdiction, most overdue first."""
    plans = visible_plans(user, perm).filter(
        status=VisitPlanStatus.PLANNED, due_date__lt=calendar.localdate()
    )
    if filters.region is not None:
        plans = plans.filter(community__path__under=filters.region.path)
    if filters.grid is not None:
        plans = plans.filter(grid__path__under=filters.grid.path)
    if filters.group:
        plans = plans.filter(group=_checked_group(filters.group))
    return (
        plans.select_related("resident", "community", "grid", "visitor")
        .only(
            "pk",
            "group",
            "mode",
            "due_date",
            "period_start",
            "status",
            "resident__name",
            "community__name",
            "community__code",
            "grid__name",
            "grid__code",
            "visitor__full_name",
            "visitor__username",
        )
        .order_by("due_date", "pk")
    )


def grid_in_region(user: Any, code: str, region: Region, perm: str = PERM) -> Grid:
    """A grid by code under ``region`` inside the user's jurisdiction; 404 otherwise."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()):
        raise Http404
    grid = (
        scoped(Grid.objects.defer("geometry"), user, perm)
        .filter(code=code, path__under=region.path)
        .first()
    )
    if grid is None:
        raise Http404
    return grid


def days_overdue(plan: VisitPlan, today: date | None = None) -> int:
    return ((today or calendar.localdate()) - plan.due_date).days


def visitor_name(plan: VisitPlan) -> str:
    if plan.visitor_id is None or plan.visitor is None:
        return ""
    return plan.visitor.full_name or plan.visitor.get_username()


def export_overdue(*, user: Any, filters: OverdueFilters) -> ExportFile:
    """The overdue list as a workbook: names masked, no ID number, phone or address; audited."""
    found = overdue_plans(user, filters, EXPORT_PERM)
    total = found.count()
    check_export_size(
        total,
        MAX_EXPORT_ROWS,
        _("逾期探访有 %(n)s 条，超过一次导出的上限 %(max)s 条，请缩小范围。"),
    )
    today = calendar.localdate()
    sheet = stamped_sheet(
        user,
        _("逾期未探访名单"),
        [
            _("姓名"),
            _("关爱类别"),
            _("探访方式"),
            _("村(社区)"),
            _("网格"),
            _("探访人"),
            _("应探访日期"),
            _("逾期天数"),
        ],
    )
    for plan in found.iterator(chunk_size=2000):
        sheet.append(
            [
                mask_name(plan.resident.name),
                plan.get_group_display(),
                plan.get_mode_display(),
                plan.community.name,
                plan.grid.name if plan.grid_id and plan.grid else "",
                visitor_name(plan) or _("未指派"),
                plan.due_date.isoformat(),
                days_overdue(plan, today),
            ]
        )
    with transaction.atomic():
        audit.record(
            "care.overdue_export",
            actor=user,
            object_type="care.VisitPlan",
            object_repr=_("逾期未探访名单 %(n)s 条") % {"n": total},
            region=filters.region,
        )
    stamp = calendar.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(f"overdue-visits-{stamp}.xlsx", sheet.content(), total)


# --- Visitors' workload --------------------------------------------------------------------------


@dataclass
class Workload:
    region: Region
    month: date
    visitors: QuerySet[
        Any
    ]  # rows: visitor, visitor__full_name, visitor__username, assigned, done, overdue
    unassigned: list[dict[str, Any]]  # rows: community__code, community__name, count

    @property
    def month_code(self) -> str:
        return self.month.strftime("%Y-%m")


def workload(user: Any, region: Region, month: date) -> Workload:
    """Per visitor: plans of the month assigned to them, done and overdue; and plans of the month
    nobody is assigned to, per community. Two grouped queries (the first paged by the caller)."""
    today = calendar.localdate()
    plans = _month_plans(user, region, month, "")
    visitors = (
        plans.filter(visitor__isnull=False)
        .values("visitor", "visitor__full_name", "visitor__username")
        .annotate(
            assigned=Count("id"),
            done=Count("id", filter=Q(status=VisitPlanStatus.DONE)),
            overdue=Count("id", filter=Q(status=VisitPlanStatus.PLANNED, due_date__lt=today)),
        )
        .order_by("-overdue", "visitor__full_name", "visitor")
    )
    unassigned = list(
        plans.filter(visitor__isnull=True, status=VisitPlanStatus.PLANNED)
        .values("community__code", "community__name")
        .annotate(count=Count("id"))
        .order_by("community__code")
    )
    return Workload(region=region, month=month, visitors=visitors, unassigned=unassigned)


# --- Never visited -------------------------------------------------------------------------------


def _groups_in_force_q(region: Region, today: date) -> Q | None:
    """Residents of ``region`` in a care group whose visiting rule reaches their community (an
    active rule at the community or above it, or below ``region`` for part of it); None when no
    rule reaches any of it."""
    ancestors = [region.path[: i + 1] for i, c in enumerate(region.path) if c == "/"]
    rules = VisitRule.objects.filter(is_active=True).filter(
        Q(region__path__in=ancestors) | Q(region__path__under=region.path)
    )
    paths_by_group: dict[str, set[str]] = {}
    for path, group in rules.values_list("region__path", "group"):
        paths_by_group.setdefault(group, set()).add(path)
    condition: Q | None = None
    for group, paths in sorted(paths_by_group.items()):
        tagged = CareGroupTag.objects.filter(
            resident=OuterRef("pk"), group=group, start_date__lte=today
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        where = Q()
        for path in sorted(paths):
            where |= Q(community__path__under=path)
        part = Q(Exists(tagged)) & where
        condition = part if condition is None else condition | part
    return condition


def never_visited(user: Any, region: Region, *, recent: bool = False) -> QuerySet[Resident]:
    """Current care-group residents of ``region`` whose group has a rule in force, with no visit
    ever recorded (``recent``: none in the last 90 days), annotated with ``last_visit``."""
    today = calendar.localdate()
    condition = _groups_in_force_q(region, today)
    if condition is None:
        return Resident.objects.none()
    visits = Visit.objects.filter(resident=OuterRef("pk"))
    if recent:
        since = calendar.now() - timedelta(days=NEVER_VISITED_RECENT_DAYS)
        missing = ~Exists(visits.filter(visited_at__gte=since))
    else:
        missing = ~Exists(visits)
    last = visits.order_by().values("resident").annotate(last=Max("visited_at")).values("last")
    current_tags = CareGroupTag.objects.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    residents = (
        scoped(Resident.objects.all(), user, PERM)
        .filter(community__path__under=region.path, status=LifeStatus.ACTIVE)
        .filter(condition)
        .filter(missing)
        .annotate(last_visit=Subquery(last))
        .select_related("community", "grid")
        .only("pk", "name", "community__name", "grid__name", "community_id", "grid_id")
        .order_by("community__path", "name", "pk")
    )
    return residents.prefetch_related(
        Prefetch(
            "care_tags",
            queryset=current_tags.only("pk", "resident_id", "group"),
            to_attr="tags_now",
        )
    )


# --- Indicator 10 ----------------------------------------------------------------------------------


class HardshipRow(TypedDict):
    rules_set: bool
    due: int
    done: int
    counts: bool


@dataclass(frozen=True)
class HardshipShare:
    region: Region
    month: date
    communities: int
    counting: int
    rows: dict[int, HardshipRow]

    @property
    def share(self) -> Decimal | None:
        return _rate(self.counting, self.communities)


def _hardship(communities: list[tuple[int, str]], month: date) -> dict[int, HardshipRow]:
    if not communities:
        return {}
    start = month_start(month)
    rule_paths = list(
        VisitRule.objects.filter(is_active=True, group=HARDSHIP).values_list(
            "region__path", flat=True
        )
    )
    ids = [pk for pk, _path in communities]
    figures = {
        row["community_id"]: row
        for row in VisitPlan.objects.filter(
            community_id__in=ids,
            group=HARDSHIP,
            due_date__gte=start,
            due_date__lte=month_end(start),
        )
        .exclude(status=VisitPlanStatus.CANCELLED)
        .values("community_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(status=VisitPlanStatus.DONE)))
        .order_by()
    }
    result: dict[int, HardshipRow] = {}
    for pk, path in communities:
        rules_set = any(path.startswith(rule) for rule in rule_paths)
        row = figures.get(pk, {})
        due, done = row.get("due") or 0, row.get("done") or 0
        result[pk] = HardshipRow(
            rules_set=rules_set, due=due, done=done, counts=rules_set and done >= due
        )
    return result


def hardship_visiting(community_ids: Iterable[int], month: date) -> dict[int, HardshipRow]:
    """Indicator 10 per community (see the module docstring)."""
    ids = list(community_ids)
    communities = list(
        Region.objects.filter(pk__in=ids, level=Level.COMMUNITY).values_list("pk", "path")
    )
    return _hardship(communities, month)


def hardship_visiting_share(region: Region, month: date) -> HardshipShare:
    """Indicator 10 for a place: the share of its communities that count."""
    communities = list(
        Region.objects.filter(path__under=region.path, level=Level.COMMUNITY).values_list(
            "pk", "path"
        )
    )
    rows = _hardship(communities, month)
    return HardshipShare(
        region=region,
        month=month_start(month),
        communities=len(rows),
        counting=sum(1 for row in rows.values() if row["counts"]),
        rows=rows,
    )


def visible_hardship_share(user: Any, region: Region, month: date) -> HardshipShare:
    """Indicator 10 for a place as ``user`` may read it: the communities under ``region`` in their
    jurisdiction for ``care.view``."""
    communities = list(
        scoped(
            Region.objects.filter(path__under=region.path, level=Level.COMMUNITY), user, PERM
        ).values_list("pk", "path")
    )
    rows = _hardship(communities, month)
    return HardshipShare(
        region=region,
        month=month_start(month),
        communities=len(rows),
        counting=sum(1 for row in rows.values() if row["counts"]),
        rows=rows,
    )


def hardship_rows(share: HardshipShare) -> list[tuple[Region, HardshipRow]]:
    """The communities of a share with their figures, by code (one query)."""
    regions = Region.objects.filter(pk__in=list(share.rows)).defer("geometry").order_by("code")
    return [(region, share.rows[region.pk]) for region in regions]


def overdue_count(user: Any) -> int:
    """Plans past due and not done in the user's jurisdiction (the console's "needs attention")."""
    return (
        visible_plans(user)
        .filter(status=VisitPlanStatus.PLANNED, due_date__lt=calendar.localdate())
        .count()
    )
