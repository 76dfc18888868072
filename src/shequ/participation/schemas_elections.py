"""Shapes of the elections API (``participation.api.elections``). No ID number, birth date or phone
goes out: the roll names residents and their group only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class ElectionOut(Schema):
    id: int
    community_code: str
    community_name: str
    title: str
    election_day: date
    registration_closes: date
    min_age: int
    include_registered_present: bool
    include_non_registered_years: int
    status: str
    status_label: str
    objection_deadline: date | None
    published_at: datetime | None
    finalised_at: datetime | None
    version: int

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class RollEntryOut(Schema):
    id: int
    resident_id: int
    name: str
    group: str
    basis: str
    basis_label: str


class RegistrationIn(Schema):
    reason: str = Field(..., max_length=1000)
    years_resident: int = Field(..., ge=0, le=120)


class RegistrationOut(Schema):
    id: int
    election_id: int
    status: str
    years_resident: int
    created_at: datetime


class ObjectionIn(Schema):
    kind: str = Field(..., description="missing 应登记而未登记；wrongly_included 不应登记而登记")
    subject_id: int
    body: str = Field(..., max_length=1000)


class ObjectionOut(Schema):
    id: int
    election_id: int
    kind: str
    subject_id: int
    status: str
    created_at: datetime
