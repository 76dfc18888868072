"""Small display helpers for cases, shared by staff and resident pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

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
    if (event.kind, event.action) in _SYSTEM_EVENTS:
        return str(_SYSTEM_EVENTS[event.kind, event.action])
    kind = event.get_kind_display()
    return f"{kind} · {event.label}" if event.label else str(kind)


# Lines the deadline sweep writes: what happened, in the reader's language.
_SYSTEM_EVENTS = {
    ("deadline", "overdue"): gettext_lazy("本环节已超期"),
    ("report_in", "late"): gettext_lazy("报到超时，已催告"),
}


def _submitted() -> Any:
    from django.utils.translation import gettext

    return gettext("提交诉求")
