"""Shapes of the bookings API (``care.api.bookings``). No phone, ID number or address goes out; a
booking names its resident only to the resident's household and to staff whose jurisdiction holds
the resident (others get the masked name)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from ninja import Field, Schema


class ServiceOut(Schema):
    id: int
    region_code: str
    region_name: str
    kind: str
    kind_label: str
    name: str
    description: str
    facility_id: int | None
    facility_name: str
    default_capacity: int
    min_age_months: int | None
    max_age_months: int | None
    min_age_years: int | None
    price: str
    cancel_hours_before: int
    is_active: bool
    version: int

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_facility_name(obj: Any) -> str:
        return obj.facility.name if obj.facility_id and obj.facility else ""


class SlotOut(Schema):
    id: int
    service_id: int
    date: date
    starts_at: time
    ends_at: time
    capacity: int
    booked: int
    waitlisted: int
    seats_left: int
    menu: str
    is_cancelled: bool
    version: int

    @staticmethod
    def resolve_seats_left(obj: Any) -> int:
        return max(obj.capacity - obj.booked, 0)


class BookingIn(Schema):
    resident_id: int | None = Field(
        None, description="预约给谁：居民本人或同户成员；工作人员代为预约时必填"
    )
    note: str = Field("", max_length=200)


class AttendanceIn(Schema):
    attended: bool = Field(..., description="true 已到场，false 未到场")


class BookingOut(Schema):
    id: int
    slot_id: int
    service_id: int
    resident_id: int
    resident_name: str
    status: str
    status_label: str
    waitlist_position: int | None
    on_behalf: bool
    booked_at: datetime
    changed_at: datetime
    version: int


class CoverageOut(Schema):
    county_code: str
    county_name: str
    registered: int
    attended: int
    share: float | None
