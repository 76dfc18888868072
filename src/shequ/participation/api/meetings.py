"""The meetings API, under ``/api/v1/participation``:

- ``GET /bodies``, ``GET /bodies/{body_id}``, ``GET /meetings`` (``?status=&kind=``),
  ``GET /meetings/{meeting_id}`` — staff, scoped;
- ``GET /polls/{poll_id}`` — staff in scope, or a resident of the poll's community; counts per option
  only once the poll is closed;
- ``POST /meetings/{meeting_id}/sign-in``, ``POST /polls/{poll_id}/vote`` — verified residents of the
  community;
- ``GET /deliberation-coverage?region=&period=&on=`` — indicator 5 with its child regions;
- staff holding ``MEETINGS`` over the community, as the pages do:
  ``POST /bodies``, ``PATCH /bodies/{body_id}``, ``POST /bodies/{body_id}/members``,
  ``POST /body-members/{body_member_id}/end``; ``POST /meetings``, ``PATCH /meetings/{meeting_id}``
  (with the ``version`` read; someone else's edit in between → 409),
  ``POST /meetings/{meeting_id}/agenda``, ``/invitations``, ``/transitions`` (open, close, cancel),
  ``/sign-for`` (a resident without a phone), ``/minutes`` (save or publish), ``/decisions``;
  ``POST /polls``, ``POST /polls/{poll_id}/transitions`` (open with ``closes_at``, close),
  ``POST /polls/{poll_id}/ballots`` (an in-person ballot for a named resident).

Errors as ``core.api``: no permission → 403; outside the jurisdiction or unknown → 404 (a body field
pointing there too, named); the action's refusal → 403 or 422 with ``detail`` and the field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core import calendar
from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    conflict,
    invalid,
    not_found,
    user_with,
)
from shequ.participation.actions import meetings as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.models.deliberation import Topic
from shequ.participation.models.meetings import (
    AgendaItem,
    BodyMember,
    DeliberationBody,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    Poll,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import meetings as queries
from shequ.participation.queries import residents as people
from shequ.participation.schemas_meetings import (
    AgendaIn,
    AgendaOut,
    BallotIn,
    BodyDetailOut,
    BodyIn,
    BodyOut,
    BodyPatchIn,
    CoverageOut,
    DecisionIn,
    DecisionOut,
    InviteIn,
    InviteOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    MeetingPatchIn,
    MeetingTransitionIn,
    MemberEndIn,
    MemberIn,
    MemberOut,
    MinutesIn,
    PollIn,
    PollOut,
    PollTransitionIn,
    SignForIn,
    VoteIn,
)
from shequ.territory.models import Region

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {"option": "option_id"}
# The staff endpoints' body fields, by the names the actions give them.
STAFF_FIELDS = {
    "option": "option_id",
    "community": "community_code",
    "body": "body_id",
    "resident": "resident_id",
    "residents": "resident_ids",
    "topic": "topic_id",
    "meeting": "meeting_id",
    # The deliberation action names the decision text ``decision``.
    "decision": "text",
}


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


# --- Staff: the writes the pages make --------------------------------------------------------------
# Every object comes through the scoped query with ``MEETINGS`` (404 outside the jurisdiction); the
# action checks the permission over the community again with ``by=user``.

CONFLICT = {409: ErrorOut}


def _manager(request: HttpRequest) -> Any:
    return user_with(request, Perm.MEETINGS)


def _local(value: datetime | None) -> datetime | None:
    """A time as sent; without a time zone it is local time."""
    return calendar.localtime(value) if value is not None else None


def _community(user: Any, code: str) -> Region:
    code = (code or "").strip()
    if not code:
        raise invalid("community_code", _("请填写村(社区)代码。"))
    found = queries.manageable_communities(user).filter(code=code).first()
    if found is None:
        raise not_found("community_code", _("找不到该村(社区)，或不在您的管辖范围内。"))
    return found


def _body(user: Any, body_id: int, field: str = "body_id") -> DeliberationBody:
    try:
        return queries.body_detail(user, body_id, Perm.MEETINGS)
    except Http404:
        raise not_found(field) from None


def _meeting(user: Any, meeting_id: int, field: str = "meeting_id") -> Meeting:
    try:
        return queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    except Http404:
        raise not_found(field) from None


def _poll(user: Any, poll_id: int) -> Poll:
    try:
        return queries.poll_detail(user, poll_id, Perm.MEETINGS)
    except Http404:
        raise not_found("poll_id") from None


def _topic(user: Any, topic_id: int) -> Topic:
    try:
        return queries.manageable_topic(user, topic_id)
    except Http404:
        raise not_found("topic_id") from None


def _resident(user: Any, community: Region, resident_id: int, field: str = "resident_id") -> Any:
    try:
        return people.community_resident(user, community, resident_id, Perm.MEETINGS)
    except Http404:
        raise not_found(field) from None


def _step(workflow: Any, value: str) -> str:
    """A transition of ``workflow`` by name; anything else is a 422 on ``transition``."""
    if value not in {t.name for t in workflow.transitions}:
        raise invalid("transition", _("取值不正确：%(v)s。") % {"v": value})
    return value


def _fresh_body(user: Any, body: DeliberationBody) -> DeliberationBody:
    return queries.bodies(user).filter(pk=body.pk).first() or body


def _fresh_meeting(user: Any, meeting: Meeting) -> Meeting:
    return queries.meetings(user).filter(pk=meeting.pk).first() or meeting


def _staff_poll(user: Any, poll: Poll) -> dict[str, Any]:
    return _poll_out(queries.poll_detail(user, poll.pk, Perm.MEETINGS), None)


@router.post(
    "/bodies", response={201: BodyDetailOut, **ERRORS}, summary="建立议事协商组织（本辖区村(社区)）"
)
def create_body(request: HttpRequest, payload: BodyIn) -> Status[DeliberationBody]:
    user = _manager(request)
    community = _community(user, payload.community_code)
    with acting(STAFF_FIELDS):
        made = actions.create_body(
            by=user,
            community=community,
            kind=payload.kind,
            name=payload.name,
            constituted_on=payload.constituted_on,
            rules=payload.rules,
        )
    return Status(201, _fresh_body(user, made))


@router.patch(
    "/bodies/{body_id}",
    response={200: BodyDetailOut, **ERRORS},
    summary="修改议事协商组织（名称、类型、成立和撤销日期、议事规则）；只改提交的字段",
)
def update_body(request: HttpRequest, body_id: int, payload: BodyPatchIn) -> DeliberationBody:
    user = _manager(request)
    body = _body(user, body_id, "body_id")
    changes = payload.model_dump(exclude_unset=True)
    for name in ("kind", "name", "rules"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    with acting(STAFF_FIELDS):
        actions.update_body(body=body, by=user, **changes)
    return _fresh_body(user, body)


@router.post(
    "/bodies/{body_id}/members",
    response={201: MemberOut, **ERRORS},
    summary="增加议事组织成员：本村(社区)居民，或驻区单位代表等（填姓名和单位）",
)
def add_member(request: HttpRequest, body_id: int, payload: MemberIn) -> Status[BodyMember]:
    user = _manager(request)
    body = _body(user, body_id)
    resident = None
    if payload.resident_id is not None:
        resident = _resident(user, body.community, payload.resident_id)
    with acting(STAFF_FIELDS):
        made = actions.add_member(
            body=body,
            by=user,
            resident=resident,
            name=payload.name,
            affiliation=payload.affiliation,
            role=payload.role,
            start_on=payload.start_on,
            end_on=payload.end_on,
        )
    return Status(201, made)


@router.post(
    "/body-members/{body_member_id}/end",
    response={200: MemberOut, **ERRORS},
    summary="结束议事组织成员的任期（默认今天）",
)
def end_member(request: HttpRequest, body_member_id: int, payload: MemberEndIn) -> BodyMember:
    user = _manager(request)
    try:
        member = queries.member_detail(user, body_member_id, Perm.MEETINGS)
    except Http404:
        raise not_found("body_member_id") from None
    with acting(STAFF_FIELDS):
        return actions.end_member(member=member, by=user, end_on=payload.end_on)


@router.post(
    "/meetings",
    response={201: MeetingDetailOut, **ERRORS},
    summary="安排议事会议（民生月谈、议事会、听证会、协商会）",
)
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Status[Meeting]:
    user = _manager(request)
    community = _community(user, payload.community_code)
    body = None
    if payload.body_id is not None:
        body = _body(user, payload.body_id)
    with acting(STAFF_FIELDS):
        made = actions.create_meeting(
            by=user,
            community=community,
            kind=payload.kind,
            title=payload.title,
            starts_at=_local(payload.starts_at),
            place=payload.place,
            body=body,
        )
    return Status(201, _fresh_meeting(user, made))


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, **CONFLICT, **ERRORS},
    summary="修改尚未开始的会议：带上读取时的 version；期间有人改过则 409；只改提交的字段",
)
def update_meeting(request: HttpRequest, meeting_id: int, payload: MeetingPatchIn) -> Meeting:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("kind", "title", "place"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    if "starts_at" in changes:
        changes["starts_at"] = _local(changes["starts_at"])
    if "body_id" in changes:
        body_id = changes.pop("body_id")
        changes["body"] = _body(user, body_id) if body_id is not None else None
    stale = conflict("version", _("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    if meeting.version != payload.version:
        raise stale
    try:
        with acting(STAFF_FIELDS):
            actions.update_meeting(meeting=meeting, by=user, version=payload.version, **changes)
    except ApiError as exc:
        # The action refuses a stale version and a meeting that has begun with one message. Which
        # it was is read from the data: if the version moved on since this request read it,
        # someone else's edit committed in between — a conflict.
        current = Meeting.objects.filter(pk=meeting.pk).values_list("version", flat=True).first()
        if exc.status == 422 and current != payload.version:
            raise stale from None
        raise
    return _fresh_meeting(user, meeting)


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaOut, **ERRORS},
    summary="加入议程：填写内容，或选择本村(社区)已立案、协商中的议题",
)
def add_agenda_item(request: HttpRequest, meeting_id: int, payload: AgendaIn) -> Status[AgendaItem]:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    topic = _topic(user, payload.topic_id) if payload.topic_id is not None else None
    with acting(STAFF_FIELDS):
        made = actions.add_agenda_item(meeting=meeting, by=user, title=payload.title, topic=topic)
    return Status(201, made)


@router.post(
    "/meetings/{meeting_id}/invitations",
    response={200: InviteOut, **ERRORS},
    summary="发出会议邀请：议事组织在任成员和/或所选居民；已邀请的不重复",
)
def invite(request: HttpRequest, meeting_id: int, payload: InviteIn) -> dict[str, Any]:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    residents = [
        _resident(user, meeting.community, i, "resident_ids")
        for i in dict.fromkeys(payload.resident_ids)
    ]
    with acting(STAFF_FIELDS):
        made = actions.invite(
            meeting=meeting, by=user, residents=residents, members=payload.members
        )
    return {
        "meeting_id": meeting.pk,
        "invited": len(made),
        "invitations": meeting.invitations.count(),
    }


@router.post(
    "/meetings/{meeting_id}/transitions",
    response={200: MeetingDetailOut, **ERRORS},
    summary="开始会议、结束会议（可填参会单位）或取消尚未开始的会议",
)
def transition(request: HttpRequest, meeting_id: int, payload: MeetingTransitionIn) -> Meeting:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    name = _step(actions.MEETING_WORKFLOW, payload.transition)
    with acting(STAFF_FIELDS):
        actions.transition(
            meeting=meeting,
            name=name,
            by=user,
            organisations=payload.organisations,
            reason=payload.reason,
        )
    return _fresh_meeting(user, meeting)


@router.post(
    "/meetings/{meeting_id}/sign-for",
    response={200: MeetingOut, **ERRORS},
    summary="工作人员为没有手机的居民代签到（会议进行中）",
)
def sign_for(request: HttpRequest, meeting_id: int, payload: SignForIn) -> Meeting:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    resident = _resident(user, meeting.community, payload.resident_id)
    with acting(STAFF_FIELDS):
        actions.sign_for(meeting=meeting, by=user, resident=resident)
    return _fresh_meeting(user, meeting)


@router.post(
    "/meetings/{meeting_id}/minutes",
    response={200: MeetingDetailOut, **ERRORS},
    summary="保存会议纪要；会议结束后可公开（公开后不能再修改）",
)
def save_minutes(request: HttpRequest, meeting_id: int, payload: MinutesIn) -> Meeting:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    with acting(STAFF_FIELDS):
        actions.save_minutes(
            meeting=meeting, by=user, minutes=payload.minutes, publish=payload.publish
        )
    return _fresh_meeting(user, meeting)


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DecisionOut, **ERRORS},
    summary="记录会议决定；对议程中的议题作出决定时，议题同时进入“已形成决定”",
)
def record_decision(
    request: HttpRequest, meeting_id: int, payload: DecisionIn
) -> Status[MeetingDecision]:
    user = _manager(request)
    meeting = _meeting(user, meeting_id)
    topic = _topic(user, payload.topic_id) if payload.topic_id is not None else None
    with acting(STAFF_FIELDS):
        made = actions.record_decision(meeting=meeting, by=user, text=payload.text, topic=topic)
    return Status(201, made)


@router.post(
    "/polls",
    response={201: PollOut, **ERRORS},
    summary="建立表决（至少两个不同选项）；可关联本村(社区)的会议或议题",
)
def create_poll(request: HttpRequest, payload: PollIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    meeting = _meeting(user, payload.meeting_id) if payload.meeting_id is not None else None
    topic = _topic(user, payload.topic_id) if payload.topic_id is not None else None
    code = payload.community_code
    if not code.strip():
        place = meeting.community if meeting is not None else topic.community if topic else None
        code = place.code if place is not None else ""
    community = _community(user, code)
    with acting(STAFF_FIELDS):
        made = actions.create_poll(
            by=user,
            community=community,
            question=payload.question,
            options=payload.options,
            meeting=meeting,
            topic=topic,
        )
    return Status(201, _staff_poll(user, made))


@router.post(
    "/polls/{poll_id}/transitions",
    response={200: PollOut, **ERRORS},
    summary="开始表决（须填截止时间）或结束表决",
)
def poll_transition(
    request: HttpRequest, poll_id: int, payload: PollTransitionIn
) -> dict[str, Any]:
    user = _manager(request)
    poll = _poll(user, poll_id)
    name = _step(actions.POLL_WORKFLOW, payload.transition)
    with acting(STAFF_FIELDS):
        actions.poll_transition(poll=poll, name=name, by=user, closes_at=_local(payload.closes_at))
    return _staff_poll(user, poll)


@router.post(
    "/polls/{poll_id}/ballots",
    response={200: PollOut, **ERRORS},
    summary="登记现场投票（纸质票或举手表决），每人一票",
)
def record_ballot(request: HttpRequest, poll_id: int, payload: BallotIn) -> dict[str, Any]:
    user = _manager(request)
    poll = _poll(user, poll_id)
    resident = _resident(user, poll.community, payload.resident_id)
    with acting(STAFF_FIELDS):
        actions.record_ballot(poll=poll, by=user, resident=resident, option=payload.option_id)
    return _staff_poll(user, poll)
