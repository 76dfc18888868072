"""Shapes of the party API (``volunteering.api.party``). Members go out with a masked name; no ID
number, phone or address ever leaves."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from shequ.core.masking import mask_name
from shequ.volunteering.models import PartyMemberCheckin, PartyOrganization


class PartyOrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    workplace: str
    region_code: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: PartyOrganization) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_code(obj: PartyOrganization) -> str:
        return obj.region.code


class PartyOrgIn(Schema):
    region_code: str = Field(..., max_length=12)
    name: str = Field(..., max_length=120)
    kind: str
    workplace: str = Field("", max_length=120)


class MemberOut(Schema):
    id: int
    name: str  # masked
    community_code: str  # "" when outside the caller's jurisdiction
    in_service: bool
    checkin_status: str


class MemberIn(Schema):
    id_number: str = Field(..., max_length=18)


class CheckInOut(Schema):
    id: int
    member_name: str  # masked
    organization: str
    community_code: str
    status: str
    status_label: str
    offer: str
    note: str
    checked_in_at: datetime
    version: int

    @staticmethod
    def resolve_member_name(obj: PartyMemberCheckin) -> str:
        return mask_name(obj.member.resident.name)

    @staticmethod
    def resolve_organization(obj: PartyMemberCheckin) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_community_code(obj: PartyMemberCheckin) -> str:
        return obj.community.code

    @staticmethod
    def resolve_status_label(obj: PartyMemberCheckin) -> str:
        return str(obj.get_status_display())


class CheckInIn(Schema):
    offer: str = Field("", max_length=200)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


class CoverageRowOut(Schema):
    label: str
    code: str
    members: int
    checked_in: int
    share: float | None  # null when nobody is rostered: incomplete, not 0


class CoverageOut(Schema):
    region_code: str
    total: CoverageRowOut
    children: list[CoverageRowOut]
    organizations: list[CoverageRowOut]
