"""Small text helpers that respect the user's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext


def enumerate_items(items: Iterable[object]) -> str:
    """Join items for a sentence: "甲、乙、丙" in Chinese, "a, b, c" in English."""
    return gettext("、").join(str(item) for item in items)
