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
    request_key: str = Field("", max_length=64, description="幂等键：重试时带同一个值，只提出一次")


class StaffTopicIn(Schema):
    """Proposing as staff: on behalf of a resident (``resident_id``), from a case (``case_number``),
    or as the committee of ``community_code``."""

    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=4000)
    community_code: str = Field("", max_length=12)
    resident_id: int | None = None
    case_number: str = Field("", max_length=40)
    request_key: str = Field("", max_length=64, description="幂等键：重试时带同一个值，只提出一次")


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class ProgressIn(Schema):
    body: str = Field(..., max_length=2000)
    percent: int


class ProgressOut(Schema):
    id: int
    body: str
    percent: int
    at: datetime


class OverrideIn(Schema):
    state_id: int
    note: str = Field(..., max_length=2000)


class OpinionOut(Schema):
    """An opinion, without the resident's name. Residents never get hidden ones; staff get them
    marked ``is_hidden`` with the reason."""

    id: int
    body: str
    created_at: datetime
    is_hidden: bool
    hidden_reason: str


class ModerationIn(Schema):
    reason: str = Field(..., max_length=300)


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


# --- Workflows -------------------------------------------------------------------------------------


class StateOut(Schema):
    id: int
    code: str
    name: str
    stage: str
    position: int
    is_initial: bool
    is_public: bool
    requires_note: bool


class WorkflowStepOut(Schema):
    id: int
    source_id: int
    target_id: int
    label: str
    actor: str


class TopicStepOut(WorkflowStepOut):
    """A step staff may take from the topic's state, and the body fields it requires."""

    target_name: str
    target_stage: str
    required_fields: list[str]


class WorkflowOut(Schema):
    id: int
    name: str
    community_code: str
    community_name: str
    cosign_threshold: int
    cosign_days: int
    updated_at: datetime

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return str(obj.community.code) if obj.community_id else ""

    @staticmethod
    def resolve_community_name(obj: Any) -> str:
        return str(obj.community.name) if obj.community_id else ""


class WorkflowDetailOut(WorkflowOut):
    states: list[StateOut]
    steps: list[WorkflowStepOut]


class WorkflowCopyIn(Schema):
    community_code: str = Field(..., max_length=12)


class StateIn(Schema):
    """A state's new name, order and flags (a flag left out is off)."""

    id: int
    name: str = Field(..., max_length=40)
    position: int = Field(..., ge=0, le=999)
    is_initial: bool = False
    is_public: bool = False
    requires_note: bool = False


class WorkflowIn(Schema):
    name: str = Field(..., max_length=60)
    cosign_threshold: int
    cosign_days: int
    states: list[StateIn] = []


class WorkflowStepIn(Schema):
    source_id: int
    target_id: int
    label: str = Field(..., max_length=40)
    actor: str
