"""Every scoped read about volunteers: the staff list with its filters and Excel export, one
volunteer with their hours, points and recognitions, the teams and their members, the resident's own
summary, and the star level.

Lists go through ``scoped()`` with what a row shows joined in, so a page costs the same queries
whatever its length; one object is fetched with ``get_scoped_or_404`` (elsewhere: 404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, crypto
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.masking import mask_name
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.core.validators import normalize_id_number
from shequ.registry.models import Resident
from shequ.territory import queries as territory
from shequ.territory.models import Level, Region
from shequ.volunteering.models import (
    STAR_HOURS,
    ActivitySignUp,
    Availability,
    JoinRequestStatus,
    PartyMember,
    PointsEntry,
    Recognition,
    Skill,
    TeamCategory,
    TeamJoinRequest,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.permissions import VolunteeringPerm

VIEW = VolunteeringPerm.VIEW
MANAGE = VolunteeringPerm.MANAGE
MAX_EXPORT_ROWS = 50_000


def star_level(hours: Decimal | int | float | None) -> int:
    """The star rating (0–5) for total confirmed service hours (``STAR_HOURS``)."""
    total = Decimal(str(hours or 0))
    for stars, needed in STAR_HOURS:
        if total >= needed:
            return stars
    return 0


def skill_labels(codes: list[str]) -> list[str]:
    names = dict(Skill.choices)
    return [str(names.get(code, code)) for code in codes]


def availability_labels(codes: list[str]) -> list[str]:
    names = dict(Availability.choices)
    return [str(names.get(code, code)) for code in codes]


# --- Places ------------------------------------------------------------------------------------------


def filter_regions(user: Any, perm: str = VIEW) -> QuerySet[Region]:
    """Places a list may be narrowed to: the user's own and two levels below."""
    return territory.narrowing_regions(user, perm, 2)


def team_places(user: Any) -> QuerySet[Region]:
    """Where the user may found a team: communities, townships and counties they manage."""
    return (
        scoped(
            Region.objects.filter(level__in=(Level.COMMUNITY, Level.TOWNSHIP, Level.COUNTY)),
            user,
            MANAGE,
        )
        .defer("geometry")
        .order_by("path")
    )


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


# --- Volunteers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerFilters:
    q: str = ""
    status: str = ""
    skill: str = ""
    team: int | None = None
    region_path: str = ""


def _confirmed(prefix: str = "") -> Q:
    return Q(**{f"{prefix}hours_confirmed__isnull": False})


def search_volunteers(
    user: Any, filters: VolunteerFilters = VolunteerFilters()
) -> QuerySet[Volunteer]:
    found = scoped(Volunteer.objects.all(), user, VIEW)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.skill:
        # JSON containment is not on SQLite; the skill codes are plain words, so a quoted match
        # in the JSON text is exact.
        found = found.filter(skills__icontains=f'"{filters.skill}"')
    if filters.team:
        found = found.filter(memberships__team_id=filters.team, memberships__left_on__isnull=True)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    q = filters.q.strip()
    if q:
        found = found.filter(Q(number__iexact=q) | Q(resident__name__contains=q))
    return (
        found.select_related("resident", "community", "community__parent")
        .defer("community__geometry", "community__parent__geometry")
        .order_by("community__path", "number")
    )


def volunteer_detail(user: Any, volunteer_id: int, perm: str = VIEW) -> Volunteer:
    return get_scoped_or_404(
        Volunteer.objects.select_related(
            "resident", "community", "community__parent", "service_area", "decided_by"
        ).defer("community__geometry", "community__parent__geometry", "service_area__geometry"),
        user,
        perm,
        pk=volunteer_id,
    )


def volunteer_by_number(user: Any, number: str, perm: str = VIEW) -> Volunteer | None:
    return (
        scoped(Volunteer.objects.select_related("resident", "community"), user, perm)
        .filter(number=number.strip().upper())
        .first()
    )


@dataclass
class VolunteerSummary:
    """What a volunteer's page shows besides the record: hours, points, teams, recognitions."""

    hours: Decimal
    stars: int
    activities: int
    points: int
    teams: list[TeamMembership] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)
    points_history: list[PointsEntry] = field(default_factory=list)
    recent: list[ActivitySignUp] = field(default_factory=list)


def volunteer_summary(volunteer: Volunteer, history: int = 50) -> VolunteerSummary:
    signups = ActivitySignUp.objects.filter(volunteer=volunteer).filter(_confirmed())
    totals = signups.aggregate(hours=Sum("hours_confirmed"), n=Count("id"))
    hours = totals["hours"] or Decimal(0)
    points = PointsEntry.objects.filter(volunteer=volunteer).aggregate(total=Sum("points"))
    return VolunteerSummary(
        hours=hours,
        stars=star_level(hours),
        activities=totals["n"] or 0,
        points=points["total"] or 0,
        teams=list(
            TeamMembership.objects.filter(volunteer=volunteer, left_on__isnull=True)
            .select_related("team", "team__region")
            .defer("team__region__geometry")
            .order_by("team__name")
        ),
        recognitions=list(Recognition.objects.filter(volunteer=volunteer)),
        points_history=list(
            PointsEntry.objects.filter(volunteer=volunteer).select_related("created_by")[:history]
        ),
        recent=list(signups.select_related("activity").order_by("-activity__starts_at")[:20]),
    )


def own_volunteer(resident: Resident) -> Volunteer | None:
    """The resident's own volunteer record (their pages show it to them only)."""
    return (
        Volunteer.objects.select_related("community", "service_area")
        .defer("community__geometry", "service_area__geometry")
        .filter(resident=resident)
        .first()
    )


def resident_by_id_number(user: Any, number: str) -> Resident | None:
    """A resident in the user's jurisdiction (where they manage volunteers) with this ID number,
    found by its blind index; None when there is none there — whether they live elsewhere is not
    said."""
    compact = (number or "").replace(" ", "").strip()
    if not compact:
        return None
    index = crypto.blind_index("id_number", normalize_id_number(compact))
    return (
        scoped(Resident.objects.select_related("community"), user, MANAGE)
        .filter(id_number_index=index)
        .first()
    )


def export_volunteers(*, user: Any, filters: VolunteerFilters) -> ExportFile:
    """The filtered list as a workbook: volunteer number and masked name only — no ID or phone."""
    found = search_volunteers(user, filters)
    total = found.count()
    check_export_size(
        total,
        MAX_EXPORT_ROWS,
        _("符合条件的志愿者有 %(n)s 人，超过一次导出的上限 %(max)s 人，请缩小范围。"),
    )
    skills = dict(Skill.choices)
    sheet = stamped_sheet(
        user,
        _("志愿者名册"),
        [_("志愿者编号"), _("姓名"), _("注册村(社区)"), _("状态"), _("服务技能"), _("申请时间")],
    )
    for volunteer in found.iterator(chunk_size=2000):
        sheet.append(
            [
                volunteer.number,
                mask_name(volunteer.resident.name),
                volunteer.community.name,
                volunteer.get_status_display(),
                "、".join(str(skills.get(s, s)) for s in volunteer.skills),
                timezone.localtime(volunteer.applied_at).strftime("%Y-%m-%d"),
            ]
        )
    with transaction.atomic():
        audit.record(
            "volunteering.volunteer_export",
            actor=user,
            object_type="volunteering.Volunteer",
            object_repr=_("志愿者名册 %(n)s 人") % {"n": total},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(f"volunteers-{stamp}.xlsx", sheet.content(), total)


# --- Teams -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamFilters:
    q: str = ""
    category: str = ""
    region_path: str = ""


def _pending_requests() -> Coalesce:
    """The team's pending join requests, as a subquery (a second join would multiply the member
    count)."""
    counted = (
        TeamJoinRequest.objects.filter(team=OuterRef("pk"), status=JoinRequestStatus.PENDING)
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def search_teams(user: Any, filters: TeamFilters = TeamFilters()) -> QuerySet[VolunteerTeam]:
    found = scoped(VolunteerTeam.objects.all(), user, VIEW)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.q.strip():
        found = found.filter(name__contains=filters.q.strip())
    return (
        found.select_related("region", "region__parent")
        .defer("region__geometry", "region__parent__geometry")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
            pending_count=_pending_requests(),
        )
        .order_by("region__path", "name", "pk")
    )


def team_choices(user: Any) -> QuerySet[VolunteerTeam]:
    return scoped(VolunteerTeam.objects.all(), user, VIEW).order_by("name", "pk")


def team_detail(user: Any, team_id: int, perm: str = VIEW) -> VolunteerTeam:
    return get_scoped_or_404(
        VolunteerTeam.objects.select_related("region", "region__parent").defer(
            "region__geometry", "region__parent__geometry"
        ),
        user,
        perm,
        pk=team_id,
    )


def _is_party_member() -> Exists:
    return Exists(
        PartyMember.objects.filter(resident_id=OuterRef("volunteer__resident_id"), is_active=True)
    )


def team_members(team: VolunteerTeam) -> list[TeamMembership]:
    """Current members, the leader first, each marked ``is_party`` when on a party roster."""
    return list(
        TeamMembership.objects.filter(team=team, left_on__isnull=True)
        .select_related("volunteer", "volunteer__resident", "volunteer__community")
        .defer("volunteer__community__geometry")
        .annotate(is_party=_is_party_member())
        .order_by("-role", "joined_on", "pk")
    )


def membership_in(team: VolunteerTeam, membership_id: int) -> TeamMembership:
    """A current membership of ``team`` (the team is already scoped); 404 otherwise."""
    found = (
        TeamMembership.objects.select_related("team", "team__region", "volunteer")
        .filter(pk=membership_id, team=team, left_on__isnull=True)
        .first()
    )
    if found is None:
        raise Http404
    return found


def candidates_for(team: VolunteerTeam, q: str = "") -> QuerySet[Volunteer]:
    """Active volunteers registered in the team's area and not already in it."""
    found = Volunteer.objects.filter(
        status=VolunteerStatus.ACTIVE, community__path__under=team.region.path
    ).exclude(memberships__team=team, memberships__left_on__isnull=True)
    if q.strip():
        found = found.filter(Q(number__iexact=q.strip()) | Q(resident__name__contains=q.strip()))
    return (
        found.select_related("resident", "community")
        .defer("community__geometry")
        .order_by("number")[:50]
    )


def prefetch_teams() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=TeamMembership.objects.filter(left_on__isnull=True).select_related("team"),
        to_attr="open_memberships",
    )


def resident_roles(user: Any) -> dict[str, bool]:
    """What a resident account is here, for their home page: an active volunteer, a rostered party
    member (one query)."""
    row = (
        Resident.objects.filter(account=user)
        .annotate(
            _volunteer=Exists(
                Volunteer.objects.filter(resident=OuterRef("pk"), status=VolunteerStatus.ACTIVE)
            ),
            _member=Exists(PartyMember.objects.filter(resident=OuterRef("pk"), is_active=True)),
        )
        .values("_volunteer", "_member")
        .first()
    )
    return {
        "is_volunteer": bool(row and row["_volunteer"]),
        "is_party_member": bool(row and row["_member"]),
    }


# --- Join requests ---------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def joinable_teams(volunteer: Volunteer) -> list[VolunteerTeam]:
    """Active teams the volunteer may ask to join: based in their community or above it, or within
    their wider service area; party-member teams only for rostered party members; not those they
    are in or have asked to join."""
    if volunteer.status != VolunteerStatus.ACTIVE:
        return []
    where = Q(region__path__in=_ancestor_paths(volunteer.community.path))
    if volunteer.service_area is not None:
        where |= Q(region__path__under=volunteer.service_area.path)
    found = VolunteerTeam.objects.filter(where, is_active=True)
    if not PartyMember.objects.filter(resident_id=volunteer.resident_id, is_active=True).exists():
        found = found.exclude(category=TeamCategory.PARTY)
    found = found.exclude(
        Exists(
            TeamMembership.objects.filter(
                team=OuterRef("pk"), volunteer=volunteer, left_on__isnull=True
            )
        )
    ).exclude(
        Exists(
            TeamJoinRequest.objects.filter(
                team=OuterRef("pk"), volunteer=volunteer, status=JoinRequestStatus.PENDING
            )
        )
    )
    return list(
        found.select_related("region")
        .defer("region__geometry")
        .order_by("region__path", "name")[:100]
    )


def own_join_requests(volunteer: Volunteer) -> list[TeamJoinRequest]:
    """The volunteer's pending requests and their latest decisions (the last 20)."""
    return list(
        TeamJoinRequest.objects.filter(volunteer=volunteer)
        .select_related("team", "team__region")
        .defer("team__region__geometry")
        .order_by("-requested_at", "-pk")[:20]
    )


def own_join_request(volunteer: Volunteer, request_id: int) -> TeamJoinRequest:
    found = (
        TeamJoinRequest.objects.select_related("team", "team__region", "volunteer")
        .filter(pk=request_id, volunteer=volunteer)
        .first()
    )
    if found is None:
        raise Http404
    return found


def own_team(team_id: int) -> VolunteerTeam:
    """A team a resident asks to join (the action checks they may); 404 when there is none."""
    found = VolunteerTeam.objects.select_related("region").filter(pk=team_id).first()
    if found is None:
        raise Http404
    return found


def team_join_requests(team: VolunteerTeam) -> list[TeamJoinRequest]:
    """The team's pending join requests (the team is already scoped), oldest first."""
    return list(
        TeamJoinRequest.objects.filter(team=team, status=JoinRequestStatus.PENDING)
        .select_related("volunteer", "volunteer__resident", "volunteer__community")
        .defer("volunteer__community__geometry")
        .annotate(is_party=_is_party_member())
        .order_by("requested_at", "pk")
    )


def join_request_in(team: VolunteerTeam, request_id: int) -> TeamJoinRequest:
    """A join request of ``team`` (the team is already scoped); 404 otherwise."""
    found = (
        TeamJoinRequest.objects.select_related("team", "team__region", "volunteer")
        .filter(pk=request_id, team=team)
        .first()
    )
    if found is None:
        raise Http404
    return found
