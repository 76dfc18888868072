"""Rotating sign-in codes for volunteer activities.

The organiser's phone shows a QR code of ``/volunteering/attend/<token>/``; the token names the
activity, the 30-second window it was made in and the direction (in or out), signed with HMAC-SHA256
under the activity's own ``attendance_secret``. Nothing is stored: a token is checked by making it
again. A token is good in its own window and the next one (so at most 60 seconds), which makes a
photographed or forwarded code useless a minute later. Next to the QR code, a six-digit short code
(derived the same way) can be typed on the activity's page by someone whose camera will not scan.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shequ.core import calendar

WINDOW_SECONDS = 30
IN = "in"
OUT = "out"
DIRECTIONS = (IN, OUT)
_LETTER = {IN: "i", OUT: "o"}
_DIRECTION = {letter: direction for direction, letter in _LETTER.items()}


def new_secret() -> str:
    return secrets.token_hex(32)


def window_at(at: datetime | None = None) -> int:
    return int((at or calendar.now()).timestamp()) // WINDOW_SECONDS


def _digest(activity: Any, window: int, direction: str) -> bytes:
    message = f"{activity.pk}:{window}:{direction}".encode()
    return hmac.new(activity.attendance_secret.encode(), message, hashlib.sha256).digest()


def make_token(activity: Any, direction: str, window: int | None = None) -> str:
    """The URL-safe token for ``activity`` and ``direction`` in ``window`` (default: now)."""
    window = window_at() if window is None else window
    signature = _digest(activity, window, direction).hex()[:32]
    return f"{activity.pk}.{window}.{_LETTER[direction]}.{signature}"


def short_code(activity: Any, direction: str, window: int | None = None) -> str:
    """Six digits to type instead of scanning (same window rules as the token)."""
    window = window_at() if window is None else window
    return f"{int.from_bytes(_digest(activity, window, 'short-' + direction)[:4], 'big') % 1_000_000:06d}"


@dataclass(frozen=True)
class ParsedToken:
    activity_id: int
    window: int
    direction: str
    signature: str


def parse_token(token: str) -> ParsedToken | None:
    """The parts of a well-formed token, or None (nothing is looked up here)."""
    parts = (token or "").split(".")
    if len(parts) != 4:
        return None
    pk, window, letter, signature = parts
    if not (pk.isascii() and pk.isdigit() and window.isascii() and window.isdigit()):
        return None
    if letter not in _DIRECTION or len(signature) != 32 or len(pk) > 12 or len(window) > 12:
        return None
    if any(c not in "0123456789abcdef" for c in signature):
        return None
    return ParsedToken(int(pk), int(window), _DIRECTION[letter], signature)


def signature_matches(activity: Any, parsed: ParsedToken) -> bool:
    expected = _digest(activity, parsed.window, parsed.direction).hex()[:32]
    return hmac.compare_digest(expected, parsed.signature)


def window_is_current(window: int, at: datetime | None = None) -> bool:
    """The current window or the one before it."""
    now = window_at(at)
    return window in (now, now - 1)


def short_code_direction(activity: Any, code: str, at: datetime | None = None) -> str | None:
    """The direction a typed short code signs for, if it is current; None otherwise."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    now = window_at(at)
    for window in (now, now - 1):
        for direction in DIRECTIONS:
            if hmac.compare_digest(short_code(activity, direction, window), code):
                return direction
    return None
