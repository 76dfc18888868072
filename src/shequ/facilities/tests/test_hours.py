"""Opening hours as people type them (``facilities.hours``): the forms that parse, the ones refused
with the day and the text at fault, overlaps, intervals past midnight, and the text shown back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shequ.facilities import hours


def parse(**days: str) -> hours.Week:
    return hours.parse_week(days)


def refusal(**days: str) -> str:
    with pytest.raises(ValidationError) as exc:
        hours.parse_week(days)
    return exc.value.message_dict["opening_hours"][0]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("08:30-17:30", [[510, 1050]]),
        ("8-17", [[480, 1020]]),
        ("08:30 - 12:00, 14:00 - 18:00", [[510, 720], [840, 1080]]),
        ("08：30－12：00，14：00～18：00", [[510, 720], [840, 1080]]),  # full-width, as IMEs type
        ("8:00至12:00、13:30到17:30", [[480, 720], [810, 1050]]),
        ("14:00-18:00, 08:00-12:00", [[480, 720], [840, 1080]]),  # sorted
        ("08:00-12:00, 12:00-14:00", [[480, 720], [720, 840]]),  # touching is not overlapping
        ("24小时", [[0, 1440]]),
        ("全天", [[0, 1440]]),
        ("00:00 - 24:00", [[0, 1440]]),
    ],
)
def test_what_people_type_parses(text: str, stored: list[list[int]]) -> None:
    assert parse(wed=text) == {"wed": stored}


@pytest.mark.parametrize("closed", ["", "  ", "休息", "闭馆", "不开放", "-", "Closed"])
def test_a_closed_day_is_left_out(closed: str) -> None:
    assert parse(mon="09:00-17:00", tue=closed) == {"mon": [[540, 1020]]}


@pytest.mark.parametrize(
    "text",
    [
        "早上八点",
        "9:60-10:00",
        "25:00-26:00",
        "08:00-08:00",
        "24:00-24:00",
        "8:00",
        "08:00-12:00-14:00",
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_day_and_text(text: str) -> None:
    message = refusal(thu=text)

    assert message.startswith("星期四的开放时间")
    assert "看不懂" in message and "08:30-17:30" in message


def test_an_interval_cannot_start_at_the_end_of_the_day() -> None:
    """ "24:00-08:00" would leave an empty interval at midnight (and a 0-hour day)."""
    assert "看不懂" in refusal(wed="24:00-08:00")


def test_overlapping_intervals_are_refused_naming_both() -> None:
    assert refusal(fri="08:00-12:00, 11:00-13:00") == (
        "星期五的开放时间“08:00-12:00”和“11:00-13:00”重叠。"
    )
    assert "重叠" in refusal(fri="08:00-12:00, 08:00-12:00")
    assert "重叠" in refusal(fri="00:00-24:00, 08:00-09:00")


def test_an_interval_past_midnight_runs_into_the_next_day() -> None:
    assert parse(fri="22:00-02:00") == {"fri": [[1320, 1440]], "sat": [[0, 120]]}
    # Sunday night runs into Monday morning.
    assert parse(sun="23:00-01:30") == {"sun": [[1380, 1440]], "mon": [[0, 90]]}


def test_the_night_s_tail_may_overlap_the_next_morning() -> None:
    assert refusal(mon="20:00-03:00", tue="02:00-10:00") == (
        "星期二的开放时间“20:00-03:00”和“02:00-10:00”重叠。"
    )
    assert parse(mon="20:00-03:00", tue="03:00-10:00")["tue"] == [[0, 180], [180, 600]]


def test_only_the_seven_weekdays_are_accepted() -> None:
    with pytest.raises(ValidationError) as exc:
        hours.parse_week({"monday": "09:00-17:00"})

    assert exc.value.message_dict["opening_hours"] == ["开放时间只能按星期一至星期日填写。"]


def test_a_list_of_texts_is_one_day_s_intervals() -> None:
    assert hours.parse_week({"sat": ["09:00-12:00", "14:00-17:00"]}) == {
        "sat": [[540, 720], [840, 1020]]
    }


def test_the_shortest_day_counts_only_the_days_it_opens() -> None:
    week = parse(mon="08:30-12:00, 14:00-18:00", tue="09:00-17:00", sat="09:00-11:00")

    assert hours.daily_hours(week) == {"mon": Decimal("7.5"), "tue": Decimal(8), "sat": Decimal(2)}
    assert hours.shortest_day_hours(week) == Decimal("2.00")
    assert hours.shortest_day_hours({}) is None


def test_the_text_shown_back_parses_to_the_same_week() -> None:
    week = parse(mon="24小时", tue="22:00-02:00", thu="08:30-12:00, 14:00-18:00")

    shown = hours.as_text(week)

    assert shown == {
        "mon": "00:00-24:00",
        "tue": "22:00-24:00",
        "wed": "00:00-02:00",
        "thu": "08:30-12:00, 14:00-18:00",
        "fri": "",
        "sat": "",
        "sun": "",
    }
    assert hours.parse_week(shown) == week


def test_the_text_shown_back_in_english_parses_too() -> None:
    """An edit form shows the stored hours in the reader's language; saving it must not fail."""
    week = parse(mon="24小时", tue="09:00-17:00")

    with translation.override("en"):
        shown = hours.as_text(week)
        again = hours.parse_week(shown)

    assert again == week
