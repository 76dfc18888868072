"""Small display helpers for cases, shared by staff and resident pages."""

from __future__ import annotations

from typing import Any

from django import template

from shequ.cases.numbers import grouped
from shequ.cases.workflow import CASE

register = template.Library()


@register.filter
def case_number(case: Any) -> str:
    """The case number in three groups for reading aloud: ``261129-0001234-7``."""
    return grouped(case.number) if case is not None else ""


@register.filter
def event_label(event: Any) -> str:
    """What a timeline line says: the transition's label, or the event kind with its detail."""
    if event.kind == "transition":
        if event.action == "submit":
            return str(_submitted())
        try:
            return str(CASE.get(event.action).label)
        except Exception:  # an action removed from the workflow since
            return event.action
    kind = event.get_kind_display()
    return f"{kind} · {event.label}" if event.label else str(kind)


def _submitted() -> Any:
    from django.utils.translation import gettext

    return gettext("提交诉求")
