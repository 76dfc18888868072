"""Why a unit's data is missing, stored so that each reader sees it in their own language.

A reason is kept as its untranslated message and parameters — ``[msgid, params]`` on a base row,
``[msgid, params, units]`` on an upper row (how many units it applies to) — and translated when it is
shown. Storing translated text would freeze the language of whoever happened to run the rebuild.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

Reason = tuple[str, str]  # (msgid, params as canonical JSON): hashable, so reasons can be tallied


def reason(msgid: str, **params: Any) -> Reason:
    """A reason; mark ``msgid`` with ``gettext_noop`` where it is written."""
    return msgid, json.dumps(params, sort_keys=True, ensure_ascii=False)


def stored(found: Reason, units: int | None = None) -> list[Any]:
    msgid, params = found
    return [msgid, json.loads(params)] + ([units] if units is not None else [])


def from_stored(item: Any) -> Reason:
    return item[0], json.dumps(item[1], sort_keys=True, ensure_ascii=False)


UNITS = gettext_noop("%(reason)s（%(count)s个单位）")


def shown(item: Any) -> str:
    """The reason in the active language (a plain string, from rows written before reasons were
    kept untranslated, is shown as it is)."""
    if isinstance(item, str):
        return item
    text = _(item[0]) % item[1] if item[1] else _(item[0])
    if len(item) > 2 and item[2] is not None:
        return _(UNITS) % {"reason": text, "count": item[2]}
    return text
