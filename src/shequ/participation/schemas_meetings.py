"""Shapes of the meetings API (``participation.api.meetings``). No phone, ID number or address goes
out; attendance and ballots are counted, never listed with names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class MemberOut(Schema):
    id: int
    name: str
    affiliation: str
    role: str
    start_on: date
    end_on: date | None


class BodyOut(Schema):
    id: int
    community_code: str
    community_name: str
    kind: str
    kind_label: str
    name: str
    constituted_on: date
    dissolved_on: date | None
    member_count: int = 0

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_member_count(obj: Any) -> int:
        return int(getattr(obj, "member_count", 0) or 0)


class BodyDetailOut(BodyOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.members.order_by("role", "pk"))


class MeetingOut(Schema):
    id: int
    community_code: str
    community_name: str
    body_id: int | None
    kind: str
    kind_label: str
    title: str
    starts_at: datetime
    place: str
    status: str
    status_label: str
    attendee_count: int
    minutes_published: bool
    version: int

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_attendee_count(obj: Any) -> int:
        signed = getattr(obj, "signed", None)
        return int(obj.attendee_count if signed is None else signed)

    @staticmethod
    def resolve_minutes_published(obj: Any) -> bool:
        return obj.minutes_published_at is not None


class AgendaOut(Schema):
    position: int
    title: str
    topic_id: int | None


class DecisionOut(Schema):
    position: int
    topic_id: int | None
    text: str


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaOut]
    decisions: list[DecisionOut]
    minutes: str

    @staticmethod
    def resolve_agenda(obj: Any) -> list[Any]:
        return list(obj.agenda.all())

    @staticmethod
    def resolve_decisions(obj: Any) -> list[Any]:
        return list(obj.decisions.all())


class OptionOut(Schema):
    id: int
    label: str
    votes: int | None = Field(None, description="表决结束后才公布")


class PollOut(Schema):
    id: int
    community_code: str
    meeting_id: int | None
    topic_id: int | None
    question: str
    status: str
    closed: bool
    closes_at: datetime | None
    ballots: int
    voted: bool | None = Field(None, description="居民本人是否已投票")
    options: list[OptionOut]


class VoteIn(Schema):
    option_id: int = Field(..., description="所选选项")


class CoverageOut(Schema):
    region_code: str
    region_name: str
    start: date
    end: date
    communities: int
    covered: int
    share: float | None
    children: list[CoverageOut] = []
