"""Service items and certificates made through the actions, as the pages would make them."""

from __future__ import annotations

from typing import Any

from shequ.cases import actions
from shequ.cases.models import ServiceItem
from shequ.territory.models import Region

MATERIALS = [
    {"name": "居民身份证", "note": "本人", "copies": 1, "original_required": True},
    {"name": "户口簿", "note": "", "copies": 1, "original_required": False},
]


def item_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "高龄津贴申领",
        "category": "elderly_care",
        "required_materials": list(MATERIALS),
        "time_limit_value": 5,
        "time_limit_unit": "working_days",
        "channels": ["window", "online"],
    }
    values.update(overrides)
    return values


def make_item(
    *, region: Region, code: str, by: Any = None, status: str = "draft", **overrides: Any
) -> ServiceItem:
    """An item at ``region`` created by ``by`` (the system when None), moved to ``status``."""
    item = actions.create_item(code=code, region=region, by=by, **item_values(**overrides))
    if status == "draft":
        return item
    if region.level in actions.NEEDS_ADMISSION:
        actions.submit_item(item=item, by=None)
        if status == "pending_admission":
            return item
        if status == "refused":
            return actions.refuse_item(item=item, by=None, reason="材料清单不全")
        actions.admit_item(item=item, by=None)
    else:
        actions.publish_item(item=item, by=None)
    if status == "withdrawn":
        actions.withdraw_item(item=item, by=None, reason="停止办理")
    return item
