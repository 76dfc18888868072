"""Shapes of the home-service API (``care.api.homeservices``). Names as staff lists show them."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from shequ.care.models.homeservices import HomeServiceOrder


class OrderOut(Schema):
    id: int
    number: str
    community_code: str
    resident_name: str
    kind: str
    details: str
    preferred_date: date | None
    status: str
    status_label: str
    on_behalf: bool
    provider_id: int | None
    scheduled_for: datetime | None
    delivered_at: datetime | None
    delivered_minutes: int | None
    delivery_note: str
    rating: int | None
    rating_comment: str
    closing_reason: str
    requested_at: datetime
    version: int

    @staticmethod
    def resolve_community_code(obj: HomeServiceOrder) -> str:
        return obj.community.code

    @staticmethod
    def resolve_resident_name(obj: HomeServiceOrder) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_status_label(obj: HomeServiceOrder) -> str:
        return str(obj.get_status_display())


class OrderIn(Schema):
    resident_id: int
    kind: str
    details: str = Field("", max_length=300)
    preferred_date: date | None = None
    request_key: str = Field("", max_length=64)


class ScheduleIn(Schema):
    provider_id: int
    scheduled_for: datetime


class DeliverIn(Schema):
    delivered_at: datetime
    minutes: int
    note: str = Field("", max_length=500)


class ConfirmIn(Schema):
    rating: int
    comment: str = Field("", max_length=300)


class CoverageRowOut(Schema):
    region_code: str
    region_name: str
    elderly: int
    served: int
    share: float | None


class CoverageOut(Schema):
    region_code: str
    period_start: date
    period_end: date
    total: CoverageRowOut
    children: list[CoverageRowOut]
