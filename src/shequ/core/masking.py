"""Masking for display: show enough to recognise a value, never enough to use it.

Every function accepts any string, including empty and too-short ones, and never raises: a value too short
to keep a visible part is masked completely. Unmasked display is a separate, permission-checked and
audited act (docs/privacy.md), not something these helpers decide.

The age helpers read the birth date embedded in a GB 11643 resident ID number. PIPL Art. 28 makes all
personal information of a child under 14 sensitive, so records are tagged from the number itself.
"""

from __future__ import annotations

import re
from datetime import date

MASK = "*"

# Two-character surnames (复姓) still in use, so that 欧阳娜娜 masks as 欧阳** and not 欧***.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
        "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "钟离",
        "闻人", "赫连", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "仲孙",
        "万俟", "司空", "司寇", "亓官", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "公良",
        "拓跋", "夹谷", "宰父", "谷梁", "段干", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘",
        "东门", "第五",
    }
)  # fmt: skip

# Separators inside a name that stay visible: spaces and the middle dots of transliterated names
# (阿依古丽·买买提).
_NAME_SEPARATORS = frozenset(" ·•・.")

# The end of the estate or village part of an address; what follows (building, unit, room) is hidden.
_ESTATE_END = re.compile(r"小区|花园|家园|新村|公寓|大厦|社区|苑|村")
ADDRESS_PREFIX_CHARS = 6
ADDRESS_TAIL_MASK = MASK * 4
# Show both ends of a phone or ID number only if at least this many characters stay hidden.
MIN_HIDDEN = 4


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; mask everything instead when fewer than
    ``MIN_HIDDEN`` characters would be hidden."""
    hidden = len(value) - head - tail
    if hidden < MIN_HIDDEN:
        return MASK * len(value)
    return value[:head] + MASK * hidden + value[len(value) - tail :]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``. Values shorter than 11 characters are masked completely."""
    return _keep_ends((value or "").strip(), 3, 4)


def mask_id_number(value: str) -> str:
    """``32030219900307123X`` → ``320302********123X``: area code and last four, birth date hidden.

    Values shorter than 14 characters are masked completely.
    """
    return _keep_ends((value or "").strip().upper(), 6, 4)


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``, ``张`` → ``张``.

    The surname stays (two characters for a compound surname followed by a given name); every other
    character except separators becomes an asterisk.
    """
    value = (value or "").strip()
    if len(value) <= 1:
        return value
    keep = 2 if len(value) > 2 and value[:2] in COMPOUND_SURNAMES else 1
    rest = "".join(c if c in _NAME_SEPARATORS else MASK for c in value[keep:])
    return value[:keep] + rest


def mask_address(value: str) -> str:
    """Keep the address down to the estate or village, hide the rest behind ``****``.

    ``徐州市鼓楼区丰储街道示例小区3号楼2单元301`` → ``徐州市鼓楼区丰储街道示例小区****``. Without an
    estate word, the first six characters stay (at most half of the value).
    """
    value = (value or "").strip()
    if not value:
        return ""
    match = _ESTATE_END.search(value)
    if match is not None and match.end() < len(value):
        keep = match.end()
    elif match is not None:
        return value  # nothing finer than the estate is given
    else:
        keep = min(ADDRESS_PREFIX_CHARS, len(value) // 2)
    return value[:keep] + ADDRESS_TAIL_MASK


def _birth_date(id_number: str) -> date:
    number = (id_number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        raise ValueError("not an 18-character resident ID number")
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("the resident ID number holds no real birth date") from None


def age_from_id_number(id_number: str, today: date) -> int:
    """Completed years of age on ``today``; raises ``ValueError`` for a malformed number.

    Someone born on 29 February completes a year on 1 March in common years.
    """
    born = _birth_date(id_number)
    if born > today:
        raise ValueError("the birth date is after today")
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def is_minor_under_14(id_number: str, today: date) -> bool:
    """True while the holder is younger than 14 (PIPL Art. 28, Art. 31): on the 14th birthday it is
    False."""
    return age_from_id_number(id_number, today) < 14
