"""Shapes of the visit API (``care.api.visits``). Residents' names as the staff lists show them; the
note only to those who may read it (the visitor and the community's staff)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from shequ.care.models import Visit, VisitPlan, VisitRule


class RuleOut(Schema):
    id: int
    region_code: str
    group: str
    mode: str
    frequency: str
    visitor_kind: str
    checklist: list[str]
    is_active: bool
    version: int

    @staticmethod
    def resolve_region_code(obj: VisitRule) -> str:
        return obj.region.code


class PlanOut(Schema):
    id: int
    resident_id: int
    resident_name: str
    community_code: str
    grid_code: str
    group: str
    mode: str
    period_start: date
    due_date: date
    visitor_id: int | None
    status: str
    version: int
    checklist: list[str]

    @staticmethod
    def resolve_resident_name(obj: VisitPlan) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_community_code(obj: VisitPlan) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: VisitPlan) -> str:
        return obj.grid.code if obj.grid_id and obj.grid else ""

    @staticmethod
    def resolve_checklist(obj: VisitPlan) -> list[str]:
        return list(obj.rule.checklist)


class VisitIn(Schema):
    mode: str
    visited_at: datetime | None = None
    answers: dict[str, bool] = Field(default_factory=dict)
    findings: list[str] = Field(default_factory=list)
    note: str = Field("", max_length=2000)
    latitude: float | None = None
    longitude: float | None = None
    located_at: datetime | None = None
    request_key: str = Field("", max_length=64)


class VisitOut(Schema):
    id: int
    plan_id: int | None
    resident_id: int
    resident_name: str
    community_code: str
    grid_code: str
    visitor_id: int
    mode: str
    visited_at: datetime
    answers: dict[str, Any]
    findings: list[str]
    note: str | None
    has_photo: bool
    latitude: float | None
    longitude: float | None
    case_number: str

    @staticmethod
    def resolve_resident_name(obj: Visit) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_community_code(obj: Visit) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Visit) -> str:
        return obj.grid.code if obj.grid_id and obj.grid else ""

    @staticmethod
    def resolve_note(obj: Visit) -> str | None:
        # Set by the endpoint for readers who may see it; None means "hidden", "" means "none".
        return getattr(obj, "shown_note", None)

    @staticmethod
    def resolve_has_photo(obj: Visit) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_case_number(obj: Visit) -> str:
        return obj.case.number if obj.case_id and obj.case else ""
