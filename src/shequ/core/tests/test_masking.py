"""Display masking and the age helpers. All values are synthetic."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequ.core.masking import (
    age_from_id_number,
    is_minor_under_14,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
)

PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13900000001", "139****0001"),
        (" 13900000001 ", "139****0001"),
        ("", ""),
        (None, ""),
        ("139", "***"),
        ("1390000", "*******"),  # too short to show both ends and still hide something
        ("1390000000", "**********"),
        ("051683001234", "051*****1234"),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("32030219900307123X", "320302********123X"),
        ("32030219900307123x", "320302********123X"),
        ("320311201206150022", "320311********0022"),
        ("320302900307123", "320302*****7123"),  # 15-digit first-generation number
        ("", ""),
        ("3203", "****"),
        ("3203021990", "**********"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳娜", "欧阳*"),
        ("欧阳", "欧*"),  # no given name: the first character is all that stays
        ("诸葛明", "诸葛*"),
        ("张", "张"),
        ("", ""),
        ("  王五 ", "王*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("Li Wei", "L* ***"),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("徐州市鼓楼区丰储街道示例小区3号楼2单元301", "徐州市鼓楼区丰储街道示例小区****"),
        ("邳州市示例镇示例村5组12号", "邳州市示例镇示例村****"),
        ("云龙区示例花园8-2-101", "云龙区示例花园****"),
        ("示例路88号3单元502室", "示例路88号****"),  # no estate word: six characters stay
        ("示例路8号", "示例****"),  # short: at most half stays
        ("示例小区", "示例小区"),  # nothing finer than the estate to hide
        ("", ""),
        ("路", "****"),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked


@PROPERTY
@given(st.text(max_size=40))
def test_masking_never_fails_and_never_shows_a_long_value_whole(value):
    for mask in (mask_phone, mask_id_number, mask_address):
        masked = mask(value)
        assert isinstance(masked, str)
        if len(value.strip()) >= 2 and mask is not mask_address and set(value.strip()) - {"*"}:
            assert masked != value.strip()
    assert isinstance(mask_name(value), str)


@PROPERTY
@given(st.text("0123456789", min_size=11, max_size=11))
def test_a_masked_phone_hides_the_middle_four_digits(phone):
    masked = mask_phone(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:]
    assert masked[3:7] == "****"


# --- Age from the ID number ---------------------------------------------------------------------


def test_age_counts_completed_years():
    number = "32030219900307123X"  # born 1990-03-07
    assert age_from_id_number(number, date(2020, 3, 6)) == 29
    assert age_from_id_number(number, date(2020, 3, 7)) == 30
    assert age_from_id_number(number, date(1990, 3, 7)) == 0


def test_a_leap_day_birthday_completes_on_the_first_of_march():
    number = "320302200002290014"  # synthetic, born 2000-02-29
    assert age_from_id_number(number, date(2001, 2, 28)) == 0
    assert age_from_id_number(number, date(2001, 3, 1)) == 1
    assert age_from_id_number(number, date(2004, 2, 29)) == 4


def test_under_14_until_the_fourteenth_birthday():
    number = "320311201206150022"  # born 2012-06-15 (reference vector)
    assert is_minor_under_14(number, date(2026, 6, 14))
    assert not is_minor_under_14(number, date(2026, 6, 15))
    assert not is_minor_under_14("32030219900307123X", date(2025, 6, 1))
    assert is_minor_under_14("32030320230506006x", date(2025, 6, 1))


@pytest.mark.parametrize(
    "number",
    ["", "320302900307123", "320322197802290013", "32030219900307123", "32030X19900307123X"],
)
def test_age_of_a_malformed_number_raises_value_error(number):
    with pytest.raises(ValueError):
        age_from_id_number(number, date(2025, 6, 1))


def test_age_before_birth_raises_value_error():
    with pytest.raises(ValueError):
        is_minor_under_14("32030320230506006X", date(2023, 5, 5))
