"""Shapes of the wish API (``volunteering.api.wishes``). The resident's name goes out masked to
takers; staff see it as on the board."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from shequ.core.masking import mask_name
from shequ.volunteering.models import Wish


class WishOut(Schema):
    number: str
    community_code: str
    resident_name: str  # masked
    category: str
    title: str
    description: str
    wanted_by: date | None
    status: str
    status_label: str
    channel: str
    fulfilment_note: str
    resident_rating: int | None
    case_number: str
    created_at: datetime

    @staticmethod
    def resolve_community_code(obj: Wish) -> str:
        return obj.community.code

    @staticmethod
    def resolve_resident_name(obj: Wish) -> str:
        return mask_name(obj.resident.name)

    @staticmethod
    def resolve_status_label(obj: Wish) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_case_number(obj: Wish) -> str:
        return obj.case.number if obj.case_id else ""


class WishIn(Schema):
    category: str
    title: str = Field(..., max_length=80)
    description: str = Field("", max_length=1000)
    wanted_by: date | None = None


class StaffWishIn(WishIn):
    id_number: str = Field(..., max_length=18)


class AssignIn(Schema):
    member_id: int | None = None
    volunteer_id: int | None = None
    team_id: int | None = None
    note: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class DeclineIn(Schema):
    reason: str = Field("", max_length=200)


class ConfirmIn(Schema):
    rating: int | None = None
    comment: str = Field("", max_length=200)
