"""Template filters of the facilities pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """0.8734 → "87.3%"; an empty share (nothing to count) → "—"."""
    if share is None:
        return "—"
    return f"{number_format(share * 100, 1)}%"
