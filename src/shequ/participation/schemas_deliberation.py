"""Shapes of the deliberation API (``participation.api.deliberation``). No resident's name, phone or
ID number goes out: a topic names its community and origin, never who proposed or co-signed it; the
answer goes out only once published."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class TopicOut(Schema):
    id: int
    number: str
    community_code: str
    community_name: str
    title: str
    body: str
    origin: str
    state_code: str
    state_name: str
    stage: str
    cosign_count: int
    cosign_threshold: int
    cosign_deadline: date | None
    mode: str
    consultation_deadline: date | None
    decision: str
    decided_at: datetime | None
    responsible_party: str
    implementation_deadline: date | None
    review_deadline: date | None
    answer: str
    answer_published_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_number(obj: Any) -> str:
        return obj.number or ""

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code)

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name)

    @staticmethod
    def resolve_state_code(obj: Any) -> str:
        return str(obj.state.code)

    @staticmethod
    def resolve_state_name(obj: Any) -> str:
        return str(obj.state.name)

    @staticmethod
    def resolve_stage(obj: Any) -> str:
        return str(obj.state.stage)

    @staticmethod
    def resolve_answer(obj: Any) -> str:
        return obj.answer if obj.answer_published_at else ""


class StaffTopicOut(TopicOut):
    """Staff see the saved answer before it is published."""

    @staticmethod
    def resolve_answer(obj: Any) -> str:
        return str(obj.answer)


class TopicIn(Schema):
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=4000)


class OpinionIn(Schema):
    body: str = Field(..., max_length=2000)


class ReviewIn(Schema):
    score: int
    comment: str = Field("", max_length=1000)


class StepIn(Schema):
    step_id: int
    note: str = Field("", max_length=2000)
    answer: str = Field("", max_length=4000)
    mode: str = ""
    consultation_deadline: date | None = None
    decision: str = Field("", max_length=4000)
    responsible_party: str = Field("", max_length=100)
    implementation_deadline: date | None = None
    review_deadline: date | None = None


class OkOut(Schema):
    id: int
