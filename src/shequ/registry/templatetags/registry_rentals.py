"""Rental housing on other pages: the homes a resident lets and rents, and a rental's address."""

from __future__ import annotations

from typing import Any

from django import template

from shequ.registry.models import LifeStatus, Rental, Resident
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import rentals as queries

register = template.Library()


@register.filter
def rental_address(rental: Rental) -> str:
    """ "万通小区 3号楼 ****": the unit and room hidden, as a household's address is."""
    parts = [
        rental.estate.name if rental.estate_id and rental.estate else "",
        rental.building.number if rental.building_id and rental.building else "",
        "****" if rental.address_detail else "",
    ]
    return " ".join(part for part in parts if part)


@register.inclusion_tag("registry/_resident_rentals.html")
def resident_rentals(resident: Resident, user: Any) -> dict[str, Any]:
    """``{% resident_rentals resident user %}``: the homes the resident lets and the homes they rent
    (or rented), as far as the user's jurisdiction reaches."""
    lets, stays = queries.resident_rentals(user, resident)
    may_register = (
        resident.status == LifeStatus.ACTIVE
        and user.has_permission(RegistryPerm.EDIT)
        and not user.jurisdiction(RegistryPerm.EDIT).is_empty
    )
    return {"resident": resident, "lets": lets, "stays": stays, "may_register": may_register}
