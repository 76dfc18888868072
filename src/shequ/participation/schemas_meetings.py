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


# --- Staff writes ---------------------------------------------------------------------------------
# Text fields default to "" so that a missing one is refused by the action, in the user's language.


class BodyIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)区划代码")
    kind: str = Field(
        "", description="residents_council / villagers_council / consultation_committee"
    )
    name: str = Field("", max_length=100)
    constituted_on: date | None = Field(None, description="成立日期，不晚于今天")
    rules: str = Field("", max_length=4000, description="议事规则")


class BodyPatchIn(Schema):
    """Only the fields sent change; ``dissolved_on: null`` clears the dissolution date."""

    kind: str | None = None
    name: str | None = Field(None, max_length=100)
    constituted_on: date | None = None
    dissolved_on: date | None = Field(None, description="撤销日期")
    rules: str | None = Field(None, max_length=4000)


class MemberIn(Schema):
    resident_id: int | None = Field(None, description="本村(社区)在册居民；不填则须填写姓名和单位")
    name: str = Field("", max_length=60, description="非本村(社区)居民成员的姓名")
    affiliation: str = Field("", max_length=100, description="非本村(社区)居民成员的单位或身份")
    role: str = Field("member", description="chair / member")
    start_on: date | None = None
    end_on: date | None = None


class MemberEndIn(Schema):
    end_on: date | None = Field(None, description="任期结束日期，默认今天")


class MeetingIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)区划代码")
    kind: str = Field("", description="monthly_talk / council / hearing / consultation")
    title: str = Field("", max_length=100)
    starts_at: datetime | None = Field(None, description="不带时区时按本地时间")
    place: str = Field("", max_length=200)
    body_id: int | None = Field(None, description="本村(社区)的议事组织")


class MeetingPatchIn(Schema):
    """Only the fields sent change (``body_id: null`` unlinks the body); ``version`` as read."""

    version: int = Field(..., description="读取会议时的 version；期间有人改过则 409")
    kind: str | None = None
    title: str | None = Field(None, max_length=100)
    starts_at: datetime | None = None
    place: str | None = Field(None, max_length=200)
    body_id: int | None = None


class AgendaIn(Schema):
    title: str = Field("", max_length=200, description="议程内容；选了议题时可不填")
    topic_id: int | None = Field(None, description="本村(社区)已立案或协商中的议题")


class InviteIn(Schema):
    resident_ids: list[int] = Field(default_factory=list, max_length=200)
    members: bool = Field(False, description="同时邀请会议所属议事组织的在任成员")


class InviteOut(Schema):
    meeting_id: int
    invited: int = Field(..., description="本次新邀请的人数")
    invitations: int = Field(..., description="会议累计邀请人数")


class MeetingTransitionIn(Schema):
    transition: str = Field(..., description="open / close / cancel")
    organisations: str = Field("", max_length=400, description="结束会议时填写参会单位")
    reason: str = Field("", max_length=300)


class SignForIn(Schema):
    resident_id: int = Field(..., description="本村(社区)在册居民")


class MinutesIn(Schema):
    minutes: str = ""
    publish: bool = Field(False, description="会议结束后公开纪要；公开后不能再修改")


class DecisionIn(Schema):
    text: str = ""
    topic_id: int | None = Field(None, description="本次会议议程中的议题")


class PollIn(Schema):
    community_code: str = Field("", max_length=12, description="不填时取会议或议题所在村(社区)")
    question: str = Field("", max_length=200)
    options: list[str] = Field(default_factory=list, max_length=50)
    meeting_id: int | None = None
    topic_id: int | None = None


class PollTransitionIn(Schema):
    transition: str = Field(..., description="open / close")
    closes_at: datetime | None = Field(None, description="开始表决时必填；不带时区时按本地时间")


class BallotIn(Schema):
    resident_id: int = Field(..., description="本村(社区)在册居民")
    option_id: int = Field(..., description="所选选项")
