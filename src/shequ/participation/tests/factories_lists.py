"""Needs, resources, livelihood projects and micro-renewal projects, made through the real actions."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    LivelihoodProject,
    MicroRenewal,
    NeedCategory,
    NeedItem,
    ResourceItem,
    ResourceKind,
    Spending,
)
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)


def make_need(
    community: Region,
    by: Any,
    *,
    title: str = "楼道照明不足",
    category: str = NeedCategory.ENVIRONMENT,
    **values: Any,
) -> NeedItem:
    values.setdefault("households", 12)
    values.setdefault("source", "入户走访")
    return actions.create_need(by=by, community=community, category=category, title=title, **values)


def make_resource(
    community: Region,
    by: Any,
    *,
    title: str = "社区党群服务中心活动室",
    kind: str = ResourceKind.VENUE,
    provider: str = "社区居委会",
    **values: Any,
) -> ResourceItem:
    return actions.create_resource(
        by=by, community=community, kind=kind, title=title, provider=provider, **values
    )


def make_project(
    community: Region,
    by: Any,
    *,
    title: str = "老旧小区路灯更新",
    responsible_party: str = "社区居委会",
    **values: Any,
) -> LivelihoodProject:
    values.setdefault("budget", "20000")
    return actions.create_project(
        by=by, community=community, title=title, responsible_party=responsible_party, **values
    )


def make_renewal(
    community: Region,
    by: Any,
    *,
    title: str = "口袋公园微更新",
    budget: str = "10000.00",
    **values: Any,
) -> MicroRenewal:
    return actions.create_renewal(by=by, community=community, title=title, budget=budget, **values)


def give(
    renewal: MicroRenewal,
    by: Any,
    amount: str,
    *,
    source: str = FundSource.RESIDENTS,
    contributor: str = "3号楼居民",
    households: int | None = None,
    days_ago: int = 3,
) -> Contribution:
    if households is None:
        households = 5 if source == FundSource.RESIDENTS else 0
    return actions.add_contribution(
        renewal=renewal,
        by=by,
        source=source,
        contributor=contributor,
        amount=amount,
        received_on=calendar.localdate() - timedelta(days=days_ago),
        households=households,
    )


def spend(
    renewal: MicroRenewal, by: Any, amount: str, *, item: str = "座椅采购", days_ago: int = 1
) -> Spending:
    return actions.add_spending(
        renewal=renewal,
        by=by,
        item=item,
        amount=amount,
        spent_on=calendar.localdate() - timedelta(days=days_ago),
    )


def resident_with_account(community: Region, name: str = "李梅") -> tuple[Resident, Any]:
    """A registry resident of ``community`` and a sign-in account linked to them."""
    resident = registry.resident(community, name)
    user = accounts.create_resident_user(
        phone=f"197{next(_phones) + 30000000:08d}", full_name=name, password="Resident-pass-1"
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return resident, user
