"""The routing table (分拨规则): for a place and a category, the handling unit that leads and the units
that help. Dispatch pre-fills from the most specific rule above a case (``queries.cases.routing_for``).

A rule may name only units that serve its place — a unit at the place itself or at a level above it —
because a unit below, or in another county, has no duty there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import Category, RoutingRule
from shequ.cases.permissions import CasesPerm
from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.territory.models import Region


def _require_region(by: Any, region: Region) -> None:
    require_place(
        by,
        CasesPerm.MANAGE_ROUTING,
        region.path,
        _("该区域不在您的管辖范围内，或您没有维护分拨规则的权限。"),
    )


def _check_unit(unit: HandlingUnit, region: Region, field: str) -> None:
    if not unit.is_active:
        raise ValidationError({field: _("单位“%(unit)s”已停用。") % {"unit": unit.name}})
    if not region.path.startswith(unit.region.path):
        raise ValidationError(
            {
                field: _("单位“%(unit)s”不负责“%(region)s”：只能选择该区域或其上级区域的单位。")
                % {"unit": unit.name, "region": region.name}
            }
        )


def set_routing_rule(
    *,
    region: Region,
    category: str,
    unit: HandlingUnit,
    co_units: Sequence[HandlingUnit] = (),
    by: Any,
) -> RoutingRule:
    """Create the rule for ``region`` and ``category``, or replace the units of the one there is."""
    _require_region(by, region)
    if category not in Category.values:
        raise ValidationError({"category": _("请选择诉求类别。")})
    _check_unit(unit, region, "unit")
    helpers: list[HandlingUnit] = []
    for co in co_units:
        if co.pk != unit.pk and all(co.pk != h.pk for h in helpers):
            _check_unit(co, region, "co_units")
            helpers.append(co)
    with transaction.atomic():
        rule, created = RoutingRule.objects.update_or_create(
            region=region, category=category, defaults={"unit": unit}
        )
        rule.co_units.set(helpers)
        audit.record(
            "cases.routing_created" if created else "cases.routing_changed",
            obj=rule,
            actor=by,
            fields=["unit", "co_units"],
            object_repr=str(rule),
        )
    return rule


def remove_routing_rule(*, rule: RoutingRule, by: Any) -> None:
    _require_region(by, rule.region)
    with transaction.atomic():
        audit.record("cases.routing_removed", obj=rule, actor=by, object_repr=str(rule))
        RoutingRule.objects.filter(pk=rule.pk).delete()
