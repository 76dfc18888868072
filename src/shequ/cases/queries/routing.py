"""Reads behind the routing-table pages (分拨规则): the rules a user maintains, where, and which
handling units those places may be routed to."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import RoutingRule
from shequ.cases.permissions import CasesPerm
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Region


def routing_rule(user: Any, rule_id: int) -> RoutingRule:
    rules = RoutingRule.objects.select_related("region", "unit").prefetch_related("co_units")
    return get_scoped_or_404(rules, user, CasesPerm.MANAGE_ROUTING, pk=rule_id)


def routing_regions(user: Any) -> QuerySet[Region]:
    """Places where the user may set routing rules: their held places and everything below."""
    return scoped(Region.objects.all(), user, CasesPerm.MANAGE_ROUTING).order_by("path")


def routing_units(user: Any) -> QuerySet[HandlingUnit]:
    """Active units that serve some place of the user's: at or above it, or below it."""
    where = user.jurisdiction(CasesPerm.MANAGE_ROUTING)
    condition = Q(pk__in=[])
    for path in where.region_paths:
        parts = path.strip("/").split("/")
        above = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
        condition |= Q(region__path__in=above) | Q(region__path__under=path)
    return (
        HandlingUnit.objects.filter(condition, is_active=True)
        .select_related("region")
        .order_by("region__path", "name")
    )
