"""The workforce API's shapes for workers, posts, pay, staffing and figures (``workforce.api.workers``).

ID numbers and phones go out masked, always; they come in clear (and are checked: GB 11643, mainland
mobile numbers). Amounts are yuan as decimals; dates ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shequ.core.masking import mask_id_number, mask_phone
from shequ.workforce.models import AverageWage, CommunityWorker, UrbanPopulation, WorkerPost


class PostOut(Schema):
    id: int
    kind: str
    kind_label: str
    community_code: str
    community_name: str
    grid_code: str | None
    grid_name: str | None
    started_on: date
    ended_on: date | None
    note: str

    @staticmethod
    def resolve_kind_label(obj: WorkerPost) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_community_code(obj: WorkerPost) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: WorkerPost) -> str:
        return obj.community.name

    @staticmethod
    def resolve_grid_code(obj: WorkerPost) -> str | None:
        return obj.grid.code if obj.grid_id and obj.grid else None

    @staticmethod
    def resolve_grid_name(obj: WorkerPost) -> str | None:
        return obj.grid.name if obj.grid_id and obj.grid else None


class WorkerOut(Schema):
    """A worker as a list shows it; ``id_number`` and ``phone`` masked."""

    id: int
    name: str
    region_code: str
    region_name: str
    sex: str
    birth_date: date | None
    id_number: str
    phone: str
    education: str
    political_status: str
    hiring_method: str
    hired_on: date | None
    status: str
    status_label: str
    status_since: date | None
    open_posts: list[PostOut]
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_region_code(obj: CommunityWorker) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: CommunityWorker) -> str:
        return obj.region.name

    @staticmethod
    def resolve_id_number(obj: CommunityWorker) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else ""

    @staticmethod
    def resolve_phone(obj: CommunityWorker) -> str:
        return mask_phone(obj.phone) if obj.phone else ""

    @staticmethod
    def resolve_status_label(obj: CommunityWorker) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_open_posts(obj: CommunityWorker) -> list[WorkerPost]:
        found = getattr(obj, "open_posts", None)
        if found is not None:
            return list(found)
        return list(obj.posts.filter(ended_on__isnull=True).select_related("community", "grid"))


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    effective_on: date
    reason: str
    recorded_at: datetime


class PayOut(Schema):
    year: int
    amount: Decimal
    average_wage_previous_year: Decimal | None
    below_average: bool


class WorkerDetailOut(WorkerOut):
    """A worker with every post, the status history and pay by year (the API attaches them)."""

    note: str
    posts: list[PostOut]
    status_history: list[StatusChangeOut]
    pay: list[PayOut]

    @staticmethod
    def resolve_posts(obj: CommunityWorker) -> list[WorkerPost]:
        return list(getattr(obj, "api_posts", []))

    @staticmethod
    def resolve_status_history(obj: CommunityWorker) -> list[Any]:
        return list(getattr(obj, "api_history", []))

    @staticmethod
    def resolve_pay(obj: CommunityWorker) -> list[dict[str, Any]]:
        return list(getattr(obj, "api_pay", []))


class WorkerIn(Schema):
    region_code: str = Field(..., max_length=12, description="所属村(社区)或镇(街道)的区划代码")
    name: str = Field(..., max_length=60)
    id_number: str = Field("", max_length=20, description="18位身份证号；出生日期和性别据此确定")
    phone: str = Field("", max_length=20)
    sex: str = Field("", description="male 或 female（无身份证号时）")
    birth_date: date | None = None
    education: str = ""
    political_status: str = ""
    hiring_method: str = "other"
    hired_on: date | None = None
    note: str = Field("", max_length=2000)


class WorkerPatchIn(Schema):
    version: int = Field(..., description="读取时的 version；期间有人改过则 409")
    region_code: str | None = Field(None, max_length=12)
    name: str | None = Field(None, max_length=60)
    id_number: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=20)
    sex: str | None = None
    birth_date: date | None = None
    education: str | None = None
    political_status: str | None = None
    hiring_method: str | None = None
    hired_on: date | None = None
    note: str | None = Field(None, max_length=2000)


class StatusIn(Schema):
    to_status: str = Field(..., description="active、seconded、leave、left、retired、dismissed")
    effective_on: date
    reason: str = Field(..., max_length=200)
    version: int | None = Field(None, description="读取时的 version；期间有人改过则 409")


class PostIn(Schema):
    kind: str
    community_code: str = Field(..., max_length=12)
    grid_code: str | None = Field(None, max_length=20)
    started_on: date
    ended_on: date | None = None
    note: str = Field("", max_length=200)


class EndPostIn(Schema):
    ended_on: date


class PayIn(Schema):
    amount: Decimal = Field(..., description="年度应发薪酬（元）")


class StaffingRowOut(Schema):
    region_code: str
    region_name: str
    level: str
    workers: int
    workers_per_10k: Decimal | None
    per_10k_applies: bool
    population_missing: str
    below_standard: bool
    certified: int
    certified_share: Decimal | None
    grids: int
    grids_without_worker: int
    communities: int
    generalist_communities: int
    communities_without_officer: int


class StaffingOut(Schema):
    region_code: str
    region_name: str
    on: date
    standard_per_10k: Decimal
    rows: list[StaffingRowOut]
    total: StaffingRowOut


class FigureOut(Schema):
    region_code: str
    region_name: str
    year: int
    urban_population: int | None
    urban_population_source: str
    average_wage: Decimal | None
    average_wage_source: str


class FigureIn(Schema):
    urban_population: int | None = Field(None, description="城镇常住人口（人）")
    urban_population_source: str = Field("", max_length=200)
    average_wage: Decimal | None = Field(None, description="社会平均工资（元/年）")
    average_wage_source: str = Field("", max_length=200)


def figure_out(
    region_code: str,
    region_name: str,
    year: int,
    population: UrbanPopulation | None,
    wage: AverageWage | None,
) -> FigureOut:
    return FigureOut(
        region_code=region_code,
        region_name=region_name,
        year=year,
        urban_population=population.population if population else None,
        urban_population_source=population.source if population else "",
        average_wage=wage.amount if wage else None,
        average_wage_source=wage.source if wage else "",
    )
