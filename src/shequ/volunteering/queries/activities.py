"""Reads about volunteer activities: staff lists and rosters (always scoped to the jurisdiction), and
the resident's side (what a volunteer may browse, their own sign-ups and hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Level, Region
from shequ.territory.queries import narrowing_regions
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    SignUpStatus,
    Volunteer,
    VolunteerActivity,
    VolunteerTeam,
)
from shequ.volunteering.permissions import VolunteeringPerm

Perm = VolunteeringPerm


@dataclass(frozen=True)
class ActivityFilters:
    status: str = ""
    target_group: str = ""
    region_path: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=calendar.localtime().tzinfo)


def _with_counts(queryset: QuerySet[VolunteerActivity]) -> QuerySet[VolunteerActivity]:
    return queryset.annotate(
        enrolled_count=Count("signups", filter=Q(signups__status=SignUpStatus.ENROLLED)),
        waitlisted_count=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
    )


def activities(user: Any, filters: ActivityFilters | None = None) -> QuerySet[VolunteerActivity]:
    """Activities in the user's jurisdiction, newest first, with their enrolment counts."""
    f = filters or ActivityFilters()
    queryset = scoped(VolunteerActivity.objects.all(), user, Perm.VIEW)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.target_group:
        queryset = queryset.filter(target_group=f.target_group)
    if f.region_path:
        queryset = queryset.filter(region__path__startswith=f.region_path)
    if f.date_from:
        queryset = queryset.filter(starts_at__gte=_day_start(f.date_from))
    if f.date_to:
        queryset = queryset.filter(starts_at__lt=_day_start(f.date_to) + timedelta(days=1))
    return _with_counts(queryset.select_related("region", "team").order_by("-starts_at", "pk"))


def filter_regions(user: Any) -> QuerySet[Region]:
    return narrowing_regions(user, Perm.VIEW)


def activity_detail(user: Any, code: str, perm: str = Perm.VIEW) -> VolunteerActivity:
    code = (code or "").strip()
    if not code or len(code) > 24:
        raise Http404
    return get_scoped_or_404(
        _with_counts(VolunteerActivity.objects.select_related("region", "team", "organiser")),
        user,
        perm,
        code=code,
    )


def signup_on(user: Any, activity: VolunteerActivity, signup_id: int) -> ActivitySignUp:
    """A roster row of ``activity`` (already scoped); 404 for anything else."""
    return get_scoped_or_404(
        ActivitySignUp.objects.select_related("activity__region", "volunteer__resident"),
        user,
        Perm.VIEW,
        pk=signup_id,
        activity=activity,
    )


def roster(activity: VolunteerActivity) -> list[ActivitySignUp]:
    """Everyone on the roster: enrolled first, then the waitlist in order, then the rest."""
    order = {
        SignUpStatus.ENROLLED: 0,
        SignUpStatus.WAITLISTED: 1,
        SignUpStatus.ABSENT: 2,
        SignUpStatus.CANCELLED: 3,
    }
    rows = list(
        ActivitySignUp.objects.filter(activity=activity)
        .select_related("volunteer__resident")
        .order_by("signed_up_at", "pk")
    )
    return sorted(rows, key=lambda s: order.get(SignUpStatus(s.status), 9))


def organisable_communities(user: Any) -> QuerySet[Region]:
    return (
        scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.ORGANISE)
        .defer("geometry")
        .order_by("path")
    )


def organisable_teams(user: Any) -> QuerySet[VolunteerTeam]:
    return (
        scoped(VolunteerTeam.objects.filter(is_active=True), user, Perm.ORGANISE)
        .select_related("region")
        .order_by("region__path", "name")
    )


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm)) and user.jurisdiction(perm).covers_path(region.path)


# --- The resident's side ---------------------------------------------------------------------------


def browsable(volunteer: Volunteer) -> QuerySet[VolunteerActivity]:
    """Recruiting activities not yet started, in the volunteer's community or service area."""
    where = Q(region=volunteer.community_id)
    if volunteer.service_area_id is not None:
        area = Region.objects.filter(pk=volunteer.service_area_id).values_list("path", flat=True)
        path = area.first()
        if path:
            where |= Q(region__path__startswith=path)
    return _with_counts(
        VolunteerActivity.objects.filter(
            where, status=ActivityStatus.RECRUITING, starts_at__gt=calendar.now()
        )
        .select_related("region")
        .order_by("starts_at", "pk")
    )


def resident_activity(
    volunteer: Volunteer, code: str
) -> tuple[VolunteerActivity, ActivitySignUp | None]:
    """An activity the volunteer may browse, or one they signed up for; 404 otherwise."""
    code = (code or "").strip()
    if not code or len(code) > 24:
        raise Http404
    signup = (
        ActivitySignUp.objects.filter(volunteer=volunteer, activity__code=code)
        .select_related("activity__region")
        .first()
    )
    if signup is not None:
        activity = _with_counts(VolunteerActivity.objects.select_related("region")).get(
            pk=signup.activity_id
        )
        return activity, signup
    found = browsable(volunteer).filter(code=code).first()
    if found is None:
        raise Http404
    return found, None


def resident_signup(volunteer: Volunteer, signup_id: int) -> ActivitySignUp:
    signup = (
        ActivitySignUp.objects.filter(volunteer=volunteer, pk=signup_id)
        .select_related("activity__region")
        .first()
    )
    if signup is None:
        raise Http404
    return signup


def activities_for_signup(signup: ActivitySignUp) -> VolunteerActivity:
    """The activity of the resident's own sign-up, with its counts."""
    return _with_counts(VolunteerActivity.objects.select_related("region")).get(
        pk=signup.activity_id
    )


@dataclass(frozen=True)
class MyActivities:
    upcoming: list[ActivitySignUp]
    attended: list[ActivitySignUp]
    total_hours: Decimal
    attended_count: int


def my_activities(volunteer: Volunteer) -> MyActivities:
    """The volunteer's upcoming sign-ups, the activities they attended and their confirmed hours."""
    rows = ActivitySignUp.objects.filter(volunteer=volunteer).select_related("activity__region")
    now = calendar.now()
    upcoming = list(
        rows.filter(
            status__in=(SignUpStatus.ENROLLED, SignUpStatus.WAITLISTED),
            activity__ends_at__gt=now,
            signed_in_at__isnull=True,
        )
        .exclude(activity__status=ActivityStatus.CANCELLED)
        .order_by("activity__starts_at", "pk")
    )
    attended = list(rows.filter(signed_in_at__isnull=False).order_by("-activity__starts_at", "pk"))
    total = rows.aggregate(total=Sum("hours_confirmed"))["total"] or Decimal("0.00")
    return MyActivities(upcoming, attended, total, len(attended))
