"""Reads about visits: the rules a staff member may see and the rules in force for a community, the
plan list (filters, scoped), the visitor's own list (today's, this week's and overdue), visits and a
visit's page. Every read goes through ``scoped()`` / ``get_scoped_or_404()``; the visitor's own list
adds the plans assigned to them by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from shequ.care.actions.visits import ancestor_paths, community_helpers, rules_in_force
from shequ.care.models import Visit, VisitPlan, VisitPlanStatus, VisitRule
from shequ.care.permissions import CarePerm
from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

VIEW = CarePerm.VIEW
VISIT = CarePerm.VISIT
PLAN = CarePerm.PLAN
CONFIGURE = CarePerm.CONFIGURE
PLAN_RELATED = ("resident", "community", "grid", "visitor", "rule")
VISIT_RELATED = ("resident", "community", "grid", "visitor", "plan", "case")


# --- Rules -----------------------------------------------------------------------------------------


def rules_for(community: Region) -> list[VisitRule]:
    """The rules in force for ``community``: per (group, mode) the rule of the nearest region above."""
    return rules_in_force([(community.pk, community.path)]).get(community.pk, [])


def visible_rules(user: Any) -> QuerySet[VisitRule]:
    """Rules set at the user's places and at the regions above them (a county official sees the
    city's rules they inherit, and their own)."""
    paths: set[str] = set()
    for perm in (VIEW, CONFIGURE):
        j = user.jurisdiction(perm)
        for p in (*j.region_paths, *j.grid_paths):
            paths.update(ancestor_paths(p))
    inside = scoped(VisitRule.objects.all(), user, VIEW) | scoped(
        VisitRule.objects.all(), user, CONFIGURE
    )
    above = VisitRule.objects.filter(region__path__in=sorted(paths))
    return (
        VisitRule.objects.filter(Q(pk__in=inside.values("pk")) | Q(pk__in=above.values("pk")))
        .select_related("region", "updated_by")
        .order_by("region__path", "group", "mode")
    )


def rule_to_edit(user: Any, rule_id: int) -> VisitRule:
    return get_scoped_or_404(
        VisitRule.objects.select_related("region"), user, CONFIGURE, pk=rule_id
    )


def rule_regions(user: Any) -> QuerySet[Region]:
    """Counties and the city where ``user`` may set rules."""
    return (
        scoped(Region.objects.filter(level__in=(Level.COUNTY, Level.CITY)), user, CONFIGURE)
        .defer("geometry")
        .order_by("path")
    )


# --- Plans -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFilters:
    month: date | None = None  # the first of a month
    region_path: str = ""
    group: str = ""
    status: str = ""
    overdue: bool = False
    visitor: str = ""  # a user id, or "none" for unassigned


def plans(user: Any, filters: PlanFilters, perm: str = VIEW) -> QuerySet[VisitPlan]:
    found = scoped(VisitPlan.objects.all(), user, perm).select_related(*PLAN_RELATED)
    if filters.month is not None:
        end = (filters.month + timedelta(days=32)).replace(day=1)
        # Plans whose period overlaps the month: started before its end, due on or after its start.
        found = found.filter(period_start__lt=end, due_date__gte=filters.month)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    if filters.group:
        found = found.filter(group=filters.group)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.overdue:
        found = found.filter(status=VisitPlanStatus.PLANNED, due_date__lt=calendar.localdate())
    if filters.visitor == "none":
        found = found.filter(visitor__isnull=True)
    elif filters.visitor.isdigit():
        found = found.filter(visitor_id=int(filters.visitor))
    return found.order_by("due_date", "pk")


def plan(user: Any, plan_id: int, perm: str = VIEW) -> VisitPlan:
    return get_scoped_or_404(
        VisitPlan.objects.select_related(*PLAN_RELATED), user, perm, pk=plan_id
    )


def plan_to_record(user: Any, plan_id: int) -> VisitPlan:
    """A plan ``user`` may record: in their care.visit jurisdiction, or assigned to them."""
    found = _mine_q(user)
    try:
        return (
            VisitPlan.objects.select_related(
                *PLAN_RELATED, "resident__community", "resident__grid", "rule"
            )
            .filter(found)
            .get(pk=plan_id)
        )
    except (VisitPlan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _mine_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    inside = Q(visitor=user)
    if user.has_permission(VISIT):
        inside |= Q(pk__in=scoped(VisitPlan.objects.all(), user, VISIT).values("pk"))
    return inside


def my_visits(user: Any) -> QuerySet[VisitPlan]:
    """Planned visits due by the end of this week whose period has begun, in the visitor's grid (or
    jurisdiction) or assigned to them, by due date."""
    today = calendar.localdate()
    week_end = today + timedelta(days=6 - today.weekday())
    return (
        VisitPlan.objects.filter(_mine_q(user))
        .filter(status=VisitPlanStatus.PLANNED, due_date__lte=week_end, period_start__lte=today)
        .select_related("resident", "grid", "rule")
        .order_by("due_date", "grid__path", "pk")
    )


def has_assigned_plans(user: Any) -> bool:
    return VisitPlan.objects.filter(visitor=user, status=VisitPlanStatus.PLANNED).exists()


def assignable_visitors(user: Any, plan: VisitPlan) -> list[Any]:
    """Whom the community may assign ``plan`` to: active staff holding care.visit over the plan's
    grid (or community), and the community's volunteers and checked-in party members with an
    account."""
    from shequ.accounts.models import User

    today = calendar.localdate()
    places = ancestor_paths(plan.grid.path if plan.grid_id and plan.grid else plan.community.path)
    staff_ids = _staff_with_visit(today, places)
    ids = staff_ids | community_helpers(plan.community_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "pk")[:300])


def _staff_with_visit(today: date, places: list[str]) -> set[int]:
    from shequ.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.valid_on(today)
        .filter(Q(region__path__in=places) | Q(grid__path__in=places), user__is_active=True)
        .select_related("role")
        .values_list("user_id", "role__permissions")
    )
    return {uid for uid, perms in rows if VISIT in (perms or [])}


# --- Visits ----------------------------------------------------------------------------------------


def visits(
    user: Any, *, region: Region | None = None, resident_id: int | None = None
) -> QuerySet[Visit]:
    found = scoped(Visit.objects.all(), user, VIEW) | Visit.objects.filter(visitor=user)
    found = found.select_related(*VISIT_RELATED)
    if region is not None:
        found = found.filter(community__path__under=region.path)
    if resident_id is not None:
        found = found.filter(resident_id=resident_id)
    return found.order_by("-visited_at", "-pk")


def visit(user: Any, visit_id: int) -> Visit:
    """A visit in ``user``'s care.view jurisdiction, or one they made."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return visits(user).get(pk=visit_id)
    except (Visit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_read_note(user: Any, visit: Visit) -> bool:
    """The note (encrypted, sensitive) is shown to the visitor and to community-level staff holding
    care.plan for that community only; township, county and city staff see that there is one."""
    if visit.visitor_id == getattr(user, "pk", None):
        return True
    if not user.has_permission(PLAN):
        return False
    return visit.community.path in user.jurisdiction(PLAN).region_paths


def resident_to_visit(user: Any, resident_id: int) -> Resident:
    """An active resident in ``user``'s care.visit jurisdiction (their grid, for a grid worker)."""
    return get_scoped_or_404(
        Resident.objects.select_related("community", "grid"),
        user,
        VISIT,
        pk=resident_id,
        status=LifeStatus.ACTIVE,
    )


def staff_regions(user: Any, perm: str = VIEW) -> QuerySet[Region]:
    return scoped(Region.objects.all(), user, perm).defer("geometry").order_by("path")
