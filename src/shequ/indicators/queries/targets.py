"""Baselines and targets as the targets page shows them: per indicator, the region's own values and,
where it has none, those it takes from the nearest region above; and the region's own as a file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from shequ.indicators.definitions import INDICATORS, Indicator
from shequ.indicators.models import IndicatorTarget
from shequ.indicators.queries.values import path_prefixes
from shequ.territory.models import Region


@dataclass(frozen=True)
class TargetRow:
    indicator: Indicator
    own: list[IndicatorTarget]
    inherited: list[IndicatorTarget]  # from the nearest region above that has any (never a count's)

    @property
    def inherited_from(self) -> Region | None:
        return self.inherited[0].region if self.inherited else None


def target_table(region: Region) -> list[TargetRow]:
    """Every indicator that means something at ``region``'s level. One query."""
    found = list(
        IndicatorTarget.objects.filter(region__path__in=path_prefixes(region.path))
        .select_related("region", "entered_by")
        .order_by("year", "is_baseline")
    )
    rows = []
    for indicator in INDICATORS:
        if not indicator.applies_at(region.level):
            continue
        mine = [t for t in found if t.indicator == indicator.code]
        own = [t for t in mine if t.region_id == region.pk]
        above = [t for t in mine if t.region_id != region.pk and not indicator.is_count]
        nearest = max((len(t.region.path) for t in above), default=0)
        inherited = [] if own else [t for t in above if len(t.region.path) == nearest]
        rows.append(TargetRow(indicator, own, inherited))
    return rows


def targets_file(region: Region) -> str:
    """``region``'s own baselines and targets in the file format ``load_targets`` reads, one row per
    indicator (a start for another city's file)."""
    rows = list(
        IndicatorTarget.objects.filter(region=region).values_list(
            "indicator", "year", "value", "is_baseline", "is_binding"
        )
    )
    columns = sorted(
        {f"{'baseline' if r[3] else 'target'}_{r[1]}" for r in rows},
        key=lambda c: (c.split("_")[1], c),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", *columns, "property"])
    for indicator in INDICATORS:
        mine = [r for r in rows if r[0] == indicator.code]
        cells = {
            f"{'baseline' if r[3] else 'target'}_{r[1]}": f"{r[2].normalize():f}" for r in mine
        }
        binding = any(r[4] for r in mine)
        writer.writerow(
            [
                indicator.code,
                *(cells.get(c, "") for c in columns),
                "binding" if binding else "expected",
            ]
        )
    return out.getvalue()
