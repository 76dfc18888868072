"""Reads for dispatching (派遣): which handling units may take a case, which a dispatcher may choose
from for several cases at once, and the routing suggestion for a page of cases in one go."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import Case, RoutingRule
from shequ.cases.permissions import CasesPerm


def ancestor_paths(path: str) -> list[str]:
    """``320300/320302/320302001/`` → itself and every path above it, top first."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts)) if parts[0]]


def dispatchable_units(case: Case) -> QuerySet[HandlingUnit]:
    """Active units that serve the case's community: those at the community or any region above it
    (the rule ``actions.handling.dispatch`` checks)."""
    return (
        HandlingUnit.objects.filter(
            is_active=True, region__path__in=ancestor_paths(case.region.path)
        )
        .select_related("region")
        .order_by("-region__depth", "name")
    )


def dispatcher_units(user: Any) -> QuerySet[HandlingUnit]:
    """Active units a dispatcher may choose for a batch: at or above a place where they dispatch, or
    inside it. Whether a unit serves each case is still checked case by case."""
    where = user.jurisdiction(CasesPerm.DISPATCH)
    if not where.region_paths:
        return HandlingUnit.objects.none()
    above = {p for path in where.region_paths for p in ancestor_paths(path)}
    condition = Q(region__path__in=sorted(above))
    for path in where.region_paths:
        condition |= Q(region__path__under=path)
    return (
        HandlingUnit.objects.filter(condition, is_active=True)
        .select_related("region")
        .order_by("-region__depth", "name")
    )


def routing_suggestions(cases: Iterable[Case]) -> dict[int, RoutingRule]:
    """Case id → the most specific routing rule for its category and place, for a whole page of
    cases in two queries (``queries.cases.routing_for`` answers for one)."""
    cases = list(cases)
    if not cases:
        return {}
    paths = {p for case in cases for p in ancestor_paths(case.region.path)}
    categories = {case.category for case in cases}
    rules = (
        RoutingRule.objects.filter(category__in=sorted(categories), region__path__in=sorted(paths))
        .select_related("unit", "region")
        .prefetch_related("co_units")
    )
    by_key = {(rule.category, rule.region.path): rule for rule in rules}
    found: dict[int, RoutingRule] = {}
    for case in cases:
        for path in reversed(ancestor_paths(case.region.path)):
            rule = by_key.get((case.category, path))
            if rule is not None:
                found[case.pk] = rule
                break
    return found
