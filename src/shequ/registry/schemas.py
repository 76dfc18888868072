"""The registry API's shapes.

Output never carries a clear ID number, phone number or address detail: only the masked forms made by
``registry.display``. The clear value of one field comes only from the reveal endpoint.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from shequ.registry.display import MaskedResident, address_of, masked
from shequ.registry.models import Household, Resident

NAME_MAX = 60


def _masked(resident: Resident) -> MaskedResident:
    """``display.masked`` once per row, however many fields read it."""
    cached = getattr(resident, "_api_masked", None)
    if cached is None:
        cached = masked(resident)
        resident._api_masked = cached  # type: ignore[attr-defined]
    return cached


def _label(obj: Any, name: str) -> str:
    return str(getattr(obj, f"get_{name}_display")())


# --- Output -----------------------------------------------------------------------------------


class CareTagOut(Schema):
    id: int
    group: str
    group_label: str
    start_date: date
    end_date: date | None
    source: str
    disability_category: str
    disability_grade: int | None

    @staticmethod
    def resolve_group_label(obj: Any) -> str:
        return _label(obj, "group")


class ResidentOut(Schema):
    """A resident as any viewer may see them: identifiers masked, birth date only as an age."""

    id: int
    name: str
    sex: str
    sex_label: str
    age: int | None
    id_type: str
    id_number_masked: str
    phone_masked: str
    residence_status: str
    residence_status_label: str
    status: str
    status_label: str
    relation: str
    household_id: int | None
    household_number: str | None
    community_code: str
    grid_code: str | None
    care_groups: list[str]
    is_minor: bool
    is_sensitive: bool
    version: int

    @staticmethod
    def resolve_sex_label(obj: Resident) -> str:
        return _label(obj, "sex")

    @staticmethod
    def resolve_residence_status_label(obj: Resident) -> str:
        return _label(obj, "residence_status")

    @staticmethod
    def resolve_status_label(obj: Resident) -> str:
        return _label(obj, "status")

    @staticmethod
    def resolve_age(obj: Resident) -> int | None:
        return _masked(obj).age

    @staticmethod
    def resolve_id_number_masked(obj: Resident) -> str:
        return _masked(obj).id_number

    @staticmethod
    def resolve_phone_masked(obj: Resident) -> str:
        return _masked(obj).phone

    @staticmethod
    def resolve_is_minor(obj: Resident) -> bool:
        return _masked(obj).is_minor

    @staticmethod
    def resolve_is_sensitive(obj: Resident) -> bool:
        return _masked(obj).is_sensitive

    @staticmethod
    def resolve_household_number(obj: Resident) -> str | None:
        return obj.household.number if obj.household_id and obj.household else None

    @staticmethod
    def resolve_community_code(obj: Resident) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Resident) -> str | None:
        return obj.grid.code if obj.grid_id and obj.grid else None

    @staticmethod
    def resolve_care_groups(obj: Resident) -> list[str]:
        # Current tags only, prefetched by the endpoint (``queries.current_tags``).
        return [tag.group for tag in getattr(obj, "current_tags", [])]


class MembershipOut(Schema):
    """One stay in a household. Only the household's number: an earlier household may lie outside the
    viewer's jurisdiction, and its place is not theirs to see."""

    household_id: int
    household_number: str
    relation: str
    joined_on: date
    left_on: date | None
    left_reason: str

    @staticmethod
    def resolve_household_number(obj: Any) -> str:
        return str(obj.household.number)


class ResidentDetailOut(ResidentOut):
    legal_basis: str
    status_date: date | None
    address: str
    care_tags: list[CareTagOut]
    memberships: list[MembershipOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_address(obj: Resident) -> str:
        return address_of(obj.household) if obj.household_id and obj.household else ""

    @staticmethod
    def resolve_care_tags(obj: Resident) -> list[Any]:
        return list(getattr(obj, "current_tags", []))

    @staticmethod
    def resolve_memberships(obj: Resident) -> list[Any]:
        return list(obj.memberships.all())


class HouseholdOut(Schema):
    id: int
    number: str
    community_code: str
    community_name: str
    grid_code: str | None
    estate_id: int | None
    building_id: int | None
    villager_group_id: int | None
    address: str
    head_id: int | None
    head_name: str | None
    is_active: bool
    version: int

    @staticmethod
    def resolve_community_code(obj: Household) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: Household) -> str:
        return obj.community.name

    @staticmethod
    def resolve_grid_code(obj: Household) -> str | None:
        return obj.grid.code if obj.grid_id and obj.grid else None

    @staticmethod
    def resolve_address(obj: Household) -> str:
        # Estate, building, villager group, and the door (unit, room, free text) as ****.
        return address_of(obj)

    @staticmethod
    def resolve_head_name(obj: Household) -> str | None:
        return obj.head.name if obj.head_id and obj.head else None


class HouseholdDetailOut(HouseholdOut):
    """Built from ``queries.household_detail`` with ``visible_members`` attached by the endpoint."""

    members: list[ResidentOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_members(obj: Household) -> list[Resident]:
        # Never the related manager: only the members the endpoint read through the scope.
        return list(obj.visible_members)  # type: ignore[attr-defined]


class RevealOut(Schema):
    field: str
    value: str


# --- Input ------------------------------------------------------------------------------------


class MemberIn(Schema):
    """One member. Values are checked by the action, which names the member from 1
    (``members.2.id_number``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    relation: str = "other_relative"
    id_type: str = "resident_id"
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=40)
    sex: str = ""
    birth_date: date | None = None
    residence_status: str = "registered"


class HouseholdIn(Schema):
    model_config = ConfigDict(extra="forbid")

    community_code: str
    grid_code: str | None = None
    estate_id: int | None = None
    building_id: int | None = None
    villager_group_id: int | None = None
    address_detail: str = Field("", max_length=200)
    members: list[MemberIn] = Field(..., min_length=1, max_length=50)


class ResidentPatchIn(Schema):
    """The version the edit started from, and only the fields that change (others are refused)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(..., ge=1)
    name: str | None = Field(None, max_length=NAME_MAX)
    id_type: str | None = None
    id_number: str | None = Field(None, max_length=40)
    phone: str | None = Field(None, max_length=40)
    sex: str | None = Field(None, max_length=8)
    birth_date: date | None = None
    residence_status: str | None = None
    relation: str | None = None
    legal_basis: str | None = None
    note: str | None = Field(None, max_length=2000)


class RevealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    field: str
    reason: str = Field(..., max_length=300)
