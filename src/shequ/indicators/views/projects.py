"""Work-project pages (项目化推进): the list with filters and its Excel export, a project with its
milestones (status, responsible, deadline, days overdue, latest report), the project and milestone
forms, the workflow buttons, progress reports with an optional attachment, and "my milestones" for
the staff of responsible units.

Reads go through ``indicators.queries.projects`` (elsewhere: 404), writes are actions of
``indicators.actions.projects``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import audit, calendar
from shequ.core.decorators import permission_required
from shequ.core.exports import check_export_size, stamped_sheet
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import flash_errors, list_page, submit, xlsx_response
from shequ.indicators.actions import projects as actions
from shequ.indicators.forms import projects as forms
from shequ.indicators.models import Milestone, ProjectStatus, WorkProject
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import projects as queries

VIEW = IndicatorPerm.VIEW
PROJECTS = IndicatorPerm.PROJECTS
PER_PAGE = 30
MAX_EXPORT_ROWS = 20_000
GET_POST = ["GET", "POST"]


def staff_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in as staff (a responsible unit's people need no indicators permission)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "is_resident", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _to_project(project_id: int) -> HttpResponse:
    return redirect("indicators:project_detail", project_id=project_id)


# --- The list and the export -----------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[forms.ProjectFilterForm, Any]:
    user: Any = request.user
    form = forms.ProjectFilterForm(request.GET or None, regions=queries.filter_regions(user))
    found = queries.search_projects(user, queries.ProjectFilters(**form.values()))
    return form, found


@permission_required(VIEW)
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form, found = _filtered(request)
    return list_page(
        request,
        "indicators/projects/list.html",
        found,
        PER_PAGE,
        form=form,
        can_manage=user.has_permission(PROJECTS) and queries.owner_regions(user).exists(),
        today=calendar.localdate(),
    )


@permission_required(VIEW)
@require_GET
def project_export(request: HttpRequest) -> HttpResponse:
    """Projects and their milestones, one row per milestone (a project without any: one row)."""
    user: Any = request.user
    _form, found = _filtered(request)
    rows = list(queries.export_milestones(found))
    try:
        check_export_size(
            len(rows), MAX_EXPORT_ROWS, _("共 %(n)s 行，超过单次导出上限 %(max)s 行，请缩小范围。")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("indicators:project_list")
    today = calendar.localdate()
    sheet = stamped_sheet(
        user,
        _("工作项目和节点"),
        [
            _("所属地区"),
            _("项目名称"),
            _("对应规划任务"),
            _("牵头单位"),
            _("项目状态"),
            _("项目周期"),
            _("序号"),
            _("节点"),
            _("责任单位"),
            _("责任人"),
            _("完成期限"),
            _("完成日期"),
            _("完成进度（%）"),
            _("逾期天数"),
            _("督办层级"),
            _("最新进展"),
        ],
    )
    with_milestones: set[int] = set()
    for m in rows:
        project = m.project
        with_milestones.add(project.pk)
        sheet.append(
            [
                project.region.name,
                project.title,
                project.plan_task,
                project.lead_unit.name,
                project.get_status_display(),
                f"{project.starts_on}～{project.ends_on}",
                m.position,
                m.title,
                m.responsible_unit.name,
                m.responsible_person.full_name if m.responsible_person else "",
                m.due_on,
                m.done_on,
                m.progress,
                m.overdue_days(today),
                m.get_escalation_level_display(),
                m.latest_report.text[:500] if m.latest_report else "",
            ]
        )
    for project in found.exclude(pk__in=with_milestones):
        sheet.append(
            [
                project.region.name,
                project.title,
                project.plan_task,
                project.lead_unit.name,
                project.get_status_display(),
                f"{project.starts_on}～{project.ends_on}",
            ]
        )
    audit.record(
        "indicators.project_export",
        actor=user,
        object_type="indicators.WorkProject",
        object_repr=_("工作项目和节点（%(n)s 行）") % {"n": len(rows)},
        reason=request.GET.urlencode()[:300],
    )
    return xlsx_response(sheet.content(), f"work-projects-{today:%Y%m%d}.xlsx")


# --- Projects --------------------------------------------------------------------------------------


def _units_for(data: Any, regions: Any, user: Any) -> Any:
    """The units the lead-unit list offers: those of the chosen place, else of all the user's."""
    code = data.get("region") if data else None
    chosen = regions.filter(code=code).first() if code else None
    return queries.eligible_units(chosen) if chosen is not None else queries.units_for(user)


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def project_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.owner_regions(user)
    data = request.POST if request.method == "POST" else None
    form = forms.ProjectForm(data, regions=regions, units=_units_for(data, regions, user))
    if data is not None:
        done = submit(
            request,
            form,
            lambda d: actions.create_project(
                by=user, **{k: v for k, v in d.items() if k != "version"}
            ),
            lambda made: _("已登记工作项目“%(t)s”，请列出节点。") % {"t": made.title},
            lambda made: _to_project(made.pk),
        )
        if done:
            return done
    return render(
        request,
        "indicators/projects/project_form.html",
        {"form": form, "project": None},
        status=422 if form.is_bound else 200,
    )


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_for(user, project_id, PROJECTS)
    if project.status not in actions.OPEN_STATUSES:
        messages.error(request, _("已完成或已撤销的项目不能再修改。"))
        return _to_project(project.pk)
    units = queries.eligible_units(project.region)
    if request.method == "POST":
        form = forms.ProjectForm(request.POST, regions=None, units=units)

        def update(data: dict[str, Any]) -> WorkProject:
            data = dict(data)
            version = data.pop("version")
            return actions.update_project(
                project=project, by=user, version=version or project.version, **data
            )

        done = submit(request, form, update, _("已保存。"), lambda _r: _to_project(project.pk))
        if done:
            return done
        status = 422
    else:
        initial = {name: getattr(project, name) for name in actions.PROJECT_FIELDS}
        initial.update(lead_unit=project.lead_unit_id, version=project.version)
        form = forms.ProjectForm(initial=initial, regions=None, units=units)
        status = 200
    return render(
        request,
        "indicators/projects/project_form.html",
        {"form": form, "project": project},
        status=status,
    )


def _project_page(
    request: HttpRequest, project: WorkProject, *, status: int = 200, **given: Any
) -> HttpResponse:
    user: Any = request.user
    may_manage = queries.manages(user, project)
    milestones = queries.project_milestones(project)
    today = calendar.localdate()
    units = set(queries.unit_ids_of(user))
    rows = [
        {
            "milestone": m,
            "overdue_days": m.overdue_days(today),
            "may_report": project.status == ProjectStatus.RUNNING
            and m.done_on is None
            and (
                may_manage or m.responsible_unit_id in units or m.responsible_person_id == user.pk
            ),
        }
        for m in milestones
    ]
    return render(
        request,
        "indicators/projects/detail.html",
        {
            "project": project,
            "rows": rows,
            "done": sum(1 for m in milestones if m.done_on),
            "overdue": sum(1 for r in rows if r["overdue_days"]),
            "can_manage": may_manage,
            "is_open": project.status in actions.OPEN_STATUSES,
            "transitions": actions.PROJECT_WORKFLOW.available(project, user) if may_manage else [],
            "transition_form": given.get("transition_form")
            or forms.TransitionForm(initial={"version": project.version}),
            "indicator": project.get_indicator_display() if project.indicator else "",
        },
        status=status,
    )


@permission_required(VIEW)
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return _project_page(request, queries.project_for(request.user, project_id))


@permission_required(PROJECTS)
@require_POST
def project_transition(request: HttpRequest, project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_for(user, project_id, PROJECTS)
    form = forms.TransitionForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        actions.transition_project(
            project=project,
            transition=request.POST.get("transition", ""),
            by=user,
            reason=data.get("reason", ""),
            version=data.get("version"),
        )
    except ValidationError as exc:
        apply_action_errors(form, exc)
        flash_errors(request, exc)
        project.refresh_from_db()
        return _project_page(request, project, status=422, transition_form=form)
    messages.success(request, _("项目状态已改为“%(s)s”。") % {"s": project.get_status_display()})
    return _to_project(project.pk)


# --- Milestones ------------------------------------------------------------------------------------


def _milestone_form_page(
    request: HttpRequest, project: WorkProject, form: Any, milestone: Milestone | None, status: int
) -> HttpResponse:
    return render(
        request,
        "indicators/projects/milestone_form.html",
        {"form": form, "project": project, "milestone": milestone},
        status=status,
    )


def _milestone_form(project: WorkProject, *args: Any, **kwargs: Any) -> forms.MilestoneForm:
    return forms.MilestoneForm(
        *args,
        units=queries.eligible_units(project.region),
        people=queries.person_candidates(project.region),
        **kwargs,
    )


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def milestone_new(request: HttpRequest, project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_for(user, project_id, PROJECTS)
    if project.status not in actions.OPEN_STATUSES:
        messages.error(request, _("已完成或已撤销的项目不能再添加节点。"))
        return _to_project(project.pk)
    if request.method == "POST":
        form = _milestone_form(project, request.POST)
        done = submit(
            request,
            form,
            lambda d: actions.add_milestone(
                project=project, by=user, **{k: v for k, v in d.items() if k != "version"}
            ),
            lambda made: _("已添加节点“%(t)s”。") % {"t": made.title},
            lambda _m: _to_project(project.pk),
        )
        return done or _milestone_form_page(request, project, form, None, 422)
    return _milestone_form_page(request, project, _milestone_form(project), None, 200)


@permission_required(PROJECTS)
@require_http_methods(GET_POST)
def milestone_edit(request: HttpRequest, project_id: int, milestone_id: int) -> HttpResponse:
    user: Any = request.user
    milestone = queries.managed_milestone(user, project_id, milestone_id)
    project = milestone.project
    if project.status not in actions.OPEN_STATUSES or milestone.done_on is not None:
        messages.error(request, _("已完成的节点或已结束项目的节点不能再修改。"))
        return _to_project(project.pk)
    if request.method == "POST":
        form = _milestone_form(project, request.POST)

        def update(data: dict[str, Any]) -> Milestone:
            data = dict(data)
            version = data.pop("version")
            return actions.update_milestone(
                milestone=milestone, by=user, version=version or milestone.version, **data
            )

        done = submit(request, form, update, _("已保存节点。"), lambda _m: _to_project(project.pk))
        return done or _milestone_form_page(request, project, form, milestone, 422)
    initial = {
        "title": milestone.title,
        "due_on": milestone.due_on,
        "position": milestone.position,
        "responsible_unit": milestone.responsible_unit_id,
        "responsible_person": milestone.responsible_person_id,
        "version": milestone.version,
    }
    return _milestone_form_page(
        request, project, _milestone_form(project, initial=initial), milestone, 200
    )


# --- Progress reports ------------------------------------------------------------------------------


@staff_only
@require_http_methods(GET_POST)
def milestone_report(request: HttpRequest, project_id: int, milestone_id: int) -> HttpResponse:
    """A milestone's report history and the form for a new report (the responsible unit's staff,
    its named person and the project's managers)."""
    user: Any = request.user
    milestone = queries.reportable_milestone(user, project_id, milestone_id)
    project = milestone.project
    status = 200
    if request.method == "POST":
        form = forms.ReportForm(request.POST, request.FILES)
        done = submit(
            request,
            form,
            lambda d: actions.report_progress(milestone=milestone, by=user, **d),
            lambda r: (
                _("已完成节点“%(t)s”。") % {"t": milestone.title}
                if r.is_final
                else _("已提交进展报告。")
            ),
            lambda _r: redirect(
                "indicators:milestone_report", project_id=project.pk, milestone_id=milestone.pk
            ),
        )
        if done:
            return done
        status = 422
    else:
        form = forms.ReportForm(
            initial={"reported_on": calendar.localdate(), "percent": milestone.progress}
        )
    return render(
        request,
        "indicators/projects/report.html",
        {
            "project": project,
            "milestone": milestone,
            "overdue_days": milestone.overdue_days(calendar.localdate()),
            "reports": queries.milestone_reports(milestone),
            "form": form,
            "may_report": project.status == ProjectStatus.RUNNING and milestone.done_on is None,
            "may_view_project": user.has_permission(VIEW)
            and user.jurisdiction(VIEW).covers_path(project.region.path),
        },
        status=status,
    )


@staff_only
@require_GET
def report_file(request: HttpRequest, report_id: int) -> HttpResponseBase:
    report = queries.report_for(request.user, report_id)
    try:
        handle = report.file.open("rb")
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=report.file_type, as_attachment=True, filename=report.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_only
@require_GET
def my_milestones(request: HttpRequest) -> HttpResponse:
    """Open milestones the user's units answer for, or that name the user, soonest due first."""
    return list_page(
        request,
        "indicators/projects/mine.html",
        queries.my_milestones(request.user),
        PER_PAGE,
        today=calendar.localdate(),
    )


urlpatterns: list[URLPattern] = [
    path("projects/", project_list, name="project_list"),
    path("projects/export.xlsx", project_export, name="project_export"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/mine/", my_milestones, name="my_milestones"),
    path("projects/<int:project_id>/", project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", project_edit, name="project_edit"),
    path("projects/<int:project_id>/transition/", project_transition, name="project_transition"),
    path("projects/<int:project_id>/milestones/new/", milestone_new, name="milestone_new"),
    path(
        "projects/<int:project_id>/milestones/<int:milestone_id>/edit/",
        milestone_edit,
        name="milestone_edit",
    ),
    path(
        "projects/<int:project_id>/milestones/<int:milestone_id>/report/",
        milestone_report,
        name="milestone_report",
    ),
    path("projects/reports/<int:report_id>/file/", report_file, name="report_file"),
]
