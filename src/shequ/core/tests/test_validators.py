"""GB 11643 resident ID numbers, GB 32100 unified social credit codes and mobile numbers.

Fixed vectors come from the reference notes (china-standards.md §1.5): synthetic numbers built from
Xuzhou area codes. Property tests generate numbers with a check character computed here, independently
of the code under test, and cross-check python-stdnum.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidComponent, InvalidFormat

from shequ.core.validators import validate_id_number, validate_phone, validate_uscc

TODAY = date(2025, 6, 1)  # fixed, so that "not in the future" does not move under the tests

# Deterministic and database-less: the same examples on every machine, nothing written to .hypothesis/.
PROPERTY = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def code_of(exc: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return exc.value.code


# --- Independent check characters, written from the standards' formulas --------------------------


def id_check(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2: W_i = 2^(18-i) mod 11, check value (12 - S) mod 11, 10 → X."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check(first17: str) -> str:
    """GB 32100: W_i = 3^(i-1) mod 31, C = 31 - (S mod 31), 31 → 0."""
    total = sum(USCC_CHARS.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return USCC_CHARS[(31 - total % 31) % 31]


# --- Fixed vectors: resident ID numbers -----------------------------------------------------------

VALID_IDS = [
    "32030219900307123X",
    "320311201206150022",
    "320381200001010995",
    "32030320230506006X",
    "32032419881122009X",
    "320323198512310048",  # historical area code 320323 铜山县, abolished 2010
    "320382194501010818",  # 邳州市 320382 created 1992, holder born 1945: python-stdnum rejects it
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_reference_id_numbers_are_valid(number):
    assert validate_id_number(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("320322197802290013", "id_number_birth_date"),  # 1978-02-29 does not exist
        ("320302199003071230", "id_number_checksum"),  # check character should be X
        ("320302900307123", "id_number_first_generation"),  # 15 digits
        ("3203021990030712", "id_number_format"),
        ("32030219900307123Y", "id_number_format"),
        ("3203021990030712X3", "id_number_format"),
        ("990302199003071235", "id_number_area"),  # 99 is no province
    ],
)
def test_invalid_id_numbers_are_rejected_with_their_code(number, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number, today=TODAY)
    assert code_of(exc) == code


def test_lowercase_x_and_spaces_are_normalised():
    assert validate_id_number(" 320302 19900307 123x ", today=TODAY) == "32030219900307123X"


def test_a_future_birth_date_is_rejected():
    first17 = "32030220250602001"  # born the day after TODAY
    with pytest.raises(ValidationError) as exc:
        validate_id_number(first17 + id_check(first17), today=TODAY)
    assert code_of(exc) == "id_number_birth_date"


def test_born_today_is_accepted():
    first17 = "32030220250601001"
    number = first17 + id_check(first17)
    assert validate_id_number(number, today=TODAY) == number


def test_independent_check_function_agrees_with_the_reference_vectors():
    for number in VALID_IDS:
        assert id_check(number[:17]) == number[17]


# --- Fixed vectors: unified social credit codes ----------------------------------------------------

VALID_USCCS = [
    "513203035000000158",
    "52320302MJ0000018T",
    "91320382MA1XY00041",
    "93320321MA2AB0018Y",
    "1232030046000001X9",
    "N2320382MF0000013F",  # 农业 · 村级集体经济组织: python-stdnum rejects codes starting with a letter
    "Y1320300MC00000128",  # 其他
    "91110000600037341L",  # python-stdnum's docstring example
]


@pytest.mark.parametrize("code", VALID_USCCS)
def test_reference_usccs_are_valid(code):
    assert validate_uscc(code) == code
    assert uscc_check(code[:17]) == code[17]


def test_uscc_is_normalised():
    assert validate_uscc(" n2320382mf0000013f ") == "N2320382MF0000013F"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("513201035000000158", "uscc_checksum"),
        ("91320382MA1XZ00041", "uscc_charset"),  # Z is not in the alphabet
        ("91320382MA1XY0004", "uscc_length"),
        ("9432038200000000X1", "uscc_category"),  # 市场监管 has no category 4
        ("9132038A00000000X1", "uscc_area"),
    ],
)
def test_invalid_usccs_are_rejected_with_their_code(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert code_of(exc) == error


# --- Mobile numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "13900000001",
        " 139 0000 0001 ",
        "139-0000-0001",
        "+86 139 0000 0001",
        "+86-139-0000-0001",
        "0086 13900000001",
        "8613900000001",
        "(139) 0000-0001",
    ],
)
def test_phone_spellings_are_normalised(spelling):
    assert validate_phone(spelling) == "13900000001"


@pytest.mark.parametrize(
    "spelling",
    [
        "",
        "1390000000",
        "139000000012",
        "12900000001",
        "23900000001",
        "+85 13900000001",
        "1390000000a",
    ],
)
def test_bad_phone_numbers_are_rejected(spelling):
    with pytest.raises(ValidationError) as exc:
        validate_phone(spelling)
    assert code_of(exc) == "phone_format"


# --- Property tests: resident ID numbers -----------------------------------------------------------

# Real province-level prefixes of GB/T 2260 (11 北京 … 82 澳门), listed here rather than imported.
PROVINCES = (
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
)  # fmt: skip


@st.composite
def id_numbers(draw, area=None, born=None):
    """Real province + any four digits (or a drawn area code), a real date, three digits, check."""
    if area is None:
        area_code = draw(st.sampled_from(PROVINCES)) + draw(
            st.text("0123456789", min_size=4, max_size=4)
        )
    else:
        area_code = draw(area)
    if born is None:
        born = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
    birth = draw(born)
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = f"{area_code}{birth:%Y%m%d}{sequence}"
    return first17 + id_check(first17)


@PROPERTY
@given(id_numbers())
def test_any_well_formed_id_number_validates(number):
    assert validate_id_number(number, today=TODAY) == number


# Replacement characters: digits, upper-case letters and a little punctuation. Lower case is left out
# on purpose: 'x' for 'X' is the same number after normalisation.
MUTANTS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/#"


@PROPERTY
@given(id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(MUTANTS))
def test_changing_one_character_of_an_id_number_invalidates_it(number, position, replacement):
    if number[position] == replacement:
        replacement = "7" if replacement != "7" else "8"
    mutated = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(mutated, today=TODAY)


def _years_in_use(area: str) -> tuple[int, int]:
    """First and last year an area code was in use, from python-stdnum's GB/T 2260 history."""
    info = {k: v for _part, props in numdb.get("cn/loc").info(area) for k, v in props.items()}
    starts, ends = [], []
    for county in info["county"].split(","):
        span = county[1:].split("]")[0] if county.startswith("[") else "-"
        start, end = span.split("-")
        starts.append(int(start) if start else 1900)
        ends.append(int(end) if end else TODAY.year)
    return min(starts), max(ends)


# Xuzhou county-level codes, current and abolished (320304 九里区, 320323 铜山县, 320325 邳县,
# 320326 新沂县). The statistical-only 320371 is left out: no ID number carries it.
XUZHOU_CODES = (
    "320302", "320303", "320305", "320311", "320312", "320321", "320322", "320324", "320381",
    "320382", "320304", "320323", "320325", "320326",
)  # fmt: skip
XUZHOU_AREAS = {area: _years_in_use(area) for area in XUZHOU_CODES}


@st.composite
def xuzhou_id_numbers(draw):
    area = draw(st.sampled_from(sorted(XUZHOU_AREAS)))
    _start, end = XUZHOU_AREAS[area]
    # A number keeps the area code of the office that issued it, so the holder was born no later
    # than the code's last year in use; the code may well have been created after the birth.
    last = min(date(end, 12, 31), TODAY)
    return draw(id_numbers(area=st.just(area), born=st.dates(date(1900, 1, 1), last)))


@PROPERTY
@given(xuzhou_id_numbers())
def test_id_numbers_agree_with_python_stdnum_except_its_known_false_negatives(number):
    """Where python-stdnum 2.2 accepts a number we accept it too. The only disagreement allowed is
    its known false negative: it rejects a number whose area code was created after the holder's
    birth year (邳州市 320382 dates from 1992; everyone born there before 1992 fails), although the
    number was legitimately issued with the code in force when it was issued."""
    ours = validate_id_number(number, today=TODAY)
    assert ours == number
    try:
        stdnum_ric.validate(number)
    except InvalidComponent:
        start, _end = XUZHOU_AREAS[number[:6]]
        assert int(number[6:10]) < start, "stdnum rejected a number for another reason"


# --- Property tests: unified social credit codes ----------------------------------------------------

# Registration authority → organisation categories, from the reference notes (§1.2).
USCC_KINDS = {"1": "1239", "5": "1239", "9": "123", "N": "1239", "Y": "1"}


@st.composite
def usccs(draw):
    authority = draw(st.sampled_from(sorted(USCC_KINDS)))
    category = draw(st.sampled_from(USCC_KINDS[authority]))
    area = draw(st.text("0123456789", min_size=6, max_size=6))
    subject = draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    first17 = f"{authority}{category}{area}{subject}"
    return first17 + uscc_check(first17)


@PROPERTY
@given(usccs())
def test_any_well_formed_uscc_validates(code):
    assert validate_uscc(code) == code


@PROPERTY
@given(usccs(), st.integers(min_value=0, max_value=17), st.sampled_from(MUTANTS))
def test_changing_one_character_of_a_uscc_invalidates_it(code, position, replacement):
    if code[position] == replacement:
        replacement = "7" if replacement != "7" else "8"
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(mutated)


@PROPERTY
@given(usccs())
def test_usccs_agree_with_python_stdnum_except_its_known_false_negatives(code):
    """Where python-stdnum 2.2 accepts a code we accept it too. The only disagreement allowed is its
    known false negative: it demands digits in the first eight positions, so it rejects every valid
    code whose registration authority is a letter (A 军队, N 农业 collective organisations, Y 其他)."""
    assert validate_uscc(code) == code
    try:
        stdnum_uscc.validate(code)
    except InvalidFormat:
        assert code[0].isalpha(), "stdnum rejected a code for another reason"


def test_the_cross_checks_do_see_stdnum_disagree():
    # Guard against a cross-check that passes only because stdnum never objected.
    with pytest.raises(InvalidComponent):
        stdnum_ric.validate("320382194501010818")
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate("N2320382MF0000013F")
