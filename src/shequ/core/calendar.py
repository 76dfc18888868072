"""The one working-day calendar: every deadline in the platform is computed here (DESIGN §3 "Time").

Which days are working days
    1. A ``CalendarDay`` row entered by an administrator wins (holiday or make-up working day, 调休).
    2. Otherwise the bundled ``chinese_calendar`` data (State Council holiday notices, incl. 调休).
    3. For years that package does not cover yet (it raises ``NotImplementedError``; 1.11 covers
       2004–2026), Monday–Friday are working days and Saturday/Sunday rest days, until an
       administrator enters that year's holidays as ``CalendarDay`` rows.

The rows are cached per process; ``invalidate()`` drops the cache (the admin calls it on save).
Other processes pick the change up within ``CACHE_SECONDS``.

Deadline rule (``add_working_days``)
    The day on which something is received does not count, whatever the hour and whether or not it
    is itself a working day ("期间开始的日，不计算在期间内"). Counting starts with the next working
    day; the deadline is the close of business (end of the last working period, 17:30 by default)
    of the n-th working day, in local time (``settings.TIME_ZONE``, Asia/Shanghai). Example: a case
    received on Friday with 3 working days is due Wednesday 17:30; received Saturday, also
    Wednesday 17:30; received Monday 08:00, due Thursday 17:30.

    ``add_natural_days`` follows the same counting (start day excluded) and ends at the last
    instant of the n-th calendar day (23:59:59.999999 local); with ``roll_to_working_day=True``
    a period whose last day is a rest day runs to the end of the next working day (the Civil
    Procedure Law's rule on 期间: 期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).

Working hours
    ``settings.SHEQU_WORKING_HOURS``: a sequence of ``("HH:MM", "HH:MM")`` periods, in order;
    default 09:00–12:00 and 13:30–17:30. ``add_working_hours`` counts only time inside those periods
    on working days.

Clock
    ``now()`` and ``localdate()`` are the platform clock for deadlines; ``frozen_time(dt)`` stops it
    at ``dt`` for tests (and can move it forward with ``tick``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time as _monotonic_time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_WORKING_HOURS: tuple[tuple[str, str], ...] = (("09:00", "12:00"), ("13:30", "17:30"))
# How long another process may keep using rows it loaded before an administrator changed them.
CACHE_SECONDS = 300.0

_HOLIDAY = "holiday"
_WORKDAY = "workday"


# --- Clock ----------------------------------------------------------------------------------------


class FrozenClock:
    """The handle ``frozen_time`` yields: the time it holds, and ways to move it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def tick(self, delta: timedelta) -> datetime:
        self.at = self.at + delta
        return self.at

    def move_to(self, at: datetime) -> datetime:
        self.at = _aware(at)
        return self.at


# A stack, so that frozen_time blocks nest; module-global (not a ContextVar) so that threads a test
# starts see the same frozen time.
_frozen: list[FrozenClock] = []


def now() -> datetime:
    """The current time (aware, UTC), or the frozen time inside ``frozen_time``."""
    if _frozen:
        return _frozen[-1].at
    return timezone.now()


def localtime(value: datetime | None = None) -> datetime:
    """``value`` (default ``now()``) in the calendar's time zone (``settings.TIME_ZONE``)."""
    return (now() if value is None else _aware(value)).astimezone(_tz())


def localdate() -> date:
    """Today in the calendar's time zone, by ``now()``."""
    return localtime().date()


@contextmanager
def frozen_time(at: datetime | date | str) -> Iterator[FrozenClock]:
    """Stop the platform clock at ``at`` (naive values and dates are local time) for the block.

    >>> with frozen_time("2025-01-24 10:00") as clock:
    ...     clock.tick(timedelta(hours=1))
    """
    clock = FrozenClock(_parse_instant(at))
    _frozen.append(clock)
    try:
        yield clock
    finally:
        _frozen.remove(clock)


def _tz() -> tzinfo:
    return timezone.get_default_timezone()


def _aware(value: datetime) -> datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, _tz())
    return value


def _parse_instant(value: datetime | date | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return _aware(value)
    return _at(value, time.min)


def _at(day: date, moment: time) -> datetime:
    """The instant ``moment`` on local ``day``."""
    return timezone.make_aware(datetime.combine(day, moment), _tz())


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of ``day`` (a period of days is ``[start_of_day(first),
    start_of_day(last + 1 day))``)."""
    return _at(day, time.min)


def _as_local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return localtime(value).date()
    return value


# --- Which days are working days ----------------------------------------------------------------

_lock = threading.Lock()
_overrides: dict[date, str] | None = None
_loaded_at = 0.0
_generation = 0
_package_years: dict[int, dict[date, bool] | None] = {}


def invalidate() -> None:
    """Forget the cached ``CalendarDay`` rows; the next question reloads them (one query)."""
    global _overrides, _generation
    with _lock:
        _overrides = None
        _generation += 1


def _rows() -> dict[date, str]:
    global _overrides, _loaded_at
    overrides = _overrides
    if overrides is not None and _monotonic_time.monotonic() - _loaded_at < CACHE_SECONDS:
        return overrides
    from shequ.core.models import CalendarDay

    generation = _generation
    loaded = dict(CalendarDay.objects.values_list("date", "kind"))
    with _lock:
        # Keep what we read only if nobody invalidated while we were reading.
        if generation == _generation:
            _overrides = loaded
            _loaded_at = _monotonic_time.monotonic()
    return loaded


def _package_year(year: int) -> dict[date, bool] | None:
    """Every day of ``year`` as the bundled data sees it, or None for a year it does not cover.

    Asked once per year and kept: ``chinese_calendar.is_workday`` scans its whole table on every
    call, which would make a 30-day deadline cost milliseconds.
    """
    if year in _package_years:
        return _package_years[year]
    first = date(year, 1, 1)
    try:
        days: dict[date, bool] | None = {
            first + timedelta(days=i): bool(chinese_calendar.is_workday(first + timedelta(days=i)))
            for i in range((date(year + 1, 1, 1) - first).days)
        }
    except NotImplementedError:
        days = None
        logger.warning(
            "chinese_calendar has no holiday data for %d: weekends are rest days there unless "
            "CalendarDay rows (admin) say otherwise; enter that year's holidays and 调休",
            year,
        )
    _package_years[year] = days
    return days


def _package_says_working(day: date) -> bool | None:
    """The bundled data's answer, or None for a year it does not cover."""
    days = _package_year(day.year)
    return None if days is None else days[day]


def _is_working(day: date, rows: dict[date, str]) -> bool:
    kind = rows.get(day)
    if kind == _HOLIDAY:
        return False
    if kind == _WORKDAY:
        return True
    answer = _package_says_working(day)
    if answer is None:
        return day.weekday() < 5
    return answer


def is_working_day(day: date | datetime) -> bool:
    """Whether ``day`` (a datetime is taken on its local date) is a working day."""
    return _is_working(_as_local_date(day), _rows())


def package_covers(year: int) -> bool:
    """Whether the bundled holiday data covers ``year`` (else admins must enter it)."""
    return _package_year(year) is not None


def next_working_day(day: date | datetime) -> date:
    """The first working day strictly after ``day``."""
    rows = _rows()
    current = _as_local_date(day) + timedelta(days=1)
    while not _is_working(current, rows):
        current += timedelta(days=1)
    return current


def _nth_working_day_after(day: date, n: int, rows: dict[date, str]) -> date:
    current = day
    counted = 0
    while counted < n:
        current += timedelta(days=1)
        if _is_working(current, rows):
            counted += 1
    return current


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (local dates).

    The same count as ``add_working_days``: for any ``start``,
    ``working_days_between(start, add_working_days(start, n)) == n`` (n ≥ 1). Negative when
    ``end`` is before ``start``; 0 when they are the same day.
    """
    first, last = _as_local_date(start), _as_local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    rows = _rows()
    count = 0
    current = first + timedelta(days=1)
    while current <= last:
        if _is_working(current, rows):
            count += 1
        current += timedelta(days=1)
    return sign * count


# --- Working hours ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    start: time
    end: time


_periods_cache: tuple[object, tuple[_Period, ...]] | None = None


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def working_periods() -> tuple[tuple[time, time], ...]:
    """The configured working periods of a working day, in order."""
    return tuple((p.start, p.end) for p in _periods())


def _periods() -> tuple[_Period, ...]:
    global _periods_cache
    raw: Sequence[tuple[str, str]] = getattr(settings, "SHEQU_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    cached = _periods_cache
    if cached is not None and cached[0] == raw:
        return cached[1]
    periods = tuple(_Period(_parse_hhmm(a), _parse_hhmm(b)) for a, b in raw)
    if not periods:
        raise ValueError("SHEQU_WORKING_HOURS must name at least one period")
    for period, following in itertools.pairwise(periods):
        if not period.start < period.end <= following.start:
            raise ValueError("SHEQU_WORKING_HOURS periods must be ordered and not overlap")
    if not periods[-1].start < periods[-1].end:
        raise ValueError("SHEQU_WORKING_HOURS periods must end after they start")
    _periods_cache = (raw, periods)
    return periods


def close_of_business(day: date) -> datetime:
    """The end of the last working period on ``day`` (17:30 local by default)."""
    return _at(day, _periods()[-1].end)


def is_working_time(value: datetime) -> bool:
    """Whether ``value`` lies inside a working period of a working day."""
    local = localtime(value)
    if not is_working_day(local.date()):
        return False
    moment = local.time().replace(tzinfo=None)
    return any(p.start <= moment < p.end for p in _periods())


def add_working_hours(start: datetime, hours: float | Decimal | timedelta) -> datetime:
    """The instant after ``hours`` of working time from ``start``.

    Nights, the lunch break, weekends and holidays do not count. A start outside working time
    begins at the next working period. A result that falls exactly at the end of a period is that
    end (e.g. 3 hours from 09:00 is 12:00, not 13:30). Returns local (aware) time.
    """
    remaining = hours if isinstance(hours, timedelta) else timedelta(hours=float(hours))
    if remaining < timedelta(0):
        raise ValueError("hours must not be negative")
    local = localtime(start)
    if not remaining:
        return local
    rows = _rows()
    periods = _periods()
    day = local.date()
    moment: datetime | None = local
    while True:
        if _is_working(day, rows):
            for period in periods:
                begin, end = _at(day, period.start), _at(day, period.end)
                if moment is not None:
                    if moment >= end:
                        continue
                    begin = max(begin, moment)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        moment = None


# --- Deadlines ----------------------------------------------------------------------------------


def add_working_days(start: datetime, n: int) -> datetime:
    """Deadline ``n`` working days after ``start``: close of business on the n-th working day.

    The start day is never counted (see the module docstring). ``n == 0`` means "today": close of
    business on the start day if it is a working day, else on the next working day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    first = _as_local_date(start)
    rows = _rows()
    if n == 0:
        day = first if _is_working(first, rows) else next_working_day(first)
    else:
        day = _nth_working_day_after(first, n, rows)
    return close_of_business(day)


def add_natural_days(start: datetime, n: int, *, roll_to_working_day: bool = False) -> datetime:
    """Deadline ``n`` calendar days after ``start``: the last instant of the n-th day, local time.

    With ``roll_to_working_day``, a last day that is a rest day moves to the next working day, and
    the deadline is the close of business on that day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = _as_local_date(start) + timedelta(days=n)
    if roll_to_working_day and not is_working_day(day):
        return close_of_business(next_working_day(day))
    return _at(day, time.max)
