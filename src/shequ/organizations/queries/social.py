"""Every scoped read of social organisations (V3): organisations and their activities, social-work
stations and rooms with their staff and the per-township summary, service projects with their
milestones and the budget totals, and the Excel export of the organisation list.

Lists go through ``scoped()`` with what a row shows joined in, so a page costs the same queries
whatever its length; one object is fetched with ``get_scoped_or_404`` (elsewhere: 404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.masking import mask_phone
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.organizations.models import (
    OrgActivity,
    OrgKind,
    OrgStatus,
    ProjectKind,
    ProjectMilestone,
    ProjectStatus,
    RegistrationStatus,
    ServiceProject,
    SiteKind,
    SiteStaff,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory import queries as territory
from shequ.territory.models import Level, Region
from shequ.workforce.models import CommunityWorker
from shequ.workforce.models.people import SERVING_STATUSES

VIEW = OrganizationsPerm.VIEW
EDIT = OrganizationsPerm.EDIT
PROJECTS = OrganizationsPerm.MANAGE_PROJECTS
FILTER_LEVELS_BELOW = 2
MAX_EXPORT_ROWS = 50_000


# --- Places -------------------------------------------------------------------------------------------


def filter_regions(user: Any, perm: str = VIEW) -> QuerySet[Region]:
    """Places in the user's jurisdiction a list may be narrowed to (their places, two levels below)."""
    return territory.narrowing_regions(user, perm, FILTER_LEVELS_BELOW)


def region_in_scope(user: Any, code: str, perm: str = VIEW) -> Region:
    return territory.region_in_scope(user, code, perm)


def places_for(user: Any, perm: str, levels: tuple[str, ...]) -> QuerySet[Region]:
    """Places of ``levels`` where ``user`` may write with ``perm``."""
    return (
        scoped(Region.objects.filter(level__in=levels), user, perm)
        .defer("geometry")
        .order_by("path")
    )


def top_region(user: Any, perm: str = VIEW) -> Region | None:
    """The highest place of the user's jurisdiction (where a summary page opens)."""
    where = user.jurisdiction(perm)
    paths = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not paths:
        return None
    code = paths[0].rstrip("/").rsplit("/", 1)[-1]
    return Region.objects.defer("geometry").filter(code=code).first()


# --- Organisations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgFilters:
    q: str = ""
    kind: str = ""
    registration: str = ""
    status: str = ""
    brand: str = ""  # "yes" / "no" / ""
    region_path: str = ""


def search_organizations(
    user: Any, filters: OrgFilters = OrgFilters()
) -> QuerySet[SocialOrganization]:
    found = scoped(SocialOrganization.objects.all(), user, VIEW)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.registration:
        found = found.filter(registration=filters.registration)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.brand == "yes":
        found = found.filter(is_brand=True)
    elif filters.brand == "no":
        found = found.filter(is_brand=False)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    q = filters.q.strip()
    if q:
        found = found.filter(
            Q(name__icontains=q)
            | Q(services__icontains=q)
            | Q(leader_name__icontains=q)
            | Q(uscc=q.upper())
        )
    return (
        found.select_related("region", "region__parent")
        .defer("region__geometry", "region__parent__geometry")
        .annotate(activity_count=Count("activities"))
        .order_by("region__path", "name", "id")
    )


def organization_detail(user: Any, org_id: int, perm: str = VIEW) -> SocialOrganization:
    return get_scoped_or_404(
        SocialOrganization.objects.select_related("region", "region__parent").defer(
            "region__geometry", "region__parent__geometry"
        ),
        user,
        perm,
        pk=org_id,
    )


def editable_organization(user: Any, org_id: int) -> SocialOrganization:
    return organization_detail(user, org_id, EDIT)


def organization_activities(org: SocialOrganization) -> QuerySet[OrgActivity]:
    return org.activities.select_related("community").defer("community__geometry")


def organization_projects(org: SocialOrganization) -> QuerySet[ServiceProject]:
    return org.projects.select_related("region").defer("region__geometry")


def activity_communities(user: Any, org: SocialOrganization) -> QuerySet[Region]:
    """Where the organisation may hold activities (the communities of its township) that ``user``
    can see: a community worker is offered their own community, not the neighbours'."""
    township = org.region if org.region.level == Level.TOWNSHIP else org.region.parent
    assert township is not None
    return (
        scoped(Region.objects.filter(level=Level.COMMUNITY, path__under=township.path), user, VIEW)
        .defer("geometry")
        .order_by("path")
    )


def organizations_for_choice(user: Any, perm: str = VIEW) -> QuerySet[SocialOrganization]:
    """Organisations a user may name as an operator or provider (not dissolved)."""
    return (
        scoped(SocialOrganization.objects.exclude(status=OrgStatus.DISSOLVED), user, perm)
        .select_related("region")
        .only("id", "name", "region__name", "region__path")
        .order_by("region__path", "name")
    )


def masked_phone(org: SocialOrganization) -> str:
    return mask_phone(org.contact_phone) if org.contact_phone else ""


def export_organizations(*, user: Any, filters: OrgFilters) -> ExportFile:
    """The list as filtered, as .xlsx (phones masked), stamped and audited."""
    found = search_organizations(user, filters)
    check_export_size(
        found.count(),
        MAX_EXPORT_ROWS,
        _("符合条件的社会组织有 %(n)s 个，超过单次导出上限 %(max)s 个，请缩小范围后再导出。"),
    )
    out = stamped_sheet(
        user,
        _("社区社会组织名录"),
        [
            _("所在地区"),
            _("区划代码"),
            _("名称"),
            _("类型"),
            _("登记备案"),
            _("统一社会信用代码"),
            _("备案编号"),
            _("成立日期"),
            _("负责人"),
            _("联系电话"),
            _("成员数"),
            _("品牌社会组织"),
            _("品牌认定日期"),
            _("状态"),
            _("活动次数"),
        ],
    )
    kinds = dict(OrgKind.choices)
    registrations = dict(RegistrationStatus.choices)
    statuses = dict(OrgStatus.choices)
    yes = _("是")
    rows = 0
    for org in found.iterator(chunk_size=2000):
        out.append(
            [
                org.region.name,
                org.region.code,
                org.name,
                str(kinds.get(org.kind, org.kind)),
                str(registrations.get(org.registration, org.registration)),
                org.uscc,
                org.filing_number,
                org.founded_on,
                org.leader_name,
                masked_phone(org),
                org.members,
                yes if org.is_brand else "",
                org.brand_since,
                str(statuses.get(org.status, org.status)),
                org.activity_count,  # type: ignore[attr-defined]
            ]
        )
        rows += 1
    with transaction.atomic():
        audit.record(
            "organizations.org_export",
            actor=user,
            object_type="organizations.SocialOrganization",
            object_repr=ngettext("社区社会组织名录 %(n)s 个", "社区社会组织名录 %(n)s 个", rows)
            % {"n": rows},
        )
    return ExportFile(
        filename=f"social-organizations-{out.now:%Y%m%d-%H%M%S}.xlsx",
        content=out.content(),
        rows=rows,
    )


# --- Social-work stations and rooms -------------------------------------------------------------------


def _open_staff_of(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": today}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": today})
    )


def _open_staff() -> Q:
    return _open_staff_of()


def search_sites(user: Any, *, region_path: str = "", kind: str = "") -> QuerySet[SocialWorkSite]:
    found = scoped(SocialWorkSite.objects.all(), user, VIEW)
    if region_path:
        found = found.filter(region__path__under=region_path)
    if kind:
        found = found.filter(kind=kind)
    return (
        found.select_related("region", "operator")
        .defer("region__geometry", "services", "operator__services")
        .annotate(staff_count=Count("staff", filter=_open_staff_of("staff__")))
        .order_by("region__path", "kind", "id")
    )


@dataclass
class TownshipSites:
    township: Region
    station: SocialWorkSite | None
    station_staffed: bool
    communities: int
    with_room: int

    @property
    def room_share(self) -> float:
        return self.with_room / self.communities if self.communities else 0.0


def township_summary(user: Any, region_path: str = "") -> list[TownshipSites]:
    """Per township in scope: its active station and whether staff are on post there, and how many of
    its communities have an active room. Three queries whatever the number of townships."""
    found = scoped(Region.objects.filter(level=Level.TOWNSHIP), user, VIEW).defer("geometry")
    if region_path:
        found = found.filter(path__under=region_path)
    townships = list(found.order_by("path"))
    if not townships:
        return []
    ids = [t.id for t in townships]
    stations = {
        s.region_id: s
        for s in SocialWorkSite.objects.filter(
            region_id__in=ids, kind=SiteKind.STATION, is_active=True
        ).annotate(staffed=Exists(SiteStaff.objects.filter(_open_staff(), site=OuterRef("pk"))))
    }
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rooms = SocialWorkSite.objects.filter(region=OuterRef("pk"), kind=SiteKind.ROOM, is_active=True)
    for parent_id, has_room in (
        Region.objects.filter(parent_id__in=ids, level=Level.COMMUNITY)
        .annotate(has_room=Exists(rooms))
        .values_list("parent_id", "has_room")
    ):
        counts[parent_id][0] += 1
        counts[parent_id][1] += int(has_room)
    return [
        TownshipSites(
            township=t,
            station=stations.get(t.id),
            station_staffed=bool(stations.get(t.id) and stations[t.id].staffed),
            communities=counts[t.id][0],
            with_room=counts[t.id][1],
        )
        for t in townships
    ]


def site_detail(user: Any, site_id: int, perm: str = VIEW) -> SocialWorkSite:
    return get_scoped_or_404(
        SocialWorkSite.objects.select_related("region", "operator").defer("region__geometry"),
        user,
        perm,
        pk=site_id,
    )


def site_staff(site: SocialWorkSite) -> QuerySet[SiteStaff]:
    return site.staff.select_related("worker").order_by("ended_on", "name", "pk")


def staff_member(user: Any, site_id: int, staff_id: int, perm: str = EDIT) -> SiteStaff:
    return get_scoped_or_404(
        SiteStaff.objects.select_related("site", "site__region"),
        user,
        perm,
        pk=staff_id,
        site_id=site_id,
    )


def workers_for_site(user: Any, site: SocialWorkSite) -> QuerySet[CommunityWorker]:
    """Serving community workers of the site's township the user may edit with."""
    township = site.region if site.region.level == Level.TOWNSHIP else site.region.parent
    assert township is not None
    return (
        scoped(CommunityWorker.objects.filter(status__in=SERVING_STATUSES), user, EDIT)
        .filter(region__path__under=township.path)
        .select_related("region")
        .only("id", "name", "region__name")
        .order_by("region__path", "name")
    )


def worker_in_scope(user: Any, worker_id: int) -> CommunityWorker:
    return get_scoped_or_404(
        CommunityWorker.objects.select_related("region"), user, EDIT, pk=worker_id
    )


# --- Service projects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    year: int | None = None
    region_path: str = ""


def search_projects(
    user: Any, filters: ProjectFilters = ProjectFilters()
) -> QuerySet[ServiceProject]:
    found = scoped(ServiceProject.objects.all(), user, VIEW)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.year:
        found = found.filter(starts_on__year=filters.year)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    q = filters.q.strip()
    if q:
        found = found.filter(
            Q(title__icontains=q) | Q(buyer__icontains=q) | Q(provider__name__icontains=q)
        )
    today = timezone.localdate()
    return (
        found.select_related("region", "provider")
        .defer("region__geometry", "deliverables", "provider__services", "evaluation_note")
        .annotate(
            overdue=Count(
                "milestones",
                filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today),
            )
        )
        .order_by("-starts_on", "id")
    )


@dataclass
class BudgetTotal:
    year: int
    kind: str
    kind_label: str
    projects: int
    budget: Decimal


def budget_totals(projects: QuerySet[ServiceProject]) -> list[BudgetTotal]:
    """The budgets of ``projects`` (terminated ones left out) by year of start and kind: one query."""
    labels = dict(ProjectKind.choices)
    rows = (
        projects.exclude(status=ProjectStatus.TERMINATED)
        .order_by()
        .annotate(year=ExtractYear("starts_on"))
        .values("year", "kind")
        .annotate(n=Count("id", distinct=True), total=Sum("budget"))
        .order_by("-year", "kind")
    )
    return [
        BudgetTotal(
            year=r["year"],
            kind=r["kind"],
            kind_label=str(labels.get(r["kind"], r["kind"])),
            projects=r["n"],
            budget=r["total"] or Decimal(0),
        )
        for r in rows
    ]


def project_detail(user: Any, project_id: int, perm: str = VIEW) -> ServiceProject:
    return get_scoped_or_404(
        ServiceProject.objects.select_related("region", "provider", "evaluated_by")
        .defer("region__geometry")
        .prefetch_related(
            Prefetch(
                "communities",
                queryset=Region.objects.defer("geometry").order_by("path"),
            )
        ),
        user,
        perm,
        pk=project_id,
    )


def project_milestones(project: ServiceProject) -> list[ProjectMilestone]:
    today = timezone.localdate()
    found = list(project.milestones.order_by("due_on", "pk"))
    for m in found:
        m.is_overdue = m.done_on is None and m.due_on < today  # type: ignore[attr-defined]
    return found


def milestone_for(
    user: Any, project_id: int, milestone_id: int, perm: str = PROJECTS
) -> ProjectMilestone:
    return get_scoped_or_404(
        ProjectMilestone.objects.select_related("project", "project__region"),
        user,
        perm,
        pk=milestone_id,
        project_id=project_id,
    )


def buyer_regions(user: Any) -> QuerySet[Region]:
    return places_for(user, PROJECTS, (Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY))


def served_communities_choice(user: Any) -> QuerySet[Region]:
    return places_for(user, PROJECTS, (Level.COMMUNITY,))
