"""Shapes of the activities API (``volunteering.api.activities``). Times are ISO 8601 with the zone;
hours are decimals with two places. No phone or ID number goes out: the roster names volunteers as
the registry's staff pages do."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class ActivityOut(Schema):
    code: str
    region_code: str
    region_name: str
    team_id: int | None
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    needed: int
    enrolled: int
    waitlisted: int
    skills: list[str]
    target_group: str
    target_group_label: str
    status: str
    status_label: str
    people_served: int | None
    summary: str
    version: int

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_enrolled(obj: Any) -> int:
        return int(getattr(obj, "enrolled_count", 0) or 0)

    @staticmethod
    def resolve_waitlisted(obj: Any) -> int:
        return int(getattr(obj, "waitlisted_count", 0) or 0)

    @staticmethod
    def resolve_target_group_label(obj: Any) -> str:
        return str(obj.get_target_group_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ActivityIn(Schema):
    region_code: str = Field(..., max_length=12)
    team_id: int | None = None
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    place: str = Field(..., max_length=120)
    starts_at: datetime
    ends_at: datetime
    needed: int = Field(..., ge=1, le=1000)
    skills: list[str] = []
    target_group: str


class TransitionIn(Schema):
    name: str = Field(..., description="publish / close / finish / settle / cancel")
    people_served: int | None = Field(None, ge=0, description="finish 时必填")
    summary: str = Field("", max_length=500, description="finish 时必填")


class SignUpOut(Schema):
    id: int
    activity_code: str
    volunteer_number: str
    volunteer_name: str
    status: str
    status_label: str
    signed_up_at: datetime
    signed_in_at: datetime | None
    sign_in_method: str
    signed_out_at: datetime | None
    sign_out_method: str
    hours_computed: Decimal | None
    hours_confirmed: Decimal | None
    volunteer_rating: int | None
    volunteer_comment: str
    activity_rating: int | None
    activity_comment: str

    @staticmethod
    def resolve_activity_code(obj: Any) -> str:
        return str(obj.activity.code)

    @staticmethod
    def resolve_volunteer_number(obj: Any) -> str:
        return str(obj.volunteer.number)

    @staticmethod
    def resolve_volunteer_name(obj: Any) -> str:
        return str(obj.volunteer.resident.name)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class MySignUpOut(Schema):
    id: int
    activity: ActivityOut
    status: str
    waitlist_position: int | None = None
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    hours_computed: Decimal | None
    hours_confirmed: Decimal | None


class AttendanceIn(Schema):
    direction: str = Field(..., description="in / out")
    at: datetime


class HoursIn(Schema):
    hours: Decimal | None = Field(
        None, ge=0, max_digits=6, decimal_places=2, description="不填则按签到签退计算的时长确认"
    )


class RatingIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=200)


class TokenIn(Schema):
    token: str = Field(..., max_length=80)
