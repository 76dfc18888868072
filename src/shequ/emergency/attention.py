"""Console items from the emergency app: supplies at or below their warning level."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.emergency.queries.preparedness import low_stock_count


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    items: list[AttentionItem] = []
    low = low_stock_count(user)
    if low:
        items.append(
            AttentionItem(
                title=_("应急物资低于预警线"),
                count=low,
                url=reverse("emergency:supply_list") + "?low=1",
                level="warning",
                detail=_("请及时补充库存。"),
            )
        )
    return items
