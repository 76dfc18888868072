"""The facilities API's shapes (``facilities.api``).

Positions go out in WGS-84. A position coming in may be GCJ-02 (高德、腾讯 pickers): say so with
``coordinate_system`` and it is converted. Areas are square metres as decimals; opening hours are one
text per weekday (``mon`` … ``sun``) in, and both that text and the stored minutes out. Text is plain:
markup is refused with a clear message rather than silently stripped.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from shequ.facilities import hours
from shequ.facilities.models import (
    CandidateSite,
    CoordinateSystem,
    Facility,
    FacilityCategory,
    FacilityPhoto,
    FacilityStatus,
)
from shequ.facilities.queries import area_indicators

_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]")
_CATEGORY_LABELS = dict(FacilityCategory.choices)
_STATUS_LABELS = dict(FacilityStatus.choices)


def _plain(value: Any) -> Any:
    if isinstance(value, str) and _MARKUP.search(value):
        raise PydanticCustomError("markup", _("请提交纯文本，不能包含 HTML 标记。"))
    return value


# --- Output ---------------------------------------------------------------------------------------


class FacilityOut(Schema):
    """A facility as a list shows it. ``opens_too_briefly``: a community service centre open less
    than the plan's 8 hours on some day it opens (``shortest_day_hours`` is that day's hours)."""

    id: int
    community_code: str
    community_name: str
    category: str
    category_label: str
    name: str
    address: str
    lat: float
    lng: float
    operator: str
    owner_institution: str
    serves_circle: str | None
    floor_area_m2: Decimal | None
    activity_area_m2: Decimal | None
    commercial_area_m2: Decimal | None
    capacity: int | None
    opening_hours: dict[str, str]
    shortest_day_hours: Decimal | None
    opens_too_briefly: bool
    status: str
    status_label: str
    external_code: str
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_community_code(obj: Facility) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: Facility) -> str:
        return obj.community.name

    @staticmethod
    def resolve_category_label(obj: Facility) -> str:
        return str(_CATEGORY_LABELS.get(obj.category, obj.category))

    @staticmethod
    def resolve_status_label(obj: Facility) -> str:
        return str(_STATUS_LABELS.get(obj.status, obj.status))

    @staticmethod
    def resolve_serves_circle(obj: Facility) -> str | None:
        return (
            obj.serves_circle.code
            if obj.serves_circle_id is not None and obj.serves_circle
            else None
        )

    @staticmethod
    def resolve_opening_hours(obj: Facility) -> dict[str, str]:
        return hours.as_text(obj.opening_hours or {})


class PhotoOut(Schema):
    id: int
    width: int
    height: int
    uploaded_at: datetime
    url: str

    @staticmethod
    def resolve_url(obj: FacilityPhoto) -> str:
        """The scoped page URL (signed-in sessions); never a public media path."""
        return reverse(
            "facilities:facility_photo",
            kwargs={"facility_id": obj.facility_id, "facility_photo_id": obj.pk},
        )


class FacilityDetailOut(FacilityOut):
    """A facility with its note, the stored opening minutes and its photos."""

    note: str
    opening_minutes: dict[str, list[list[int]]]
    created_at: datetime
    photos: list[PhotoOut]

    @staticmethod
    def resolve_opening_minutes(obj: Facility) -> dict[str, list[list[int]]]:
        return dict(obj.opening_hours or {})

    # Attached by the endpoint through ``queries.facility_photos``.
    @staticmethod
    def resolve_photos(obj: Facility) -> list[Any]:
        return list(getattr(obj, "api_photos", []))


class FloorAreaOut(Schema):
    """A community's floor area for a year (``total_floor_area_m2``, None if not entered) beside the
    inputs and values of the plan's three area indicators (None where an input is missing):
    ``commercial_service_ratio`` (#1, %), ``service_area_per_100_households`` (#2, m²),
    ``activity_ratio`` (#3, %). Facility figures are those of facilities in service today."""

    community_code: str
    community_name: str
    year: int
    total_floor_area_m2: Decimal | None
    source: str
    service_floor_area: Decimal
    activity_area_m2: Decimal
    commercial_area_m2: Decimal
    households: int
    commercial_service_ratio: Decimal | None
    service_area_per_100_households: Decimal | None
    activity_ratio: Decimal | None

    # Rows are ``queries.floor_area_rows`` communities, with ``year`` set by the endpoint.
    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.name)

    @staticmethod
    def resolve_households(obj: Any) -> int:
        return int(obj.household_count)

    @staticmethod
    def resolve_source(obj: Any) -> str:
        return str(obj.floor_area_source or "")

    @staticmethod
    def resolve_commercial_service_ratio(obj: Any) -> Decimal | None:
        return area_indicators(obj).commercial_service_ratio

    @staticmethod
    def resolve_service_area_per_100_households(obj: Any) -> Decimal | None:
        return area_indicators(obj).service_area_per_100_households

    @staticmethod
    def resolve_activity_ratio(obj: Any) -> Decimal | None:
        return area_indicators(obj).activity_ratio


class CandidateSiteOut(Schema):
    id: int
    community_code: str
    community_name: str
    name: str
    address: str
    lat: float
    lng: float
    floor_area_m2: Decimal | None
    note: str
    is_available: bool
    created_at: datetime

    @staticmethod
    def resolve_community_code(obj: CandidateSite) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: CandidateSite) -> str:
        return obj.community.name


# --- Input ----------------------------------------------------------------------------------------


_TEXTS = ("name", "address", "operator", "owner_institution", "note", "external_code")


class FacilityIn(Schema):
    """A new facility in a community (``community_code``, 12 digits). ``lat``/``lng`` in WGS-84, or in
    GCJ-02 with ``coordinate_system: "gcj02"`` (converted). ``opening_hours``: ``{"mon": "08:30-12:00,
    14:00-17:30", …}``, a day left out or blank is closed, "24小时" is all day, "22:00-02:00" runs past
    midnight. ``serves_circle``: a living-circle circle code, or none."""

    model_config = ConfigDict(extra="forbid")

    community_code: str = Field(..., max_length=12)
    category: str = Field(..., max_length=30)
    name: str = Field(..., max_length=100)
    address: str = Field("", max_length=200)
    lat: float | None = None
    lng: float | None = None
    coordinate_system: str = Field(CoordinateSystem.WGS84, max_length=10)
    operator: str = Field("", max_length=100)
    owner_institution: str = Field("", max_length=100)
    serves_circle: str | None = Field(None, max_length=40)
    floor_area_m2: Decimal | None = None
    activity_area_m2: Decimal | None = None
    commercial_area_m2: Decimal | None = None
    capacity: int | None = None
    opening_hours: dict[str, str] = {}
    status: str = Field(FacilityStatus.IN_SERVICE, max_length=20)
    note: str = Field("", max_length=2000)
    external_code: str = Field("", max_length=40)

    @field_validator(*_TEXTS)
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return str(_plain(value))


class FacilityPatchIn(Schema):
    """Changes to a facility: only the fields given change (``null`` clears an optional one).
    ``version`` is the one the client read; if someone changed the facility since, 409."""

    model_config = ConfigDict(extra="forbid")

    version: int
    category: str | None = Field(None, max_length=30)
    name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=200)
    lat: float | None = None
    lng: float | None = None
    coordinate_system: str = Field(CoordinateSystem.WGS84, max_length=10)
    operator: str | None = Field(None, max_length=100)
    owner_institution: str | None = Field(None, max_length=100)
    serves_circle: str | None = Field(None, max_length=40)
    floor_area_m2: Decimal | None = None
    activity_area_m2: Decimal | None = None
    commercial_area_m2: Decimal | None = None
    capacity: int | None = None
    opening_hours: dict[str, str] | None = None
    status: str | None = Field(None, max_length=20)
    note: str | None = Field(None, max_length=2000)
    external_code: str | None = Field(None, max_length=40)

    @field_validator(*_TEXTS)
    @classmethod
    def _no_markup(cls, value: str | None) -> str | None:
        return None if value is None else str(_plain(value))


class CloseIn(Schema):
    """``version``: the one the client read; if someone changed the facility since, 409."""

    model_config = ConfigDict(extra="forbid")

    version: int


class FloorAreaIn(Schema):
    model_config = ConfigDict(extra="forbid")

    total_floor_area_m2: Decimal
    source: str = Field("", max_length=100)

    @field_validator("source")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return str(_plain(value))


class CandidateSiteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    community_code: str = Field(..., max_length=12)
    name: str = Field(..., max_length=100)
    address: str = Field("", max_length=200)
    lat: float | None = None
    lng: float | None = None
    coordinate_system: str = Field(CoordinateSystem.WGS84, max_length=10)
    floor_area_m2: Decimal | None = None
    note: str = Field("", max_length=200)

    @field_validator("name", "address", "note")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return str(_plain(value))
