"""Pages of the three lists (三项清单) and micro-renewal (微更新).

Staff (``VIEW`` to read in their subtree, ``LISTS`` over the community to write): the overview with
counts per child region, the needs, resources and projects lists with create/edit, matching a need
and marking it met or closed; micro-renewal projects with contributions, spending and status.
Residents (large text): their community's lists read-only, reporting a need, the published
micro-renewal projects. Anyone: a community's published micro-renewal projects
(``public/renewals/<code>/``), with residents' funds as an aggregate and no personal names.

Reads go through ``participation.queries.lists`` (outside the jurisdiction → 404); writes are one
action each of ``participation.actions.lists``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import flash_errors, list_page, paged, submit
from shequ.participation.actions import lists as actions
from shequ.participation.eligibility import verified_resident
from shequ.participation.forms import lists as forms
from shequ.participation.models.lists import (
    LivelihoodProject,
    MicroRenewal,
    NeedItem,
    ResourceItem,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import lists as queries
from shequ.participation.queries.public import public_community
from shequ.participation.views.refusals import not_linked

Perm = ParticipationPerm
PER_PAGE = 30
GET_POST = ["GET", "POST"]


def _need_url(need: NeedItem) -> HttpResponse:
    return redirect("participation:need_edit", need_id=need.pk)


def _renewal_url(renewal: MicroRenewal) -> HttpResponse:
    return redirect("participation:renewal_detail", renewal_id=renewal.pk)


def _staff_list(
    request: HttpRequest,
    form_class: type[forms.FilterForm],
    found: Callable[[Any, queries.ListFilters], QuerySet[Any]],
    name: str,
) -> HttpResponse:
    """A staff list of the lists feature: the filter form over the user's communities, the scoped
    items it picks (``found(user, filters)``), paged, on ``participation/lists/<name>.html``."""
    user: Any = request.user
    form = form_class(request.GET, communities=queries.visible_communities(user))
    return list_page(
        request,
        f"participation/lists/{name}.html",
        found(user, queries.ListFilters(**form.filters())),
        PER_PAGE,
        form=form,
        can_manage=user.has_permission(Perm.LISTS),
    )


# --- Overview --------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def lists_overview(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = queries.overview_region(user, str(request.GET.get("region", ""))[:12])
    children = queries.child_regions(region)
    rows = queries.figures(user, [region, *children])
    return render(
        request,
        "participation/lists/overview.html",
        {
            "region": region,
            "total": rows[0],
            "rows": rows[1:],
            "unmatched": queries.unmatched_needs(user, region),
            "can_manage": user.has_permission(Perm.LISTS),
        },
    )


# --- Needs -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    return _staff_list(request, forms.NeedFilterForm, queries.needs, "need_list")


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def need_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.NeedForm(request.POST or None, communities=queries.manageable_communities(user))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_need(by=user, **form.values()),
            _("已登记需求。"),
            _need_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "participation/lists/need_form.html", {"form": form, "need": None})


def _match_form(need: NeedItem, data: Any = None) -> forms.MatchForm:
    resources, projects = queries.match_targets(need)
    return forms.MatchForm(data, resources=resources, projects=projects, auto_id="id_match_%s")


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def need_edit(request: HttpRequest, need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, need_id)
    can_manage = queries.may(user, Perm.LISTS, need.community)
    form = None
    if can_manage:
        form = forms.NeedForm(
            request.POST or None,
            editing=True,
            initial={f: getattr(need, f) for f in actions.NEED_FIELDS} | {"version": need.version},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        done = submit(
            request,
            form,
            lambda data: actions.update_need(
                need=need, by=user, version=data.get("version"), **form.values()
            ),
            _("已保存。"),
            _need_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return _need_page(request, need, form, _match_form(need) if can_manage else None, can_manage)


def _need_page(
    request: HttpRequest,
    need: NeedItem,
    form: Any,
    match_form: Any,
    can_manage: bool,
) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "participation/lists/need_form.html",
        {
            "need": need,
            "form": form,
            "match_form": match_form,
            "matches": queries.need_matches(need),
            "transitions": actions.NEED_WORKFLOW.available(need, user) if can_manage else [],
            "can_manage": can_manage,
        },
    )


@permission_required(Perm.LISTS)
@require_POST
def need_match(request: HttpRequest, need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, need_id, Perm.LISTS)
    form = _match_form(need, request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.match_need(need=need, by=user, **data),
        _("已对接，需求状态为已对接。"),
        lambda _made: _need_url(need),
        refusal_on_form=True,
    )
    if done:
        return done
    return _need_page(request, need, None, form, True)


@permission_required(Perm.LISTS)
@require_POST
def need_status(request: HttpRequest, need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, need_id, Perm.LISTS)
    try:
        made = actions.set_need_status(
            need=need, by=user, transition=str(request.POST.get("transition", ""))
        )
        messages.success(
            request, _("需求状态已改为%(status)s。") % {"status": made.get_status_display()}
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _need_url(need)


# --- Resources and projects ------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    return _staff_list(request, forms.ResourceFilterForm, queries.resources, "resource_list")


def _resource_url(resource: ResourceItem) -> HttpResponse:
    return redirect("participation:resource_list")


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def resource_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ResourceForm(
        request.POST or None, communities=queries.manageable_communities(user)
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_resource(by=user, **form.values()),
            _("已登记服务资源。"),
            _resource_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "participation/lists/resource_form.html", {"form": form, "resource": None}
    )


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    user: Any = request.user
    resource = queries.resource_detail(user, resource_id, Perm.LISTS)
    form = forms.ResourceForm(
        request.POST or None,
        editing=True,
        initial={f: getattr(resource, f) for f in actions.RESOURCE_FIELDS},
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.update_resource(resource=resource, by=user, **form.values()),
            _("已保存。"),
            _resource_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "participation/lists/resource_form.html", {"form": form, "resource": resource}
    )


@permission_required(Perm.VIEW)
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    return _staff_list(request, forms.ProjectFilterForm, queries.projects, "project_list")


def _project_url(project: LivelihoodProject) -> HttpResponse:
    return redirect("participation:project_list")


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def project_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ProjectForm(
        request.POST or None,
        communities=queries.manageable_communities(user),
        topics=queries.community_topics(user),
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_project(by=user, **form.values()),
            _("已登记民生项目。"),
            _project_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "participation/lists/project_form.html", {"form": form, "project": None})


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def project_edit(request: HttpRequest, livelihood_project_id: int) -> HttpResponse:
    user: Any = request.user
    project = queries.project_detail(user, livelihood_project_id, Perm.LISTS)
    initial = {f: getattr(project, f) for f in actions.PROJECT_FIELDS}
    initial["topic"] = project.topic_id
    form = forms.ProjectForm(
        request.POST or None,
        editing=True,
        topics=queries.community_topics(user).filter(community_id=project.community_id),
        initial=initial,
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.update_project(project=project, by=user, **form.values()),
            _("已保存。"),
            _project_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "participation/lists/project_form.html", {"form": form, "project": project}
    )


# --- Micro-renewal (staff) -------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def renewal_list(request: HttpRequest) -> HttpResponse:
    return _staff_list(request, forms.RenewalFilterForm, queries.renewals, "renewal_list")


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def renewal_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.RenewalForm(
        request.POST or None,
        communities=queries.manageable_communities(user),
        topics=queries.community_topics(user),
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_renewal(by=user, **form.values()),
            _("已登记微更新项目，请登记出资。"),
            _renewal_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "participation/lists/renewal_form.html", {"form": form, "renewal": None})


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def renewal_edit(request: HttpRequest, renewal_id: int) -> HttpResponse:
    user: Any = request.user
    renewal = queries.renewal_detail(user, renewal_id, Perm.LISTS)
    initial = {f: getattr(renewal, f) for f in actions.RENEWAL_FIELDS}
    initial |= {"topic": renewal.topic_id, "version": renewal.version}
    form = forms.RenewalForm(
        request.POST or None,
        editing=True,
        topics=queries.community_topics(user).filter(community_id=renewal.community_id),
        initial=initial,
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.update_renewal(
                renewal=renewal, by=user, version=data.get("version"), **form.values()
            ),
            _("已保存。"),
            _renewal_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "participation/lists/renewal_form.html", {"form": form, "renewal": renewal}
    )


@permission_required(Perm.VIEW)
@require_GET
def renewal_detail(request: HttpRequest, renewal_id: int) -> HttpResponse:
    user: Any = request.user
    renewal = queries.renewal_detail(user, renewal_id)
    can_manage = queries.may(user, Perm.LISTS, renewal.community)
    return render(
        request,
        "participation/lists/renewal_detail.html",
        {
            "renewal": renewal,
            "funding": queries.funding([renewal])[0],
            "contributions": queries.contributions(renewal),
            "can_manage": can_manage,
            "transitions": actions.RENEWAL_WORKFLOW.available(renewal, user) if can_manage else [],
        },
    )


@permission_required(Perm.LISTS)
@require_POST
def renewal_transition(request: HttpRequest, renewal_id: int) -> HttpResponse:
    user: Any = request.user
    renewal = queries.renewal_detail(user, renewal_id, Perm.LISTS)
    try:
        made = actions.transition_renewal(
            renewal=renewal, by=user, transition=str(request.POST.get("transition", ""))
        )
        messages.success(
            request, _("项目状态已改为%(status)s。") % {"status": made.get_status_display()}
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _renewal_url(renewal)


def _money_page(request: HttpRequest, renewal: MicroRenewal, form: Any, kind: str) -> HttpResponse:
    return render(
        request,
        "participation/lists/money_form.html",
        {
            "renewal": renewal,
            "form": form,
            "kind": kind,
            "funding": queries.funding([renewal])[0],
        },
    )


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def contribution_add(request: HttpRequest, renewal_id: int) -> HttpResponse:
    user: Any = request.user
    renewal = queries.renewal_detail(user, renewal_id, Perm.LISTS)
    form = forms.ContributionForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.add_contribution(renewal=renewal, by=user, **data),
            _("已登记出资。"),
            lambda _made: _renewal_url(renewal),
            refusal_on_form=True,
        )
        if done:
            return done
    return _money_page(request, renewal, form, "contribution")


@permission_required(Perm.LISTS)
@require_http_methods(GET_POST)
def spending_add(request: HttpRequest, renewal_id: int) -> HttpResponse:
    user: Any = request.user
    renewal = queries.renewal_detail(user, renewal_id, Perm.LISTS)
    form = forms.SpendingForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.add_spending(renewal=renewal, by=user, **data),
            _("已登记支出。"),
            lambda _made: _renewal_url(renewal),
            refusal_on_form=True,
        )
        if done:
            return done
    return _money_page(request, renewal, form, "spending")


# --- Residents -------------------------------------------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    """The signed-in verified resident, or the page explaining why they cannot take part."""
    try:
        return verified_resident(request.user)
    except PermissionDenied as exc:
        return not_linked(request, _("社区清单"), str(exc), status=403)


@resident_only
@require_GET
def community_lists(request: HttpRequest) -> HttpResponse:
    me = _resident(request)
    if isinstance(me, HttpResponse):
        return me
    community = me.community
    page, _query = paged(request, queries.community_needs(community), PER_PAGE)
    return render(
        request,
        "participation/lists/community_lists.html",
        {
            "community": community,
            "page_obj": page,
            "resources": queries.community_resources(community)[:100],
            "projects": queries.community_projects(community)[:100],
        },
    )


@resident_only
@require_http_methods(GET_POST)
def need_report(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    me = _resident(request)
    if isinstance(me, HttpResponse):
        return me
    if request.method == "POST":
        form = forms.NeedReportForm(request.POST)
        try:
            done = submit(
                request,
                form,
                lambda data: actions.report_need(by=user, **data),
                _("已收到您反映的需求，社区会尽快对接。"),
                lambda _made: redirect("participation:community_lists"),
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("participation:community_lists")
        if done:
            return done
    else:
        form = forms.NeedReportForm(initial={"request_key": forms.new_request_key()})
    return render(
        request, "participation/lists/need_report.html", {"form": form, "community": me.community}
    )


@resident_only
@require_GET
def community_renewals(request: HttpRequest) -> HttpResponse:
    me = _resident(request)
    if isinstance(me, HttpResponse):
        return me
    page, _query = paged(request, queries.published_renewals(me.community), PER_PAGE)
    return render(
        request,
        "participation/lists/community_renewals.html",
        {"community": me.community, "page_obj": page, "items": queries.funding(page)},
    )


@resident_only
@require_GET
def renewal_page(request: HttpRequest, renewal_id: int) -> HttpResponse:
    me = _resident(request)
    if isinstance(me, HttpResponse):
        return me
    renewal = queries.published_renewal(me.community, renewal_id)
    return render(
        request,
        "participation/lists/renewal_page.html",
        {"renewal": renewal, "funding": queries.funding([renewal])[0]},
    )


# --- Public ----------------------------------------------------------------------------------------


@require_GET
def public_renewals(request: HttpRequest, code: str) -> HttpResponse:
    community = public_community(code)
    page, _query = paged(request, queries.published_renewals(community), 10)
    items = queries.funding(page)
    return render(
        request,
        "participation/lists/public_renewals.html",
        {"community": community, "page_obj": page, "items": items},
    )


urls: list[URLPattern] = [
    path("lists/", lists_overview, name="lists_overview"),
    path("lists/needs/", need_list, name="need_list"),
    path("lists/needs/new/", need_create, name="need_create"),
    path("lists/needs/<int:need_id>/", need_edit, name="need_edit"),
    path("lists/needs/<int:need_id>/match/", need_match, name="need_match"),
    path("lists/needs/<int:need_id>/status/", need_status, name="need_status"),
    path("lists/resources/", resource_list, name="resource_list"),
    path("lists/resources/new/", resource_create, name="resource_create"),
    path("lists/resources/<int:resource_id>/", resource_edit, name="resource_edit"),
    path("lists/projects/", project_list, name="project_list"),
    path("lists/projects/new/", project_create, name="project_create"),
    path("lists/projects/<int:livelihood_project_id>/", project_edit, name="project_edit"),
    path("renewals/", renewal_list, name="renewal_list"),
    path("renewals/new/", renewal_create, name="renewal_create"),
    path("renewals/<int:renewal_id>/", renewal_detail, name="renewal_detail"),
    path("renewals/<int:renewal_id>/edit/", renewal_edit, name="renewal_edit"),
    path("renewals/<int:renewal_id>/transition/", renewal_transition, name="renewal_transition"),
    path("renewals/<int:renewal_id>/contributions/", contribution_add, name="contribution_add"),
    path("renewals/<int:renewal_id>/spending/", spending_add, name="spending_add"),
    path("me/lists/", community_lists, name="community_lists"),
    path("me/lists/report/", need_report, name="need_report"),
    path("me/renewals/", community_renewals, name="community_renewals"),
    path("me/renewals/<int:renewal_id>/", renewal_page, name="renewal_page"),
    path("public/renewals/<str:code>/", public_renewals, name="public_renewals"),
]
