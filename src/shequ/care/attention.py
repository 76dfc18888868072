"""Console items from the care app: visits past their due date and not done in the user's
jurisdiction (the compliance feature); the other care features add theirs here."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.care.permissions import CarePerm
from shequ.care.queries.compliance import overdue_count
from shequ.core.console import AttentionItem


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(CarePerm.VIEW):
        return []
    items: list[AttentionItem] = []
    overdue = overdue_count(user)
    if overdue:
        items.append(
            AttentionItem(
                title=_("逾期未探访的关爱对象"),
                count=overdue,
                url=reverse("care:overdue"),
                level="danger",
                detail=_("已过应探访日期仍未探访，请尽快安排。"),
            )
        )
    return items
