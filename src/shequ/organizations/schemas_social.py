"""Shapes of the social-organisation API (``organizations.api.social``). Phones go out masked; dates
are ISO dates; money is a decimal in yuan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from shequ.core.masking import mask_phone
from shequ.organizations.models import (
    OrgActivity,
    ProjectMilestone,
    ServiceProject,
    SiteStaff,
    SocialOrganization,
    SocialWorkSite,
)

# --- Organisations ------------------------------------------------------------------------------------


class OrgOut(Schema):
    id: int
    region_code: str
    region_name: str
    name: str
    kind: str
    kind_label: str
    registration: str
    uscc: str
    filing_number: str
    founded_on: date | None
    leader_name: str
    contact_phone: str  # masked
    members: int
    services: str
    is_brand: bool
    brand_since: date | None
    status: str
    status_label: str
    version: int

    @staticmethod
    def resolve_region_code(obj: SocialOrganization) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: SocialOrganization) -> str:
        return obj.region.name

    @staticmethod
    def resolve_kind_label(obj: SocialOrganization) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: SocialOrganization) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_contact_phone(obj: SocialOrganization) -> str:
        return mask_phone(obj.contact_phone) if obj.contact_phone else ""


class OrgIn(Schema):
    region_code: str = Field(..., max_length=12)
    name: str = Field(..., max_length=120)
    kind: str
    registration: str
    uscc: str = Field("", max_length=30)
    filing_number: str = Field("", max_length=40)
    founded_on: date | None = None
    leader_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=20)
    members: int = Field(0, ge=0)
    services: str = Field("", max_length=4000)


class OrgPatchIn(Schema):
    version: int
    name: str | None = Field(None, max_length=120)
    kind: str | None = None
    registration: str | None = None
    uscc: str | None = Field(None, max_length=30)
    filing_number: str | None = Field(None, max_length=40)
    founded_on: date | None = None
    leader_name: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=20)
    members: int | None = Field(None, ge=0)
    services: str | None = Field(None, max_length=4000)


class StatusIn(Schema):
    transition: str
    reason: str = Field("", max_length=300)


class BrandIn(Schema):
    since: date | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class ActivityOut(Schema):
    id: int
    community_code: str
    community_name: str
    title: str
    held_on: date
    participants: int
    description: str

    @staticmethod
    def resolve_community_code(obj: OrgActivity) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: OrgActivity) -> str:
        return obj.community.name


class ActivityIn(Schema):
    community_code: str = Field(..., max_length=12)
    title: str = Field(..., max_length=120)
    held_on: date
    participants: int = Field(0, ge=0)
    description: str = Field("", max_length=4000)


# --- Sites --------------------------------------------------------------------------------------------


class StaffOut(Schema):
    id: int
    worker_id: int | None
    name: str
    role: str
    qualification: str
    started_on: date
    ended_on: date | None


class SiteOut(Schema):
    id: int
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    name: str
    operator_id: int | None
    operator_name: str
    opened_on: date | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: SocialWorkSite) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_code(obj: SocialWorkSite) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: SocialWorkSite) -> str:
        return obj.region.name

    @staticmethod
    def resolve_operator_name(obj: SocialWorkSite) -> str:
        return obj.operator.name if obj.operator_id and obj.operator else ""


class SiteDetailOut(SiteOut):
    services: str
    staff: list[StaffOut]

    @staticmethod
    def resolve_staff(obj: SocialWorkSite) -> list[SiteStaff]:
        return list(getattr(obj, "api_staff", []))


class SiteIn(Schema):
    region_code: str = Field(..., max_length=12)
    kind: str
    name: str = Field(..., max_length=120)
    operator_id: int | None = None
    opened_on: date | None = None
    services: str = Field("", max_length=4000)


class SitePatchIn(Schema):
    version: int
    name: str | None = Field(None, max_length=120)
    operator_id: int | None = None
    opened_on: date | None = None
    services: str | None = Field(None, max_length=4000)


class SiteActiveIn(Schema):
    active: bool


class StaffIn(Schema):
    worker_id: int | None = None
    name: str = Field("", max_length=60)
    role: str = Field("", max_length=60)
    qualification: str = ""
    started_on: date
    ended_on: date | None = None


class StaffEndIn(Schema):
    ended_on: date


# --- Projects -----------------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done_on: date | None
    deliverable: str
    note: str
    is_overdue: bool

    @staticmethod
    def resolve_is_overdue(obj: ProjectMilestone) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class ProjectOut(Schema):
    id: int
    kind: str
    kind_label: str
    region_code: str
    title: str
    buyer: str
    provider_id: int
    provider_name: str
    budget: Decimal
    starts_on: date
    ends_on: date
    status: str
    status_label: str
    evaluation_score: Decimal | None
    evaluation_grade: str
    version: int

    @staticmethod
    def resolve_kind_label(obj: ServiceProject) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_code(obj: ServiceProject) -> str:
        return obj.region.code

    @staticmethod
    def resolve_provider_name(obj: ServiceProject) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_status_label(obj: ServiceProject) -> str:
        return str(obj.get_status_display())


class ProjectDetailOut(ProjectOut):
    deliverables: str
    termination_reason: str
    community_codes: list[str]
    evaluation_note: str
    evaluated_at: datetime | None
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_community_codes(obj: ServiceProject) -> list[str]:
        return [c.code for c in obj.communities.all()]

    @staticmethod
    def resolve_milestones(obj: ServiceProject) -> list[ProjectMilestone]:
        return list(getattr(obj, "api_milestones", []))


class ProjectIn(Schema):
    region_code: str = Field(..., max_length=12)
    kind: str
    title: str = Field(..., max_length=150)
    buyer: str = Field(..., max_length=120)
    provider_id: int
    community_codes: list[str] = []
    budget: Decimal
    starts_on: date
    ends_on: date
    deliverables: str = Field("", max_length=8000)


class ProjectPatchIn(Schema):
    version: int
    kind: str | None = None
    title: str | None = Field(None, max_length=150)
    buyer: str | None = Field(None, max_length=120)
    provider_id: int | None = None
    community_codes: list[str] | None = None
    budget: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: str | None = Field(None, max_length=8000)


class TransitionIn(Schema):
    transition: str
    reason: str = Field("", max_length=2000)


class MilestoneIn(Schema):
    title: str = Field(..., max_length=120)
    due_on: date
    deliverable: str = Field("", max_length=4000)


class MilestoneDoneIn(Schema):
    done_on: date
    note: str = Field("", max_length=200)


class EvaluationIn(Schema):
    score: Decimal
    grade: str = ""
    note: str = Field("", max_length=4000)


# --- Linkage ------------------------------------------------------------------------------------------


class PartyOut(Schema):
    code: str
    label: str
    answered: bool  # False while no app answers for it (volunteers before #7)


class SummaryRowOut(Schema):
    region_code: str
    region_name: str
    communities: int
    covered: int
    lacking: dict[str, int]


class CommunityLinkOut(Schema):
    community_code: str
    community_name: str
    covered: bool
    linked: dict[str, bool]
    missing: list[str]


class LinkageOut(Schema):
    region_code: str
    region_name: str
    period: str
    period_start: date
    period_end: date
    parties: list[PartyOut]
    total: SummaryRowOut
    rows: list[SummaryRowOut]
    communities: list[CommunityLinkOut]
