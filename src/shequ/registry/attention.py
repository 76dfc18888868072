"""Console items from the registry: households left without a head.

A household loses its head when the head moves to another household, moves out or dies
(``actions.move_member``, ``actions.record_departure``); someone has to be named in their place.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.registry import queries
from shequ.registry.permissions import RegistryPerm


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(RegistryPerm.EDIT):
        return []
    headless = (
        queries.visible_households(user, RegistryPerm.EDIT)
        .filter(is_active=True, head__isnull=True, members__status="active")
        .distinct()
        .count()
    )
    if not headless:
        return []
    return [
        AttentionItem(
            title=_("没有户主的户"),
            count=headless,
            url=reverse("registry:residents"),
            level="warning",
            detail=_("户主迁出、死亡或迁至他户后，请为这些户确定新的户主。"),
        )
    ]
