"""Console items from the indicators app: six-standards assessments waiting for the user's review,
and those returned to the user's community for more evidence."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import standards


def _standards_items(user: Any) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    url = reverse("indicators:standards")
    waiting = standards.waiting_for_review(user).count()
    if waiting:
        items.append(
            AttentionItem(
                title=_("待审核的六个规范评定"),
                count=waiting,
                url=f"{url}?status=submitted",
                level="warning",
            )
        )
    returned = standards.returned_to(user).count()
    if returned:
        items.append(
            AttentionItem(
                title=_("被退回补充的六个规范评定"),
                count=returned,
                url=f"{url}?status=returned",
                level="danger",
            )
        )
    return items


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(IndicatorPerm.ASSESS):
        return []
    return [*_standards_items(user)]
