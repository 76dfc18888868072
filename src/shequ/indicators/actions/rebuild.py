"""Rebuilding the indicator snapshots (``IndicatorValue``) of one year.

1. Facts are computed for the base units under the chosen root (every community and county of the
   city for a full rebuild; one subtree for an incremental one), outside any transaction: reads only.
2. In one transaction, the base rows under the root are replaced, and every region that contains a
   base unit of the root — the root's own subtree and its ancestors — is summed again from the stored
   base rows of the whole city. A region's figure is Σ numerators × factor ÷ Σ denominators of its
   complete base units; units with missing data are counted and named, never summed in as zero.

Because upper rows always come from the stored base rows, an incremental rebuild of a subtree and a
full rebuild give identical values (``tests/test_rebuild.py`` holds them to it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.tasks import enqueue
from shequ.indicators.definitions import INDICATORS, Indicator
from shequ.indicators.facts import FACTS, Fact, Scope
from shequ.indicators.models import IndicatorValue, RebuildRun
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.reasons import Reason, from_stored, reason, stored
from shequ.territory.models import Level, Region
from shequ.workforce.models import UrbanPopulation

CENT = Decimal("0.01")
# Upper rows name at most this many distinct reasons (each with how many units it applies to).
MAX_REASONS = 20


def figure(indicator: Indicator, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    """The published figure: numerator × factor ÷ denominator (a count: numerator × factor); None
    without a positive denominator."""
    if indicator.is_count:
        return (numerator * indicator.factor).quantize(CENT, ROUND_HALF_UP)
    if denominator is None or denominator <= 0:
        return None
    return (numerator * indicator.factor / denominator).quantize(CENT, ROUND_HALF_UP)


def city_of(region: Region) -> Region:
    return Region.objects.get(path=region.path.split("/", 1)[0] + "/")


def _base_rows(
    indicator: Indicator, facts: dict[int, Fact], year: int, at: Any
) -> list[IndicatorValue]:
    return [
        IndicatorValue(
            indicator=indicator.code,
            region_id=pk,
            year=year,
            numerator=fact.numerator,
            denominator=fact.denominator,
            value=None if fact.missing else figure(indicator, fact.numerator, fact.denominator),
            units=0 if fact.missing else 1,
            missing_units=1 if fact.missing else 0,
            missing=[stored(found) for found in fact.missing],
            computed_at=at,
        )
        for pk, fact in facts.items()
    ]


@dataclass
class _Sum:
    numerator: Decimal = Decimal(0)
    denominator: Decimal = Decimal(0)
    has_denominator: bool = False
    units: int = 0
    missing_units: int = 0
    reasons: Counter[Reason] = field(default_factory=Counter)


def _prefixes(path: str) -> Iterable[str]:
    parts = path.rstrip("/").split("/")
    for n in range(1, len(parts)):
        yield "/".join(parts[:n]) + "/"


def _sums(indicator: Indicator, year: int, upper: dict[str, Region]) -> dict[str, _Sum]:
    """Σ of the stored base rows of the year into every region of ``upper`` that contains them."""
    sums: dict[str, _Sum] = defaultdict(_Sum)
    rows = IndicatorValue.objects.filter(
        indicator=indicator.code, year=year, region__level=indicator.base_level
    ).values_list("region__path", "numerator", "denominator", "missing")
    for path, numerator, denominator, missing in rows:
        for prefix in _prefixes(path):
            if prefix not in upper:
                continue
            total = sums[prefix]
            if missing:
                total.missing_units += 1
                total.reasons.update(from_stored(item) for item in missing)
                continue
            total.units += 1
            total.numerator += numerator
            if denominator is not None:
                total.denominator += denominator
                total.has_denominator = True
    return sums


def _population(year: int, regions: Iterable[Region]) -> dict[int, int]:
    return dict(
        UrbanPopulation.objects.filter(year=year, region__in=list(regions)).values_list(
            "region_id", "population"
        )
    )


def _upper_rows(
    indicator: Indicator, year: int, upper: dict[str, Region], at: Any
) -> list[IndicatorValue]:
    shown = {
        path: r
        for path, r in upper.items()
        if indicator.applies_at(r.level) and r.level != indicator.base_level
    }
    sums = _sums(indicator, year, shown)
    population = (
        _population(year, shown.values())
        if indicator.code == "community_workers_per_10k_urban"
        else {}
    )
    rows = []
    for path, region in shown.items():
        total = sums.get(path, _Sum())
        reasons = [stored(found, count) for found, count in total.reasons.most_common(MAX_REASONS)]
        denominator: Decimal | None = total.denominator if total.has_denominator else None
        if indicator.code == "community_workers_per_10k_urban":
            people = population.get(region.pk)
            denominator = Decimal(people) if people else None
            if people is None:
                reasons.insert(
                    0,
                    stored(
                        reason(
                            gettext_noop("缺少%(place)s%(year)s年城镇常住人口"),
                            place=region.name,
                            year=year,
                        )
                    ),
                )
        value = figure(indicator, total.numerator, denominator)
        if not indicator.is_count and total.units == 0:
            value = None
        rows.append(
            IndicatorValue(
                indicator=indicator.code,
                region_id=region.pk,
                year=year,
                numerator=total.numerator,
                denominator=denominator,
                value=value,
                units=total.units,
                missing_units=total.missing_units,
                missing=reasons,
                computed_at=at,
            )
        )
    return rows


def _upper_regions(root: Region) -> dict[str, Region]:
    """The regions whose sums a rebuild under ``root`` changes: above community level in its
    subtree, and its ancestors."""
    inside = Region.objects.filter(path__under=root.path, is_virtual=False).exclude(
        level=Level.COMMUNITY
    )
    above = Region.objects.filter(path__in=list(_prefixes(root.path)))
    return {r.path: r for r in [*inside.defer("geometry"), *above.defer("geometry")]}


def rebuild(
    year: int,
    *,
    root: Region | None = None,
    by: Any = None,
    codes: Iterable[str] | None = None,
    run: RebuildRun | None = None,
) -> RebuildRun:
    """Recompute ``year``'s values of the indicators ``codes`` (all by default) under ``root`` (the
    whole city by default). ``by=None`` is the scheduled job or a queued request (``run``, checked
    and audited when it was asked for); a user needs ``indicators.rebuild`` over ``root``."""
    if root is None:
        root = Region.objects.get(level=Level.CITY)
    require_place(by, IndicatorPerm.REBUILD, root.path, _("您没有权限重新计算该地区的指标。"))
    wanted = set(codes) if codes is not None else None
    chosen = [i for i in INDICATORS if wanted is None or i.code in wanted]
    scope = Scope.build(year, root)
    facts = {indicator.code: FACTS[indicator.code](scope) for indicator in chosen}
    upper = _upper_regions(root)
    if run is None:
        run = RebuildRun.objects.create(year=year, region=root, requested_by=by)
    at = calendar.now()
    written = 0
    with transaction.atomic():
        # One rebuild writes at a time (two would both replace the same upper rows): the city's
        # row is the lock.
        Region.objects.select_for_update().filter(level=Level.CITY).exists()
        for indicator in chosen:
            base_ids = scope.counties if indicator.base_level == Level.COUNTY else scope.communities
            IndicatorValue.objects.filter(
                indicator=indicator.code,
                year=year,
                region__level=indicator.base_level,
                region__path__under=root.path,
            ).delete()
            base = _base_rows(
                indicator,
                {pk: f for pk, f in facts[indicator.code].items() if pk in base_ids},
                year,
                at,
            )
            IndicatorValue.objects.bulk_create(base, batch_size=2000)
            IndicatorValue.objects.filter(
                indicator=indicator.code, year=year, region__path__in=list(upper)
            ).exclude(region__level=indicator.base_level).delete()
            rows = _upper_rows(indicator, year, upper, at)
            IndicatorValue.objects.bulk_create(rows, batch_size=2000)
            written += len(base) + len(rows)
        RebuildRun.objects.filter(pk=run.pk).update(
            finished_at=calendar.now(), values_written=written
        )
    if by is not None:
        audit.record("indicators.rebuild", obj=run, actor=by, region=root, fields=["year"])
    run.refresh_from_db()
    return run


# A request for the same year and place still waiting or running is not queued twice.
PENDING_FOR = timedelta(minutes=30)


def request_rebuild(year: int, *, root: Region, by: Any) -> RebuildRun:
    """Ask for a rebuild of ``year`` under ``root``: queued for a worker when a broker is set up
    (a city's rebuild takes a while), run at once otherwise. Returns the run; its ``finished_at``
    says whether it is done. A second request while one is pending returns that one."""
    require_place(by, IndicatorPerm.REBUILD, root.path, _("您没有权限重新计算该地区的指标。"))
    with transaction.atomic():
        pending = (
            RebuildRun.objects.select_for_update()
            .filter(
                year=year,
                region=root,
                finished_at__isnull=True,
                started_at__gte=calendar.now() - PENDING_FOR,
            )
            .first()
        )
        if pending is not None:
            return pending
        run = RebuildRun.objects.create(year=year, region=root, requested_by=by)
        audit.record("indicators.rebuild", obj=run, actor=by, region=root, fields=["year"])
        from shequ.indicators.tasks import run_requested_rebuild

        enqueue(run_requested_rebuild, run.pk)
    run.refresh_from_db()
    return run


def run_requested(run_id: int) -> RebuildRun | None:
    """The queued side of ``request_rebuild`` (idempotent: a finished run is not run again)."""
    run = RebuildRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return None
    root = run.region or Region.objects.get(level=Level.CITY)
    return rebuild(run.year, root=root, run=run)
