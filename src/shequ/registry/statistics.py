"""Counts of residents for a region and its parts, for officials who see numbers, not people.

Every count comes from one grouped query per table; a count from 1 to ``threshold - 1`` is shown as
"<threshold" (small-cell suppression), so a published table cannot single out the one disabled child of
a village.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, Q, Value, When
from django.utils import timezone

from shequ.core.scoping import get_scoped_or_404
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    Household,
    LifeStatus,
    ResidenceStatus,
    Resident,
)
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Level, Region

# Census age bands (第七次人口普查): children, working age, younger old, oldest old.
AGE_BANDS = (("0-14", 0, 14), ("15-59", 15, 59), ("60-79", 60, 79), ("80+", 80, 200))


def threshold() -> int:
    return int(getattr(settings, "SHEQU_SMALL_CELL_THRESHOLD", 5))


def suppress(count: int, limit: int | None = None) -> str:
    """A count as shown: below the threshold (but not zero) only as "<threshold"."""
    limit = threshold() if limit is None else limit
    if 0 < count < limit:
        return f"<{limit}"
    return f"{count:,}"


@dataclass
class Tally:
    residents: int = 0
    households: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_age: Counter[str] = field(default_factory=Counter)
    by_sex: Counter[str] = field(default_factory=Counter)
    by_group: Counter[str] = field(default_factory=Counter)


@dataclass
class RegionStatistics:
    region: Region
    total: Tally
    parts: list[tuple[Region, Tally]]
    as_of: date


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _band_case(today: date) -> Case:
    """The age band of ``birth_date`` on ``today``, computed by the database."""
    whens = [
        # Aged low..high: born after (today - (high + 1) years) and on or before (today - low years).
        When(
            birth_date__gt=_years_before(today, high + 1),
            birth_date__lte=_years_before(today, low),
            then=Value(label),
        )
        for label, low, high in AGE_BANDS
    ]
    return Case(*whens, default=Value("unknown"), output_field=CharField())


def region_statistics(user: Any, code: str) -> RegionStatistics:
    """Counts for the region with ``code`` and for each of its child regions (none for a community)."""
    region = get_scoped_or_404(Region.objects.all(), user, RegistryPerm.STATISTICS, code=code)
    today = timezone.localdate()
    children = list(Region.objects.filter(parent=region).order_by("code"))
    part_of: dict[str, Region] = {}
    residents = Resident.objects.filter(
        community__path__under=region.path, status=LifeStatus.ACTIVE
    )

    def part_for(community_path: str) -> Region | None:
        for child in children:
            if community_path.startswith(child.path):
                return child
        return None

    tallies: dict[int, Tally] = defaultdict(Tally)
    total = Tally()

    def tallies_for(path: str) -> list[Tally]:
        if path not in part_of:
            child = part_for(path)
            if child is None:
                return [total]
            part_of[path] = child
        return [total, tallies[part_of[path].pk]]

    # One grouped query: a county of a million residents comes back as a few thousand rows.
    rows = (
        residents.annotate(band=_band_case(today))
        .values_list("community__path", "residence_status", "sex", "band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, status, sex, band, n in rows:
        for tally in tallies_for(path):
            tally.residents += n
            tally.by_status[status] += n
            tally.by_sex[sex] += n
            tally.by_age[band] += n
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    groups = (
        CareGroupTag.objects.filter(
            current,
            start_date__lte=today,
            resident__status=LifeStatus.ACTIVE,
            resident__community__path__under=region.path,
        )
        .values_list("resident__community__path", "group")
        .annotate(n=Count("resident", distinct=True))
        .order_by()
    )
    for path, group, n in groups:
        for tally in tallies_for(path):
            tally.by_group[group] += n
    households = (
        Household.objects.filter(is_active=True, community__path__under=region.path)
        .values_list("community__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, n in households:
        for tally in tallies_for(path):
            tally.households += n
    parts = (
        [(child, tallies[child.pk]) for child in children]
        if region.level != Level.COMMUNITY
        else []
    )
    return RegionStatistics(region=region, total=total, parts=parts, as_of=today)


STATUS_LABELS = dict(ResidenceStatus.choices)
GROUP_LABELS = dict(CareGroup.choices)
