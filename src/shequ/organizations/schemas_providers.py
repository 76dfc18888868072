"""The providers and property API's shapes (``organizations.api.providers``).

Phones go out masked (``138****5678``); dates are ISO dates; scores are decimals with one place.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shequ.organizations.models import (
    CommitteeKind,
    CommitteeStatus,
    CreditEventKind,
    CreditLevel,
    EstateCommittee,
    EstateManagement,
    ManagementMode,
    Provider,
    ProviderCase,
    ProviderKind,
)

_KINDS = dict(ProviderKind.choices)
_LEVELS = dict(CreditLevel.choices)
_MODES = dict(ManagementMode.choices)


# --- Providers ------------------------------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    uscc: str
    region_code: str
    region_name: str
    legal_representative: str
    contact_phone: str = Field(description="脱敏显示")
    address: str
    services: str
    handling_unit_id: int | None
    social_organization_id: int | None
    is_state_owned: bool
    is_red_property: bool
    red_property_since: date | None
    is_active: bool
    credit_level: str
    credit_level_label: str
    credit_score: Decimal
    credit_assessed_at: datetime | None
    version: int

    @staticmethod
    def resolve_kind_label(obj: Provider) -> str:
        return str(_KINDS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_region_code(obj: Provider) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Provider) -> str:
        return obj.region.name

    @staticmethod
    def resolve_contact_phone(obj: Provider) -> str:
        from shequ.core.masking import mask_phone

        return mask_phone(obj.contact_phone) if obj.contact_phone else ""

    @staticmethod
    def resolve_credit_level_label(obj: Provider) -> str:
        return str(_LEVELS.get(obj.credit_level, obj.credit_level))


class ProviderIn(Schema):
    region_code: str = Field(max_length=12, description="登记的县(区)或乡镇(街道)区划代码")
    kind: str = Field(description="elderly_care、childcare、housekeeping、property")
    name: str = Field(max_length=150)
    uscc: str = Field(max_length=30, description="统一社会信用代码（18位）")
    legal_representative: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    services: str = Field("", max_length=2000)
    handling_unit_id: int | None = None
    social_organization_id: int | None = None
    is_state_owned: bool = False
    is_red_property: bool = False
    red_property_since: date | None = None
    is_active: bool = True


class ProviderPatchIn(Schema):
    version: int = Field(description="读取时的 version；期间有人修改过则 409")
    region_code: str | None = Field(None, max_length=12)
    kind: str | None = None
    name: str | None = Field(None, max_length=150)
    uscc: str | None = Field(None, max_length=30)
    legal_representative: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=30, description="不提供则不修改")
    address: str | None = Field(None, max_length=200)
    services: str | None = Field(None, max_length=2000)
    handling_unit_id: int | None = None
    social_organization_id: int | None = None
    is_state_owned: bool | None = None
    is_red_property: bool | None = None
    red_property_since: date | None = None
    is_active: bool | None = None


# --- Credit ---------------------------------------------------------------------------------------


class CreditEventOut(Schema):
    id: int
    kind: str
    points: Decimal
    occurred_on: date
    document: str
    note: str
    recorded_at: datetime


class CreditEventIn(Schema):
    kind: str = Field(
        description=f"{CreditEventKind.SANCTION}（扣 5～30 分）或 "
        f"{CreditEventKind.COMMENDATION}（加 2～10 分）"
    )
    points: Decimal = Field(description="分值；处罚可写正数，按扣分记")
    occurred_on: date
    document: str = Field("", max_length=80, description="文书编号；处罚必填")
    note: str = Field("", max_length=300)


class AssessmentOut(Schema):
    id: int
    assessed_at: datetime
    score: Decimal
    level: str
    basis: dict[str, Any]


class ReassessIn(Schema):
    force: bool = Field(True, description="分数未变也记录一次评定")


class ReassessOut(Schema):
    changed: bool
    provider: ProviderOut
    assessment: AssessmentOut | None


# --- Cases ----------------------------------------------------------------------------------------


class ProviderCaseOut(Schema):
    id: int
    case_id: int
    case_number: str
    case_title: str
    case_status: str
    link: str
    estate_id: int | None
    linked_at: datetime

    @staticmethod
    def resolve_case_number(obj: ProviderCase) -> str:
        return obj.case.number

    @staticmethod
    def resolve_case_title(obj: ProviderCase) -> str:
        return obj.case.title

    @staticmethod
    def resolve_case_status(obj: ProviderCase) -> str:
        return obj.case.status


class LinkCaseIn(Schema):
    case_number: str = Field(max_length=30, description="投诉工单编号")
    estate_id: int | None = Field(None, description="涉及的小区（须在工单所在村(社区)）")


# --- Property -------------------------------------------------------------------------------------


class ManagementOut(Schema):
    id: int
    mode: str
    mode_label: str
    provider_id: int | None
    provider_name: str | None
    started_on: date
    ended_on: date | None
    contract_ends_on: date | None
    note: str

    @staticmethod
    def resolve_mode_label(obj: EstateManagement) -> str:
        return str(_MODES.get(obj.mode, obj.mode))

    @staticmethod
    def resolve_provider_name(obj: EstateManagement) -> str | None:
        return obj.provider.name if obj.provider_id and obj.provider else None


class EstateManagementOut(Schema):
    estate_id: int
    estate_name: str
    community_code: str
    current: ManagementOut | None
    history: list[ManagementOut]


class ManagementIn(Schema):
    mode: str = Field(description="company、state_fallback、self_managed")
    provider_id: int | None = None
    started_on: date
    contract_ends_on: date | None = None
    note: str = Field("", max_length=200)


class CoverageRowOut(Schema):
    region_code: str
    region_name: str
    estates: int
    company: int
    fallback: int
    self_managed: int
    without: int
    red: int
    red_share: float | None
    with_committee: int


class CoverageOut(Schema):
    total: CoverageRowOut
    children: list[CoverageRowOut]
    estates_without: list[dict[str, Any]] = Field(
        default_factory=list, description="社区一级：无物业管理的小区"
    )


class CommitteeOut(Schema):
    id: int
    estate_id: int
    estate_name: str
    kind: str
    established_on: date
    term_ends_on: date | None
    members: int
    party_members: int
    chair_name: str
    filed_with: str
    status: str

    @staticmethod
    def resolve_estate_name(obj: EstateCommittee) -> str:
        return obj.estate.name


class CommitteeIn(Schema):
    estate_id: int
    kind: str = Field(description=f"{CommitteeKind.OWNERS}、{CommitteeKind.MANAGEMENT}")
    established_on: date
    term_ends_on: date | None = None
    members: int = Field(ge=0, le=99)
    party_members: int = Field(0, ge=0, le=99)
    chair_name: str = Field("", max_length=60)
    filed_with: str = Field("", max_length=120)
    status: str = Field(CommitteeStatus.ACTIVE.value)
