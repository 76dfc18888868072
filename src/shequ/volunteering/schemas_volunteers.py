"""Shapes of the volunteers API (``volunteering.api.volunteers``). No ID number or phone goes out:
a volunteer is their number and name, as the staff pages show them."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from shequ.volunteering.models import TeamJoinRequest, TeamMembership, Volunteer, VolunteerTeam


class VolunteerOut(Schema):
    id: int
    number: str
    name: str
    community_code: str
    community_name: str
    status: str
    status_label: str
    skills: list[str]
    availability: list[str]
    channel: str
    applied_at: datetime
    decided_at: datetime | None
    version: int

    @staticmethod
    def resolve_name(obj: Volunteer) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_community_code(obj: Volunteer) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: Volunteer) -> str:
        return obj.community.name

    @staticmethod
    def resolve_status_label(obj: Volunteer) -> str:
        return str(obj.get_status_display())


class VolunteerDetailOut(VolunteerOut):
    hours: float = 0
    stars: int = 0
    points_total: int = 0
    activities: int = 0
    teams: list[str] = Field(default_factory=list)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


class TeamOut(Schema):
    id: int
    name: str
    category: str
    category_label: str
    region_code: str
    region_name: str
    description: str
    founded_on: date
    is_active: bool

    @staticmethod
    def resolve_category_label(obj: VolunteerTeam) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_region_code(obj: VolunteerTeam) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: VolunteerTeam) -> str:
        return obj.region.name


class MemberOut(Schema):
    id: int
    volunteer_id: int
    number: str
    name: str
    role: str
    joined_on: date
    is_party_member: bool

    @staticmethod
    def resolve_number(obj: TeamMembership) -> str:
        return obj.volunteer.number

    @staticmethod
    def resolve_name(obj: TeamMembership) -> str:
        return obj.volunteer.resident.name

    @staticmethod
    def resolve_is_party_member(obj: TeamMembership) -> bool:
        return bool(getattr(obj, "is_party", False))


class TeamDetailOut(TeamOut):
    members: list[MemberOut] = Field(default_factory=list)


class TeamIn(Schema):
    region_code: str = Field(..., max_length=12)
    name: str = Field(..., max_length=80)
    category: str
    description: str = Field("", max_length=300)


class MemberIn(Schema):
    number: str = Field(..., max_length=24)


class JoinIn(Schema):
    note: str = Field("", max_length=200)


class JoinRequestOut(Schema):
    id: int
    team_id: int
    team_name: str
    volunteer_id: int
    number: str
    name: str
    status: str
    status_label: str
    note: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_team_name(obj: TeamJoinRequest) -> str:
        return obj.team.name

    @staticmethod
    def resolve_number(obj: TeamJoinRequest) -> str:
        return obj.volunteer.number

    @staticmethod
    def resolve_name(obj: TeamJoinRequest) -> str:
        return obj.volunteer.resident.name

    @staticmethod
    def resolve_status_label(obj: TeamJoinRequest) -> str:
        return str(obj.get_status_display())
