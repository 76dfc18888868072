"""Shapes of the elections API (``participation.api.elections``). No ID number, birth date or phone
goes out: the roll names residents and their group only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from shequ.participation.queries.elections import group_of


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

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.resident.name)

    @staticmethod
    def resolve_group(obj: Any) -> str:
        return group_of(obj)

    @staticmethod
    def resolve_basis_label(obj: Any) -> str:
        return str(obj.get_basis_display())


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


# --- Staff ------------------------------------------------------------------------------------------


class ElectionIn(Schema):
    community_code: str = Field(..., max_length=12, description="组织选举的村(社区)的区划代码")
    title: str = Field(..., description="选举名称（不超过100字）")
    election_day: date
    registration_closes: date
    min_age: int = Field(18, description="选民年龄（16到30周岁）")
    include_registered_present: bool = True
    include_non_registered_years: int = Field(
        1, description="户籍不在本社区、居住满几年可申请登记（0到50）"
    )


class RollBuildOut(Schema):
    added: int
    removed: int
    election: ElectionOut


class RollAddIn(Schema):
    resident_id: int
    reason: str = Field(..., max_length=200, description="补登原因")


class RollRemoveIn(Schema):
    reason: str = Field(..., max_length=200, description="除名原因")


class RemovedEntryOut(Schema):
    id: int
    resident_id: int
    name: str
    basis: str
    basis_label: str
    removed_at: datetime
    removed_reason: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.resident.name)

    @staticmethod
    def resolve_basis_label(obj: Any) -> str:
        return str(obj.get_basis_display())


class RegistrationDetailOut(Schema):
    """An application as staff see it: who, why, how long resident, and the decision."""

    id: int
    election_id: int
    resident_id: int
    name: str
    reason: str
    years_resident: int
    status: str
    status_label: str
    decision_note: str
    decided_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.resident.name)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class RegistrationDecisionIn(Schema):
    decision: str = Field(..., description="approve 通过；reject 不予通过（须填写审核意见）")
    note: str = Field("", max_length=400)
    version: int | None = None


class ObjectionDetailOut(Schema):
    """An objection as staff see it (not who filed it): whom it is about, why, and the answer."""

    id: int
    election_id: int
    kind: str
    kind_label: str
    subject_id: int
    subject_name: str
    body: str
    status: str
    status_label: str
    response: str
    handled_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_subject_name(obj: Any) -> str:
        return str(obj.subject.name)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ObjectionDecisionIn(Schema):
    decision: str = Field(..., description="approve 异议成立（名单随之更正）；reject 异议不成立")
    response: str = Field(..., max_length=1000, description="处理意见")
    version: int | None = None


class PublishIn(Schema):
    objection_deadline: date | None = Field(None, description="不填则为公示后第5个工作日")
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class ExportIn(Schema):
    fmt: str = Field("xlsx", description="xlsx 或 csv")
    reason: str = Field(..., max_length=200, description="导出事由（至少4个字），记入审计")
