"""Checking the input of an action field by field: every problem of every field is collected, so a
form shows them all at once, and the action raises one ``ValidationError`` keyed by field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class FieldErrors:
    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.found.setdefault(field, []).append(message)

    def check(self, field: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, or None with its messages kept under ``field``."""
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(field, message)
            return None

    def absorb(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, or None with its messages kept under the fields it named
        (``__all__`` when it named none)."""
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, messages in exc.message_dict.items():
                    self.found.setdefault(field, []).extend(messages)
            else:
                self.found.setdefault("__all__", []).extend(exc.messages)
            return None

    def raise_if_any(self) -> None:
        if self.found:
            raise ValidationError(self.found)


def clean_text(values: Mapping[str, Any], name: str, limit: int) -> str:
    """The stripped text of ``values[name]``, at most ``limit`` characters."""
    return str(values.get(name) or "").strip()[:limit]


def optional_date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("%(label)s应为日期，例如 2026-03-01。") % {"label": label}) from exc


def required_date(value: Any, label: str) -> date:
    found = optional_date(value, label)
    if found is None:
        raise ValidationError(_("请填写%(label)s。") % {"label": label})
    return found
