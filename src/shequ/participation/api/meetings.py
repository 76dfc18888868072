"""The meetings API, under ``/api/v1/participation``:

- ``GET /bodies``, ``GET /bodies/{body_id}``, ``GET /meetings`` (``?status=&kind=``),
  ``GET /meetings/{meeting_id}`` — staff, scoped;
- ``GET /polls/{poll_id}`` — staff in scope, or a resident of the poll's community; counts per option
  only once the poll is closed;
- ``POST /meetings/{meeting_id}/sign-in``, ``POST /polls/{poll_id}/vote`` — verified residents of the
  community;
- ``GET /deliberation-coverage?region=&period=&on=`` — indicator 5 with its child regions.

Errors as ``core.api``: no permission → 403; outside the jurisdiction or unknown → 404; the action's
refusal → 403 or 422 with ``detail``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from shequ.core import calendar
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
from shequ.participation.actions import meetings as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.models.meetings import (
    DeliberationBody,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Poll,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import meetings as queries
from shequ.participation.schemas_meetings import (
    BodyDetailOut,
    BodyOut,
    CoverageOut,
    MeetingDetailOut,
    MeetingOut,
    PollOut,
    VoteIn,
)

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {"option": "option_id"}


@router.get("/bodies", response={200: list[BodyOut], **ERRORS}, summary="议事协商组织（本辖区）")
@paginate(PagePagination)
def list_bodies(request: HttpRequest) -> QuerySet[DeliberationBody]:
    return queries.bodies(user_with(request, Perm.VIEW))


@router.get("/bodies/{body_id}", response={200: BodyDetailOut, **ERRORS})
def get_body(request: HttpRequest, body_id: int) -> DeliberationBody:
    user = user_with(request, Perm.VIEW)
    try:
        return queries.body_detail(user, body_id)
    except Http404:
        raise not_found("body_id") from None


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, summary="议事会议（本辖区）")
@paginate(PagePagination)
def list_meetings(
    request: HttpRequest, status: str = Query(""), kind: str = Query("")
) -> QuerySet[Meeting]:
    user = user_with(request, Perm.VIEW)
    filters = queries.MeetingFilters(
        status=choice(status, MeetingStatus, "status"), kind=choice(kind, MeetingKind, "kind")
    )
    return queries.meetings(user, filters)


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS})
def get_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    user = user_with(request, Perm.VIEW)
    try:
        return queries.meeting_detail(user, meeting_id)
    except Http404:
        raise not_found("meeting_id") from None


@router.post(
    "/meetings/{meeting_id}/sign-in",
    response={200: MeetingOut, **ERRORS},
    summary="居民本人签到（会议进行中）",
)
def sign_in(request: HttpRequest, meeting_id: int) -> Meeting:
    user: Any = request.user
    me = own_resident(user)
    meeting = None
    if me is not None:
        try:
            meeting = queries.resident_meeting(me, meeting_id)
        except Http404:
            meeting = None
    if meeting is None:
        meeting = Meeting.objects.select_related("community").filter(pk=meeting_id).first()
        if meeting is None or not getattr(user, "is_resident", False):
            raise not_found("meeting_id")
    with acting(FIELDS):
        actions.sign_in(meeting=meeting, user=user)
    return queries.meetings(user).filter(pk=meeting.pk).first() or meeting


def _poll_out(poll: Poll, voted: bool | None) -> dict[str, Any]:
    results = queries.poll_results(poll)
    votes = {r.option.pk: r.votes for r in results.options}
    return {
        "id": poll.pk,
        "community_code": poll.community.code,
        "meeting_id": poll.meeting_id,
        "topic_id": poll.topic_id,
        "question": poll.question,
        "status": poll.status,
        "closed": results.closed,
        "closes_at": poll.closes_at,
        "ballots": results.ballots,
        "voted": voted,
        "options": [
            {"id": o.pk, "label": o.label, "votes": votes.get(o.pk) if results.closed else None}
            for o in poll.options.all()
        ],
    }


def _poll_for(user: Any, poll_id: int) -> tuple[Poll, Any]:
    if getattr(user, "is_resident", False):
        me = own_resident(user)
        if me is not None:
            try:
                return queries.resident_poll(me, poll_id), me
            except Http404:
                pass
        # A verified resident of another community: the vote is refused with the reason.
        poll = Poll.objects.select_related("community").filter(pk=poll_id).first()
        if poll is None or poll.status == "draft":
            raise not_found("poll_id")
        return poll, me
    if not user.has_permission(Perm.VIEW):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    try:
        return queries.poll_detail(user, poll_id), None
    except Http404:
        raise not_found("poll_id") from None


@router.get("/polls/{poll_id}", response={200: PollOut, **ERRORS}, summary="表决：结束后公布结果")
def get_poll(request: HttpRequest, poll_id: int) -> dict[str, Any]:
    user: Any = request.user
    poll, me = _poll_for(user, poll_id)
    if getattr(user, "is_resident", False) and (me is None or me.community_id != poll.community_id):
        raise not_found("poll_id")
    return _poll_out(poll, queries.has_voted(poll, me) if me is not None else None)


@router.post(
    "/polls/{poll_id}/vote",
    response={200: PollOut, **ERRORS},
    summary="居民网上投票，每人一票",
)
def vote(request: HttpRequest, poll_id: int, payload: VoteIn) -> dict[str, Any]:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("此项操作只能由居民本人进行。"))
    poll, _me = _poll_for(user, poll_id)
    with acting(FIELDS):
        actions.vote(poll=poll, user=user, option=payload.option_id)
    return _poll_out(poll, True)


def _coverage(region: Any, start: date, end: date) -> dict[str, Any]:
    def row(figures: dict[str, Any]) -> dict[str, Any]:
        return {
            "region_code": figures["region"].code,
            "region_name": figures["region"].name,
            "start": start,
            "end": end,
            "communities": figures["communities"],
            "covered": figures["covered"],
            "share": figures["share"],
            "children": [],
        }

    out = row(queries.deliberation_coverage(region, start, end))
    out["children"] = [row(c) for c in queries.deliberation_coverage_by_child(region, start, end)]
    return out


@router.get(
    "/deliberation-coverage",
    response={200: list[CoverageOut], **ERRORS},
    summary="指标5：议事协商机构覆盖率（按月、季、年），含下级区域",
)
def deliberation_coverage(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    period: str = Query("month"),
    on: str = Query("", max_length=10, description="YYYY-MM-DD，所在统计周期的任一天"),
) -> list[dict[str, Any]]:
    user = user_with(request, Perm.STATISTICS)
    period = choice(period, ["month", "quarter", "year"], "period") or "month"
    day = calendar.localdate()
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise invalid("on", _("请填写有效日期，例如 2026-03-01。")) from None
    start, end = queries.period_bounds(period, day)
    if region:
        try:
            regions = [queries.statistics_region(user, region)]
        except Http404:
            raise not_found("region") from None
    else:
        regions = queries.statistics_roots(user)
    return [_coverage(r, start, end) for r in regions]
