"""The duplicate review on other pages: where a merged record went."""

from __future__ import annotations

from typing import Any

from django import template

from shequ.registry.models import Resident
from shequ.registry.queries import duplicates as queries

register = template.Library()


@register.inclusion_tag("registry/_merged_notice.html")
def merged_notice(resident: Resident, user: Any) -> dict[str, Any]:
    """``{% merged_notice resident user %}``: "已合并到 <link>" on a merged record's page; the kept
    record is named and linked only if the user may see it."""
    return {
        "resident": resident,
        "merged": resident.merged_into_id is not None,
        "target": queries.merged_into(user, resident),
    }
