"""Reads of rental housing and tenancies, always through the jurisdiction scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from shequ.core import crypto
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.core.validators import normalize_id_number
from shequ.registry.models import Rental, Resident, Tenancy
from shequ.registry.names import normalise_query
from shequ.registry.permissions import RegistryPerm

ACTIVE = "active"
ENDED = "ended"
_LATIN = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class RentalFilters:
    state: str = ACTIVE  # "active", "ended" or "" for both
    estate_id: int | None = None
    landlord: str = ""  # part of the landlord's name, or pinyin initials / full pinyin


def _landlord_condition(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    latin = normalise_query(text)
    if _LATIN.match(latin):
        return Q(landlord__name_keys__contains=f" {latin}")
    return Q(landlord__name__contains=text)


def search_rentals(user: Any, filters: RentalFilters) -> QuerySet[Rental]:
    """Rentals in the jurisdiction, each with ``tenant_count``: the tenants living there now."""
    rentals = scoped(Rental.objects.all(), user, RegistryPerm.VIEW)
    if filters.state == ACTIVE:
        rentals = rentals.filter(ended_on__isnull=True)
    elif filters.state == ENDED:
        rentals = rentals.filter(ended_on__isnull=False)
    if filters.estate_id:
        rentals = rentals.filter(estate_id=filters.estate_id)
    rentals = rentals.filter(_landlord_condition(filters.landlord))
    return (
        rentals.annotate(
            tenant_count=Count("tenancies", filter=Q(tenancies__end_date__isnull=True))
        )
        .select_related("community", "grid", "estate", "building", "landlord")
        .order_by("-registered_on", "-pk")
    )


def _rental_related(rentals: QuerySet[Rental]) -> QuerySet[Rental]:
    return rentals.select_related(
        "community", "grid", "estate", "building", "landlord__community", "landlord__grid"
    )


def rental_detail(user: Any, rental_id: int, perm: str = RegistryPerm.VIEW) -> Rental:
    return get_scoped_or_404(_rental_related(Rental.objects.all()), user, perm, pk=rental_id)


def editable_rental(user: Any, rental_id: int) -> Rental:
    return rental_detail(user, rental_id, RegistryPerm.EDIT)


def rental_tenancies(rental: Rental) -> list[Tenancy]:
    """Everyone who rented the home (the rental was read through the scope), current first."""
    return sorted(
        Tenancy.objects.filter(rental=rental).select_related("tenant__community", "tenant__grid"),
        key=lambda t: (t.end_date is not None, -(t.end_date or t.start_date).toordinal(), -t.pk),
    )


def visible_resident_ids(user: Any, ids: set[int]) -> set[int]:
    """Which of these residents the user may open."""
    return set(
        scoped(Resident.objects.filter(pk__in=ids), user, RegistryPerm.VIEW).values_list(
            "pk", flat=True
        )
    )


def editable_tenancy(user: Any, tenancy_id: int) -> Tenancy:
    return get_scoped_or_404(
        Tenancy.objects.select_related("rental__community", "rental__grid", "tenant"),
        user,
        RegistryPerm.EDIT,
        pk=tenancy_id,
    )


def visible_resident(user: Any, resident_id: int) -> Resident | None:
    """A resident the user may see, by id, or None (for a link such as ``?landlord=<id>``)."""
    return (
        scoped(Resident.objects.select_related("community", "grid"), user, RegistryPerm.VIEW)
        .filter(pk=resident_id)
        .first()
    )


def resident_by_id_number(user: Any, number: str) -> Resident | None:
    """The resident in the jurisdiction holding this ID number exactly, or None."""
    number = number.strip()
    if not number:
        return None
    index = crypto.blind_index("id_number", normalize_id_number(number))
    return (
        scoped(Resident.objects.select_related("community", "grid"), user, RegistryPerm.VIEW)
        .filter(id_number_index=index)
        .first()
    )


def resident_rentals(user: Any, resident: Resident) -> tuple[list[Rental], list[Tenancy]]:
    """The homes the resident lets, and their stays as a tenant, that the user may see."""
    lets = list(search_rentals(user, RentalFilters(state="")).filter(landlord=resident))
    stays = list(
        scoped(
            Tenancy.objects.filter(tenant=resident).select_related(
                "rental__estate", "rental__building", "rental__landlord", "rental__community"
            ),
            user,
            RegistryPerm.VIEW,
        ).order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    )
    return lets, stays
