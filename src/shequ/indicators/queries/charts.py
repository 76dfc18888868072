"""What the dashboard's charts draw for one indicator: its figure by year against the baseline and
targets, and the child regions' figures with their status and place on the map. Every number here is
also in the page's tables, so the charts add a view, never information only they carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shequ.indicators.definitions import BY_CODE, Indicator
from shequ.indicators.models import IndicatorTarget, IndicatorValue
from shequ.indicators.queries.values import Card, ChildRow, path_prefixes
from shequ.territory.models import Region


def chosen_indicator(code: str, region: Region, cards: list[Card]) -> Indicator | None:
    """The indicator asked for if it means something at ``region``'s level, else the first card
    with a figure, else the first card."""
    if code in BY_CODE and BY_CODE[code].applies_at(region.level):
        return BY_CODE[code]
    with_figure = [c.indicator for c in cards if c.value is not None]
    if with_figure:
        return with_figure[0]
    return cards[0].indicator if cards else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def trends(region: Region, indicators: list[Indicator]) -> dict[str, dict[str, Any]]:
    """Per indicator, every year rebuilt so far with the baselines and targets that apply to
    ``region`` (the nearest region on its path that has any; a count's only its own). Two queries
    whatever the number of indicators."""
    codes = [i.code for i in indicators]
    figures: dict[str, dict[int, Decimal | None]] = {code: {} for code in codes}
    for code, year, value in IndicatorValue.objects.filter(
        region=region, indicator__in=codes
    ).values_list("indicator", "year", "value"):
        figures[code][year] = value
    goals: dict[str, list[tuple[str, int, Decimal, bool]]] = {code: [] for code in codes}
    for code, path, year, value, is_baseline in IndicatorTarget.objects.filter(
        indicator__in=codes, region__path__in=path_prefixes(region.path)
    ).values_list("indicator", "region__path", "year", "value", "is_baseline"):
        goals[code].append((path, year, value, is_baseline))
    out = {}
    for indicator in indicators:
        mine = goals[indicator.code]
        if indicator.is_count:
            mine = [g for g in mine if g[0] == region.path]
        nearest = max((len(g[0]) for g in mine), default=0)
        mine = [g for g in mine if len(g[0]) == nearest]
        by_year = figures[indicator.code]
        years = sorted(set(by_year) | {g[1] for g in mine})
        targets = {g[1]: g[2] for g in mine if not g[3]}
        baselines = {g[1]: g[2] for g in mine if g[3]}
        out[indicator.code] = {
            "years": [str(y) for y in years],
            "values": [_number(by_year.get(y)) for y in years],
            "targets": [_number(targets.get(y)) for y in years],
            "baselines": [_number(baselines.get(y)) for y in years],
        }
    return out


def trend(region: Region, indicator: Indicator) -> dict[str, Any]:
    """One indicator's ``trends``."""
    return trends(region, [indicator])[indicator.code]


def children(rows: list[ChildRow], indicator: Indicator) -> list[dict[str, Any]]:
    """Each child region's figure and status for ``indicator``, with its outline (GeoJSON) or its
    centre when it has one. One query, for the outlines."""
    shapes = {
        pk: (geometry, lat, lng)
        for pk, geometry, lat, lng in Region.objects.filter(
            pk__in=[row.region.pk for row in rows]
        ).values_list("pk", "geometry", "centre_lat", "centre_lng")
    }
    out = []
    for row in rows:
        card = row.cards.get(indicator.code)
        if card is None:
            continue
        geometry, lat, lng = shapes.get(row.region.pk, (None, None, None))
        out.append(
            {
                "code": row.region.code,
                "name": row.region.name,
                "value": _number(card.value),
                "status": card.status,
                "incomplete": bool(card.row and card.row.missing),
                "geometry": geometry,
                "centre": [lat, lng] if lat is not None and lng is not None else None,
            }
        )
    return out


def chart_data(
    region: Region, rows: list[ChildRow], cards: list[Card], code: str
) -> dict[str, Any] | None:
    indicator = chosen_indicator(code, region, cards)
    if indicator is None:
        return None
    card = next(c for c in cards if c.indicator.code == indicator.code)
    return {
        "indicator": {
            "code": indicator.code,
            "number": indicator.number,
            "name": str(indicator.name),
            "unit": indicator.unit_label,
            "target": _number(card.goal.target) if card.goal else None,
        },
        "trend": trend(region, indicator),
        "children": children(rows, indicator),
    }


def trend_rows(chart: dict[str, Any] | None) -> list[tuple[str, Any, Any, Any]]:
    """The trend as table rows: year, figure, target, baseline."""
    if not chart:
        return []
    t = chart["trend"]
    return list(zip(t["years"], t["values"], t["targets"], t["baselines"], strict=True))
