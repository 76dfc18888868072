"""Shapes of the three lists and micro-renewal API (``participation.api.lists``). A need never names
the resident who reported it; residents' contributions are published as an aggregate per source
with the number of households, and only staff read the contributor of each line."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


def _community(obj: Any) -> tuple[str, str]:
    return str(obj.community.code), str(obj.community.name)


class NeedOut(Schema):
    id: int
    community_code: str
    community_name: str
    category: str
    category_label: str
    title: str
    description: str
    households: int
    source: str
    status: str
    status_label: str
    created_at: datetime
    version: int

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return _community(obj)[0]

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return _community(obj)[1]

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ResourceOut(Schema):
    id: int
    community_code: str
    community_name: str
    kind: str
    kind_label: str
    title: str
    provider: str
    description: str
    is_available: bool

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return _community(obj)[0]

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return _community(obj)[1]

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class ProjectOut(Schema):
    id: int
    community_code: str
    community_name: str
    title: str
    description: str
    budget: Decimal
    responsible_party: str
    start_on: date | None
    end_on: date | None
    status: str
    status_label: str
    topic_id: int | None

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return _community(obj)[0]

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return _community(obj)[1]

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class MatchIn(Schema):
    resource_id: int | None = None
    project_id: int | None = Field(None, description="民生项目 id")
    note: str = Field("", max_length=400)


class MatchOut(Schema):
    id: int
    need_id: int
    resource_id: int | None
    project_id: int | None
    note: str
    at: datetime
    need_status: str


class NeedReportIn(Schema):
    category: str
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


class SourceOut(Schema):
    source: str
    label: str
    amount: Decimal
    households: int


class SpendingOut(Schema):
    id: int
    item: str
    amount: Decimal
    spent_on: date


class _RenewalFields(Schema):
    id: int
    community_code: str
    community_name: str
    title: str
    description: str
    budget: Decimal
    status: str
    status_label: str
    is_published: bool
    received: Decimal
    residents_received: Decimal
    spent: Decimal
    version: int
    topic_id: int | None


class RenewalOut(_RenewalFields):
    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return _community(obj)[0]

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return _community(obj)[1]

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class RenewalDetailOut(_RenewalFields):
    balance: Decimal
    residents_share_of_received: float | None
    residents_share_of_budget: float | None
    sources: list[SourceOut]
    spendings: list[SpendingOut]


class ContributionIn(Schema):
    source: str
    contributor: str = Field(..., max_length=100)
    amount: str = Field(..., max_length=20, description="元，最多两位小数，例如 1200.50")
    received_on: date
    households: int | None = Field(None, description="居民自筹时出资的户数")


class ContributionOut(Schema):
    id: int
    renewal_id: int
    source: str
    contributor: str
    households: int
    amount: Decimal
    received_on: date


class SpendingIn(Schema):
    item: str = Field(..., max_length=100)
    amount: str = Field(..., max_length=20, description="元，最多两位小数")
    spent_on: date


# --- Staff writes ----------------------------------------------------------------------------------
# A create names the community by its code; a change (``PATCH``) sends only the fields that change
# (``null`` clears an optional one). Needs and micro-renewal projects carry the ``version`` the client
# read: if someone changed the record since, 409.

_AMOUNT = "元，最多两位小数，例如 1200.50"


class NeedIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)的区划代码")
    category: str = Field(..., max_length=12)
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    households: int | None = Field(None, description="涉及户数")
    source: str = Field("", max_length=100, description="来源：入户走访、问卷、议事会……")


class NeedPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int
    category: str | None = Field(None, max_length=12)
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    households: int | None = None
    source: str | None = Field(None, max_length=100)


class TransitionIn(Schema):
    transition: str = Field(..., min_length=1, max_length=20)


class ResourceIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)的区划代码")
    kind: str = Field(..., max_length=12)
    title: str = Field(..., max_length=100)
    provider: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    is_available: bool = True


class ResourcePatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(None, max_length=12)
    title: str | None = Field(None, max_length=100)
    provider: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    is_available: bool | None = None


class ProjectIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)的区划代码")
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    budget: str = Field("0", max_length=20, description=_AMOUNT)
    responsible_party: str = Field(..., max_length=100)
    start_on: date | None = None
    end_on: date | None = None
    status: str = Field("", max_length=12, description="planned（默认）、in_progress、completed")
    topic_id: int | None = Field(None, description="来源议题（本社区的议题）")


class ProjectPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    budget: str | None = Field(None, max_length=20, description=_AMOUNT)
    responsible_party: str | None = Field(None, max_length=100)
    start_on: date | None = None
    end_on: date | None = None
    status: str | None = Field(None, max_length=12)
    topic_id: int | None = None


class RenewalIn(Schema):
    community_code: str = Field(..., max_length=12, description="村(社区)的区划代码")
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=4000)
    budget: str = Field(..., max_length=20, description="总预算，" + _AMOUNT)
    topic_id: int | None = Field(None, description="来源议题（本社区的议题）")
    is_published: bool = True


class RenewalPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=4000)
    budget: str | None = Field(None, max_length=20, description="总预算，不少于已到账资金")
    topic_id: int | None = None
    is_published: bool | None = None
