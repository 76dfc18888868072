"""Console items from the territory: communities in one's jurisdiction that have no grid yet.

Grid-based governance (plan 四(二)8) starts from every community being divided into grids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.core.scoping import scoped
from shequ.territory.models import Grid, Level, Region
from shequ.territory.permissions import TerritoryPerm


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(TerritoryPerm.VIEW):
        return []
    communities = scoped(
        Region.objects.filter(level=Level.COMMUNITY, is_virtual=False), user, TerritoryPerm.VIEW
    )
    without_grid = communities.exclude(
        Exists(Grid.objects.filter(community=OuterRef("pk")))
    ).count()
    if not without_grid:
        return []
    return [
        AttentionItem(
            title=_("尚未划分网格的村(社区)"),
            count=without_grid,
            url=reverse("territory:browser"),
            level="warning",
            detail=_("每个村(社区)都应划分网格并配备专职网格员。"),
        )
    ]
