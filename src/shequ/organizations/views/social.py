"""Social organisation pages (V3): community social organisations (list with filters and Excel
export, register, detail with activities and projects, edit, brand designation and revocation, status
changes, activities); social-work stations and rooms (the per-township summary, a site with its
staff); service projects (list with budget totals, a project with its workflow, milestones and
evaluation).

Every read goes through ``organizations.queries.social`` (elsewhere: 404), every write is one action
of ``organizations.actions.social``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import RevealReasonForm, apply_action_errors
from shequ.core.page_views import export_or_back, flash_errors, paged, run_action, submit
from shequ.organizations.actions import social as actions
from shequ.organizations.forms import social as forms
from shequ.organizations.models import (
    ProjectStatus,
    ServiceProject,
    SiteKind,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import social as queries
from shequ.territory.models import Level

PER_PAGE = 50
GET_POST = ["GET", "POST"]
VIEW = OrganizationsPerm.VIEW
EDIT = OrganizationsPerm.EDIT
PROJECTS = OrganizationsPerm.MANAGE_PROJECTS


def _may(user: Any, perm: str, region_path: str) -> bool:
    return user.has_permission(perm) and user.jurisdiction(perm).covers_path(region_path)


# --- Organisations ------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.OrgFilterForm(request.GET, user=user)
    found = queries.search_organizations(user, form.filters())
    page, query = paged(request, found, PER_PAGE)
    return render(
        request,
        "organizations/social/organization_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_edit": user.has_permission(EDIT),
            "can_import": user.has_permission(OrganizationsPerm.IMPORT),
            "export_query": query,
        },
    )


@permission_required(VIEW)
@require_GET
@never_cache
def organization_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.OrgFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_organizations(user=user, filters=form.filters()),
        "organizations:organization_list",
    )


@permission_required(EDIT)
@require_http_methods(GET_POST)
def organization_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.places_for(user, EDIT, (Level.TOWNSHIP, Level.COMMUNITY))
    if request.method == "POST":
        form = forms.OrgForm(request.POST, regions=regions)
        done = submit(
            request,
            form,
            lambda data: actions.register_organization(
                region=data["region"], by=user, **form.values()
            ),
            lambda org: _("已登记社会组织“%(name)s”。") % {"name": org.name},
            lambda org: redirect("organizations:organization_detail", org_id=org.pk),
        )
        if done:
            return done
    else:
        form = forms.OrgForm(regions=regions)
    return render(
        request, "organizations/social/organization_form.html", {"form": form, "org": None}
    )


def _org_page(
    request: HttpRequest, org: SocialOrganization, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user: Any = request.user
    may_edit = _may(user, EDIT, org.region.path)
    context = {
        "org": org,
        "phone": queries.masked_phone(org),
        "revealed": extra.pop("revealed", None),
        "reveal_form": extra.pop("reveal_form", None) or RevealReasonForm(),
        "activities": list(queries.organization_activities(org)[:100]),
        "projects": list(queries.organization_projects(org)[:50]),
        "can_edit": may_edit,
        "transitions": actions.ORG_STATUS.available(org, user) if may_edit else [],
        "brand_form": extra.pop("brand_form", None) or forms.BrandForm(),
        "reason_form": extra.pop("reason_form", None) or forms.ReasonForm(),
        **extra,
    }
    return render(request, "organizations/social/organization_detail.html", context, status=status)


@permission_required(VIEW)
@require_GET
def organization_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    return _org_page(request, queries.organization_detail(request.user, org_id))


@permission_required(VIEW)
@require_POST
@never_cache
def organization_reveal(request: HttpRequest, org_id: int) -> HttpResponse:
    """The contact phone in full, for a stated reason, recorded; shown in this answer only."""
    user: Any = request.user
    org = queries.organization_detail(user, org_id)
    form = RevealReasonForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = actions.reveal_contact(
                organization=org, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
    return _org_page(request, org, revealed=revealed, reveal_form=form)


@permission_required(EDIT)
@require_http_methods(GET_POST)
def organization_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.editable_organization(user, org_id)
    if request.method == "POST":
        form = forms.OrgForm(request.POST, editing=True, phone_on_file=bool(org.contact_phone))

        def update(data: dict[str, Any]) -> None:
            values = form.values()
            if not values.get("contact_phone"):
                values.pop("contact_phone", None)  # left blank: the number on file stays
            actions.update_organization(
                organization=org, by=user, version=data.get("version") or org.version, **values
            )

        done = submit(
            request,
            form,
            update,
            _("已保存。"),
            lambda _r: redirect("organizations:organization_detail", org_id=org.pk),
        )
        if done:
            return done
    else:
        # The phone is never written into the page: blank keeps the number on file.
        initial = {
            name: getattr(org, name) for name in actions.ORG_FIELDS if name != "contact_phone"
        }
        initial["version"] = org.version
        form = forms.OrgForm(initial=initial, editing=True, phone_on_file=bool(org.contact_phone))
    return render(
        request, "organizations/social/organization_form.html", {"form": form, "org": org}
    )


@permission_required(EDIT)
@require_POST
def organization_brand(request: HttpRequest, org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.editable_organization(user, org_id)
    revoke = request.POST.get("action") == "revoke"
    form: Any = forms.ReasonForm(request.POST) if revoke else forms.BrandForm(request.POST)
    if form.is_valid():
        try:
            if revoke:
                actions.revoke_brand(organization=org, by=user, reason=form.cleaned_data["reason"])
                messages.success(request, _("已撤销品牌社会组织认定。"))
            else:
                actions.designate_brand(organization=org, by=user, since=form.cleaned_data["since"])
                messages.success(request, _("已认定为品牌社会组织。"))
            return redirect("organizations:organization_detail", org_id=org.pk)
        except ValidationError as exc:
            apply_action_errors(form, exc)
    key = "reason_form" if revoke else "brand_form"
    return _org_page(request, org, status=422, **{key: form})


@permission_required(EDIT)
@require_POST
def organization_status(request: HttpRequest, org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.editable_organization(user, org_id)
    form = forms.ReasonForm(request.POST)
    form.is_valid()
    try:
        actions.change_organization_status(
            organization=org,
            transition=request.POST.get("transition", ""),
            by=user,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return _org_page(request, org, status=422, reason_form=form)
    messages.success(request, _("状态已改为“%(s)s”。") % {"s": org.get_status_display()})
    return redirect("organizations:organization_detail", org_id=org.pk)


@permission_required(EDIT)
@require_http_methods(GET_POST)
def activity_new(request: HttpRequest, org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.editable_organization(user, org_id)
    communities = queries.activity_communities(user, org)
    if request.method == "POST":
        form = forms.ActivityForm(request.POST, communities=communities)
        done = submit(
            request,
            form,
            lambda data: actions.record_activity(organization=org, by=user, **data),
            lambda _r: _("已登记活动“%(t)s”。") % {"t": form.cleaned_data["title"]},
            lambda _r: redirect("organizations:organization_detail", org_id=org.pk),
        )
        if done:
            return done
    else:
        initial: dict[str, Any] = {"held_on": timezone.localdate()}
        if org.region.level == Level.COMMUNITY:
            initial["community"] = org.region.code
        form = forms.ActivityForm(communities=communities, initial=initial)
    return render(request, "organizations/social/activity_form.html", {"form": form, "org": org})


# --- Stations and rooms -------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def sites(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.SiteFilterForm(request.GET, user=user)
    data = form.data_or_empty()
    region_path = form.region_paths.get(data.get("region") or "", "")
    found = queries.search_sites(user, region_path=region_path, kind=data.get("kind") or "")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/social/sites.html",
        {
            "form": form,
            "page_obj": page,
            "townships": queries.township_summary(user, region_path),
            "can_edit": user.has_permission(EDIT),
        },
    )


@permission_required(EDIT)
@require_http_methods(GET_POST)
def site_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.places_for(user, EDIT, (Level.TOWNSHIP, Level.COMMUNITY))
    operators = queries.organizations_for_choice(user)
    if request.method == "POST":
        form = forms.SiteForm(request.POST, regions=regions, operators=operators)
        done = submit(
            request,
            form,
            lambda data: actions.register_site(by=user, **data),
            lambda site: _("已登记“%(name)s”。") % {"name": site.name},
            lambda site: redirect("organizations:site_detail", sw_site_id=site.pk),
        )
        if done:
            return done
    else:
        form = forms.SiteForm(regions=regions, operators=operators)
    return render(request, "organizations/social/site_form.html", {"form": form, "site": None})


@permission_required(EDIT)
@require_http_methods(GET_POST)
def site_edit(request: HttpRequest, sw_site_id: int) -> HttpResponse:
    user: Any = request.user
    site = queries.site_detail(user, sw_site_id, EDIT)
    operators = queries.organizations_for_choice(user)
    if request.method == "POST":
        form = forms.SiteForm(request.POST, regions=None, operators=operators)
        done = submit(
            request,
            form,
            lambda data: actions.update_site(
                site=site,
                by=user,
                **{**data, "version": data["version"] or site.version},
            ),
            _("已保存。"),
            lambda _r: redirect("organizations:site_detail", sw_site_id=site.pk),
        )
        if done:
            return done
    else:
        form = forms.SiteForm(
            regions=None,
            operators=operators,
            initial={
                "name": site.name,
                "operator": site.operator_id,
                "opened_on": site.opened_on,
                "services": site.services,
                "version": site.version,
            },
        )
    return render(request, "organizations/social/site_form.html", {"form": form, "site": site})


def _site_page(
    request: HttpRequest, site: SocialWorkSite, *, staff_form: Any = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    may_edit = _may(user, EDIT, site.region.path)
    if may_edit and staff_form is None:
        staff_form = forms.StaffForm(
            workers=queries.workers_for_site(user, site),
            initial={"started_on": timezone.localdate()},
        )
    return render(
        request,
        "organizations/social/site_detail.html",
        {
            "site": site,
            "staff": list(queries.site_staff(site)),
            "can_edit": may_edit,
            "staff_form": staff_form if may_edit else None,
            "end_form": forms.StaffEndForm(initial={"ended_on": timezone.localdate()}),
            "is_station": site.kind == SiteKind.STATION,
        },
        status=status,
    )


@permission_required(VIEW)
@require_GET
def site_detail(request: HttpRequest, sw_site_id: int) -> HttpResponse:
    return _site_page(request, queries.site_detail(request.user, sw_site_id))


@permission_required(EDIT)
@require_POST
def site_staff_add(request: HttpRequest, sw_site_id: int) -> HttpResponse:
    user: Any = request.user
    site = queries.site_detail(user, sw_site_id, EDIT)
    form = forms.StaffForm(request.POST, workers=queries.workers_for_site(user, site))
    done = submit(
        request,
        form,
        lambda data: actions.add_site_staff(site=site, by=user, **data),
        lambda staff: _("已添加人员%(name)s。") % {"name": staff.name},
        lambda _r: redirect("organizations:site_detail", sw_site_id=site.pk),
    )
    return done or _site_page(request, site, staff_form=form, status=422)


@permission_required(EDIT)
@require_POST
def site_staff_end(request: HttpRequest, sw_site_id: int, sw_staff_id: int) -> HttpResponse:
    user: Any = request.user
    staff = queries.staff_member(user, sw_site_id, sw_staff_id)
    form = forms.StaffEndForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.end_site_staff(staff=staff, by=user, ended_on=data["ended_on"]),
        _("%(name)s已离岗。") % {"name": staff.name},
    )
    return redirect("organizations:site_detail", sw_site_id=sw_site_id)


@permission_required(EDIT)
@require_POST
def site_active(request: HttpRequest, sw_site_id: int) -> HttpResponse:
    user: Any = request.user
    site = queries.site_detail(user, sw_site_id, EDIT)
    try:
        actions.set_site_active(site=site, active=request.POST.get("active") == "1", by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已保存。"))
    return redirect("organizations:site_detail", sw_site_id=site.pk)


# --- Service projects ---------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ProjectFilterForm(request.GET, user=user)
    found = queries.search_projects(user, form.filters())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/social/projects.html",
        {
            "form": form,
            "page_obj": page,
            "totals": queries.budget_totals(found),
            "can_manage": user.has_permission(PROJECTS),
        },
    )


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def project_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    kwargs = {
        "regions": queries.buyer_regions(user),
        "providers": queries.organizations_for_choice(user),
        "communities": queries.served_communities_choice(user),
    }
    if request.method == "POST":
        form = forms.ProjectForm(request.POST, **kwargs)
        done = submit(
            request,
            form,
            lambda data: actions.create_project(by=user, **data),
            lambda made: _("已登记项目“%(t)s”。") % {"t": made.title},
            lambda made: redirect("organizations:project_detail", service_project_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.ProjectForm(**kwargs)
    return render(
        request, "organizations/social/project_form.html", {"form": form, "project": None}
    )


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def project_edit(request: HttpRequest, service_project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_detail(user, service_project_id, PROJECTS)
    if project.status in (ProjectStatus.FINISHED, ProjectStatus.TERMINATED):
        messages.error(request, _("已结项或已终止的项目不能再修改。"))
        return redirect("organizations:project_detail", service_project_id=project.pk)
    kwargs = {
        "regions": None,
        "providers": queries.organizations_for_choice(user),
        "communities": queries.served_communities_choice(user).filter(
            path__under=project.region.path
        ),
    }
    if request.method == "POST":
        form = forms.ProjectForm(request.POST, **kwargs)

        def update(data: dict[str, Any]) -> None:
            data = dict(data)
            provider = data.pop("provider")
            actions.update_project(
                project=project,
                by=user,
                version=data.pop("version") or project.version,
                provider=provider if provider.pk != project.provider_id else None,
                **data,
            )

        done = submit(
            request,
            form,
            update,
            _("已保存。"),
            lambda _r: redirect("organizations:project_detail", service_project_id=project.pk),
        )
        if done:
            return done
    else:
        initial: dict[str, Any] = {name: getattr(project, name) for name in actions.PROJECT_FIELDS}
        initial.update(
            provider=project.provider_id,
            communities=[c.code for c in project.communities.all()],
            version=project.version,
        )
        form = forms.ProjectForm(initial=initial, **kwargs)
    return render(
        request, "organizations/social/project_form.html", {"form": form, "project": project}
    )


def _project_page(
    request: HttpRequest, project: ServiceProject, *, status: int = 200, **forms_in: Any
) -> HttpResponse:
    user: Any = request.user
    may_manage = _may(user, PROJECTS, project.region.path)
    return render(
        request,
        "organizations/social/project_detail.html",
        {
            "project": project,
            "milestones": queries.project_milestones(project),
            "communities": list(project.communities.all()),
            "can_manage": may_manage,
            "transitions": actions.PROJECT_WORKFLOW.available(project, user) if may_manage else [],
            "reason_form": forms_in.get("reason_form") or forms.ReasonForm(),
            "milestone_form": forms_in.get("milestone_form") or forms.MilestoneForm(),
            "done_form": forms.MilestoneDoneForm(initial={"done_on": timezone.localdate()}),
            "evaluation_form": (
                forms_in.get("evaluation_form") or forms.EvaluationForm()
                if project.status == ProjectStatus.FINISHED and project.evaluated_at is None
                else None
            ),
            "today": timezone.localdate(),
        },
        status=status,
    )


@permission_required(VIEW)
@require_GET
def project_detail(request: HttpRequest, service_project_id: int) -> HttpResponse:
    return _project_page(request, queries.project_detail(request.user, service_project_id))


@permission_required(PROJECTS)
@require_POST
def project_transition(request: HttpRequest, service_project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_detail(user, service_project_id, PROJECTS)
    form = forms.ReasonForm(request.POST)
    form.is_valid()
    try:
        actions.transition_project(
            project=project,
            transition=request.POST.get("transition", ""),
            by=user,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as exc:
        apply_action_errors(form, exc)
        project.refresh_from_db()
        return _project_page(request, project, status=422, reason_form=form)
    messages.success(request, _("项目状态已改为“%(s)s”。") % {"s": project.get_status_display()})
    return redirect("organizations:project_detail", service_project_id=project.pk)


@permission_required(PROJECTS)
@require_POST
def milestone_add(request: HttpRequest, service_project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_detail(user, service_project_id, PROJECTS)
    form = forms.MilestoneForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.add_milestone(project=project, by=user, **data),
        _("已添加节点。"),
        lambda _r: redirect("organizations:project_detail", service_project_id=project.pk),
    )
    return done or _project_page(request, project, status=422, milestone_form=form)


@permission_required(PROJECTS)
@require_POST
def milestone_done(
    request: HttpRequest, service_project_id: int, project_milestone_id: int
) -> HttpResponse:
    user: Any = request.user
    milestone = queries.milestone_for(user, service_project_id, project_milestone_id)
    form = forms.MilestoneDoneForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.complete_milestone(milestone=milestone, by=user, **data),
        _("节点“%(t)s”已完成。") % {"t": milestone.title},
    )
    return redirect("organizations:project_detail", service_project_id=service_project_id)


@permission_required(PROJECTS)
@require_POST
def project_evaluate(request: HttpRequest, service_project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_detail(user, service_project_id, PROJECTS)
    form = forms.EvaluationForm(request.POST)
    if form.is_valid():
        try:
            actions.evaluate_project(project=project, by=user, **form.cleaned_data)
        except ValidationError as exc:
            if project.status != ProjectStatus.FINISHED or project.evaluated_at is not None:
                flash_errors(request, exc)
                return redirect(
                    "organizations:project_detail", service_project_id=service_project_id
                )
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已完成结项评估。"))
            return redirect("organizations:project_detail", service_project_id=project.pk)
    if project.status != ProjectStatus.FINISHED:
        messages.error(request, _("只有已结项的项目可以评估。"))
        return redirect("organizations:project_detail", service_project_id=service_project_id)
    return _project_page(request, project, status=422, evaluation_form=form)


urls: list[URLPattern] = [
    path("", organization_list, name="organization_list"),
    path("export.xlsx", organization_export, name="organization_export"),
    path("new/", organization_new, name="organization_new"),
    path("<int:org_id>/", organization_detail, name="organization_detail"),
    path("<int:org_id>/reveal/", organization_reveal, name="organization_reveal"),
    path("<int:org_id>/edit/", organization_edit, name="organization_edit"),
    path("<int:org_id>/brand/", organization_brand, name="organization_brand"),
    path("<int:org_id>/status/", organization_status, name="organization_status"),
    path("<int:org_id>/activities/new/", activity_new, name="activity_new"),
    path("sites/", sites, name="sites"),
    path("sites/new/", site_new, name="site_new"),
    path("sites/<int:sw_site_id>/", site_detail, name="site_detail"),
    path("sites/<int:sw_site_id>/edit/", site_edit, name="site_edit"),
    path("sites/<int:sw_site_id>/active/", site_active, name="site_active"),
    path("sites/<int:sw_site_id>/staff/", site_staff_add, name="site_staff_add"),
    path(
        "sites/<int:sw_site_id>/staff/<int:sw_staff_id>/end/",
        site_staff_end,
        name="site_staff_end",
    ),
    path("projects/", projects, name="projects"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/<int:service_project_id>/", project_detail, name="project_detail"),
    path("projects/<int:service_project_id>/edit/", project_edit, name="project_edit"),
    path(
        "projects/<int:service_project_id>/transition/",
        project_transition,
        name="project_transition",
    ),
    path(
        "projects/<int:service_project_id>/milestones/",
        milestone_add,
        name="project_milestone_add",
    ),
    path(
        "projects/<int:service_project_id>/milestones/<int:project_milestone_id>/done/",
        milestone_done,
        name="project_milestone_done",
    ),
    path(
        "projects/<int:service_project_id>/evaluation/",
        project_evaluate,
        name="project_evaluate",
    ),
]
