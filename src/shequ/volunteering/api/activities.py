"""The activities API, under ``/api/v1/volunteering``:

- staff: ``GET``/``POST /activities``; ``GET /activities/{activity_code}``;
  ``POST /activities/{activity_code}/transitions``; ``GET /activities/{activity_code}/roster``;
  ``POST /activities/{activity_code}/roster/{signup_id}/attendance`` (staff sign-in/out),
  ``.../hours`` (confirm hours), ``.../rating``;
- residents (active volunteers): ``GET /me/activities``; ``POST /me/activities/{activity_code}/sign-up``,
  ``POST /me/activities/{activity_code}/cancel``, ``POST /me/attend`` (the scanned token).

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; the
action's ``ValidationError`` → 422 with the field named."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.territory.api import region_path
from shequ.territory.queries import region_in_scope
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    AttendanceMethod,
    TargetGroup,
    VolunteerActivity,
    VolunteerStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import activities as queries
from shequ.volunteering.schemas_activities import (
    ActivityIn,
    ActivityOut,
    AttendanceIn,
    HoursIn,
    MySignUpOut,
    RatingIn,
    SignUpOut,
    TokenIn,
    TransitionIn,
)

router = Router(tags=["volunteering"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = VolunteeringPerm.VIEW
ORGANISE = VolunteeringPerm.ORGANISE


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, _("请填写有效日期，例如 2026-03-01。")) from None


def _activity(user: Any, code: str, perm: str = VIEW) -> VolunteerActivity:
    return queries.activity_detail(user, code, perm)


# --- Staff ------------------------------------------------------------------------------------------


@router.get(
    "/activities",
    response={200: list[ActivityOut], **ERRORS},
    summary="志愿服务活动（本辖区）：按状态、服务对象、区域、开始日期筛选",
)
@paginate(PagePagination)
def list_activities(
    request: HttpRequest,
    status: str = Query(""),
    target_group: str = Query(""),
    region: str = Query("", max_length=12),
    date_from: str = Query("", max_length=10, description="YYYY-MM-DD"),
    date_to: str = Query("", max_length=10, description="YYYY-MM-DD"),
) -> QuerySet[VolunteerActivity]:
    user = user_with(request, VIEW)
    filters = queries.ActivityFilters(
        status=choice(status, ActivityStatus, "status"),
        target_group=choice(target_group, TargetGroup, "target_group"),
        region_path=region_path(user, region, VIEW),
        date_from=_day(date_from, "date_from"),
        date_to=_day(date_to, "date_to"),
    )
    return queries.activities(user, filters)


@router.post(
    "/activities",
    response={201: ActivityOut, **ERRORS},
    summary="发布活动（草稿）：须在本辖区的某个村(社区)",
)
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[VolunteerActivity]:
    user = user_with(request, ORGANISE)
    try:
        region = region_in_scope(user, payload.region_code.strip(), ORGANISE)
    except Http404:
        raise not_found("region_code", _("找不到该村(社区)，或不在您的管辖范围内。")) from None
    team = None
    if payload.team_id is not None:
        team = queries.organisable_teams(user).filter(pk=payload.team_id).first()
        if team is None:
            raise not_found("team_id", _("找不到该志愿服务队，或不在您的管辖范围内。"))
    with acting({"region": "region_code", "team": "team_id"}):
        made = actions.create_activity(
            by=user,
            region=region,
            team=team,
            **payload.model_dump(exclude={"region_code", "team_id"}),
        )
    return Status(201, _activity(user, made.code))


@router.get("/activities/{activity_code}", response={200: ActivityOut, **ERRORS})
def get_activity(request: HttpRequest, activity_code: str) -> VolunteerActivity:
    return _activity(user_with(request, VIEW), activity_code)


@router.post(
    "/activities/{activity_code}/transitions",
    response={200: ActivityOut, **ERRORS},
    summary="publish 发布招募、close 结束招募、finish 活动结束（填服务人次和小结）、settle 确认全部时长、cancel 取消",
)
def transition(
    request: HttpRequest, activity_code: str, payload: TransitionIn
) -> VolunteerActivity:
    user = user_with(request, ORGANISE)
    activity = _activity(user, activity_code, ORGANISE)
    with acting():
        actions.transition_activity(
            activity=activity,
            name=payload.name,
            by=user,
            people_served=payload.people_served,
            summary=payload.summary,
        )
    return _activity(user, activity_code)


@router.get(
    "/activities/{activity_code}/roster",
    response={200: list[SignUpOut], **ERRORS},
    summary="报名名单：报名、候补、签到签退、计算和确认的时长、评价",
)
def roster(request: HttpRequest, activity_code: str) -> list[ActivitySignUp]:
    user = user_with(request, VIEW)
    return queries.roster(_activity(user, activity_code))


def _row(request: HttpRequest, activity_code: str, signup_id: int) -> tuple[Any, ActivitySignUp]:
    user = user_with(request, ORGANISE)
    activity = _activity(user, activity_code, ORGANISE)
    try:
        return user, queries.signup_on(user, activity, signup_id)
    except Http404:
        raise not_found("signup_id") from None


@router.post(
    "/activities/{activity_code}/roster/{signup_id}/attendance",
    response={200: SignUpOut, **ERRORS},
    summary="工作人员代签到、代签退（时间须在签到签退时段内）",
)
def staff_attendance(
    request: HttpRequest, activity_code: str, signup_id: int, payload: AttendanceIn
) -> ActivitySignUp:
    user, signup = _row(request, activity_code, signup_id)
    with acting():
        actions.record_attendance(
            signup=signup,
            direction=payload.direction,
            at=payload.at,
            by=user,
            method=AttendanceMethod.STAFF,
        )
    return queries.signup_on(user, signup.activity, signup.pk)


@router.post(
    "/activities/{activity_code}/roster/{signup_id}/hours",
    response={200: SignUpOut, **ERRORS},
    summary="确认服务时长：默认按计算时长，可以调低，不能超过活动时长，确认后不能修改",
)
def confirm_hours(
    request: HttpRequest, activity_code: str, signup_id: int, payload: HoursIn
) -> ActivitySignUp:
    user, signup = _row(request, activity_code, signup_id)
    with acting():
        actions.confirm_hours(signup=signup, by=user, hours=payload.hours)
    return queries.signup_on(user, signup.activity, signup.pk)


@router.post(
    "/activities/{activity_code}/roster/{signup_id}/rating",
    response={200: SignUpOut, **ERRORS},
    summary="评价志愿者（1–5分）",
)
def rate_volunteer(
    request: HttpRequest, activity_code: str, signup_id: int, payload: RatingIn
) -> ActivitySignUp:
    user, signup = _row(request, activity_code, signup_id)
    with acting():
        actions.rate_volunteer(signup=signup, by=user, **payload.model_dump())
    return queries.signup_on(user, signup.activity, signup.pk)


# --- Residents --------------------------------------------------------------------------------------


def _volunteer(request: HttpRequest) -> tuple[Any, Any]:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("仅限居民本人使用。"))
    volunteer = actions.own_volunteer(user)
    if volunteer is None or volunteer.status != VolunteerStatus.ACTIVE:
        raise ApiError(
            403, "not_volunteer", _("您还不是在册志愿者，请先注册志愿者并等待社区审核。")
        )
    return user, volunteer


def _mine(signup: ActivitySignUp) -> dict[str, Any]:
    activity = queries.activities_for_signup(signup)
    return {
        "id": signup.pk,
        "activity": activity,
        "status": signup.status,
        "waitlist_position": actions.waitlist_position(signup),
        "signed_in_at": signup.signed_in_at,
        "signed_out_at": signup.signed_out_at,
        "hours_computed": signup.hours_computed,
        "hours_confirmed": signup.hours_confirmed,
    }


@router.get("/me/activities", response={200: list[MySignUpOut], **ERRORS})
def my_activities(request: HttpRequest) -> list[dict[str, Any]]:
    _user, volunteer = _volunteer(request)
    mine = queries.my_activities(volunteer)
    return [_mine(s) for s in [*mine.upcoming, *mine.attended]]


def _resident_activity(
    volunteer: Any, code: str
) -> tuple[VolunteerActivity, ActivitySignUp | None]:
    try:
        return queries.resident_activity(volunteer, code)
    except Http404:
        raise not_found("activity_code") from None


@router.post(
    "/me/activities/{activity_code}/sign-up",
    response={201: MySignUpOut, **ERRORS},
    summary="报名：有名额即报名成功，否则进入候补",
)
def sign_up(request: HttpRequest, activity_code: str) -> Status[dict[str, Any]]:
    user, volunteer = _volunteer(request)
    activity, _signup = _resident_activity(volunteer, activity_code)
    with acting():
        made = actions.sign_up(activity=activity, by=user)
    return Status(201, _mine(made))


@router.post(
    "/me/activities/{activity_code}/cancel",
    response={200: MySignUpOut, **ERRORS},
    summary="活动开始前取消报名（候补第一位自动递补）",
)
def cancel(request: HttpRequest, activity_code: str) -> dict[str, Any]:
    user, volunteer = _volunteer(request)
    _activity_found, signup = _resident_activity(volunteer, activity_code)
    if signup is None:
        raise not_found("activity_code", _("您没有报名这个活动。"))
    with acting():
        made = actions.cancel_signup(signup=signup, by=user)
    return _mine(made)


@router.post(
    "/me/attend",
    response={200: MySignUpOut, **ERRORS},
    summary="扫码签到或签退：提交二维码中的签到码（30秒更换，一分钟内有效）",
)
def attend(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    user, _volunteer_found = _volunteer(request)
    with acting():
        made = actions.attend_with_token(token=payload.token, by=user)
    return _mine(made)
