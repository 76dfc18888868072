"""Reads of the registry, always through the jurisdiction scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shequ.core import crypto
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.core.validators import normalize_id_number, normalize_phone
from shequ.registry.models import CareGroupTag, Household, HouseholdMembership, LifeStatus, Resident
from shequ.registry.names import normalise_query
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries.own import own_resident as own_resident
from shequ.territory.models import Estate, Level, Region

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_LIKE = re.compile(r"^(\+?86|0086)?1[3-9]\d{9}$")
_LATIN = re.compile(r"^[a-z]+$")
SORTS = {
    "name": ("name_keys", "pk"),
    "-name": ("-name_keys", "-pk"),
    "age": ("-birth_date", "pk"),
    "-age": ("birth_date", "pk"),
    "registered": ("created_at", "pk"),
    "-registered": ("-created_at", "-pk"),
}


@dataclass(frozen=True)
class ResidentFilters:
    q: str = ""
    care_group: str = ""
    status: str = LifeStatus.ACTIVE
    residence_status: str = ""
    age_min: int | None = None
    age_max: int | None = None
    estate_id: int | None = None
    building_id: int | None = None
    sort: str = "name"


def visible_residents(user: Any, perm: str = RegistryPerm.VIEW) -> QuerySet[Resident]:
    return scoped(Resident.objects.all(), user, perm)


def visible_households(user: Any, perm: str = RegistryPerm.VIEW) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user, perm)


def _birth_date_bounds(age_min: int | None, age_max: int | None, today: date) -> Q:
    condition = Q()
    if age_min is not None:
        # Aged at least N: born on or before today's date N years ago.
        condition &= Q(birth_date__lte=_years_before(today, age_min))
    if age_max is not None:
        # Aged at most N: born after today's date N+1 years ago.
        condition &= Q(birth_date__gt=_years_before(today, age_max + 1))
    return condition


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def query_condition(q: str) -> Q:
    """What a search box entry means: an ID number or a phone number (exact, by blind index), letters
    (pinyin initials or full pinyin, from the start of any reading), or part of a name."""
    text = q.strip()
    if not text:
        return Q()
    compact = re.sub(r"[\s-]", "", text)
    if _ID_LIKE.match(compact):
        return Q(id_number_index=crypto.blind_index("id_number", normalize_id_number(compact)))
    if _PHONE_LIKE.match(compact):
        return Q(phone_index=crypto.blind_index("phone", normalize_phone(compact)))
    latin = normalise_query(text)
    if _LATIN.match(latin):
        return Q(name_keys__contains=f" {latin}")
    return Q(name__contains=text)


def search_residents(user: Any, filters: ResidentFilters) -> QuerySet[Resident]:
    residents = visible_residents(user).filter(query_condition(filters.q))
    if filters.status:
        residents = residents.filter(status=filters.status)
    if filters.residence_status:
        residents = residents.filter(residence_status=filters.residence_status)
    if filters.age_min is not None or filters.age_max is not None:
        residents = residents.filter(
            _birth_date_bounds(filters.age_min, filters.age_max, timezone.localdate())
        )
    if filters.care_group:
        today = timezone.localdate()
        current = CareGroupTag.objects.filter(
            resident=OuterRef("pk"), group=filters.care_group, start_date__lte=today
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        residents = residents.filter(Exists(current))
    if filters.estate_id:
        residents = residents.filter(household__estate_id=filters.estate_id)
    if filters.building_id:
        residents = residents.filter(household__building_id=filters.building_id)
    order = SORTS.get(filters.sort, SORTS["name"])
    return residents.select_related("household", "community", "grid").order_by(*order)


def current_tags() -> Prefetch:
    today = timezone.localdate()
    return Prefetch(
        "care_tags",
        queryset=CareGroupTag.objects.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("group"),
        to_attr="current_tags",
    )


def resident_detail(user: Any, pk: int) -> Resident:
    return get_scoped_or_404(
        Resident.objects.select_related("household", "community", "grid").prefetch_related(
            current_tags(),
            Prefetch(
                "memberships", queryset=HouseholdMembership.objects.select_related("household")
            ),
        ),
        user,
        RegistryPerm.VIEW,
        pk=pk,
    )


def household_detail(user: Any, pk: int) -> Household:
    return get_scoped_or_404(
        Household.objects.select_related(
            "community", "grid", "estate", "building", "villager_group", "head"
        ),
        user,
        RegistryPerm.VIEW,
        pk=pk,
    )


def household_members(user: Any, household: Household) -> QuerySet[Resident]:
    return (
        visible_residents(user)
        .filter(household=household)
        .prefetch_related(current_tags())
        .order_by("status", "birth_date", "pk")
    )


def household_history(user: Any, household: Household) -> QuerySet[HouseholdMembership]:
    """Everyone who ever belonged to the household, in order of joining."""
    memberships = HouseholdMembership.objects.filter(household=household).select_related("resident")
    return scoped(memberships, user, RegistryPerm.VIEW).order_by("joined_on", "pk")


def editable_care_tag(user: Any, tag_id: int) -> CareGroupTag:
    return get_scoped_or_404(
        CareGroupTag.objects.select_related("resident__community", "resident__grid"),
        user,
        RegistryPerm.EDIT,
        pk=tag_id,
    )


def editable_communities(user: Any) -> QuerySet[Region]:
    """Communities where the user may register households."""
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, RegistryPerm.EDIT).order_by(
        "code"
    )


def editable_places(user: Any, model: type[Any]) -> QuerySet[Any]:
    """Grids, estates, buildings or villager groups where the user may register households."""
    return scoped(model.objects.all(), user, RegistryPerm.EDIT)


def visible_estates(user: Any) -> QuerySet[Estate]:
    return scoped(Estate.objects.all(), user, RegistryPerm.VIEW).select_related("community")
