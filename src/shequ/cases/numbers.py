"""Case numbers (工单编号): readable over the phone, unique without a shared counter.

A number is the local day the case was submitted (YYMMDD), its primary key padded to seven digits, and a
Luhn check digit: ``2611290001234`` + ``7``. People read it in three groups (``261129-0001234-7``); a
mistyped or misheard digit fails the check and is caught before any lookup. The number carries the
whole key, so two cases never share one, and intake needs no sequence row that every request would
queue on.
"""

from __future__ import annotations

import re
from typing import Any

from shequ.core import calendar

_DIGITS = re.compile(r"\D+")
MIN_LENGTH = 6 + 7 + 1


def luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def number_for(pk: int, submitted_at: Any) -> str:
    body = f"{calendar.localtime(submitted_at):%y%m%d}{pk:07d}"
    return body + luhn_digit(body)


def format_number(case: Any) -> str:
    if case.pk is None or case.submitted_at is None:
        return ""
    return number_for(case.pk, case.submitted_at)


def grouped(number: str) -> str:
    """``2611290001234 7`` → ``261129-0001234-7`` for reading aloud and printing."""
    if len(number) < MIN_LENGTH:
        return number
    return f"{number[:6]}-{number[6:-1]}-{number[-1]}"


def parse(text: str) -> tuple[int, str] | None:
    """The primary key and day (YYMMDD) in a typed number, or ``None`` when it cannot be a number.

    Spaces, dashes and other separators are ignored. The caller must still check that the case with
    that key was submitted on that day.
    """
    digits = _DIGITS.sub("", text or "")
    if len(digits) < MIN_LENGTH or len(digits) > 20:
        return None
    body, check = digits[:-1], digits[-1]
    if luhn_digit(body) != check:
        return None
    return int(body[6:]), body[:6]
