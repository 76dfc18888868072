"""Shapes of the open-affairs API (``participation.api.disclosures``). An objection names its
objector only masked; no phone, ID number or address goes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from shequ.participation.actions.disclosures import DEFAULT_OBJECTION_DAYS


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class DisclosureOut(Schema):
    id: int
    number: str | None
    community_code: str
    community_name: str
    category: str
    category_label: str
    title: str
    body: str
    period_start: date
    period_end: date
    status: str
    status_label: str
    published_at: datetime | None
    objection_deadline: date | None
    supersedes_id: int | None
    version: int

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ObjectionIn(Schema):
    body: str = Field(..., max_length=2000, description="异议内容")


class ResponseIn(Schema):
    response: str = Field(..., max_length=4000, description="监督委员会答复")
    version: int | None = Field(None, description="读取时异议的 version；期间已被他人答复则 422")


class DisclosureIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)代码，须在本人辖区内")
    category: str = Field(..., description="公开类别：DisclosureCategory 的取值")
    title: str = Field(..., description="标题，最多100字")
    body: str = Field(..., description="公开内容，最多20000字")
    period_start: date = Field(..., description="所属期间起，YYYY-MM-DD")
    period_end: date = Field(..., description="所属期间止，YYYY-MM-DD")


class DisclosurePatchIn(Schema):
    """Only the fields sent change; ``version`` is the one read (someone else's edit since: 409)."""

    version: int = Field(..., description="读取时的 version")
    category: str | None = None
    title: str | None = None
    body: str | None = None
    period_start: date | None = None
    period_end: date | None = None


class PublishIn(Schema):
    objection_days: int = Field(DEFAULT_OBJECTION_DAYS, description="异议期（工作日），1到30")
    version: int | None = Field(None, description="读取时的 version；期间有人改过则 409")


class ObjectionOut(Schema):
    id: int
    disclosure_id: int
    objector: str
    body: str
    status: str
    status_label: str
    created_at: datetime
    response: str
    responded_at: datetime | None
    version: int
