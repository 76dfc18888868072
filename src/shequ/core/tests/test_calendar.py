"""The working-day calendar against the real State Council holiday notices for 2024–2026."""

from __future__ import annotations

import threading
import time as wall_clock
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from shequ.core import calendar
from shequ.core.models import CalendarDay, DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # The rows are cached per process; each test's rows are rolled back with its transaction.
    calendar.invalidate()
    yield
    calendar.invalidate()


# --- Which days are working days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Spring Festival 2025: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb are make-up days.
        (date(2025, 1, 25), False),
        (date(2025, 1, 26), True),
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),
        (date(2025, 2, 9), False),
        # National Day 2024: 1–7 Oct off; Sunday 29 Sep and Saturday 12 Oct worked.
        (date(2024, 9, 29), True),
        (date(2024, 10, 1), False),
        (date(2024, 10, 7), False),
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),
        # 2026: New Year 1–3 Jan with Sunday 4 Jan worked; Spring Festival 15–23 Feb, Sat 14 & 28 Feb worked.
        (date(2026, 1, 2), False),
        (date(2026, 1, 4), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        # An ordinary week.
        (date(2025, 3, 7), True),
        (date(2025, 3, 8), False),
        (date(2025, 3, 9), False),
    ],
)
def test_is_working_day_follows_the_official_calendar(day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_a_datetime_is_judged_on_its_local_date() -> None:
    # 2025-01-27 17:00 UTC is already Tuesday 28 Jan (Spring Festival) in Shanghai.
    assert calendar.is_working_day(datetime(2025, 1, 27, 15, 0, tzinfo=ZoneInfo("UTC"))) is True
    assert calendar.is_working_day(datetime(2025, 1, 27, 17, 0, tzinfo=ZoneInfo("UTC"))) is False


def test_calendar_rows_override_the_package() -> None:
    # Given an administrator turns a Monday into a holiday and a Saturday into a working day
    CalendarDay.objects.create(date=date(2025, 3, 10), kind=DayKind.HOLIDAY, name="测试假日")
    CalendarDay.objects.create(date=date(2025, 3, 8), kind=DayKind.WORKDAY, name="测试调休")
    calendar.invalidate()

    assert calendar.is_working_day(date(2025, 3, 10)) is False
    assert calendar.is_working_day(date(2025, 3, 8)) is True
    assert calendar.next_working_day(date(2025, 3, 9)) == date(2025, 3, 11)
    # Friday + 2: Sat 8th now counts, Mon 10th does not → Tuesday 11th.
    assert calendar.add_working_days(local(2025, 3, 7, 10), 2) == local(2025, 3, 11, 17, 30)


def test_rows_are_cached_until_invalidated_and_add_30_days_needs_no_query(
    django_assert_num_queries,
) -> None:
    start = local(2025, 3, 3, 9)
    calendar.is_working_day(date(2025, 3, 3))  # loads the rows
    with django_assert_num_queries(0):
        deadline = calendar.add_working_days(start, 30)
    assert deadline == local(2025, 4, 15, 17, 30)  # 4 Apr (清明) is off

    CalendarDay.objects.create(date=date(2025, 3, 4), kind=DayKind.HOLIDAY)
    assert calendar.is_working_day(date(2025, 3, 4)) is True  # still the cached view
    calendar.invalidate()
    with django_assert_num_queries(1):
        assert calendar.is_working_day(date(2025, 3, 4)) is False
        assert calendar.add_working_days(start, 30) == local(2025, 4, 16, 17, 30)


def test_add_30_working_days_takes_well_under_a_millisecond_each() -> None:
    start = local(2025, 1, 20, 10)
    calendar.add_working_days(start, 30)
    began = wall_clock.perf_counter()
    for _ in range(200):
        calendar.add_working_days(start, 30)
    per_call = (wall_clock.perf_counter() - began) / 200
    assert per_call < 0.0005, per_call


def test_years_the_package_does_not_cover_use_weekends_and_rows() -> None:
    assert calendar.package_covers(2026) is True
    assert calendar.package_covers(2027) is False
    # 2027-01-01 is a Friday: a working day until an administrator enters the holiday.
    assert calendar.is_working_day(date(2027, 1, 1)) is True
    assert calendar.is_working_day(date(2027, 1, 2)) is False
    # 31 Dec 2026 is a Thursday: one working day later is Friday 1 Jan 2027.
    assert calendar.add_working_days(local(2026, 12, 31, 10), 1) == local(2027, 1, 1, 17, 30)

    CalendarDay.objects.create(date=date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=date(2027, 1, 2), kind=DayKind.WORKDAY, name="元旦调休")
    calendar.invalidate()
    assert calendar.is_working_day(date(2027, 1, 1)) is False
    assert calendar.is_working_day(date(2027, 1, 2)) is True
    assert calendar.add_working_days(local(2026, 12, 31, 10), 1) == local(2027, 1, 2, 17, 30)


# --- Deadlines in working days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "deadline"),
    [
        # The documented rule: received Friday, 3 working days → Wednesday 17:30.
        (local(2025, 3, 7, 16, 45), 3, local(2025, 3, 12, 17, 30)),
        # Received on a rest day: counting starts with the next working day all the same.
        (local(2025, 3, 8, 11), 3, local(2025, 3, 12, 17, 30)),
        # Received before opening hours on Monday: Monday itself still does not count.
        (local(2025, 3, 10, 8), 3, local(2025, 3, 13, 17, 30)),
        # Friday before Spring Festival 2025: Sun 26 Jan (make-up), Mon 27 Jan, then Wed 5 Feb.
        (local(2025, 1, 24, 10), 3, local(2025, 2, 5, 17, 30)),
        # Before National Day 2024: Sunday 29 Sep is worked, 1–7 Oct are not.
        (local(2024, 9, 27, 10), 2, local(2024, 9, 30, 17, 30)),
        (local(2024, 9, 30, 10), 1, local(2024, 10, 8, 17, 30)),
        # n = 0: close of business today, or on the next working day.
        (local(2025, 3, 7, 10), 0, local(2025, 3, 7, 17, 30)),
        (local(2025, 3, 8, 10), 0, local(2025, 3, 10, 17, 30)),
    ],
)
def test_add_working_days(start: datetime, n: int, deadline: datetime) -> None:
    assert calendar.add_working_days(start, n) == deadline


def test_naive_datetimes_are_local_time() -> None:
    assert calendar.add_working_days(datetime(2025, 3, 7, 23, 30), 1) == local(2025, 3, 10, 17, 30)


def test_deadlines_are_returned_in_local_time() -> None:
    deadline = calendar.add_working_days(datetime(2025, 3, 7, 2, 0, tzinfo=ZoneInfo("UTC")), 1)
    assert deadline.utcoffset() == timedelta(hours=8)
    assert (deadline.hour, deadline.minute) == (17, 30)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(local(2025, 3, 7), -1)


def test_working_days_between_counts_what_add_working_days_adds() -> None:
    assert calendar.working_days_between(date(2025, 1, 24), date(2025, 2, 5)) == 3
    assert calendar.working_days_between(date(2025, 2, 5), date(2025, 1, 24)) == -3
    assert calendar.working_days_between(date(2025, 3, 7), date(2025, 3, 7)) == 0
    day = date(2024, 9, 1)
    while day < date(2026, 11, 1):
        for n in (1, 2, 5, 15):
            deadline = calendar.add_working_days(local(day.year, day.month, day.day, 10), n)
            assert calendar.working_days_between(day, deadline) == n, (day, n)
        day += timedelta(days=3)


def test_next_working_day_skips_a_whole_holiday() -> None:
    assert calendar.next_working_day(date(2025, 1, 27)) == date(2025, 2, 5)
    assert calendar.next_working_day(date(2024, 9, 28)) == date(2024, 9, 29)


# --- Natural days -------------------------------------------------------------------------------


def test_add_natural_days_ends_at_the_last_instant_of_the_day() -> None:
    deadline = calendar.add_natural_days(local(2025, 1, 24, 10), 15)
    assert deadline.date() == date(2025, 2, 8)
    assert (
        deadline.astimezone(SHANGHAI).time().replace(microsecond=0)
        == datetime(2000, 1, 1, 23, 59, 59).time()
    )
    assert local(2025, 2, 8, 23, 59) < deadline < local(2025, 2, 9)


def test_add_natural_days_can_roll_off_a_holiday() -> None:
    # 20 Jan + 10 days = 30 Jan, inside Spring Festival → close of business on 5 Feb.
    rolled = calendar.add_natural_days(local(2025, 1, 20, 10), 10, roll_to_working_day=True)
    assert rolled == local(2025, 2, 5, 17, 30)
    # A last day that is a working day does not move.
    assert calendar.add_natural_days(local(2025, 3, 3), 4, roll_to_working_day=True).date() == (
        date(2025, 3, 7)
    )


# --- Working hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "end"),
    [
        (local(2025, 3, 7, 10), 1, local(2025, 3, 7, 11)),
        # Across lunch: 11:00–12:00, then 13:30–14:30.
        (local(2025, 3, 7, 11), 2, local(2025, 3, 7, 14, 30)),
        # Starting in the lunch break.
        (local(2025, 3, 7, 12, 30), 1, local(2025, 3, 7, 14, 30)),
        # Exactly the morning: ends at 12:00, not 13:30.
        (local(2025, 3, 7, 9), 3, local(2025, 3, 7, 12)),
        # Across the night and the weekend: Fri 16:30–17:30, then Monday 09:00–10:00.
        (local(2025, 3, 7, 16, 30), 2, local(2025, 3, 10, 10)),
        # Starting at night.
        (local(2025, 3, 6, 20), 1, local(2025, 3, 7, 10)),
        (local(2025, 3, 7, 6), Decimal("0.5"), local(2025, 3, 7, 9, 30)),
        # Across Spring Festival 2025: Mon 27 Jan 17:00–17:30, then Wed 5 Feb.
        (local(2025, 1, 27, 17), 1, local(2025, 2, 5, 9, 30)),
        # Into a make-up Saturday (8 Feb 2025).
        (local(2025, 2, 7, 17), timedelta(hours=1), local(2025, 2, 8, 9, 30)),
        # A full working day is 7 hours: two days from Friday morning is Monday evening.
        (local(2025, 3, 7, 9), 14, local(2025, 3, 10, 17, 30)),
    ],
)
def test_add_working_hours(
    start: datetime, hours: float | Decimal | timedelta, end: datetime
) -> None:
    assert calendar.add_working_hours(start, hours) == end


def test_working_hours_are_configurable() -> None:
    with override_settings(SHEQU_WORKING_HOURS=[("08:30", "17:00")]):
        assert calendar.add_working_hours(local(2025, 3, 7, 11), 2) == local(2025, 3, 7, 13)
        assert calendar.add_working_days(local(2025, 3, 7), 1) == local(2025, 3, 10, 17)
    assert calendar.add_working_days(local(2025, 3, 7), 1) == local(2025, 3, 10, 17, 30)


def test_is_working_time() -> None:
    assert calendar.is_working_time(local(2025, 3, 7, 9)) is True
    assert calendar.is_working_time(local(2025, 3, 7, 12, 15)) is False
    assert calendar.is_working_time(local(2025, 3, 7, 17, 30)) is False
    assert calendar.is_working_time(local(2025, 3, 8, 10)) is False


# --- The clock ----------------------------------------------------------------------------------


def test_frozen_time_stops_the_clock_and_can_move_it() -> None:
    with calendar.frozen_time("2025-01-24 10:00") as clock:
        assert calendar.now() == local(2025, 1, 24, 10)
        assert calendar.localdate() == date(2025, 1, 24)
        assert calendar.add_working_days(calendar.now(), 3) == local(2025, 2, 5, 17, 30)
        clock.tick(timedelta(hours=15))
        assert calendar.localdate() == date(2025, 1, 25)
        with calendar.frozen_time(local(2030, 6, 1, 8)):
            assert calendar.localdate() == date(2030, 6, 1)
        assert calendar.now() == local(2025, 1, 25, 1)
    assert abs(calendar.now() - timezone.now()) < timedelta(seconds=5)


def test_frozen_time_is_seen_by_other_threads() -> None:
    seen: list[date] = []
    with calendar.frozen_time(date(2025, 2, 8)):
        worker = threading.Thread(target=lambda: seen.append(calendar.localdate()))
        worker.start()
        worker.join()
    assert seen == [date(2025, 2, 8)]


def test_frozen_time_works_as_a_decorator() -> None:
    @calendar.frozen_time("2024-10-01 12:00")
    def today() -> date:
        return calendar.localdate()

    assert today() == date(2024, 10, 1)
