"""Pages: volunteer activities. Staff: the list, the post and its workflow, the roster with attendance,
hours and evaluations, and the organiser's phone page with the rotating QR code. Residents (active
volunteers): browse and sign up, their activities and hours, and signing in or out by the QR code.

Every read goes through ``volunteering.queries.activities`` (an activity outside the jurisdiction
answers 404), every write is one action of ``volunteering.actions.activities``."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import calendar
from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import flash_errors, paged, run_action, submit
from shequ.volunteering import attendance
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.forms import activities as forms
from shequ.volunteering.models import (
    AttendanceMethod,
    SignUpStatus,
    VolunteerActivity,
    VolunteerStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import activities as queries

PER_PAGE = 30
GET_POST = ["GET", "POST"]
Perm = VolunteeringPerm


def _url_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _roster_url(activity: VolunteerActivity) -> HttpResponse:
    return redirect("volunteering:activity_detail", activity_code=activity.code)


# --- Staff: the list and the post ------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ActivityFilterForm(request.GET, user=user)
    page, _query = paged(request, queries.activities(user, form.filters()), PER_PAGE)
    return render(
        request,
        "volunteering/activities/activity_list.html",
        {"form": form, "page_obj": page, "can_organise": user.has_permission(Perm.ORGANISE)},
    )


def _activity_values(form: Any) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return data


@permission_required(Perm.ORGANISE)
@require_http_methods(GET_POST)
def activity_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.organisable_communities(user)
    teams = queries.organisable_teams(user)
    if request.method == "POST":
        form = forms.ActivityForm(request.POST, communities=communities, teams=teams)
        done = submit(
            request,
            form,
            lambda data: actions.create_activity(by=user, **_activity_values(form)),
            lambda made: _("已保存草稿“%(title)s”，发布后志愿者才能报名。") % {"title": made.title},
            _roster_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.ActivityForm(communities=communities, teams=teams)
    return render(
        request, "volunteering/activities/activity_form.html", {"form": form, "activity": None}
    )


@permission_required(Perm.ORGANISE)
@require_http_methods(GET_POST)
def activity_edit(request: HttpRequest, activity_code: str) -> HttpResponse:
    user: Any = request.user
    activity = queries.activity_detail(user, activity_code, Perm.ORGANISE)
    teams = queries.organisable_teams(user)
    if request.method == "POST":
        form = forms.ActivityForm(request.POST, teams=teams)
        done = submit(
            request,
            form,
            lambda data: actions.update_activity(
                activity=activity,
                by=user,
                version=form.cleaned_data.get("version"),
                **_activity_values(form),
            ),
            _("已保存。"),
            _roster_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        now = calendar.localtime
        form = forms.ActivityForm(
            teams=teams,
            initial={
                "team": activity.team_id,
                "title": activity.title,
                "description": activity.description,
                "place": activity.place,
                "starts_at": now(activity.starts_at).replace(tzinfo=None),
                "ends_at": now(activity.ends_at).replace(tzinfo=None),
                "needed": activity.needed,
                "skills": activity.skills,
                "target_group": activity.target_group,
                "version": activity.version,
            },
        )
    return render(
        request,
        "volunteering/activities/activity_form.html",
        {"form": form, "activity": activity},
    )


@permission_required(Perm.VIEW)
@require_GET
def activity_detail(request: HttpRequest, activity_code: str) -> HttpResponse:
    user: Any = request.user
    activity = queries.activity_detail(user, activity_code)
    can_organise = queries.may(user, Perm.ORGANISE, activity.region)
    rows = queries.roster(activity)
    return render(
        request,
        "volunteering/activities/activity_detail.html",
        {
            "activity": activity,
            "rows": rows,
            "length": actions.activity_hours(activity),
            "can_organise": can_organise,
            "transitions": [
                t
                for t in actions.WORKFLOW.available(activity, user)
                if can_organise and t.name not in ("finish",)
            ],
            "can_finish": can_organise
            and activity.status in ("recruiting", "closed")
            and activity.starts_at <= calendar.now(),
            "can_edit": can_organise and activity.status in actions.EDITABLE,
            "attendance_open": activity.status in ("recruiting", "closed", "finished"),
            "finished": activity.status == "finished",
            "attendance_form": forms.StaffAttendanceForm(
                initial={"at": calendar.localtime().replace(tzinfo=None, second=0, microsecond=0)}
            ),
            "rating_form": forms.RatingForm(),
            "finish_form": forms.FinishForm(),
        },
    )


@permission_required(Perm.ORGANISE)
@require_POST
def activity_transition(request: HttpRequest, activity_code: str) -> HttpResponse:
    user: Any = request.user
    activity = queries.activity_detail(user, activity_code, Perm.ORGANISE)
    name = request.POST.get("transition", "")
    try:
        if name == "finish":
            form = forms.FinishForm(request.POST)
            run_action(
                request,
                form,
                lambda data: actions.transition_activity(
                    activity=activity, name="finish", by=user, **data
                ),
                _("活动已结束，请逐一确认志愿者的服务时长。"),
            )
            return _roster_url(activity)
        transition = actions.WORKFLOW.get(name)
        actions.transition_activity(activity=activity, name=name, by=user)
        messages.success(request, _("已%(label)s。") % {"label": transition.label})
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _roster_url(activity)


# --- Staff: the roster -----------------------------------------------------------------------------


def _roster_post(
    request: HttpRequest, activity_code: str, signup_id: int
) -> tuple[Any, VolunteerActivity, Any]:
    user: Any = request.user
    activity = queries.activity_detail(user, activity_code, Perm.ORGANISE)
    return user, activity, queries.signup_on(user, activity, signup_id)


@permission_required(Perm.ORGANISE)
@require_POST
def roster_attendance(request: HttpRequest, activity_code: str, signup_id: int) -> HttpResponse:
    user, activity, signup = _roster_post(request, activity_code, signup_id)
    form = forms.StaffAttendanceForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.record_attendance(
            signup=signup,
            direction=data["direction"],
            at=data["at"],
            by=user,
            method=AttendanceMethod.STAFF,
        ),
        lambda made: _("已为%(name)s代签。") % {"name": made.volunteer.resident.name},
    )
    return _roster_url(activity)


@permission_required(Perm.ORGANISE)
@require_POST
def roster_hours(request: HttpRequest, activity_code: str, signup_id: int) -> HttpResponse:
    user, activity, signup = _roster_post(request, activity_code, signup_id)
    form = forms.ConfirmHoursForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.confirm_hours(signup=signup, by=user, hours=data.get("hours")),
        lambda made: (
            _("已确认%(name)s的服务时长 %(hours)s 小时。")
            % {"name": signup.volunteer.resident.name, "hours": made.hours_confirmed}
        ),
    )
    return _roster_url(activity)


@permission_required(Perm.ORGANISE)
@require_POST
def roster_absent(request: HttpRequest, activity_code: str, signup_id: int) -> HttpResponse:
    user, activity, signup = _roster_post(request, activity_code, signup_id)
    try:
        actions.mark_absent(signup=signup, by=user)
        messages.success(request, _("已记为缺席。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    return _roster_url(activity)


@permission_required(Perm.ORGANISE)
@require_POST
def roster_rating(request: HttpRequest, activity_code: str, signup_id: int) -> HttpResponse:
    user, activity, signup = _roster_post(request, activity_code, signup_id)
    form = forms.RatingForm(request.POST)
    run_action(
        request,
        form,
        lambda data: actions.rate_volunteer(signup=signup, by=user, **data),
        _("评价已保存。"),
    )
    return _roster_url(activity)


# --- Staff: the organiser's phone, with the rotating QR code --------------------------------------


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@permission_required(Perm.ORGANISE)
@require_GET
@never_cache
def attendance_code(request: HttpRequest, activity_code: str) -> HttpResponse:
    user: Any = request.user
    activity = queries.activity_detail(user, activity_code, Perm.ORGANISE)
    mode = attendance.OUT if request.GET.get("mode") == attendance.OUT else attendance.IN
    now = calendar.now()
    window = attendance.window_at(now)
    open_now = activity.status in ("recruiting", "closed", "finished")
    token = attendance.make_token(activity, mode, window)
    link = request.build_absolute_uri(
        reverse("volunteering:attend", kwargs={"attendance_token": token})
    )
    # Reload just after the window turns, so the code on the screen is always the current one.
    refresh = attendance.WINDOW_SECONDS - int(now.timestamp()) % attendance.WINDOW_SECONDS + 1
    return render(
        request,
        "volunteering/activities/attendance_code.html",
        {
            "activity": activity,
            "mode": mode,
            "open_now": open_now,
            "qr_svg": _qr_svg(link) if open_now else "",
            # The same address as text, for a second screen or a test reading the page.
            "link": link if open_now else "",
            "short": attendance.short_code(activity, mode, window) if open_now else "",
            "refresh": refresh,
            "signed_in": activity.signups.filter(
                status=SignUpStatus.ENROLLED, signed_in_at__isnull=False
            ).count(),
            "signed_out": activity.signups.filter(
                status=SignUpStatus.ENROLLED, signed_out_at__isnull=False
            ).count(),
        },
    )


# --- Residents -------------------------------------------------------------------------------------


def _volunteer_or_page(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """The signed-in resident's active volunteer record, or the page explaining what to do first."""
    user: Any = request.user
    resident = actions.own_resident(user)
    volunteer = actions.own_volunteer(user) if resident is not None else None
    if volunteer is not None and volunteer.status == VolunteerStatus.ACTIVE:
        return volunteer, None
    return None, render(
        request,
        "volunteering/activities/not_volunteer.html",
        {
            "linked": resident is not None,
            "volunteer": volunteer,
            "own_url": _url_or_blank("registry:own"),
            "register_url": _url_or_blank("volunteering:my_register"),
        },
    )


@resident_only
@require_GET
def my_activities(request: HttpRequest) -> HttpResponse:
    volunteer, page = _volunteer_or_page(request)
    if page is not None:
        return page
    return render(
        request,
        "volunteering/activities/my_activities.html",
        {"mine": queries.my_activities(volunteer)},
    )


@resident_only
@require_GET
def browse_activities(request: HttpRequest) -> HttpResponse:
    volunteer, page = _volunteer_or_page(request)
    if page is not None:
        return page
    found, _query = paged(request, queries.browsable(volunteer), PER_PAGE)
    return render(request, "volunteering/activities/browse.html", {"page_obj": found})


@resident_only
@require_http_methods(GET_POST)
def my_activity(request: HttpRequest, activity_code: str) -> HttpResponse:
    volunteer, page = _volunteer_or_page(request)
    if page is not None:
        return page
    user: Any = request.user
    activity, signup = queries.resident_activity(volunteer, activity_code)
    code_form = forms.ShortCodeForm()
    rating_form = forms.RatingForm(
        initial={"rating": signup.activity_rating, "comment": signup.activity_comment}
        if signup is not None and signup.activity_rating
        else None
    )
    if request.method == "POST":
        step = request.POST.get("do", "")
        try:
            if step == "sign_up":
                made = actions.sign_up(activity=activity, by=user)
                if made.status == SignUpStatus.ENROLLED:
                    messages.success(request, _("报名成功。请按时参加，到场后扫码签到。"))
                else:
                    messages.success(
                        request,
                        _("名额已满，您已进入候补，排第%(n)d位。有人取消时会通知您。")
                        % {"n": actions.waitlist_position(made) or 1},
                    )
                return redirect(request.path)
            if step == "cancel" and signup is not None:
                actions.cancel_signup(signup=signup, by=user)
                messages.success(request, _("已取消报名。"))
                return redirect(request.path)
            if step == "code":
                code_form = forms.ShortCodeForm(request.POST)
                done = submit(
                    request,
                    code_form,
                    lambda data: actions.attend_with_short_code(
                        activity=activity, code=data["code"], by=user
                    ),
                    _attended_message,
                    lambda _made: redirect(request.path),
                    refusal_on_form=True,
                )
                if done:
                    return done
            elif step == "rate" and signup is not None:
                rating_form = forms.RatingForm(request.POST)
                done = submit(
                    request,
                    rating_form,
                    lambda data: actions.rate_activity(signup=signup, by=user, **data),
                    _("谢谢您的评价。"),
                    lambda _made: redirect(request.path),
                    refusal_on_form=True,
                )
                if done:
                    return done
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect(request.path)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
    now = calendar.now()
    return render(
        request,
        "volunteering/activities/my_activity.html",
        {
            "activity": activity,
            "signup": signup,
            "position": actions.waitlist_position(signup) if signup is not None else None,
            "places_left": max(activity.needed - activity.enrolled_count, 0),
            "can_sign_up": (signup is None or signup.status == SignUpStatus.CANCELLED)
            and activity.status == "recruiting"
            and activity.starts_at > now,
            "can_cancel": signup is not None
            and signup.status in (SignUpStatus.ENROLLED, SignUpStatus.WAITLISTED)
            and activity.starts_at > now,
            "can_attend": signup is not None
            and signup.status == SignUpStatus.ENROLLED
            and signup.signed_out_at is None
            and activity.status in ("recruiting", "closed", "finished")
            and activity.starts_at - actions.SIGN_IN_EARLY
            <= now
            <= activity.ends_at + actions.SIGN_OUT_LATE,
            "can_rate": signup is not None and signup.signed_in_at is not None,
            "code_form": code_form,
            "rating_form": rating_form,
        },
    )


def _attended_message(signup: Any) -> str:
    if signup.signed_out_at is not None:
        return _("签退成功，本次服务 %(hours)s 小时，待组织者确认。") % {
            "hours": signup.hours_computed
        }
    return _("签到成功，活动结束后请记得扫码签退。")


@resident_only
@require_http_methods(GET_POST)
def attend(request: HttpRequest, attendance_token: str) -> HttpResponse:
    """The page the QR code opens on the volunteer's phone: what it is for, and one button."""
    user: Any = request.user
    parsed = attendance.parse_token(attendance_token)
    activity = (
        VolunteerActivity.objects.select_related("region").filter(pk=parsed.activity_id).first()
        if parsed is not None
        else None
    )
    problem = ""
    if parsed is None or activity is None or not attendance.signature_matches(activity, parsed):
        problem = _("签到码无效，请扫描组织者手机上显示的二维码。")
    elif not attendance.window_is_current(parsed.window):
        problem = _("签到码已过期（二维码每30秒更换一次），请重新扫描组织者手机上的二维码。")
    volunteer = None
    signup = None
    if not problem:
        volunteer, page = _volunteer_or_page(request)
        if page is not None:
            return page
        signup = activity.signups.filter(volunteer=volunteer).first() if activity else None
        if signup is None or signup.status == SignUpStatus.CANCELLED:
            problem = _("您没有报名这个活动，不能签到。")
    if request.method == "POST" and not problem:
        try:
            made = actions.attend_with_token(token=attendance_token, by=user)
            messages.success(request, _attended_message(made))
            return redirect("volunteering:my_activity", activity_code=made.activity.code)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        except PermissionDenied as exc:
            problem = str(exc)
    return render(
        request,
        "volunteering/activities/attend.html",
        {
            "problem": problem,
            # The activity is shown only to a volunteer on its roster with a good code.
            "activity": activity if signup is not None and not problem else None,
            "signup": signup if not problem else None,
            "direction": parsed.direction if parsed is not None else "",
        },
        status=200,
    )


urls: list[URLPattern] = [
    path("activities/", activity_list, name="activity_list"),
    path("activities/new/", activity_new, name="activity_new"),
    path("activities/<str:activity_code>/", activity_detail, name="activity_detail"),
    path("activities/<str:activity_code>/edit/", activity_edit, name="activity_edit"),
    path(
        "activities/<str:activity_code>/transition/",
        activity_transition,
        name="activity_transition",
    ),
    path("activities/<str:activity_code>/attendance/", attendance_code, name="activity_attendance"),
    path(
        "activities/<str:activity_code>/roster/<int:signup_id>/attendance/",
        roster_attendance,
        name="roster_attendance",
    ),
    path(
        "activities/<str:activity_code>/roster/<int:signup_id>/hours/",
        roster_hours,
        name="roster_hours",
    ),
    path(
        "activities/<str:activity_code>/roster/<int:signup_id>/absent/",
        roster_absent,
        name="roster_absent",
    ),
    path(
        "activities/<str:activity_code>/roster/<int:signup_id>/rating/",
        roster_rating,
        name="roster_rating",
    ),
    path("me/activities/", my_activities, name="my_activities"),
    path("me/activities/browse/", browse_activities, name="browse_activities"),
    path("me/activities/<str:activity_code>/", my_activity, name="my_activity"),
    path("attend/<str:attendance_token>/", attend, name="attend"),
]
