"""Published volunteer statistics per region and period, the CSV layout for upload to the provincial
and national volunteer systems (``docs/volunteer-export.md``), and the volunteers party of
five-party linkage.

Per region and period: **registered** volunteers (approved — active or suspended — by the period's
end), **active** volunteers (at least one confirmed attendance of an activity starting in the
period), confirmed **hours**, **activities** held (finished or settled, starting in the period) and
**people served** (the organisers' counts). Each figure is one query grouped by child path prefix,
whatever the region's level: a city costs the same few queries as a community.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.organizations import linkage
from shequ.territory import queries as territory
from shequ.territory.models import Level, Region
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    Volunteer,
    VolunteerActivity,
    VolunteerStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm

HELD = (ActivityStatus.FINISHED, ActivityStatus.SETTLED)
REGISTERED = (VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


# --- Periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatPeriod:
    """A year (``2026``), quarter (``2026Q3``) or month (``2026-11``)."""

    start: date
    end: date
    code: str

    @property
    def label(self) -> str:
        if "Q" in self.code:
            year, quarter = self.code.split("Q")
            return _("%(year)s年第%(q)s季度") % {"year": year, "q": quarter}
        if "-" in self.code:
            year, month = self.code.split("-")
            return _("%(year)s年%(month)s月") % {"year": year, "month": int(month)}
        return _("%(year)s年") % {"year": self.code}

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as local moments: from its first day's start to the next day after its end."""
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), zone),
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), zone),
        )


def parse_period(text: str) -> StatPeriod:
    """``2026``, ``2026Q3`` or ``2026-11``; anything else refused with the expected forms."""
    text = (text or "").strip()
    month = _MONTH_RE.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 2000 <= year <= 2100 or not 1 <= number <= 12:
            raise ValidationError(
                {"period": _("统计月份不正确：年份应在 2000～2100 之间，月份在 1～12 之间。")},
                code="period",
            )
        start = date(year, number, 1)
        following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
        return StatPeriod(start, following - timedelta(days=1), f"{year}-{number:02d}")
    try:
        found = linkage.parse_period(text)
    except ValidationError:
        raise ValidationError(
            {"period": _("统计期应写成年份、季度或月份，例如 2026、2026Q3 或 2026-11。")},
            code="period",
        ) from None
    return StatPeriod(found.start, found.end, found.code)


def current_period(today: date | None = None) -> StatPeriod:
    day = today or timezone.localdate()
    return parse_period(str(day.year))


def period_choices(today: date | None = None) -> list[tuple[str, str]]:
    """The periods the picker offers: this year and last, their quarters, and the last 12 months."""
    day = today or timezone.localdate()
    codes: list[str] = []
    for year in (day.year, day.year - 1):
        codes.append(str(year))
        codes += [f"{year}Q{q}" for q in range(1, 5) if date(year, 3 * q - 2, 1) <= day]
    month = date(day.year, day.month, 1)
    for _n in range(12):
        codes.append(f"{month.year}-{month.month:02d}")
        month = (month - timedelta(days=1)).replace(day=1)
    return [(code, parse_period(code).label) for code in codes]


# --- Figures -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    region: Region
    registered: int = 0
    active: int = 0
    hours: Decimal = Decimal(0)
    activities: int = 0
    people_served: int = 0


@dataclass
class StatisticsTable:
    region: Region
    period: StatPeriod
    total: Figures
    rows: list[Figures] = field(default_factory=list)


def _registered(region_path: str, period: StatPeriod) -> QuerySet[Volunteer]:
    _start, end = period.bounds()
    return Volunteer.objects.filter(
        community__path__under=region_path, status__in=REGISTERED, decided_at__lt=end
    )


def _served(region_path: str, period: StatPeriod) -> QuerySet[ActivitySignUp]:
    start, end = period.bounds()
    return ActivitySignUp.objects.filter(
        activity__region__path__under=region_path,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
        hours_confirmed__isnull=False,
        hours_confirmed__gt=0,
    )


def _held(region_path: str, period: StatPeriod) -> QuerySet[VolunteerActivity]:
    start, end = period.bounds()
    return VolunteerActivity.objects.filter(
        region__path__under=region_path, status__in=HELD, starts_at__gte=start, starts_at__lt=end
    )


_REGISTERED: dict[str, Any] = {"registered": Count("id")}
_SERVED: dict[str, Any] = {
    "active": Count("volunteer_id", distinct=True),
    "hours": Sum("hours_confirmed"),
}
_HELD: dict[str, Any] = {"activities": Count("id"), "people_served": Sum("people_served")}


def _fill(target: Figures, *rows: dict[str, Any]) -> None:
    for row in rows:
        for name, value in row.items():
            if value is not None:
                setattr(target, name, value)


def _public_children(region: Region) -> list[Region]:
    if region.level == Level.COMMUNITY:
        return []
    return list(Region.objects.filter(parent=region).defer("geometry").order_by("code"))


def statistics(region: Region, period: StatPeriod, children: Sequence[Region]) -> StatisticsTable:
    """The figures of ``region`` and of each of ``children`` in ``period`` (six queries)."""
    total = Figures(region=region)
    registered = _registered(region.path, period)
    served = _served(region.path, period)
    held = _held(region.path, period)
    # Distinct active volunteers are not additive (one may serve in two children): totals apart.
    _fill(
        total,
        registered.aggregate(**_REGISTERED),
        served.aggregate(**_SERVED),
        held.aggregate(**_HELD),
    )
    rows = {child.path: Figures(region=child) for child in children}
    if rows:
        grouped = [
            territory.grouped_by_child(registered, "community__path", children, **_REGISTERED),
            territory.grouped_by_child(served, "activity__region__path", children, **_SERVED),
            territory.grouped_by_child(held, "region__path", children, **_HELD),
        ]
        for found in grouped:
            for path, row in found:
                if path in rows:
                    _fill(rows[path], row)
    return StatisticsTable(region=region, period=period, total=total, rows=list(rows.values()))


def public_roots() -> list[Region]:
    """Where the public page opens: the top places (cities)."""
    return list(Region.objects.filter(parent__isnull=True).defer("geometry").order_by("code"))


def public_region(code: str) -> Region:
    """Any place by code, for the public page (aggregates only); 404 for a malformed or unknown code."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) <= 12):
        raise Http404
    found = Region.objects.defer("geometry").filter(code=code).first()
    if found is None:
        raise Http404
    return found


def public_statistics(region: Region, period: StatPeriod) -> StatisticsTable:
    return statistics(region, period, _public_children(region))


def staff_region(user: Any, code: str) -> Region:
    return territory.region_in_scope(user, code, VolunteeringPerm.STATISTICS)


def staff_top_region(user: Any) -> Region | None:
    where = user.jurisdiction(VolunteeringPerm.STATISTICS)
    paths = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not paths:
        return None
    code = paths[0].rstrip("/").rsplit("/", 1)[-1]
    return Region.objects.defer("geometry").filter(code=code).first()


# --- The upload CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    ("period", "统计期"),
    ("region_code", "区划代码"),
    ("community", "村(社区)"),
    ("township", "镇(街道)"),
    ("county", "县(市、区)"),
    ("registered", "注册志愿者人数"),
    ("active", "活跃志愿者人数"),
    ("hours", "服务时长(小时)"),
    ("activities", "开展活动次数"),
    ("people_served", "服务人次"),
)


def _by_community(queryset: QuerySet[Any], field_name: str, aggregates: dict[str, Any]) -> dict:
    return {
        row.pop(field_name): row
        for row in queryset.values(field_name).annotate(**aggregates).order_by()
    }


def export_csv(region: Region, period: StatPeriod) -> tuple[str, bytes]:
    """One row per community of ``region`` (the caller has checked it is in scope), in the layout of
    ``docs/volunteer-export.md``: UTF-8 with a byte-order mark, comma-separated."""
    communities = list(
        Region.objects.filter(path__under=region.path, level=Level.COMMUNITY)
        .select_related("parent", "parent__parent")
        .defer("geometry", "parent__geometry", "parent__parent__geometry")
        .order_by("code")
    )
    registered = _by_community(_registered(region.path, period), "community_id", _REGISTERED)
    served = _by_community(_served(region.path, period), "activity__region_id", _SERVED)
    held = _by_community(_held(region.path, period), "region_id", _HELD)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in CSV_COLUMNS])
    for community in communities:
        figures = Figures(region=community)
        for found in (registered, served, held):
            _fill(figures, found.get(community.pk, {}))
        township = community.parent
        county = township.parent if township is not None else None
        writer.writerow(
            [
                period.code,
                community.code,
                community.name,
                township.name if township else "",
                county.name if county else "",
                figures.registered,
                figures.active,
                f"{Decimal(figures.hours):.2f}",
                figures.activities,
                figures.people_served,
            ]
        )
    filename = f"volunteer-statistics-{region.code}-{period.code}.csv"
    return filename, ("\ufeff" + out.getvalue()).encode("utf-8")


# --- Five-party linkage ------------------------------------------------------------------------------


def volunteers_linked(community_ids: Sequence[int], period: Any) -> set[int]:
    """Communities where, in ``period``, a finished or settled activity held there had at least one
    confirmed attendance (one query for all of them)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(period.start, time.min), zone)
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), zone)
    attended = ActivitySignUp.objects.filter(
        activity=OuterRef("pk"), hours_confirmed__isnull=False, hours_confirmed__gt=0
    )
    return set(
        VolunteerActivity.objects.filter(
            Q(Exists(attended)),
            region_id__in=list(community_ids),
            status__in=HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("region_id", flat=True)
        .distinct()
    )


def register_linkage_party() -> None:
    """Register the volunteers party with ``organizations.linkage``."""
    linkage.register_party("volunteer", gettext_lazy("社区志愿者"), volunteers_linked)
