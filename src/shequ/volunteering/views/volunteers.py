"""Volunteer pages: the resident's own (my volunteering, registering), and staff pages for volunteers
(list with filters and Excel export, detail with decision, status, points and recognitions, register
on behalf) and teams (list, new, detail with members, edit).

Every read goes through ``volunteering.queries.volunteers`` (elsewhere: 404), every write is one
action of ``volunteering.actions.volunteers``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import export_or_back, paged, run_action, submit
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.forms import volunteers as forms
from shequ.volunteering.models import TeamCategory, VolunteerStatus
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import volunteers as queries

PER_PAGE = 50
GET_POST = ["GET", "POST"]
VIEW = VolunteeringPerm.VIEW
MANAGE = VolunteeringPerm.MANAGE


# --- The resident's own pages ----------------------------------------------------------------------


@resident_only
@require_GET
def my_volunteering(request: HttpRequest) -> HttpResponse:
    resident = actions.own_resident(request.user)
    if resident is None:
        return render(request, "volunteering/volunteers/not_linked.html")
    volunteer = queries.own_volunteer(resident)
    summary = queries.volunteer_summary(volunteer) if volunteer is not None else None
    return render(
        request,
        "volunteering/volunteers/me.html",
        {
            "volunteer": volunteer,
            "summary": summary,
            "resident": resident,
            "skill_labels": queries.skill_labels(volunteer.skills) if volunteer else [],
            "joinable": queries.joinable_teams(volunteer) if volunteer else [],
            "join_requests": queries.own_join_requests(volunteer) if volunteer else [],
            "join_form": forms.JoinForm(),
        },
    )


@resident_only
@require_POST
def my_team_join(request: HttpRequest, team_id: int) -> HttpResponse:
    """The resident asks to join a team (with an optional note)."""
    if actions.own_resident(request.user) is None:
        return render(request, "volunteering/volunteers/not_linked.html")
    team = queries.own_team(team_id)
    run_action(
        request,
        forms.JoinForm(request.POST),
        lambda data: actions.request_to_join(
            team=team, by=request.user, note=data.get("note") or ""
        ),
        _("已提交入队申请，请等待审核。"),
    )
    return redirect("volunteering:my_volunteering")


@resident_only
@require_POST
def my_join_withdraw(request: HttpRequest, join_request_id: int) -> HttpResponse:
    resident = actions.own_resident(request.user)
    volunteer = queries.own_volunteer(resident) if resident is not None else None
    if volunteer is None:
        raise Http404
    join = queries.own_join_request(volunteer, join_request_id)
    try:
        actions.withdraw_join_request(request=join, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已撤回入队申请。"))
    return redirect("volunteering:my_volunteering")


@resident_only
@require_http_methods(GET_POST)
def my_register(request: HttpRequest) -> HttpResponse:
    resident = actions.own_resident(request.user)
    if resident is None:
        return render(request, "volunteering/volunteers/not_linked.html")
    existing = queries.own_volunteer(resident)
    if existing is not None and existing.status in (
        VolunteerStatus.PENDING,
        VolunteerStatus.ACTIVE,
        VolunteerStatus.SUSPENDED,
    ):
        messages.info(request, _("您已经注册过志愿者。"))
        return redirect("volunteering:my_volunteering")
    if request.method == "POST":
        form = forms.RegisterForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.register_volunteer(
                resident=resident,
                by=request.user,
                skills=data["skills"],
                availability=data["availability"],
                service_area=form.service_area(resident.community),
                introduction=data.get("introduction") or "",
            ),
            _("已提交志愿者注册，请等待社区审核。"),
            lambda _v: redirect("volunteering:my_volunteering"),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.RegisterForm()
    return render(
        request, "volunteering/volunteers/register.html", {"form": form, "resident": resident}
    )


# --- Volunteers (staff) -----------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.VolunteerFilterForm(request.GET, user=user)
    page, query = paged(request, queries.search_volunteers(user, form.filters()), PER_PAGE)
    return render(
        request,
        "volunteering/volunteers/volunteer_list.html",
        {
            "form": form,
            "page_obj": page,
            "export_query": query,
            "can_manage": user.has_permission(MANAGE),
        },
    )


@permission_required(VIEW)
@require_GET
@never_cache
def volunteer_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.VolunteerFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_volunteers(user=user, filters=form.filters()),
        "volunteering:volunteer_list",
    )


@permission_required(MANAGE)
@require_http_methods(GET_POST)
def volunteer_new(request: HttpRequest) -> HttpResponse:
    """Register a resident of the staff member's area, found by ID number."""
    user: Any = request.user
    if request.method == "POST":
        form = forms.StaffRegisterForm(request.POST)
        if form.is_valid():
            resident = queries.resident_by_id_number(user, form.cleaned_data["id_number"])
            if resident is None:
                form.add_error(
                    "id_number",
                    _("在您管辖范围内的居民信息库中没有找到该身份证号码的居民，请核对后再试。"),
                )
            else:
                done = submit(
                    request,
                    form,
                    lambda data: actions.register_volunteer(
                        resident=resident,
                        by=user,
                        skills=data["skills"],
                        availability=data["availability"],
                        service_area=form.service_area(resident.community),
                        introduction=data.get("introduction") or "",
                    ),
                    lambda v: _("已为居民登记志愿者注册，编号 %(n)s。") % {"n": v.number},
                    lambda v: redirect("volunteering:volunteer_detail", volunteer_id=v.pk),
                    refusal_on_form=True,
                )
                if done:
                    return done
    else:
        form = forms.StaffRegisterForm()
    return render(request, "volunteering/volunteers/volunteer_new.html", {"form": form})


def _volunteer_page(request: HttpRequest, volunteer: Any, **extra: Any) -> HttpResponse:
    user: Any = request.user
    can_manage = queries.may(user, MANAGE, volunteer.community)
    context = {
        "volunteer": volunteer,
        "summary": queries.volunteer_summary(volunteer),
        "skill_labels": queries.skill_labels(volunteer.skills),
        "availability_labels": queries.availability_labels(volunteer.availability),
        "can_manage": can_manage,
        "decide_form": forms.DecideForm(),
        "status_form": forms.StatusForm(),
        "points_form": forms.PointsForm(),
        "recognition_form": forms.RecognitionForm(),
        **extra,
    }
    return render(request, "volunteering/volunteers/volunteer_detail.html", context)


@permission_required(VIEW)
@require_GET
def volunteer_detail(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _volunteer_page(request, queries.volunteer_detail(request.user, volunteer_id))


def _back(volunteer: Any) -> HttpResponse:
    return redirect("volunteering:volunteer_detail", volunteer_id=volunteer.pk)


@permission_required(MANAGE)
@require_POST
def volunteer_decide(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    user: Any = request.user
    volunteer = queries.volunteer_detail(user, volunteer_id, MANAGE)
    form = forms.DecideForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.decide_volunteer(
            volunteer=volunteer,
            approve=data["decision"] == "approve",
            by=user,
            note=data.get("note") or "",
        ),
        lambda v: _("已审核：%(s)s。") % {"s": v.get_status_display()},
    )
    return _back(volunteer)


@permission_required(MANAGE)
@require_POST
def volunteer_status(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    user: Any = request.user
    volunteer = queries.volunteer_detail(user, volunteer_id, MANAGE)
    run_action(
        request,
        forms.StatusForm(request.POST),
        lambda data: actions.change_volunteer_status(
            volunteer=volunteer, move=data["move"], by=user, note=data.get("note") or ""
        ),
        lambda v: _("状态已改为“%(s)s”。") % {"s": v.get_status_display()},
    )
    return _back(volunteer)


@permission_required(MANAGE)
@require_POST
def volunteer_points(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    user: Any = request.user
    volunteer = queries.volunteer_detail(user, volunteer_id, MANAGE)
    run_action(
        request,
        forms.PointsForm(request.POST),
        lambda data: actions.adjust_points(
            volunteer=volunteer, points=data["points"], note=data["note"], by=user
        ),
        lambda e: _("已记录积分 %(p)+d。") % {"p": e.points},
    )
    return _back(volunteer)


@permission_required(MANAGE)
@require_POST
def volunteer_recognition(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    user: Any = request.user
    volunteer = queries.volunteer_detail(user, volunteer_id, MANAGE)
    run_action(
        request,
        forms.RecognitionForm(request.POST),
        lambda data: actions.add_recognition(
            volunteer=volunteer,
            title=data["title"],
            year=data["year"],
            awarded_by_name=data["awarded_by_name"],
            points=data.get("points") or 0,
            by=user,
        ),
        lambda r: _("已记录表彰“%(t)s”。") % {"t": r.title},
    )
    return _back(volunteer)


# --- Teams ------------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.TeamFilterForm(request.GET, user=user)
    page, _query = paged(request, queries.search_teams(user, form.filters()), PER_PAGE)
    return render(
        request,
        "volunteering/volunteers/team_list.html",
        {"form": form, "page_obj": page, "can_manage": user.has_permission(MANAGE)},
    )


@permission_required(MANAGE)
@require_http_methods(GET_POST)
def team_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.team_places(user)
    if request.method == "POST":
        form = forms.TeamForm(request.POST, regions=regions)
        done = submit(
            request,
            form,
            lambda data: actions.create_team(region=data["region"], by=user, **form.values()),
            lambda t: _("已成立志愿服务队“%(name)s”。") % {"name": t.name},
            lambda t: redirect("volunteering:team_detail", team_id=t.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.TeamForm(regions=regions)
    return render(request, "volunteering/volunteers/team_form.html", {"form": form, "team": None})


@permission_required(MANAGE)
@require_http_methods(GET_POST)
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    user: Any = request.user
    team = queries.team_detail(user, team_id, MANAGE)
    if request.method == "POST":
        form = forms.TeamForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.update_team(team=team, by=user, **form.values()),
            _("已保存。"),
            lambda t: redirect("volunteering:team_detail", team_id=t.pk),
        )
        if done:
            return done
    else:
        form = forms.TeamForm(initial={name: getattr(team, name) for name in actions.TEAM_FIELDS})
    return render(request, "volunteering/volunteers/team_form.html", {"form": form, "team": team})


def _team_page(request: HttpRequest, team: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    user: Any = request.user
    can_manage = queries.may(user, MANAGE, team.region)
    context = {
        "team": team,
        "is_party_team": team.category == TeamCategory.PARTY,
        "members": queries.team_members(team),
        "can_manage": can_manage,
        "candidates": list(queries.candidates_for(team, request.GET.get("q", "")))
        if can_manage
        else [],
        "member_form": extra.pop("member_form", None) or forms.MemberForm(),
        "join_requests": queries.team_join_requests(team) if can_manage else [],
        "join_decide_form": forms.JoinDecideForm(),
        **extra,
    }
    return render(request, "volunteering/volunteers/team_detail.html", context, status=status)


@permission_required(VIEW)
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    return _team_page(request, queries.team_detail(request.user, team_id))


@permission_required(MANAGE)
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    user: Any = request.user
    team = queries.team_detail(user, team_id, MANAGE)
    form = forms.MemberForm(request.POST)
    if form.is_valid():
        volunteer = queries.volunteer_by_number(user, form.cleaned_data["number"], VIEW)
        if volunteer is None:
            form.add_error("number", _("在您管辖范围内没有找到该编号的志愿者。"))
        else:
            try:
                actions.add_member(team=team, volunteer=volunteer, by=user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("已加入队伍。"))
                return redirect("volunteering:team_detail", team_id=team.pk)
    return _team_page(request, team, status=422, member_form=form)


@permission_required(MANAGE)
@require_POST
def team_member(request: HttpRequest, team_id: int) -> HttpResponse:
    """Remove a member, or make them the leader (``action`` = ``remove`` / ``leader``)."""
    user: Any = request.user
    team = queries.team_detail(user, team_id, MANAGE)
    raw = request.POST.get("membership", "")
    if not raw.isdigit():
        raise Http404
    membership = queries.membership_in(team, int(raw))
    act = request.POST.get("action")
    try:
        if act == "leader":
            actions.set_leader(membership=membership, by=user)
            messages.success(request, _("已设为队长。"))
        elif act == "remove":
            actions.remove_member(membership=membership, by=user)
            messages.success(request, _("已移出队伍。"))
        else:
            messages.error(request, _("不支持的操作。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("volunteering:team_detail", team_id=team.pk)


@permission_required(MANAGE)
@require_POST
def team_join_decide(request: HttpRequest, team_id: int, join_request_id: int) -> HttpResponse:
    """Approve (the volunteer joins) or decline (with a reason) a join request."""
    user: Any = request.user
    team = queries.team_detail(user, team_id, MANAGE)
    join = queries.join_request_in(team, join_request_id)
    run_action(
        request,
        forms.JoinDecideForm(request.POST),
        lambda data: actions.decide_join_request(
            request=join,
            approve=data["decision"] == "approve",
            by=user,
            note=data.get("note") or "",
        ),
        lambda j: _("已处理入队申请：%(s)s。") % {"s": j.get_status_display()},
    )
    return redirect("volunteering:team_detail", team_id=team.pk)


urls: list[URLPattern] = [
    path("me/", my_volunteering, name="my_volunteering"),
    path("me/register/", my_register, name="my_register"),
    path("me/teams/<int:team_id>/join/", my_team_join, name="my_team_join"),
    path(
        "me/team-requests/<int:join_request_id>/withdraw/",
        my_join_withdraw,
        name="my_join_withdraw",
    ),
    path("volunteers/", volunteer_list, name="volunteer_list"),
    path("volunteers/export/", volunteer_export, name="volunteer_export"),
    path("volunteers/new/", volunteer_new, name="volunteer_new"),
    path("volunteers/<int:volunteer_id>/", volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:volunteer_id>/decide/", volunteer_decide, name="volunteer_decide"),
    path("volunteers/<int:volunteer_id>/status/", volunteer_status, name="volunteer_status"),
    path("volunteers/<int:volunteer_id>/points/", volunteer_points, name="volunteer_points"),
    path(
        "volunteers/<int:volunteer_id>/recognition/",
        volunteer_recognition,
        name="volunteer_recognition",
    ),
    path("teams/", team_list, name="team_list"),
    path("teams/new/", team_new, name="team_new"),
    path("teams/<int:team_id>/", team_detail, name="team_detail"),
    path("teams/<int:team_id>/edit/", team_edit, name="team_edit"),
    path("teams/<int:team_id>/members/add/", team_member_add, name="team_member_add"),
    path("teams/<int:team_id>/members/", team_member, name="team_member"),
    path(
        "teams/<int:team_id>/requests/<int:join_request_id>/decide/",
        team_join_decide,
        name="team_join_decide",
    ),
]
