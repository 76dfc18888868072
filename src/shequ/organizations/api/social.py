"""The social-organisation API (V3), under ``/api/v1/organizations``:

- ``GET``/``POST /social-organizations``; ``GET``/``PATCH /social-organizations/{org_id}``;
  ``POST .../{org_id}/status``, ``.../{org_id}/brand``, ``.../{org_id}/brand/revoke``;
  ``GET``/``POST .../{org_id}/activities``;
- ``GET``/``POST /sites``; ``GET /sites/{sw_site_id}``; ``POST /sites/{sw_site_id}/staff``,
  ``POST /sites/{sw_site_id}/staff/{sw_staff_id}/end``;
- ``GET``/``POST /projects``; ``GET /projects/{service_project_id}``; ``POST .../transitions``,
  ``POST .../milestones``, ``POST .../milestones/{project_milestone_id}/done``, ``POST .../evaluation``;
- ``GET /linkage?region=&period=`` (五社联动).

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; the
action's ``ValidationError`` → 422 with the field named; a stale ``version`` → 409. Phones go out
masked.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ErrorOut,
    PagePagination,
    acting,
    choice,
    conflict,
    invalid,
    invalid_from,
    not_found,
    user_with,
)
from shequ.organizations import linkage
from shequ.organizations.actions import social as actions
from shequ.organizations.models import (
    OrgActivity,
    OrgKind,
    OrgStatus,
    ProjectKind,
    ProjectStatus,
    RegistrationStatus,
    ServiceProject,
    SiteKind,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import linkage as linkage_queries
from shequ.organizations.queries import social as queries
from shequ.organizations.schemas_social import (
    ActivityIn,
    ActivityOut,
    BrandIn,
    EvaluationIn,
    LinkageOut,
    MilestoneDoneIn,
    MilestoneIn,
    OrgIn,
    OrgOut,
    OrgPatchIn,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    ProjectPatchIn,
    ReasonIn,
    SiteActiveIn,
    SiteDetailOut,
    SiteIn,
    SiteOut,
    SitePatchIn,
    StaffEndIn,
    StaffIn,
    StatusIn,
    TransitionIn,
)
from shequ.territory.api import region_path
from shequ.territory.models import Level, Region

router = Router(tags=["organizations"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = OrganizationsPerm.VIEW
EDIT = OrganizationsPerm.EDIT
PROJECTS = OrganizationsPerm.MANAGE_PROJECTS
FIELD_NAMES = {
    "region": "region_code",
    "community": "community_code",
    "communities": "community_codes",
    "provider": "provider_id",
    "operator": "operator_id",
    "worker": "worker_id",
}


def _place(user: Any, code: str, perm: str, field: str, levels: tuple[str, ...]) -> Region:
    try:
        region = queries.region_in_scope(user, code, perm)
    except Http404:
        raise not_found(field, _("找不到该地区，或不在您的管辖范围内。")) from None
    if region.level not in levels:
        raise invalid(field, _("“%(name)s”不是此处可选的地区层级。") % {"name": region.name})
    return region


def _org_named(user: Any, org_id: int | None, field: str) -> SocialOrganization | None:
    if org_id is None:
        return None
    try:
        return queries.organization_detail(user, org_id)
    except Http404:
        raise invalid(field, _("找不到该社会组织，或不在您的管辖范围内。")) from None


# --- Organisations ------------------------------------------------------------------------------------


@router.get(
    "/social-organizations",
    response={200: list[OrgOut], **ERRORS},
    summary="社区社会组织（本辖区）：名称、类型、登记备案、品牌、状态、区域",
)
@paginate(PagePagination)
def list_organizations(
    request: HttpRequest,
    q: str = Query("", max_length=50),
    kind: str = Query(""),
    registration: str = Query(""),
    status: str = Query(""),
    brand: str = Query("", description="yes / no"),
    region: str = Query("", max_length=12),
) -> QuerySet[SocialOrganization]:
    user = user_with(request, VIEW)
    filters = queries.OrgFilters(
        q=q,
        kind=choice(kind, OrgKind, "kind"),
        registration=choice(registration, RegistrationStatus, "registration"),
        status=choice(status, OrgStatus, "status"),
        brand=brand if brand in ("yes", "no") else "",
        region_path=region_path(user, region, OrganizationsPerm.VIEW),
    )
    return queries.search_organizations(user, filters)


@router.post(
    "/social-organizations",
    response={201: OrgOut, **ERRORS},
    summary="登记社区社会组织：民政登记须填统一社会信用代码，街道备案须填备案编号",
)
def create_organization(request: HttpRequest, payload: OrgIn) -> Status[SocialOrganization]:
    user = user_with(request, EDIT)
    region = _place(
        user, payload.region_code.strip(), EDIT, "region_code", (Level.TOWNSHIP, Level.COMMUNITY)
    )
    with acting(FIELD_NAMES):
        org = actions.register_organization(
            region=region, by=user, **payload.model_dump(exclude={"region_code"})
        )
    return Status(201, queries.organization_detail(user, org.pk))


@router.get("/social-organizations/{org_id}", response={200: OrgOut, **ERRORS})
def get_organization(request: HttpRequest, org_id: int) -> SocialOrganization:
    user = user_with(request, VIEW)
    return queries.organization_detail(user, org_id)


@router.patch(
    "/social-organizations/{org_id}",
    response={200: OrgOut, 409: ErrorOut, **ERRORS},
    summary="修改社会组织：带上读取时的 version；期间有人改过则 409",
)
def patch_organization(
    request: HttpRequest, org_id: int, payload: OrgPatchIn
) -> SocialOrganization:
    user = user_with(request, EDIT)
    org = queries.editable_organization(user, org_id)
    if org.version != payload.version:
        raise conflict("version", _("该社会组织刚刚已被他人修改，请重新读取后再修改。"))
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("name", "kind", "registration"):
        if name in changes and changes[name] is None:
            raise invalid(name, _("该项不能为空。"))
    changes = {
        k: ("" if v is None and k not in ("founded_on", "members") else v)
        for k, v in changes.items()
    }
    with acting(FIELD_NAMES):
        actions.update_organization(organization=org, by=user, version=payload.version, **changes)
    return queries.organization_detail(user, org_id)


@router.post(
    "/social-organizations/{org_id}/status",
    response={200: OrgOut, **ERRORS},
    summary="状态变更：suspend（停止活动）、resume（恢复）、dissolve（注销，须填原因）",
)
def organization_status(request: HttpRequest, org_id: int, payload: StatusIn) -> SocialOrganization:
    user = user_with(request, EDIT)
    org = queries.editable_organization(user, org_id)
    with acting(FIELD_NAMES):
        actions.change_organization_status(
            organization=org, transition=payload.transition, by=user, reason=payload.reason
        )
    return queries.organization_detail(user, org_id)


@router.post("/social-organizations/{org_id}/brand", response={200: OrgOut, **ERRORS})
def organization_brand(request: HttpRequest, org_id: int, payload: BrandIn) -> SocialOrganization:
    user = user_with(request, EDIT)
    org = queries.editable_organization(user, org_id)
    with acting(FIELD_NAMES):
        actions.designate_brand(organization=org, by=user, since=payload.since)
    return queries.organization_detail(user, org_id)


@router.post("/social-organizations/{org_id}/brand/revoke", response={200: OrgOut, **ERRORS})
def organization_brand_revoke(
    request: HttpRequest, org_id: int, payload: ReasonIn
) -> SocialOrganization:
    user = user_with(request, EDIT)
    org = queries.editable_organization(user, org_id)
    with acting(FIELD_NAMES):
        actions.revoke_brand(organization=org, by=user, reason=payload.reason)
    return queries.organization_detail(user, org_id)


@router.get(
    "/social-organizations/{org_id}/activities", response={200: list[ActivityOut], **ERRORS}
)
@paginate(PagePagination)
def list_activities(request: HttpRequest, org_id: int) -> QuerySet[OrgActivity]:
    user = user_with(request, VIEW)
    return queries.organization_activities(queries.organization_detail(user, org_id))


@router.post("/social-organizations/{org_id}/activities", response={201: ActivityOut, **ERRORS})
def create_activity(request: HttpRequest, org_id: int, payload: ActivityIn) -> Status[OrgActivity]:
    user = user_with(request, EDIT)
    org = queries.editable_organization(user, org_id)
    community = _place(
        user, payload.community_code.strip(), VIEW, "community_code", (Level.COMMUNITY,)
    )
    with acting(FIELD_NAMES):
        activity = actions.record_activity(
            organization=org,
            community=community,
            by=user,
            **payload.model_dump(exclude={"community_code"}),
        )
    return Status(201, activity)


# --- Sites --------------------------------------------------------------------------------------------


@router.get("/sites", response={200: list[SiteOut], **ERRORS}, summary="社工站(室)（本辖区）")
@paginate(PagePagination)
def list_sites(
    request: HttpRequest, kind: str = Query(""), region: str = Query("", max_length=12)
) -> QuerySet[SocialWorkSite]:
    user = user_with(request, VIEW)
    return queries.search_sites(
        user,
        region_path=region_path(user, region, OrganizationsPerm.VIEW),
        kind=choice(kind, SiteKind, "kind"),
    )


def _site(user: Any, site_id: int, perm: str = VIEW) -> SocialWorkSite:
    site = queries.site_detail(user, site_id, perm)
    site.api_staff = list(queries.site_staff(site))  # type: ignore[attr-defined]
    return site


@router.post("/sites", response={201: SiteDetailOut, **ERRORS}, summary="登记社工站(室)")
def create_site(request: HttpRequest, payload: SiteIn) -> Status[SocialWorkSite]:
    user = user_with(request, EDIT)
    region = _place(
        user, payload.region_code.strip(), EDIT, "region_code", (Level.TOWNSHIP, Level.COMMUNITY)
    )
    operator = _org_named(user, payload.operator_id, "operator_id")
    with acting(FIELD_NAMES):
        site = actions.register_site(
            region=region,
            kind=payload.kind,
            by=user,
            name=payload.name,
            operator=operator,
            opened_on=payload.opened_on,
            services=payload.services,
        )
    return Status(201, _site(user, site.pk))


@router.get("/sites/{sw_site_id}", response={200: SiteDetailOut, **ERRORS})
def get_site(request: HttpRequest, sw_site_id: int) -> SocialWorkSite:
    user = user_with(request, VIEW)
    return _site(user, sw_site_id)


@router.patch(
    "/sites/{sw_site_id}",
    response={200: SiteDetailOut, 409: ErrorOut, **ERRORS},
    summary="修改社工站(室)的名称、运营机构、建成日期、服务内容：带上 version",
)
def patch_site(request: HttpRequest, sw_site_id: int, payload: SitePatchIn) -> SocialWorkSite:
    user = user_with(request, EDIT)
    site = queries.site_detail(user, sw_site_id, EDIT)
    if site.version != payload.version:
        raise conflict("version", _("该站(室)刚刚已被他人修改，请重新读取后再修改。"))
    sent = payload.model_fields_set
    operator = (
        _org_named(user, payload.operator_id, "operator_id")
        if "operator_id" in sent
        else site.operator
    )
    with acting(FIELD_NAMES):
        actions.update_site(
            site=site,
            by=user,
            version=payload.version,
            name=payload.name if "name" in sent else site.name,
            operator=operator,
            opened_on=payload.opened_on if "opened_on" in sent else site.opened_on,
            services=(payload.services or "") if "services" in sent else site.services,
        )
    return _site(user, sw_site_id)


@router.post(
    "/sites/{sw_site_id}/active",
    response={200: SiteDetailOut, **ERRORS},
    summary="停止运行（active=false）或恢复运行（active=true）",
)
def site_active(request: HttpRequest, sw_site_id: int, payload: SiteActiveIn) -> SocialWorkSite:
    user = user_with(request, EDIT)
    site = queries.site_detail(user, sw_site_id, EDIT)
    with acting(FIELD_NAMES):
        actions.set_site_active(site=site, active=payload.active, by=user)
    return _site(user, sw_site_id)


@router.post("/sites/{sw_site_id}/staff", response={201: SiteDetailOut, **ERRORS})
def add_staff(request: HttpRequest, sw_site_id: int, payload: StaffIn) -> Status[SocialWorkSite]:
    user = user_with(request, EDIT)
    site = queries.site_detail(user, sw_site_id, EDIT)
    worker = None
    if payload.worker_id is not None:
        try:
            worker = queries.worker_in_scope(user, payload.worker_id)
        except Http404:
            raise invalid("worker_id", _("找不到该社区工作者，或不在您的管辖范围内。")) from None
    with acting(FIELD_NAMES):
        actions.add_site_staff(
            site=site, by=user, worker=worker, **payload.model_dump(exclude={"worker_id"})
        )
    return Status(201, _site(user, sw_site_id))


@router.post("/sites/{sw_site_id}/staff/{sw_staff_id}/end", response={200: SiteDetailOut, **ERRORS})
def end_staff(
    request: HttpRequest, sw_site_id: int, sw_staff_id: int, payload: StaffEndIn
) -> SocialWorkSite:
    user = user_with(request, EDIT)
    staff = queries.staff_member(user, sw_site_id, sw_staff_id)
    with acting(FIELD_NAMES):
        actions.end_site_staff(staff=staff, by=user, ended_on=payload.ended_on)
    return _site(user, sw_site_id)


# --- Projects -----------------------------------------------------------------------------------------


@router.get(
    "/projects",
    response={200: list[ProjectOut], **ERRORS},
    summary="政府购买服务和公益创投项目（本辖区）",
)
@paginate(PagePagination)
def list_projects(
    request: HttpRequest,
    q: str = Query("", max_length=50),
    kind: str = Query(""),
    status: str = Query(""),
    year: int | None = Query(None, ge=2000, le=2100),
    region: str = Query("", max_length=12),
) -> QuerySet[ServiceProject]:
    user = user_with(request, VIEW)
    filters = queries.ProjectFilters(
        q=q,
        kind=choice(kind, ProjectKind, "kind"),
        status=choice(status, ProjectStatus, "status"),
        year=year,
        region_path=region_path(user, region, OrganizationsPerm.VIEW),
    )
    return queries.search_projects(user, filters)


def _project(user: Any, project_id: int) -> ServiceProject:
    project = queries.project_detail(user, project_id)
    project.api_milestones = queries.project_milestones(project)  # type: ignore[attr-defined]
    return project


@router.post("/projects", response={201: ProjectDetailOut, **ERRORS}, summary="登记服务项目")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[ServiceProject]:
    user = user_with(request, PROJECTS)
    region = _place(
        user,
        payload.region_code.strip(),
        PROJECTS,
        "region_code",
        (Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY),
    )
    provider = _org_named(user, payload.provider_id, "provider_id")
    communities = [
        _place(user, code.strip(), VIEW, "community_codes", (Level.COMMUNITY,))
        for code in dict.fromkeys(payload.community_codes)
    ]
    with acting(FIELD_NAMES):
        project = actions.create_project(
            region=region,
            by=user,
            provider=provider,
            communities=communities,
            **payload.model_dump(exclude={"region_code", "provider_id", "community_codes"}),
        )
    return Status(201, _project(user, project.pk))


@router.get("/projects/{service_project_id}", response={200: ProjectDetailOut, **ERRORS})
def get_project(request: HttpRequest, service_project_id: int) -> ServiceProject:
    user = user_with(request, VIEW)
    return _project(user, service_project_id)


@router.patch(
    "/projects/{service_project_id}",
    response={200: ProjectDetailOut, 409: ErrorOut, **ERRORS},
    summary="修改未结项的服务项目：带上读取时的 version；期间有人改过则 409",
)
def patch_project(
    request: HttpRequest, service_project_id: int, payload: ProjectPatchIn
) -> ServiceProject:
    user = user_with(request, PROJECTS)
    project = queries.project_detail(user, service_project_id, PROJECTS)
    if project.version != payload.version:
        raise conflict("version", _("该项目刚刚已被他人修改，请重新读取后再修改。"))
    changes = payload.model_dump(
        exclude_unset=True, exclude={"version", "provider_id", "community_codes"}
    )
    for name, value in changes.items():
        if value is None and name != "deliverables":
            raise invalid(name, _("该项不能为空。"))
    provider = _org_named(user, payload.provider_id, "provider_id")
    communities = None
    if payload.community_codes is not None:
        communities = [
            _place(user, code.strip(), VIEW, "community_codes", (Level.COMMUNITY,))
            for code in dict.fromkeys(payload.community_codes)
        ]
    with acting(FIELD_NAMES):
        actions.update_project(
            project=project,
            by=user,
            version=payload.version,
            provider=provider,
            communities=communities,
            **{k: ("" if v is None else v) for k, v in changes.items()},
        )
    return _project(user, service_project_id)


@router.post(
    "/projects/{service_project_id}/transitions",
    response={200: ProjectDetailOut, **ERRORS},
    summary="项目状态：start（开始实施）、finish（结项）、terminate（终止，须填原因）",
)
def project_transition(
    request: HttpRequest, service_project_id: int, payload: TransitionIn
) -> ServiceProject:
    user = user_with(request, PROJECTS)
    project = queries.project_detail(user, service_project_id, PROJECTS)
    with acting(FIELD_NAMES):
        actions.transition_project(
            project=project, transition=payload.transition, by=user, reason=payload.reason
        )
    return _project(user, service_project_id)


@router.post(
    "/projects/{service_project_id}/milestones", response={201: ProjectDetailOut, **ERRORS}
)
def add_milestone(
    request: HttpRequest, service_project_id: int, payload: MilestoneIn
) -> Status[ServiceProject]:
    user = user_with(request, PROJECTS)
    project = queries.project_detail(user, service_project_id, PROJECTS)
    with acting(FIELD_NAMES):
        actions.add_milestone(project=project, by=user, **payload.model_dump())
    return Status(201, _project(user, service_project_id))


@router.post(
    "/projects/{service_project_id}/milestones/{project_milestone_id}/done",
    response={200: ProjectDetailOut, **ERRORS},
)
def milestone_done(
    request: HttpRequest,
    service_project_id: int,
    project_milestone_id: int,
    payload: MilestoneDoneIn,
) -> ServiceProject:
    user = user_with(request, PROJECTS)
    milestone = queries.milestone_for(user, service_project_id, project_milestone_id)
    with acting(FIELD_NAMES):
        actions.complete_milestone(milestone=milestone, by=user, **payload.model_dump())
    return _project(user, service_project_id)


@router.post(
    "/projects/{service_project_id}/evaluation",
    response={200: ProjectDetailOut, **ERRORS},
    summary="结项评估（只对已结项项目，只能一次）：得分 0～100，等次按得分",
)
def evaluate(
    request: HttpRequest, service_project_id: int, payload: EvaluationIn
) -> ServiceProject:
    user = user_with(request, PROJECTS)
    project = queries.project_detail(user, service_project_id, PROJECTS)
    with acting(FIELD_NAMES):
        actions.evaluate_project(project=project, by=user, **payload.model_dump())
    return _project(user, service_project_id)


# --- Linkage ------------------------------------------------------------------------------------------


@router.get(
    "/linkage",
    response={200: LinkageOut, **ERRORS},
    summary="五社联动覆盖情况：region（区划代码，默认本辖区最高一级），period（2026 或 2026Q3）",
)
def get_linkage(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    period: str = Query("", max_length=10),
) -> dict[str, Any]:
    user = user_with(request, VIEW)
    place = (
        queries.region_in_scope(user, region.strip())
        if region.strip()
        else queries.top_region(user)
    )
    if place is None:
        raise Http404
    try:
        chosen = linkage.parse_period(period) if period.strip() else linkage.current_period()
    except ValidationError as exc:
        raise invalid_from(exc) from None
    found = linkage_queries.report(user, place, chosen)

    def summary(row: linkage_queries.SummaryRow) -> dict[str, Any]:
        return {
            "region_code": row.region.code,
            "region_name": row.region.name,
            "communities": row.communities,
            "covered": row.covered,
            "lacking": {code: row.lacking.get(code, 0) for code in linkage.PARTIES},
        }

    return {
        "region_code": place.code,
        "region_name": place.name,
        "period": chosen.code,
        "period_start": chosen.start,
        "period_end": chosen.end,
        "parties": [
            {"code": p.code, "label": str(p.label), "answered": p.resolver is not None}
            for p in found.parties
        ],
        "total": summary(found.total),
        "rows": [summary(row) for row in found.rows],
        "communities": [
            {
                "community_code": row.community.code,
                "community_name": row.community.name,
                "covered": row.linkage.covered,
                "linked": row.linkage.linked,
                "missing": row.linkage.missing,
            }
            for row in found.communities
        ],
    }
