"""The shapes of the workforce development API (``workforce.api.development``). ID numbers and phones
go out masked, never in full; places are given by their codes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shequ.core.masking import mask_id_number, mask_phone

# --- Qualifications -------------------------------------------------------------------------------


class QualificationOut(Schema):
    """A certified worker with their highest level and the monthly allowance it brings (null when
    no rate is set or the worker no longer serves)."""

    worker_id: int = Field(..., alias="pk")
    name: str
    region_code: str
    region_name: str
    status: str
    top_level: str
    top_level_label: str
    certificate_number: str
    obtained_on: datetime.date
    monthly_allowance: Decimal | None

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_certificate_number(obj: Any) -> str:
        return str(obj.top_certificate)

    @staticmethod
    def resolve_obtained_on(obj: Any) -> Any:
        return obj.top_obtained_on

    @staticmethod
    def resolve_monthly_allowance(obj: Any) -> Any:
        return obj.allowance


class QualificationIn(Schema):
    worker_id: int
    level: str = Field(..., description="assistant、intermediate、senior")
    certificate_number: str = Field(..., max_length=40)
    obtained_on: datetime.date


class QualificationCreatedOut(Schema):
    id: int
    worker_id: int
    level: str
    certificate_number: str
    obtained_on: datetime.date


# --- Training -------------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    title: str
    level: str
    region_code: str
    region_name: str
    organiser: str
    starts_on: datetime.date
    ends_on: datetime.date
    hours: Decimal
    attendees: int = Field(0, description="本辖区参训人数")

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_attendees(obj: Any) -> int:
        return int(getattr(obj, "attendees", 0) or 0)


class CourseIn(Schema):
    region_code: str = Field(..., max_length=12)
    title: str = Field(..., max_length=120)
    level: str = Field(..., description="city、county、township：须与主办地区层级一致")
    organiser: str = Field("", max_length=120)
    starts_on: datetime.date
    ends_on: datetime.date
    hours: Decimal
    description: str = Field("", max_length=4000)


class RecordOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    region_code: str
    hours: Decimal
    passed: bool

    @staticmethod
    def resolve_worker_name(obj: Any) -> str:
        return str(obj.worker.name)

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.worker.region.code)


class AttendanceIn(Schema):
    worker_ids: list[int] = Field(..., min_length=1, max_length=500)
    hours: Decimal | None = Field(None, description="不填按课程学时")
    passed: bool = True


class CoverageRowOut(Schema):
    region_code: str | None
    region_name: str
    serving: int
    trained: int
    share_percent: Decimal | None
    hours: Decimal
    hours_per_worker: Decimal | None


class CoverageOut(Schema):
    year: int
    total: CoverageRowOut
    rows: list[CoverageRowOut]


# --- Reviews --------------------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    region_code: str
    year: int
    scheme: str
    scores: dict[str, str]
    total: Decimal
    grade: str

    @staticmethod
    def resolve_worker_name(obj: Any) -> str:
        return str(obj.worker.name)

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.worker.region.code)

    @staticmethod
    def resolve_scheme(obj: Any) -> str:
        return str(obj.scheme.name)


class ReviewIn(Schema):
    worker_id: int
    year: int
    scores: dict[str, Decimal] = Field(..., description="指标 id → 得分")
    comment: str = Field("", max_length=2000)


# --- The reserve pool -----------------------------------------------------------------------------


class ReserveOut(Schema):
    id: int
    community_code: str
    community_name: str
    worker_id: int | None
    name: str
    birth_date: datetime.date | None
    phone: str = Field("", description="脱敏")
    education: str
    political_status: str
    background: str
    current_job: str
    added_on: datetime.date
    status: str
    status_reason: str

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone) if obj.phone else ""


class ReserveIn(Schema):
    community_code: str = Field(..., max_length=12)
    worker_id: int | None = None
    name: str = Field("", max_length=60)
    birth_date: datetime.date | None = None
    phone: str = Field("", max_length=20)
    education: str = ""
    political_status: str = ""
    background: str = Field("", max_length=120)
    current_job: str = Field("", max_length=120)
    added_on: datetime.date | None = None


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


# --- Joint reviews --------------------------------------------------------------------------------


class CheckOut(Schema):
    agency: str
    agency_label: str
    result: str
    note: str
    checked_at: datetime.datetime | None

    @staticmethod
    def resolve_agency_label(obj: Any) -> str:
        return str(obj.get_agency_display())


class CandidateReviewOut(Schema):
    id: int
    community_code: str
    community_name: str
    election: str
    post: str
    name: str
    id_number: str = Field(..., description="脱敏")
    worker_id: int | None
    status: str
    version: int
    conclusion: str
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number or "")


class CandidateReviewDetailOut(CandidateReviewOut):
    checks: list[CheckOut] = []

    @staticmethod
    def resolve_checks(obj: Any) -> list[Any]:
        return list(getattr(obj, "api_checks", []))


class CandidateReviewIn(Schema):
    community_code: str = Field(..., max_length=12)
    election: str = Field(..., max_length=60)
    post: str
    name: str = Field(..., max_length=60)
    id_number: str = Field(..., max_length=20)
    worker_id: int | None = None


class TransitionIn(Schema):
    version: int | None = Field(None, description="读取时的 version；期间有人处理过则 409")
    reason: str = Field("", max_length=500)


class CheckIn(Schema):
    result: str = Field(..., description="clear 或 issue")
    note: str = Field("", max_length=2000)
