"""The volunteers API, under ``/api/v1/volunteering``:

- ``GET /volunteers`` (scoped, filters ``q``, ``status``, ``skill``, ``team_id``, ``region``);
  ``GET /volunteers/{volunteer_id}``; ``POST /volunteers/{volunteer_id}/decide``;
- ``GET``/``POST /teams``; ``GET /teams/{team_id}`` (with members); ``POST /teams/{team_id}/members``;
- join requests: ``POST /me/teams/{team_id}/join`` (the resident asks), ``GET /teams/{team_id}/requests``
  (pending, staff), ``POST /teams/{team_id}/requests/{join_request_id}/decide``.

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; the
action's ``ValidationError`` → 422 with the field named. No ID number or phone goes out.
"""

from __future__ import annotations

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
    not_found,
    user_with,
)
from shequ.territory.api import region_path
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import (
    Skill,
    TeamCategory,
    TeamJoinRequest,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import volunteers as queries
from shequ.volunteering.schemas_volunteers import (
    DecideIn,
    JoinIn,
    JoinRequestOut,
    MemberIn,
    MemberOut,
    TeamDetailOut,
    TeamIn,
    TeamOut,
    VolunteerDetailOut,
    VolunteerOut,
)

router = Router(tags=["volunteering"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = VolunteeringPerm.VIEW
MANAGE = VolunteeringPerm.MANAGE


def _detail(volunteer: Volunteer) -> VolunteerDetailOut:
    summary = queries.volunteer_summary(volunteer, history=0)
    out = VolunteerDetailOut.from_orm(volunteer)
    out.hours = float(summary.hours)
    out.stars = summary.stars
    out.points_total = summary.points
    out.activities = summary.activities
    out.teams = [m.team.name for m in summary.teams]
    return out


@router.get(
    "/volunteers",
    response={200: list[VolunteerOut], **ERRORS},
    summary="志愿者（本辖区）：编号、姓名、注册社区、状态、技能",
)
@paginate(PagePagination)
def list_volunteers(
    request: HttpRequest,
    q: str = Query("", max_length=30),
    status: str = Query(""),
    skill: str = Query(""),
    team_id: int | None = Query(None),
    region: str = Query("", max_length=12),
) -> QuerySet[Volunteer]:
    user = user_with(request, VIEW)
    filters = queries.VolunteerFilters(
        q=q,
        status=choice(status, VolunteerStatus, "status"),
        skill=choice(skill, Skill, "skill"),
        team=team_id,
        region_path=region_path(user, region, VIEW),
    )
    return queries.search_volunteers(user, filters)


@router.get("/volunteers/{volunteer_id}", response={200: VolunteerDetailOut, **ERRORS})
def get_volunteer(request: HttpRequest, volunteer_id: int) -> VolunteerDetailOut:
    user = user_with(request, VIEW)
    return _detail(queries.volunteer_detail(user, volunteer_id))


@router.post(
    "/volunteers/{volunteer_id}/decide",
    response={200: VolunteerDetailOut, **ERRORS},
    summary="审核志愿者注册：通过，或不通过并说明原因；已处理过的 422",
)
def decide_volunteer(
    request: HttpRequest, volunteer_id: int, payload: DecideIn
) -> VolunteerDetailOut:
    user = user_with(request, MANAGE)
    volunteer = queries.volunteer_detail(user, volunteer_id, MANAGE)
    with acting():
        actions.decide_volunteer(
            volunteer=volunteer, approve=payload.approve, by=user, note=payload.note
        )
    return _detail(queries.volunteer_detail(user, volunteer_id))


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, summary="志愿服务队（本辖区）")
@paginate(PagePagination)
def list_teams(
    request: HttpRequest,
    q: str = Query("", max_length=40),
    category: str = Query(""),
    region: str = Query("", max_length=12),
) -> QuerySet[VolunteerTeam]:
    user = user_with(request, VIEW)
    filters = queries.TeamFilters(
        q=q,
        category=choice(category, TeamCategory, "category"),
        region_path=region_path(user, region, VIEW),
    )
    return queries.search_teams(user, filters)


def _team_out(team: VolunteerTeam) -> TeamDetailOut:
    out = TeamDetailOut.from_orm(team)
    out.members = [MemberOut.from_orm(m) for m in queries.team_members(team)]
    return out


@router.get("/teams/{team_id}", response={200: TeamDetailOut, **ERRORS})
def get_team(request: HttpRequest, team_id: int) -> TeamDetailOut:
    user = user_with(request, VIEW)
    return _team_out(queries.team_detail(user, team_id))


@router.post(
    "/teams",
    response={201: TeamDetailOut, **ERRORS},
    summary="成立志愿服务队（村(社区)、镇(街道)或县(市、区)）",
)
def create_team(request: HttpRequest, payload: TeamIn) -> Status[TeamDetailOut]:
    user = user_with(request, MANAGE)
    try:
        region = queries.territory.region_in_scope(user, payload.region_code, MANAGE)
    except Http404:
        raise not_found("region_code", _("找不到该地区，或不在您的管辖范围内。")) from None
    with acting({"region": "region_code"}):
        team = actions.create_team(
            region=region,
            by=user,
            name=payload.name,
            category=payload.category,
            description=payload.description,
        )
    return Status(201, _team_out(queries.team_detail(user, team.pk)))


@router.post(
    "/teams/{team_id}/members",
    response={201: TeamDetailOut, **ERRORS},
    summary="加入队员：本队所在区域内注册的在册志愿者（按志愿者编号）",
)
def add_member(request: HttpRequest, team_id: int, payload: MemberIn) -> Status[TeamDetailOut]:
    user = user_with(request, MANAGE)
    team = queries.team_detail(user, team_id, MANAGE)
    volunteer = queries.volunteer_by_number(user, payload.number)
    if volunteer is None:
        raise not_found("number", _("在您管辖范围内没有找到该编号的志愿者。"))
    with acting({"volunteer": "number"}):
        actions.add_member(team=team, volunteer=volunteer, by=user)
    return Status(201, _team_out(team))


# --- Join requests ----------------------------------------------------------------------------------


@router.post(
    "/me/teams/{team_id}/join",
    response={201: JoinRequestOut, **ERRORS},
    summary="居民本人申请加入志愿服务队（在册志愿者；党员志愿服务队限在册党员），等待审核",
)
def request_to_join(request: HttpRequest, team_id: int, payload: JoinIn) -> Status[JoinRequestOut]:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("仅限居民本人使用。"))
    team = queries.own_team(team_id)
    with acting():
        join = actions.request_to_join(team=team, by=user, note=payload.note)
    return Status(201, JoinRequestOut.from_orm(join))


@router.get(
    "/teams/{team_id}/requests",
    response={200: list[JoinRequestOut], **ERRORS},
    summary="本队待审核的入队申请",
)
def list_join_requests(request: HttpRequest, team_id: int) -> list[TeamJoinRequest]:
    user = user_with(request, MANAGE)
    team = queries.team_detail(user, team_id, MANAGE)
    return queries.team_join_requests(team)


@router.post(
    "/teams/{team_id}/requests/{join_request_id}/decide",
    response={200: JoinRequestOut, **ERRORS},
    summary="处理入队申请：同意（加入本队），或不同意并说明原因；已处理过的 422",
)
def decide_join_request(
    request: HttpRequest, team_id: int, join_request_id: int, payload: DecideIn
) -> JoinRequestOut:
    user = user_with(request, MANAGE)
    team = queries.team_detail(user, team_id, MANAGE)
    join = queries.join_request_in(team, join_request_id)
    with acting():
        decided = actions.decide_join_request(
            request=join, approve=payload.approve, by=user, note=payload.note
        )
    return JoinRequestOut.from_orm(decided)
