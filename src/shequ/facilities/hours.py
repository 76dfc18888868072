"""Opening hours per weekday: parsed from what people type, checked, and stored as minutes.

Stored shape: ``{"mon": [[480, 720], [840, 1080]], ...}`` — minutes since midnight, sorted, never
overlapping; a closed day is absent. People write "08:30-12:00, 14:00-18:00" (full-width colons, dashes
and commas, "至" and "~" are accepted), "24小时" for all day, or leave a day blank for closed. An
interval whose end is earlier than its start runs past midnight ("22:00-02:00"): it is split, the rest
going to the next day — so a night that overlaps the next morning's hours is caught too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {
    "mon": gettext_lazy("星期一"),
    "tue": gettext_lazy("星期二"),
    "wed": gettext_lazy("星期三"),
    "thu": gettext_lazy("星期四"),
    "fri": gettext_lazy("星期五"),
    "sat": gettext_lazy("星期六"),
    "sun": gettext_lazy("星期日"),
}
DAY_MINUTES = 24 * 60
ALL_DAY_WORDS = {"24小时", "24h", "全天", "00:00-24:00", "0:00-24:00"}
CLOSED_WORDS = {"", "休息", "闭馆", "不开放", "closed", "-"}
_TIME = r"(\d{1,2})(?::(\d{2}))?"
_INTERVAL = re.compile(rf"^{_TIME}\s*(?:-|~|至|到)\s*{_TIME}$")
_TRANSLATE = str.maketrans({"：": ":", "－": "-", "—": "-", "–": "-", "～": "~", "，": ",", "、": ",", "；": ",", ";": ","})  # fmt: skip

Week = dict[str, list[list[int]]]


def _minutes(hour: str, minute: str | None) -> int | None:
    h, m = int(hour), int(minute or 0)
    if m > 59 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def _format(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_intervals(intervals: list[list[int]]) -> str:
    """Written the same way in every language, so what a form shows parses back."""
    return ", ".join(f"{_format(a)}-{_format(b)}" for a, b in intervals)


def _parse_day(day: str, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, as written)``; ``end`` past ``DAY_MINUTES`` when it runs past midnight."""
    cleaned = text.translate(_TRANSLATE).strip()
    if cleaned.lower() in CLOSED_WORDS:
        return []
    if cleaned.replace(" ", "").lower() in ALL_DAY_WORDS:
        return [(0, DAY_MINUTES, cleaned)]
    found = []
    for part in (p.strip() for p in cleaned.split(",")):
        if not part:
            continue
        match = _INTERVAL.match(part)
        start = _minutes(match[1], match[2]) if match else None
        end = _minutes(match[3], match[4]) if match else None
        # "24:00" ends a day; as a start it would leave an empty interval at midnight.
        if match is None or start is None or end is None or start in (end, DAY_MINUTES):
            raise ValidationError(
                {
                    "opening_hours": _(
                        "%(day)s的开放时间“%(text)s”看不懂：请写成 08:30-17:30，多段用逗号分开，"
                        "全天写“24小时”，不开放留空。"
                    )
                    % {"day": DAY_LABELS[day], "text": part}
                }
            )
        found.append((start, end if end > start else end + DAY_MINUTES, part))
    return found


def parse_week(raw: Mapping[str, Any]) -> Week:
    """Each weekday's text (or list of texts) → the stored shape; raises ``ValidationError`` naming the
    day and the intervals that overlap."""
    unknown = set(raw) - set(DAYS)
    if unknown:
        raise ValidationError({"opening_hours": _("开放时间只能按星期一至星期日填写。")})
    pieces: dict[str, list[tuple[int, int, str]]] = {day: [] for day in DAYS}
    for index, day in enumerate(DAYS):
        value = raw.get(day) or ""
        text = ",".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        for start, end, written in _parse_day(day, text):
            pieces[day].append((start, min(end, DAY_MINUTES), written))
            if end > DAY_MINUTES:  # the hours after midnight belong to the next day
                pieces[DAYS[(index + 1) % 7]].append((0, end - DAY_MINUTES, written))
    week: Week = {}
    for day in DAYS:
        ordered = sorted(pieces[day])
        for (_a, end, first), (start, _b, second) in itertools.pairwise(ordered):
            if start < end:
                raise ValidationError(
                    {
                        "opening_hours": _("%(day)s的开放时间“%(first)s”和“%(second)s”重叠。")
                        % {"day": DAY_LABELS[day], "first": first, "second": second}
                    }
                )
        if ordered:
            week[day] = [[start, end] for start, end, _w in ordered]
    return week


def daily_hours(week: Week) -> dict[str, Decimal]:
    return {
        day: Decimal(sum(end - start for start, end in intervals)) / 60
        for day, intervals in week.items()
    }


def shortest_day_hours(week: Week) -> Decimal | None:
    """Hours of the shortest day the facility opens at all (None: no hours given)."""
    hours = daily_hours(week)
    return min(hours.values()).quantize(Decimal("0.01")) if hours else None


def as_text(week: Mapping[str, list[list[int]]]) -> dict[str, str]:
    """The stored shape back to what a form shows, day by day."""
    return {day: format_intervals(week[day]) if week.get(day) else "" for day in DAYS}
