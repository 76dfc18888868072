"""Shapes of the preparedness API (``emergency.api.preparedness``). No personal data leaves: shelters,
stock and drills are about places; an officer goes out with the name as the workforce pages show it,
never a phone or ID number."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class ShelterOut(Schema):
    facility_id: int
    name: str
    address: str
    community_code: str
    capacity: int | None
    opening_id: int | None
    open_capacity: int | None
    occupancy: int | None


class OpenShelterIn(Schema):
    facility_id: int
    capacity: int | None = Field(None, ge=1)
    alert_id: int | None = None


class OpeningOut(Schema):
    id: int
    facility_id: int
    name: str
    community_code: str
    capacity: int
    occupancy: int
    opened_at: datetime
    closed_at: datetime | None
    version: int


class OccupancyIn(Schema):
    occupancy: int = Field(..., ge=0)


class StockOut(Schema):
    id: int
    region_code: str
    location: str
    category: str
    item: str
    unit: str
    quantity: int
    low_threshold: int
    is_low: bool
    version: int


class MovementOut(Schema):
    id: int
    kind: str
    delta: int
    balance_after: int
    reason: str
    at: datetime
    counterpart_id: int | None


class StockDetailOut(StockOut):
    movements: list[MovementOut]


class StockIn(Schema):
    region_code: str = Field(..., max_length=12)
    location: str = Field(..., max_length=100)
    category: str
    item: str = Field(..., max_length=60)
    unit: str = Field(..., max_length=10)
    quantity: int = Field(0, ge=0)
    low_threshold: int = Field(0, ge=0)


class MovementIn(Schema):
    kind: str
    quantity: int = Field(..., ge=0)
    reason: str = Field("", max_length=200)
    to_region_code: str = Field("", max_length=12)
    to_location: str = Field("", max_length=100)
    request_key: str = Field("", max_length=64)


class DrillOut(Schema):
    id: int
    region_code: str
    kind: str
    title: str
    held_on: date
    location: str
    participants: int
    organisers: str
    findings: str
    improvements: str


class DrillIn(Schema):
    region_code: str = Field(..., max_length=12)
    kind: str
    title: str = Field(..., max_length=100)
    held_on: date
    participants: int
    location: str = Field("", max_length=100)
    organisers: str = Field("", max_length=300)
    findings: str = Field("", max_length=2000)
    improvements: str = Field("", max_length=2000)


class FireGridOut(Schema):
    grid_code: str
    grid_name: str
    community_code: str
    designated: bool
    responsible: str
    last_checked_on: date | None
    hazards: str


class InformantOut(Schema):
    community_code: str
    community_name: str
    township_code: str
    officers: list[str]
    status: str  # ok, missing, several
