"""Shapes of the open-affairs API (``participation.api.disclosures``). An objection names its
objector only masked; no phone, ID number or address goes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


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
