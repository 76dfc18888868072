"""Reads about micro-wishes: the community's wish board (scoped by the wish's community), a wish with
its timeline, the resident's own wishes, and the open wishes and tasks of a party member or volunteer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from shequ.core import crypto
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.core.validators import normalize_id_number
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Region
from shequ.volunteering.models import (
    CheckInStatus,
    PartyMember,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
    Wish,
    WishEvent,
    WishStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm

VIEW = VolunteeringPerm.VIEW
WISHES = VolunteeringPerm.WISHES
RELATED = (
    "community",
    "resident",
    "assigned_member__resident",
    "assigned_volunteer__resident",
    "assigned_team",
    "case",
)


@dataclass(frozen=True)
class BoardFilters:
    status: str = ""
    category: str = ""
    community: str = ""  # a region code


def board(user: Any, filters: BoardFilters, perm: str = VIEW) -> QuerySet[Wish]:
    found = scoped(Wish.objects.all(), user, perm).select_related(*RELATED)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.community:
        found = found.filter(community__code=filters.community)
    return found.order_by("-created_at", "-pk")


def communities(user: Any, perm: str = VIEW) -> QuerySet[Region]:
    return (
        scoped(Region.objects.filter(level="community"), user, perm)
        .defer("geometry")
        .order_by("path")
    )


def wish(user: Any, number: str, perm: str = VIEW) -> Wish:
    return get_scoped_or_404(Wish.objects.select_related(*RELATED), user, perm, number=number)


def timeline(wish: Wish) -> QuerySet[WishEvent]:
    return wish.events.select_related("actor").order_by("at", "pk")


def resident_in_scope(user: Any, id_number: str, perm: str = WISHES) -> Resident | None:
    """The active resident with this ID number inside ``user``'s jurisdiction, if any."""
    number = normalize_id_number(id_number or "")
    if not number:
        return None
    return (
        scoped(Resident.objects.select_related("community"), user, perm)
        .filter(id_number_index=crypto.blind_index("id_number", number), status=LifeStatus.ACTIVE)
        .first()
    )


@dataclass(frozen=True)
class Assignees:
    members: list[PartyMember]
    volunteers: list[Volunteer]
    teams: list[VolunteerTeam]


def assignees(user: Any, wish: Wish) -> Assignees:
    """Whom the community may assign ``wish`` to: party members checked in (confirmed) there, active
    volunteers registered there, active teams of the community or above it inside ``user``'s scope."""
    community = wish.community
    members = (
        PartyMember.objects.filter(
            is_active=True,
            in_service=True,
            checkins__community=community,
            checkins__status=CheckInStatus.CONFIRMED,
        )
        .select_related("resident")
        .order_by("resident__name", "pk")[:300]
    )
    volunteers = (
        Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE)
        .select_related("resident")
        .order_by("resident__name", "pk")[:300]
    )
    ancestors = [p for p in _ancestor_paths(community.path)]
    teams = (
        scoped(VolunteerTeam.objects.filter(is_active=True), user, VIEW)
        .filter(Q(region__path__in=ancestors) | Q(region__path__under=community.path))
        .order_by("region__path", "name")[:300]
    )
    return Assignees(list(members), list(volunteers), list(teams))


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{x}/" for x in parts[: i + 1]) for i in range(len(parts))]


# --- The resident's side --------------------------------------------------------------------------


def own_wishes(resident: Resident) -> QuerySet[Wish]:
    return Wish.objects.filter(resident=resident).order_by("-created_at", "-pk")


def own_wish(resident: Resident, number: str) -> Wish:
    try:
        return Wish.objects.select_related(*RELATED).get(resident=resident, number=number)
    except Wish.DoesNotExist as exc:
        raise Http404 from exc


def taker_communities(user: Any) -> list[int]:
    """Communities whose open wishes ``user`` may take: where they are checked in (confirmed) as a
    party member, and where they are an active volunteer."""
    if user is None or not getattr(user, "is_resident", False):
        return []
    found = set(
        PartyMember.objects.filter(
            resident__account=user,
            is_active=True,
            in_service=True,
            checkins__status=CheckInStatus.CONFIRMED,
        ).values_list("checkins__community_id", flat=True)
    )
    found |= set(
        Volunteer.objects.filter(resident__account=user, status=VolunteerStatus.ACTIVE).values_list(
            "community_id", flat=True
        )
    )
    return sorted(i for i in found if i is not None)


def open_wishes(user: Any) -> QuerySet[Wish]:
    return (
        Wish.objects.filter(community_id__in=taker_communities(user), status=WishStatus.OPEN)
        .select_related("community")
        .order_by("created_at", "pk")
    )


def open_wish(user: Any, number: str) -> Wish:
    try:
        return (
            open_wishes(user)
            .model.objects.select_related(*RELATED)
            .get(number=number, community_id__in=taker_communities(user))
        )
    except Wish.DoesNotExist as exc:
        raise Http404 from exc


def my_tasks(user: Any) -> QuerySet[Wish]:
    """Wishes assigned to or taken by ``user`` (as a member, a volunteer, or through a team)."""
    if user is None or not getattr(user, "is_resident", False):
        return Wish.objects.none()
    teams = TeamMembership.objects.filter(
        volunteer__resident__account=user,
        left_on__isnull=True,
        volunteer__status=VolunteerStatus.ACTIVE,
    ).values("team_id")
    return (
        Wish.objects.filter(
            Q(assigned_member__resident__account=user)
            | Q(assigned_volunteer__resident__account=user)
            | Q(assigned_team_id__in=teams)
        )
        .select_related("community")
        .order_by("-created_at", "-pk")
    )


def my_task(user: Any, number: str) -> Wish:
    try:
        return my_tasks(user).select_related(*RELATED).get(number=number)
    except Wish.DoesNotExist as exc:
        raise Http404 from exc
