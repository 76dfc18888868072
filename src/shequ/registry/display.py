"""How registry records are shown: masked by default (PIPL; docs/privacy.md), flagged when sensitive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry.models import SENSITIVE_CARE_GROUPS, CareGroupTag, Household, Resident

MINOR_AGE = 14  # PIPL Art. 28: all personal information of minors under 14 is sensitive


@dataclass(frozen=True)
class MaskedResident:
    id_number: str
    phone: str
    age: int | None
    is_minor: bool
    is_sensitive: bool


def masked(
    resident: Resident, *, today: date | None = None, tags: list[CareGroupTag] | None = None
) -> MaskedResident:
    """The resident's identifiers as anyone may see them, and whether the record is sensitive."""
    today = today or timezone.localdate()
    age = resident.age_on(today)
    minor = age is not None and age < MINOR_AGE
    current = tags if tags is not None else getattr(resident, "current_tags", [])
    sensitive = minor or any(tag.group in SENSITIVE_CARE_GROUPS for tag in current)
    return MaskedResident(
        id_number=mask_id_number(resident.id_number) if resident.id_number else "",
        phone=mask_phone(resident.phone) if resident.phone else "",
        age=age,
        is_minor=minor,
        is_sensitive=sensitive,
    )


def address_of(household: Household, *, reveal_detail: bool = False) -> str:
    """ "万通小区 3号楼 " + masked unit and room (the detail only when revealed)."""
    parts = [
        household.estate.name if household.estate_id and household.estate else "",
        household.building.number if household.building_id and household.building else "",
        household.villager_group.name
        if household.villager_group_id and household.villager_group
        else "",
    ]
    detail = household.address_detail or ""
    # The detail (unit, room) points at one door: hidden whole unless revealed.
    parts.append(detail if reveal_detail else "****" if detail else "")
    return " ".join(part for part in parts if part)
