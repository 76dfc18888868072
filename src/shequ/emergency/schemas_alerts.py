"""Shapes of the alerts API (``emergency.api.alerts``). Residents' names go out masked; phones never."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from shequ.core.masking import mask_name
from shequ.emergency.models import Alert, ReachItem


class AlertIn(Schema):
    region: str = Field(
        "", max_length=12, description="发布单位所在区划代码（镇街及以上）；只有一处时可省略"
    )
    kind: str
    severity: str
    title: str = Field(max_length=100)
    instructions: str = Field(max_length=2000)
    target_regions: list[str] = Field(default_factory=list, description="发布范围的区划代码")
    area: dict[str, Any] | None = Field(
        None, description="划定区域：GeoJSON Polygon 或 MultiPolygon"
    )


class AlertOut(Schema):
    id: int
    number: str
    region_code: str
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    title: str
    instructions: str
    status: str
    target_regions: list[str]
    has_area: bool
    issued_at: datetime
    closed_at: datetime | None
    resident_count: int
    notified_count: int
    checklist_count: int

    @staticmethod
    def resolve_region_code(obj: Alert) -> str:
        return obj.region.code

    @staticmethod
    def resolve_kind_label(obj: Alert) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_severity_label(obj: Alert) -> str:
        return str(obj.get_severity_display())

    @staticmethod
    def resolve_target_regions(obj: Alert) -> list[str]:
        return [r.code for r in obj.target_regions.all()]

    @staticmethod
    def resolve_has_area(obj: Alert) -> bool:
        return bool(obj.area)


class BoardRowOut(Schema):
    code: str
    name: str
    reached: int
    pending: int
    escalated: int
    total: int


class BoardOut(Schema):
    alert_id: int
    reached: int
    pending: int
    escalated: int
    total: int
    grids: list[BoardRowOut]
    communities: list[BoardRowOut]


class ReachItemOut(Schema):
    id: int
    alert_id: int
    resident_name: str  # masked
    community_code: str
    grid_code: str
    reasons: list[str]
    status: str
    status_label: str
    confirmed_at: datetime | None
    note: str

    @staticmethod
    def resolve_resident_name(obj: ReachItem) -> str:
        return mask_name(obj.resident.name)

    @staticmethod
    def resolve_community_code(obj: ReachItem) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: ReachItem) -> str:
        return obj.grid.code if obj.grid_id and obj.grid else ""

    @staticmethod
    def resolve_status_label(obj: ReachItem) -> str:
        return str(obj.get_status_display())


class ConfirmIn(Schema):
    status: str
    note: str = Field("", max_length=300)


class CloseIn(Schema):
    reason: str = Field(max_length=300)
