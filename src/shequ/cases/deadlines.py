"""限时办结: every stage's deadline, counted by the working-day calendar.

The whole case is due a time limit after acceptance: the service item's limit for its priority, or the
defaults — emergency 2 hours, urgent 24 hours (both natural time: an emergency does not wait for
Monday), normal 5 working days, complex 15 working days. Each stage has its own, shorter limit (accept,
dispatch, sign, verify, close); the handling stage runs to the case's due time. A stage is "due soon"
once 80 % of its time has passed — 80 % of its working days or working hours when it is counted in
those, so a weekend in the middle does not bring the warning forward.

Every instant is computed when the stage starts and stored on the case (``stage_due_at``,
``stage_warn_at``): the periodic sweep then only compares them with the clock, in two indexed UPDATEs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from shequ.cases.models import CaseStatus, Priority, TimeLimitUnit
from shequ.core import calendar

WARN_FRACTION = 0.8


@dataclass(frozen=True)
class Limit:
    value: float
    unit: str

    def due(self, start: datetime) -> datetime:
        if self.unit == TimeLimitUnit.NATURAL_HOURS:
            return calendar.localtime(start) + timedelta(hours=self.value)
        if self.unit == TimeLimitUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, self.value)
        if self.unit == TimeLimitUnit.NATURAL_DAYS:
            return calendar.add_natural_days(start, int(self.value), roll_to_working_day=True)
        return calendar.add_working_days(start, int(self.value))

    def warn(self, start: datetime) -> datetime:
        """The instant 80 % of the limit has passed, counted in the limit's own kind of time."""
        part = self.value * WARN_FRACTION
        if self.unit == TimeLimitUnit.NATURAL_HOURS:
            return calendar.localtime(start) + timedelta(hours=part)
        if self.unit == TimeLimitUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, part)
        if self.unit == TimeLimitUnit.NATURAL_DAYS:
            due = self.due(start)
            return calendar.localtime(start) + (due - calendar.localtime(start)) * WARN_FRACTION
        whole = math.floor(part)
        if whole == 0:
            return calendar.add_working_hours(start, part * _hours_per_day())
        return calendar.add_working_days(start, whole)


def _hours_per_day() -> float:
    total = timedelta(0)
    for start, end in calendar.working_periods():
        total += datetime.combine(datetime.min, end) - datetime.combine(datetime.min, start)
    return total.total_seconds() / 3600


DEFAULT_LIMITS: dict[str, Limit] = {
    Priority.EMERGENCY: Limit(2, TimeLimitUnit.NATURAL_HOURS),
    Priority.URGENT: Limit(24, TimeLimitUnit.NATURAL_HOURS),
    Priority.NORMAL: Limit(5, TimeLimitUnit.WORKING_DAYS),
    Priority.COMPLEX: Limit(15, TimeLimitUnit.WORKING_DAYS),
}

# Limits of the short stages, by priority: (emergency/urgent, normal/complex).
_FAST = {Priority.EMERGENCY: Limit(0.5, TimeLimitUnit.NATURAL_HOURS),
         Priority.URGENT: Limit(2, TimeLimitUnit.NATURAL_HOURS)}  # fmt: skip
STAGE_LIMITS: dict[str, Limit] = {
    CaseStatus.SUBMITTED: Limit(1, TimeLimitUnit.WORKING_DAYS),
    CaseStatus.ACCEPTED: Limit(1, TimeLimitUnit.WORKING_DAYS),
    CaseStatus.RETURNED: Limit(1, TimeLimitUnit.WORKING_DAYS),
    CaseStatus.DISPATCHED: Limit(1, TimeLimitUnit.WORKING_DAYS),
    CaseStatus.HANDLED: Limit(2, TimeLimitUnit.WORKING_DAYS),
    CaseStatus.VERIFIED: Limit(1, TimeLimitUnit.WORKING_DAYS),
}
RECTIFICATION = Limit(15, TimeLimitUnit.WORKING_DAYS)
CALLBACK = Limit(1, TimeLimitUnit.WORKING_DAYS)
REPORT_IN = Limit(4, TimeLimitUnit.WORKING_HOURS)


def _configured(priority: str) -> Limit | None:
    overrides: dict[str, Any] = getattr(settings, "SHEQU_CASE_LIMITS", {})
    raw = overrides.get(priority)
    return Limit(float(raw[0]), str(raw[1])) if raw else None


def case_limit(priority: str, item: Any = None) -> Limit:
    """The whole case's limit: the item's for this priority, the configured default, the built-in."""
    if item is not None:
        raw = (item.priority_limits or {}).get(priority)
        if raw:
            return Limit(float(raw[0]), str(raw[1]))
        if priority == Priority.NORMAL:
            return Limit(item.time_limit_value, item.time_limit_unit)
    return _configured(priority) or DEFAULT_LIMITS[priority]


def stage_limit(status: str, priority: str) -> Limit | None:
    if status not in STAGE_LIMITS:
        return None
    if priority in _FAST and status != CaseStatus.VERIFIED:
        return _FAST[priority]
    return STAGE_LIMITS[status]


@dataclass(frozen=True)
class StageTimes:
    started: datetime | None
    due: datetime | None
    warn: datetime | None


def stage_times(case: Any, status: str, start: datetime) -> StageTimes:
    """The deadline and warning of the stage ``status`` starting at ``start``.

    The handling stage runs to the case's own due time, warned at 80 % of the whole limit. Finished,
    suspended and merged cases have no running stage.
    """
    if status in (CaseStatus.IN_PROGRESS,):
        if case.due_at is None:
            return StageTimes(start, None, None)
        limit = case_limit(case.priority, case.service_item)
        begun = case.accepted_at or start
        warn = limit.warn(begun)
        # An extension or a suspension moved the due time: keep the warning before it.
        if warn >= case.due_at:
            warn = case.due_at - (case.due_at - calendar.localtime(start)) * (1 - WARN_FRACTION)
        return StageTimes(start, case.due_at, warn)
    limit = stage_limit(status, case.priority)
    if limit is None:
        return StageTimes(None, None, None)
    due = limit.due(start)
    if case.due_at is not None and due > case.due_at and status != CaseStatus.HANDLED:
        due = max(case.due_at, calendar.localtime(start))
    return StageTimes(start, due, min(limit.warn(start), due))
