"""Console items from work projects: overdue milestones in the user's jurisdiction, milestones
escalated to the user's level, and overdue milestones the user's unit answers for."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.indicators.queries import projects as queries


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    items: list[AttentionItem] = []
    escalated = queries.escalated_to(user)
    if escalated:
        items.append(
            AttentionItem(
                title=_("上报到本级督办的逾期项目节点"),
                count=escalated,
                url=f"{reverse('indicators:project_list')}?overdue=on",
                level="danger",
            )
        )
    overdue = queries.overdue_in_subtree(user)
    if overdue:
        items.append(
            AttentionItem(
                title=_("辖区内逾期未完成的项目节点"),
                count=overdue,
                url=f"{reverse('indicators:project_list')}?overdue=on",
                level="warning",
            )
        )
    own = queries.overdue_for_units(user)
    if own:
        items.append(
            AttentionItem(
                title=_("本单位负责的逾期项目节点"),
                count=own,
                url=reverse("indicators:my_milestones"),
                level="danger",
            )
        )
    return items
