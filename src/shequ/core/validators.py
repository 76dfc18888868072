"""Chinese identifiers: GB 11643 resident ID numbers, GB 32100 unified social credit codes, mainland
mobile numbers. Written from the standards (see docs/privacy.md and the reference notes), because
python-stdnum wrongly rejects elderly residents' IDs whose area code postdates their birth, and USCCs
that start with a letter."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- GB 11643-1999 ------------------------------------------------------------------------------
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# First two digits: the province-level codes of GB/T 2260 (11 北京 … 82 澳门).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    }
)  # fmt: skip


def normalize_id_number(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def id_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the normalised number or raise ``ValidationError`` naming what is wrong.

    The area code must have a real province prefix but is not checked against the code's years of
    validity: numbers keep the area code of the office that issued them, which may since have been
    abolished (320323 铜山县) or created after the holder's birth (320382 邳州市, 1992).
    """
    number = normalize_id_number(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("这是15位的第一代身份证号码，请填写18位号码。"), code="id_number_first_generation"
        )
    if not _ID_RE.match(number):
        raise ValidationError(
            _("身份证号码应为18位：17位数字加1位数字或X。"), code="id_number_format"
        )
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(_("身份证号码的地址码不正确。"), code="id_number_area")
    try:
        born = id_birth_date(number)
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期不存在。"), code="id_number_birth_date"
        ) from None
    today = today or timezone.localdate()
    if born > today or born.year < 1880:
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="id_number_birth_date")
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("身份证号码校验位不正确，请核对是否输错。"), code="id_number_checksum"
        )
    return number


def id_sex(number: str) -> str:
    """ "male" or "female", from the parity of the 17th digit."""
    return "male" if int(number[16]) % 2 else "female"


# --- GB 32100-2015 ------------------------------------------------------------------------------
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")
# Registration authority (position 1) → allowed organisation categories (position 2).
USCC_CATEGORIES = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "19",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


def normalize_uscc(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="uscc_length")
    if not _USCC_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）。"), code="uscc_charset"
        )
    allowed = USCC_CATEGORIES.get(code[0])
    if allowed is None or code[1] not in allowed:
        raise ValidationError(
            _("统一社会信用代码的登记管理部门或机构类别代码不正确。"), code="uscc_category"
        )
    if not code[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码的第3至8位应为行政区划代码。"), code="uscc_area")
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对是否输错。"), code="uscc_checksum"
        )
    return code


# --- Mainland mobile numbers ---------------------------------------------------------------------
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits


def validate_phone(value: str) -> str:
    number = normalize_phone(value)
    if not _PHONE_RE.match(number):
        raise ValidationError(_("请输入11位中国大陆手机号码（以1开头）。"), code="phone_format")
    return number
