"""Reads of work projects: the scoped list with its filters, a project with its milestones, what a
responsible unit's staff may report on, the console's overdue and escalated milestones, and
``project_progress`` for the evaluation report.

Every lookup is scoped: a project outside the user's jurisdiction is a 404. Staff of a responsible
unit (anyone holding a role at that ``HandlingUnit``) and a milestone's named person reach their own
milestones without holding the projects permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.accounts.models import HandlingUnit, RoleAssignment, User, UserKind
from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scope_q, scoped
from shequ.indicators.models import Milestone, MilestoneReport, ProjectStatus, WorkProject
from shequ.indicators.permissions import IndicatorPerm
from shequ.territory.models import Level, Region

VIEW = IndicatorPerm.VIEW
PROJECTS = IndicatorPerm.PROJECTS
OWNER_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWNSHIP)


# --- Who and where -------------------------------------------------------------------------------


def owner_regions(user: Any) -> QuerySet[Region]:
    """The cities, counties and townships where ``user`` may hold a project."""
    return scoped(Region.objects.filter(level__in=OWNER_LEVELS), user, PROJECTS).order_by("path")


def filter_regions(user: Any) -> QuerySet[Region]:
    """The places the list can be narrowed to: the user's own and the levels below, to townships."""
    return scoped(Region.objects.filter(level__in=OWNER_LEVELS), user, VIEW).order_by("path")


def county_of(region: Region) -> str:
    """The path of the county a region is in (the city's own path for the city)."""
    parts = region.path.strip("/").split("/")
    return "/".join(parts[:2]) + "/" if len(parts) >= 2 else region.path


def eligible_units(region: Region) -> QuerySet[HandlingUnit]:
    """Units that may lead a project of ``region`` or answer for its milestones: the active units in
    its subtree and, for a township (which has no departments of its own), its county's."""
    condition = Q(region__path__under=region.path)
    if region.level == Level.TOWNSHIP:
        condition |= Q(region__path=county_of(region))
    return (
        HandlingUnit.objects.filter(condition, is_active=True)
        .select_related("region")
        .order_by("region__path", "name")
    )


def units_for(user: Any) -> QuerySet[HandlingUnit]:
    """Every unit eligible for some place where ``user`` may hold projects."""
    condition = Q(pk__in=[])
    for place in user.jurisdiction(PROJECTS).region_paths:
        condition |= Q(region__path__under=place)
        if place.count("/") == 3:  # a township: its county's departments too
            condition |= Q(region__path="/".join(place.split("/")[:2]) + "/")
    return (
        HandlingUnit.objects.filter(condition, is_active=True)
        .select_related("region")
        .order_by("region__path", "name")
    )


def unit_ids_of(user: Any) -> tuple[int, ...]:
    """The handling units ``user`` works in (holds any role at)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    return tuple(user.jurisdiction(None).unit_ids)


def person_candidates(region: Region) -> QuerySet[User]:
    """Who may be named responsible for a milestone of a project of ``region``: active staff holding
    a role at one of its eligible units or at the region itself."""
    today = calendar.localdate()
    assigned = RoleAssignment.objects.valid_on(today).filter(
        Q(handling_unit__in=eligible_units(region)) | Q(region=region)
    )
    return (
        User.objects.filter(kind=UserKind.STAFF, is_active=True, pk__in=assigned.values("user_id"))
        .order_by("username")
        .distinct()
    )


def manages(user: Any, project: WorkProject) -> bool:
    return bool(
        user is not None
        and user.has_permission(PROJECTS)
        and user.jurisdiction(PROJECTS).covers_path(project.region.path)
    )


def may_report(user: Any, milestone: Milestone) -> bool:
    """The project's managers, staff of the milestone's responsible unit and its named person."""
    if user is None:
        return True  # the system
    return (
        manages(user, milestone.project)
        or milestone.responsible_unit_id in unit_ids_of(user)
        or (
            milestone.responsible_person_id is not None
            and milestone.responsible_person_id == user.pk
        )
    )


# --- Lists -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    status: str = ""
    region_path: str = ""
    overdue: bool = False
    indicator: str = ""


def overdue_milestones(today: date | None = None) -> QuerySet[Milestone]:
    """Milestones past due and not done, of running projects."""
    today = today or calendar.localdate()
    return Milestone.objects.filter(
        done_on__isnull=True, due_on__lt=today, project__status=ProjectStatus.RUNNING
    )


def search_projects(user: Any, filters: ProjectFilters) -> QuerySet[WorkProject]:
    """The user's projects with the counts a list shows: milestones, done and overdue."""
    today = calendar.localdate()
    found = scoped(WorkProject.objects.all(), user, VIEW)
    if filters.q:
        found = found.filter(Q(title__icontains=filters.q) | Q(plan_task__icontains=filters.q))
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.indicator:
        found = found.filter(indicator=filters.indicator)
    if filters.overdue:
        found = found.filter(
            pk__in=overdue_milestones(today).values("project_id"),
        )
    return (
        found.select_related("region", "lead_unit")
        .annotate(
            milestone_count=Count("milestones"),
            done_count=Count("milestones", filter=Q(milestones__done_on__isnull=False)),
            overdue_count=Count(
                "milestones",
                filter=Q(
                    status=ProjectStatus.RUNNING,
                    milestones__done_on__isnull=True,
                    milestones__due_on__lt=today,
                ),
            ),
            next_due=Min("milestones__due_on", filter=Q(milestones__done_on__isnull=True)),
        )
        .order_by("-starts_on", "-pk")
    )


def project_for(user: Any, project_id: int, perm: str = VIEW) -> WorkProject:
    return get_scoped_or_404(
        WorkProject.objects.select_related("region", "region__parent", "lead_unit", "created_by"),
        user,
        perm,
        pk=project_id,
    )


def project_milestones(project: WorkProject) -> list[Milestone]:
    rows = list(
        Milestone.objects.filter(project=project).select_related(
            "responsible_unit", "responsible_person", "latest_report", "latest_report__reported_by"
        )
    )
    for row in rows:
        row.project = project  # so that overdue_days reads the project without a query
    return rows


def managed_milestone(user: Any, project_id: int, milestone_id: int) -> Milestone:
    """A milestone of a project the user manages (elsewhere: 404)."""
    project = project_for(user, project_id, PROJECTS)
    try:
        milestone = Milestone.objects.select_related("responsible_unit", "responsible_person").get(
            pk=milestone_id, project=project
        )
    except (Milestone.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    milestone.project = project
    return milestone


def reportable_milestone(user: Any, project_id: int, milestone_id: int) -> Milestone:
    """A milestone the user may report on. Not visible to them at all: 404; visible (to a viewer of
    the project) but not theirs to report on: refused."""
    try:
        milestone = Milestone.objects.select_related(
            "project",
            "project__region",
            "project__lead_unit",
            "responsible_unit",
            "responsible_person",
        ).get(pk=milestone_id, project_id=project_id)
    except (Milestone.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if may_report(user, milestone):
        return milestone
    if user.has_permission(VIEW) and user.jurisdiction(VIEW).covers_path(
        milestone.project.region.path
    ):
        raise PermissionDenied(_("只有责任单位的工作人员、责任人和项目管理人员可以报告进展。"))
    raise Http404


def milestone_reports(milestone: Milestone) -> QuerySet[MilestoneReport]:
    return MilestoneReport.objects.filter(milestone=milestone).select_related("reported_by")


def my_milestones(user: Any) -> QuerySet[Milestone]:
    """Open milestones of running projects that the user's units answer for or that name the user."""
    units = unit_ids_of(user)
    mine = Q(responsible_person=user)
    if units:
        mine |= Q(responsible_unit_id__in=units)
    return (
        Milestone.objects.filter(mine, done_on__isnull=True, project__status=ProjectStatus.RUNNING)
        .select_related("project", "project__region", "responsible_unit", "latest_report")
        .order_by("due_on", "pk")
    )


def report_for(user: Any, report_id: int) -> MilestoneReport:
    """A report's attachment: for viewers of the project and whoever may report on the milestone."""
    try:
        report = MilestoneReport.objects.select_related(
            "milestone", "milestone__project", "milestone__project__region"
        ).get(pk=report_id)
    except (MilestoneReport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    region_path = report.milestone.project.region.path
    viewer = user.has_permission(VIEW) and user.jurisdiction(VIEW).covers_path(region_path)
    if not (viewer or may_report(user, report.milestone)) or not report.file:
        raise Http404
    return report


# --- The console -----------------------------------------------------------------------------------


def overdue_in_subtree(user: Any) -> int:
    """Overdue milestones of projects in the user's jurisdiction."""
    if not user.has_permission(VIEW):
        return 0
    where = user.jurisdiction(VIEW)
    condition = scope_q(WorkProject, where)
    if condition is None:
        return 0
    projects = WorkProject.objects.filter(condition).values("pk")
    return overdue_milestones().filter(project__in=projects).count()


def escalated_to(user: Any) -> int:
    """Overdue milestones escalated to a level where the user holds the projects permission: their
    own level's projects at step 2, the level below's at step 3."""
    if not user.has_permission(PROJECTS):
        return 0
    paths = user.jurisdiction(PROJECTS).region_paths
    if not paths:
        return 0
    return (
        overdue_milestones()
        .filter(
            Q(escalation_level=2, project__region__path__in=paths)
            | Q(escalation_level__gte=3, project__region__parent__path__in=paths)
        )
        .count()
    )


def overdue_for_units(user: Any) -> int:
    units = unit_ids_of(user)
    if not units:
        return 0
    return overdue_milestones().filter(responsible_unit_id__in=units).count()


# --- Figures for the evaluation --------------------------------------------------------------------


def project_progress(region: Region, year: int) -> dict[str, Any]:
    """Work projects of ``region``'s subtree for the evaluation report: projects by status (those
    running at some time in ``year``), and milestones due in the year — how many, done (by their due
    date or later) and overdue (past due and not done, as of today or the year's end)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    today = calendar.localdate()
    as_of = min(today, end)
    projects = WorkProject.objects.filter(
        region__path__under=region.path, starts_on__lte=end, ends_on__gte=start
    )
    by_status = {str(s): 0 for s in ProjectStatus.values}
    for status, count in projects.values_list("status").annotate(n=Count("pk")).order_by():
        by_status[status] = count
    milestones = Milestone.objects.filter(
        project__region__path__under=region.path,
        due_on__range=(start, end),
    ).exclude(project__status__in=(ProjectStatus.DRAFT, ProjectStatus.CANCELLED))
    figures = milestones.aggregate(
        due=Count("pk"),
        done=Count("pk", filter=Q(done_on__isnull=False)),
        done_on_time=Count("pk", filter=Q(done_on__isnull=False, done_on__lte=F("due_on"))),
        overdue=Count("pk", filter=Q(done_on__isnull=True, due_on__lt=as_of)),
    )
    return {
        "region": region,
        "year": year,
        "projects": sum(by_status.values()),
        "by_status": by_status,
        "milestones_due": figures["due"],
        "milestones_done": figures["done"],
        "milestones_done_on_time": figures["done_on_time"],
        "milestones_overdue": figures["overdue"],
    }


# --- Export ----------------------------------------------------------------------------------------


def export_milestones(projects: QuerySet[WorkProject]) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(project__in=projects.values("pk"))
        .select_related(
            "project",
            "project__region",
            "project__lead_unit",
            "responsible_unit",
            "responsible_person",
            "latest_report",
        )
        .order_by("project__region__path", "project_id", "position", "pk")
    )
