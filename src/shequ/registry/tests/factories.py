"""Small helpers that build registry data through the real actions, with valid synthetic identifiers.

ID numbers are computed with the GB 11643 check character, so they pass the same validation as real
ones; they use the 徐州 鼓楼区 area code (320302) and a running serial, so every call gives a new number.
Phone numbers use the 199 prefix and a running serial too.
"""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from django.utils import timezone

from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.models import Household, IdType, Relation, Resident
from shequ.territory.models import Grid, Region

AREA = "320302"
_serials = count(1)
_phones = count(1)


def id_number(
    born: date = date(1980, 1, 1),
    *,
    sex: str = "male",
    area: str | None = None,
    serial: int | None = None,
) -> str:
    """A valid 18-character resident ID number for someone born on ``born``.

    ``sex`` sets the parity of the 17th digit. Without ``serial`` every call gives a new number: the
    order code takes the running serial, and after each hundred the area code moves on.
    """
    n = next(_serials) if serial is None else serial
    if area is None:
        # After each hundred the area moves on, never back to AREA (which the first hundred use).
        block = (n // 100) % 10000
        area = AREA if n < 100 else f"32{block:04d}" if f"32{block:04d}" != AREA else "320000"
    parity = 1 if sex == "male" else 0
    first17 = f"{area}{born:%Y%m%d}{n % 100:02d}{parity}"
    return first17 + id_check_character(first17)


def id_number_ending_in_x(born: date = date(1975, 6, 15), *, sex: str = "male") -> str:
    """A valid ID number whose check character is X (to test lower-case ``x`` in searches)."""
    for n in range(100):
        number = id_number(born, sex=sex, serial=n)
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives a check character X for this date")  # pragma: no cover


def years_ago(years: int, day: date | None = None) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    day = day or timezone.localdate()
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_of(born: date, day: date | None = None) -> int:
    day = day or timezone.localdate()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def phone_number() -> str:
    return f"199{next(_phones):08d}"


def member(
    name: str,
    relation: str = Relation.HEAD,
    *,
    born: date = date(1980, 1, 1),
    sex: str = "male",
    number: str | None = None,
    phone: str | None = None,
    **extra: Any,
) -> MemberInput:
    """A member with a valid ID number (unless ``id_type`` says otherwise) and a phone number."""
    id_type = extra.pop("id_type", IdType.RESIDENT_ID)
    if number is None:
        number = id_number(born, sex=sex) if id_type == IdType.RESIDENT_ID else ""
    return MemberInput(
        name=name,
        relation=relation,
        id_type=id_type,
        id_number=number,
        phone=phone_number() if phone is None else phone,
        sex=sex,  # for a resident ID, the number decides
        **extra,
    )


def household(
    community: Region,
    members: list[MemberInput] | None = None,
    *,
    grid: Grid | None = None,
    address_detail: str = "",
    by: Any = None,
    **place: Any,
) -> Household:
    """A household registered through ``actions.register_household`` (a single head by default)."""
    return actions.register_household(
        community=community,
        grid=grid,
        members=members if members is not None else [member("张三")],
        address_detail=address_detail,
        by=by,
        **place,
    )


def resident(
    community: Region,
    name: str = "张三",
    *,
    grid: Grid | None = None,
    by: Any = None,
    address_detail: str = "",
    **member_fields: Any,
) -> Resident:
    """The head of a new one-person household."""
    home = household(
        community,
        [member(name, Relation.HEAD, **member_fields)],
        grid=grid,
        by=by,
        address_detail=address_detail,
    )
    assert home.head is not None
    return home.head


def members_of(home: Household) -> list[Resident]:
    return list(Resident.objects.filter(household=home).order_by("pk"))
