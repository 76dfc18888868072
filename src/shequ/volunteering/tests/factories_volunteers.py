"""Volunteers made through the actions, as the pages make them."""

from __future__ import annotations

from typing import Any

from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Region
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import Skill, Volunteer


def make_volunteer(
    *,
    community: Region,
    resident: Resident | None = None,
    name: str = "李志愿",
    approve: bool = True,
    skills: tuple[str, ...] = (Skill.ELDERLY_CARE,),
    **resident_fields: Any,
) -> Volunteer:
    """An approved (or pending) volunteer; a new resident of ``community`` unless one is given."""
    person = resident or people.resident(community, name, **resident_fields)
    volunteer = actions.register_volunteer(resident=person, by=None, skills=skills)
    if approve:
        volunteer = actions.decide_volunteer(volunteer=volunteer, approve=True, by=None)
    return volunteer
