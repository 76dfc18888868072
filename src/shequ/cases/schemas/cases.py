"""The cases API's shapes.

Output never carries the requester's clear name, phone or address: the masked forms of
``core.masking`` only (a staff member who needs to call the requester uses the case page's reveal
flow). Input text is plain text: markup is refused with a clear message rather than silently
stripped, so that what a client system sent is what the case says.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from shequ.cases.models import Case, CaseKind, CaseStatus, DeadlineState, EventKind, UnitRole
from shequ.cases.numbers import grouped
from shequ.core.masking import mask_address, mask_name, mask_phone

# A tag, a comment or a doctype: ``<b>``, ``</p>``, ``<!--``, ``<script …``. A lone ``<`` in "3<5"
# is ordinary text.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]")

# Labels looked up once per language instead of ``get_<field>_display()`` per row (which rebuilds the
# choices and translates every label on each call).
_STATUS_LABELS = dict(CaseStatus.choices)
_DEADLINE_LABELS = dict(DeadlineState.choices)
_EVENT_LABELS = dict(EventKind.choices)
_UNIT_ROLE_LABELS = dict(UnitRole.choices)


def _plain(value: Any) -> Any:
    if isinstance(value, str) and _MARKUP.search(value):
        raise PydanticCustomError("markup", _("请提交纯文本，不能包含 HTML 标记。"))
    return value


# --- Output -----------------------------------------------------------------------------------


class CaseOut(Schema):
    """A case as a list shows it. ``number`` is the 14-digit case number, ``number_display`` the same
    read in three groups (``261129-0001234-7``)."""

    id: int
    number: str
    number_display: str
    kind: str
    category: str
    channel: str
    priority: str
    title: str
    status: str
    status_label: str
    deadline_state: str
    deadline_label: str
    region_code: str
    region_name: str
    grid_code: str | None
    service_code: str | None
    lead_unit_code: str | None
    lead_unit_name: str | None
    anonymous: bool
    requester_name_masked: str
    requester_phone_masked: str
    supervised: bool
    submitted_at: datetime
    accepted_at: datetime | None
    stage_due_at: datetime | None
    due_at: datetime | None
    closed_at: datetime | None
    version: int

    @staticmethod
    def resolve_number_display(obj: Case) -> str:
        return grouped(obj.number)

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(_STATUS_LABELS.get(obj.status, obj.status))

    @staticmethod
    def resolve_deadline_label(obj: Case) -> str:
        return str(_DEADLINE_LABELS.get(obj.deadline_state, obj.deadline_state))

    @staticmethod
    def resolve_region_code(obj: Case) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Case) -> str:
        return obj.region.name

    @staticmethod
    def resolve_grid_code(obj: Case) -> str | None:
        return obj.grid.code if obj.grid_id is not None and obj.grid else None

    @staticmethod
    def resolve_service_code(obj: Case) -> str | None:
        return (
            obj.service_item.code if obj.service_item_id is not None and obj.service_item else None
        )

    @staticmethod
    def resolve_lead_unit_code(obj: Case) -> str | None:
        return obj.lead_unit.code if obj.lead_unit_id is not None and obj.lead_unit else None

    @staticmethod
    def resolve_lead_unit_name(obj: Case) -> str | None:
        return obj.lead_unit.name if obj.lead_unit_id is not None and obj.lead_unit else None

    @staticmethod
    def resolve_requester_name_masked(obj: Case) -> str:
        return "" if obj.anonymous else mask_name(obj.requester_name)

    @staticmethod
    def resolve_requester_phone_masked(obj: Case) -> str:
        return "" if obj.anonymous else mask_phone(obj.requester_phone)


class CaseUnitOut(Schema):
    code: str
    name: str
    role: str
    role_label: str
    assigned_at: datetime
    report_due_at: datetime | None
    reported_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.unit.code)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.unit.name)

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(_UNIT_ROLE_LABELS.get(obj.role, obj.role))


class CaseEventOut(Schema):
    """One line of the timeline. ``public`` says whether the requester sees it too."""

    at: datetime
    kind: str
    kind_label: str
    action: str
    label: str
    from_status: str
    to_status: str
    actor_name: str
    unit_name: str | None
    note: str
    public: bool

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(_EVENT_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_unit_name(obj: Any) -> str | None:
        return obj.unit.name if obj.unit_id is not None and obj.unit else None


class TransitionOut(Schema):
    name: str
    label: str
    style: str = "primary"

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.label)


class CaseDetailOut(CaseOut):
    """A case with its text, place, units, timeline and the transitions the caller may fire now."""

    description: str
    attributes: dict[str, Any]
    latitude: float | None
    longitude: float | None
    address_masked: str
    is_public: bool
    proxy_name: str
    owner_name: str | None = None
    escalated_to_code: str | None = None
    duplicate_of_number: str | None = None
    result: str
    rejection_reason: str
    resolved_on_spot: bool
    rectification: bool
    return_count: int
    dispatched_at: datetime | None
    handled_at: datetime | None
    stage_warn_at: datetime | None
    units: list[CaseUnitOut]
    timeline: list[CaseEventOut]
    transitions: list[TransitionOut]

    @staticmethod
    def resolve_address_masked(obj: Case) -> str:
        return mask_address(obj.address)

    @staticmethod
    def resolve_owner_name(obj: Case) -> str | None:
        return obj.owner.full_name if obj.owner_id is not None and obj.owner else None

    @staticmethod
    def resolve_escalated_to_code(obj: Case) -> str | None:
        return (
            obj.escalated_to.code if obj.escalated_to_id is not None and obj.escalated_to else None
        )

    @staticmethod
    def resolve_duplicate_of_number(obj: Case) -> str | None:
        """The case this one was merged into (合并), which carries on."""
        return (
            obj.duplicate_of.number
            if obj.duplicate_of_id is not None and obj.duplicate_of
            else None
        )

    # ``units``, ``timeline`` and ``transitions`` are attached by the endpoint (api_units, …): the
    # timeline and units through ``queries``, the transitions for this caller.
    @staticmethod
    def resolve_units(obj: Case) -> list[Any]:
        return list(getattr(obj, "api_units", []))

    @staticmethod
    def resolve_timeline(obj: Case) -> list[Any]:
        return list(getattr(obj, "api_timeline", []))

    @staticmethod
    def resolve_transitions(obj: Case) -> list[Any]:
        return list(getattr(obj, "api_transitions", []))


# --- Input ------------------------------------------------------------------------------------


class CaseIn(Schema):
    """A new case. Place it with ``community_code`` (a community), ``grid_code``, or a GPS position
    (``latitude`` and ``longitude``, WGS-84). ``channel`` is one of the caller's intake channels: staff
    with ``cases.intake`` enter cases for residents (window, phone, home_visit, appointment, proxy),
    grid workers also report from patrol (grid_patrol); a resident's own account submits online."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field("", max_length=20)
    kind: str = Field(CaseKind.SERVICE_REQUEST, max_length=20)
    category: str = Field("", max_length=30)
    service_code: str = Field("", max_length=40)
    priority: str = Field("normal", max_length=20)
    title: str = Field("", max_length=120)
    description: str = Field(..., max_length=2000)
    community_code: str = Field("", max_length=12)
    grid_code: str = Field("", max_length=30)
    latitude: float | None = None
    longitude: float | None = None
    address: str = Field("", max_length=200)
    attributes: dict[str, Any] = {}
    requester_name: str = Field("", max_length=60)
    requester_phone: str = Field("", max_length=40)
    anonymous: bool = False
    proxy_name: str = Field("", max_length=60)
    is_public: bool | None = None

    @field_validator("title", "description", "address", "requester_name", "proxy_name")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return str(_plain(value))

    @field_validator("attributes")
    @classmethod
    def _no_markup_in_answers(cls, value: dict[str, Any]) -> dict[str, Any]:
        for answer in value.values():
            for item in answer if isinstance(answer, list) else [answer]:
                _plain(item)
        return value


class TransitionIn(Schema):
    """What a transition needs; each uses only its own fields.

    - ``reason``: reject, return (required);
    - ``note``: the opinion written on the timeline (required for verify_fail, urge, supervise,
      whistle and note);
    - ``result``: handle (required);
    - ``priority``: accept (optional: emergency, urgent, normal, complex);
    - ``lead_unit`` and ``co_units``: dispatch (handling-unit codes);
    - ``units``: whistle (handling-unit codes summoned to report in);
    - ``into``: merge (the number or id of the case that carries on).
    """

    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000)
    note: str = Field("", max_length=2000)
    result: str = Field("", max_length=2000)
    priority: str = Field("", max_length=20)
    lead_unit: str = Field("", max_length=40)
    co_units: list[str] = Field([], max_length=20)
    units: list[str] = Field([], max_length=20)
    into: str = Field("", max_length=30)

    @field_validator("reason", "note", "result")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return str(_plain(value))
