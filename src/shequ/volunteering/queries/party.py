"""Reads about party members: organisations, rosters, check-ins and coverage (indicator 12).

Scope. An organisation is seen where its region is in the user's jurisdiction (VIEW). Its roster
lists every member, because the organisation keeps them wherever they live; but a member whose
community of residence is outside the viewer's jurisdiction is shown with a masked name and no place
(``RosterRow.visible`` False): who lives where is the residence community's data, not the workplace's.
Check-ins are scoped by the community checked in to; coverage counts members by their community of
residence (and, per organisation, counts only — no names).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from shequ.core.masking import mask_name
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Level, Region
from shequ.territory.queries import child_regions, grouped_by_child, region_in_scope
from shequ.volunteering.models import (
    CheckInStatus,
    PartyMember,
    PartyMemberCheckin,
    PartyOrganization,
)
from shequ.volunteering.permissions import VolunteeringPerm

VIEW = VolunteeringPerm.VIEW
PARTY = VolunteeringPerm.PARTY


# --- Organisations and rosters ------------------------------------------------------------------


def organizations(user: Any, q: str = "", perm: str = VIEW) -> QuerySet[PartyOrganization]:
    found = scoped(PartyOrganization.objects.all(), user, perm).select_related("region")
    if q.strip():
        found = found.filter(name__contains=q.strip())
    return found.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)
    ).order_by("region__path", "name", "pk")


def organization(user: Any, org_id: int, perm: str = VIEW) -> PartyOrganization:
    return get_scoped_or_404(
        PartyOrganization.objects.select_related("region"), user, perm, pk=org_id
    )


def places_for(user: Any, perm: str = PARTY) -> QuerySet[Region]:
    """Where ``user`` may hold a party organisation (any level in their jurisdiction)."""
    return scoped(Region.objects.all(), user, perm).defer("geometry").order_by("path")


@dataclass(frozen=True)
class RosterRow:
    member: PartyMember
    visible: bool  # lives inside the viewer's jurisdiction
    name: str
    community_name: str
    checkin_status: str
    checkin_label: str


def roster(user: Any, org: PartyOrganization, perm: str = VIEW) -> list[RosterRow]:
    """The organisation's active members, masked where they live outside ``user``'s jurisdiction."""
    where = user.jurisdiction(perm)
    open_checkins = {
        c.member_id: c
        for c in PartyMemberCheckin.objects.filter(
            organization=org, status__in=[CheckInStatus.PENDING, CheckInStatus.CONFIRMED]
        )
    }
    rows = []
    members = (
        PartyMember.objects.filter(organization=org, is_active=True)
        .select_related("resident", "community")
        .order_by("community__path", "pk")
    )
    for member in members:
        visible = where.covers_path(member.community.path)
        checkin = open_checkins.get(member.pk)
        rows.append(
            RosterRow(
                member=member,
                visible=visible,
                name=member.resident.name if visible else mask_name(member.resident.name),
                community_name=member.community.name if visible else "",
                checkin_status=checkin.status if checkin else "",
                checkin_label=checkin.get_status_display() if checkin else "",
            )
        )
    return rows


def roster_member(org: PartyOrganization, member_id: int) -> PartyMember:
    """A member of an organisation the caller already reached through ``organization()``."""
    try:
        return PartyMember.objects.select_related("organization__region", "resident").get(
            organization=org, pk=member_id
        )
    except (PartyMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- Check-ins -----------------------------------------------------------------------------------


def checkins(user: Any, status: str = "", perm: str = VIEW) -> QuerySet[PartyMemberCheckin]:
    """Check-ins to communities in scope, pending first, newest first."""
    found = scoped(PartyMemberCheckin.objects.all(), user, perm).select_related(
        "member__resident", "community", "organization"
    )
    if status in CheckInStatus.values:
        found = found.filter(status=status)
    pending_first = Case(When(status=CheckInStatus.PENDING, then=Value(0)), default=Value(1))
    return found.order_by(pending_first, "-checked_in_at", "-pk")


def checkin(user: Any, checkin_id: int, perm: str = VIEW) -> PartyMemberCheckin:
    return get_scoped_or_404(
        PartyMemberCheckin.objects.select_related("member__resident", "community", "organization"),
        user,
        perm,
        pk=checkin_id,
    )


def own_checkins(member: PartyMember) -> QuerySet[PartyMemberCheckin]:
    return (
        PartyMemberCheckin.objects.filter(member=member)
        .select_related("community")
        .order_by("-checked_in_at", "-pk")
    )


# --- Coverage (indicator 12) ---------------------------------------------------------------------


def _confirmed() -> Exists:
    return Exists(
        PartyMemberCheckin.objects.filter(member=OuterRef("pk"), status=CheckInStatus.CONFIRMED)
    )


def _counted_members() -> QuerySet[PartyMember]:
    return PartyMember.objects.filter(is_active=True, in_service=True).annotate(
        checked=_confirmed()
    )


def coverage(community_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per community: (rostered in-service active members living there, of whom confirmed checked
    in). Communities with no members are absent. Unscoped: the caller has already scoped the ids."""
    ids = list(community_ids)
    rows = (
        _counted_members()
        .filter(community_id__in=ids)
        .values("community_id")
        .annotate(members=Count("pk"), checked_in=Count("pk", filter=Q(checked=True)))
        .order_by()
    )
    return {r["community_id"]: (r["members"], r["checked_in"]) for r in rows}


@dataclass(frozen=True)
class CoverageRow:
    label: str
    code: str  # a region's code for drilling down; "" for an organisation
    members: int
    checked_in: int

    @property
    def share(self) -> float | None:
        """None when nobody is rostered: the figure is incomplete, never 0%."""
        return self.checked_in / self.members if self.members else None

    @property
    def percent(self) -> str:
        return "" if self.share is None else f"{self.share * 100:.1f}%"


@dataclass(frozen=True)
class Coverage:
    region: Region
    children: list[CoverageRow]
    total: CoverageRow
    organizations: list[CoverageRow]
    not_checked_in: list[PartyMember]  # at a community: the members still to check in


def top_region(user: Any, perm: str = VIEW) -> Region | None:
    where = user.jurisdiction(perm)
    paths = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not paths:
        return None
    code = paths[0].rstrip("/").rsplit("/", 1)[-1]
    return Region.objects.defer("geometry").filter(code=code).first()


def coverage_report(user: Any, code: str = "") -> Coverage:
    """Coverage for the region ``code`` (the top of the user's jurisdiction when blank): per child
    region, in total, per organisation held in scope; at a community, who has not checked in. A fixed
    handful of queries whatever the region."""
    if code:
        region = region_in_scope(user, code, VIEW)
    else:
        found = top_region(user, VIEW)
        if found is None:
            raise Http404
        region = found
    members = scoped(_counted_members(), user, VIEW).filter(community__path__under=region.path)
    children = child_regions(user, region, VIEW)
    grouped = grouped_by_child(
        members,
        "community__path",
        children,
        members=Count("pk"),
        checked_in=Count("pk", filter=Q(checked=True)),
    )
    per_child: dict[str | None, tuple[int, int]] = {}
    for path, row in grouped:
        seen = per_child.get(path, (0, 0))
        per_child[path] = (seen[0] + row["members"], seen[1] + row["checked_in"])
    child_rows = [CoverageRow(c.name, c.code, *per_child.get(c.path, (0, 0))) for c in children]
    total_members = sum(m for m, _c in per_child.values())
    total_checked = sum(c for _m, c in per_child.values())
    orgs = (
        scoped(PartyOrganization.objects.all(), user, VIEW)
        .filter(region__path__under=region.path)
        .annotate(
            n_members=Count(
                "members",
                filter=Q(members__is_active=True, members__in_service=True),
                distinct=True,
            ),
            n_checked=Count(
                "checkins__member",
                filter=Q(checkins__status=CheckInStatus.CONFIRMED),
                distinct=True,
            ),
        )
        .order_by("region__path", "name", "pk")
    )
    org_rows = [CoverageRow(o.name, "", o.n_members, o.n_checked) for o in orgs[:200]]
    missing: list[PartyMember] = []
    if region.level == Level.COMMUNITY:
        missing = list(
            members.filter(~_confirmed())
            .select_related("resident", "organization")
            .order_by("resident__name", "pk")[:500]
        )
    return Coverage(
        region=region,
        children=child_rows,
        total=CoverageRow(region.name, region.code, total_members, total_checked),
        organizations=org_rows,
        not_checked_in=missing,
    )
