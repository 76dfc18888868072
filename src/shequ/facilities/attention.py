"""Console items from facilities: community service centres open under the plan's 8 hours a day, and
a living-circle computation that failed."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries import FacilityFilters, search_facilities
from shequ.facilities.queries import coverage as coverage_queries


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(FacilitiesPerm.EDIT):
        return []
    items: list[AttentionItem] = []
    brief = search_facilities(user, FacilityFilters(opens_too_briefly=True)).count()
    if brief:
        items.append(
            AttentionItem(
                title=_("每天开放不足8小时的社区综合服务设施"),
                count=brief,
                url=f"{reverse('facilities:facility_list')}?opens_too_briefly=on",
                level="warning",
            )
        )
    if user.has_permission(FacilitiesPerm.ANALYSE):
        failed = coverage_queries.failures_for(user)
        if failed:
            items.append(
                AttentionItem(
                    title=_("生活圈覆盖重新计算失败"),
                    count=failed,
                    url=reverse("facilities:coverage"),
                    level="danger",
                )
            )
    return items
