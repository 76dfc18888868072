"""Writes about deliberation bodies, meetings and polls (P1).

Staff holding ``MEETINGS`` over the community keep its deliberation bodies (居民议事会 …) and their
members, schedule meetings (民生月谈 …) with an agenda and invitations, open the session, sign in
residents without phones, record minutes and decisions (a decision on an agenda topic moves the topic
to decided through the deliberation actions, in the same transaction), close the meeting and publish
the minutes. Polls put one question to the community's verified residents: one ballot each (a unique
constraint), online by the resident or in person recorded by staff; results once the poll is closed.

Meeting and poll states move through ``core.workflow.Workflow`` (a conditional UPDATE on ``version``),
so two clicks on the same button cannot both succeed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, notifications
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.deliberation import Topic
from shequ.participation.models.meetings import (
    AgendaItem,
    Attendance,
    AttendanceChannel,
    Ballot,
    BallotChannel,
    BodyKind,
    BodyMember,
    DeliberationBody,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    MemberRole,
    Poll,
    PollOption,
    PollStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
MS = MeetingStatus
PS = PollStatus
MAX_OPTIONS = 10
RESIDENT_MEETINGS_URL = "/participation/me/meetings/"

MEETING_WORKFLOW = Workflow(
    transitions=[
        Transition("open", (MS.SCHEDULED,), MS.IN_SESSION, Perm.MEETINGS, gettext_lazy("开始会议")),
        Transition("close", (MS.IN_SESSION,), MS.CLOSED, Perm.MEETINGS, gettext_lazy("结束会议")),
        Transition(
            "cancel",
            (MS.SCHEDULED,),
            MS.CANCELLED,
            Perm.MEETINGS,
            gettext_lazy("取消会议"),
            style="danger",
        ),
    ]
)

POLL_WORKFLOW = Workflow(
    transitions=[
        Transition("open", (PS.DRAFT,), PS.OPEN, Perm.MEETINGS, gettext_lazy("开始表决")),
        Transition("close", (PS.OPEN,), PS.CLOSED, Perm.MEETINGS, gettext_lazy("结束表决")),
    ]
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有管理议事会议的权限。")


def require(by: Any, community: Region) -> None:
    """``by`` (None = the system) manages meetings over ``community``."""
    require_place(by, Perm.MEETINGS, community.path, _refusal())


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _check_community(community: Region) -> None:
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("议事协商须在村(社区)开展，请选择一个村(社区)。")})


def _community_resident(resident: Resident, community: Region, field: str = "resident") -> Resident:
    if resident.community_id != community.pk:
        raise ValidationError(
            {field: _("%(name)s不是本村(社区)的居民。") % {"name": resident.name}}
        )
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError({field: _("%(name)s已不在册。") % {"name": resident.name}})
    return resident


# --- Deliberation bodies ----------------------------------------------------------------------------


def _clean_body(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    name = _text(values.get("name"), 100)
    constituted_on = values.get("constituted_on")
    dissolved_on = values.get("dissolved_on")
    if kind not in BodyKind.values:
        errors["kind"] = _("请选择议事组织类型。")
    if not name:
        errors["name"] = _("请填写议事组织名称。")
    if not isinstance(constituted_on, date):
        errors["constituted_on"] = _("请填写成立日期。")
    elif constituted_on > calendar.localdate():
        errors["constituted_on"] = _("成立日期不能晚于今天。")
    if dissolved_on is not None and not isinstance(dissolved_on, date):
        errors["dissolved_on"] = _("请填写有效日期。")
    elif (
        isinstance(dissolved_on, date)
        and isinstance(constituted_on, date)
        and dissolved_on < constituted_on
    ):
        errors["dissolved_on"] = _("撤销日期不能早于成立日期。")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "name": name,
        "constituted_on": constituted_on,
        "dissolved_on": dissolved_on,
        "rules": _text(values.get("rules"), 4000),
    }


@transaction.atomic
def create_body(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> DeliberationBody:
    """A deliberation body of a community (``values``: kind, name, constituted_on, rules)."""
    require(by, community)
    _check_community(community)
    cleaned = _clean_body(values)
    body = DeliberationBody.objects.create(
        community=community, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.body_create", obj=body, actor=by, fields=list(cleaned))
    return body


@transaction.atomic
def update_body(*, body: DeliberationBody, by: Any, **values: Any) -> DeliberationBody:
    """Edit the body's name, kind, dates and rules (its community stays)."""
    require(by, body.community)
    fields = ("kind", "name", "constituted_on", "dissolved_on", "rules")
    merged = {f: getattr(body, f) for f in fields}
    merged.update({k: v for k, v in values.items() if k in fields})
    cleaned = _clean_body(merged)
    before = {f: getattr(body, f) for f in fields}
    DeliberationBody.objects.filter(pk=body.pk).update(**cleaned)
    body.refresh_from_db()
    audit.record(
        "participation.body_update",
        obj=body,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return body


@transaction.atomic
def add_member(
    *,
    body: DeliberationBody,
    by: Any,
    resident: Resident | None = None,
    name: str = "",
    affiliation: str = "",
    role: str = MemberRole.MEMBER,
    start_on: date | None = None,
    end_on: date | None = None,
) -> BodyMember:
    """A member: a resident of the community, or an outside representative named with their unit."""
    require(by, body.community)
    errors: dict[str, str] = {}
    if body.dissolved_on is not None:
        raise ValidationError(_("该议事组织已撤销，不能再增加成员。"))
    if resident is not None:
        _community_resident(resident, body.community)
        name = resident.name
        if BodyMember.objects.filter(body=body, resident=resident, end_on__isnull=True).exists():
            errors["resident"] = _("%(name)s已经是该议事组织的成员。") % {"name": resident.name}
    else:
        name = _text(name, 60)
        if not name:
            errors["name"] = _("请选择一位居民，或填写驻区单位代表等成员的姓名。")
        elif not _text(affiliation, 100):
            errors["affiliation"] = _("非本村(社区)居民的成员请填写所在单位或身份。")
    if role not in MemberRole.values:
        errors["role"] = _("请选择职务。")
    if not isinstance(start_on, date):
        errors["start_on"] = _("请填写开始日期。")
    elif start_on < body.constituted_on:
        errors["start_on"] = _("开始日期不能早于议事组织成立日期。")
    if end_on is not None and isinstance(start_on, date) and end_on < start_on:
        errors["end_on"] = _("结束日期不能早于开始日期。")
    if errors:
        raise ValidationError(errors)
    assert start_on is not None
    member = BodyMember.objects.create(
        body=body,
        resident=resident,
        name=name,
        affiliation=_text(affiliation, 100),
        role=role,
        start_on=start_on,
        end_on=end_on,
    )
    audit.record(
        "participation.body_member_add",
        obj=member,
        actor=by,
        fields=["name", "role", "start_on"],
        region=body.community,
        object_repr=body.name,
    )
    return member


@transaction.atomic
def end_member(*, member: BodyMember, by: Any, end_on: date | None = None) -> BodyMember:
    """End a member's tenure (today unless told)."""
    body = DeliberationBody.objects.select_related("community").get(pk=member.body_id)
    require(by, body.community)
    end_on = end_on or calendar.localdate()
    if end_on < member.start_on:
        raise ValidationError({"end_on": _("结束日期不能早于开始日期。")})
    moved = BodyMember.objects.filter(pk=member.pk, end_on__isnull=True).update(end_on=end_on)
    if not moved:
        raise ValidationError(_("该成员的任期已经结束了。"))
    member.refresh_from_db()
    audit.record(
        "participation.body_member_end",
        obj=member,
        actor=by,
        fields=["end_on"],
        region=body.community,
        object_repr=body.name,
    )
    return member


# --- Meetings -------------------------------------------------------------------------------------


def _clean_meeting(values: dict[str, Any], community: Region) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    title = _text(values.get("title"), 100)
    place = _text(values.get("place"), 200)
    starts_at = values.get("starts_at")
    body = values.get("body")
    if kind not in MeetingKind.values:
        errors["kind"] = _("请选择会议类型。")
    if not title:
        errors["title"] = _("请填写会议名称。")
    if not place:
        errors["place"] = _("请填写会议地点。")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = _("请填写开始时间。")
    if body is not None:
        if not isinstance(body, DeliberationBody) or body.community_id != community.pk:
            errors["body"] = _("议事组织须为本村(社区)的议事组织。")
        elif body.dissolved_on is not None and body.dissolved_on < calendar.localdate():
            errors["body"] = _("该议事组织已撤销。")
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "title": title, "place": place, "starts_at": starts_at, "body": body}


@transaction.atomic
def create_meeting(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> Meeting:
    """Schedule a meeting (``values``: kind, title, starts_at, place, body)."""
    require(by, community)
    _check_community(community)
    cleaned = _clean_meeting(values, community)
    meeting = Meeting.objects.create(
        community=community, created_by=by, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.meeting_create", obj=meeting, actor=by, fields=list(cleaned))
    return meeting


@transaction.atomic
def update_meeting(
    *, meeting: Meeting, by: Any, version: int | None = None, **values: Any
) -> Meeting:
    """Edit a meeting that has not begun; ``version`` as read."""
    require(by, meeting.community)
    fields = ("kind", "title", "place", "starts_at", "body")
    merged = {f: getattr(meeting, f) for f in fields}
    merged.update({k: v for k, v in values.items() if k in fields})
    cleaned = _clean_meeting(merged, meeting.community)
    current = meeting.version if version is None else version
    moved = Meeting.objects.filter(pk=meeting.pk, version=current, status=MS.SCHEDULED).update(
        **cleaned, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("会议已开始、已结束或刚刚已被他人修改，请刷新页面查看最新状态。"))
    before = {f: getattr(meeting, f) for f in fields}
    meeting.refresh_from_db()
    audit.record(
        "participation.meeting_update",
        obj=meeting,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return meeting


def _live(meeting: Meeting) -> None:
    if meeting.status in (MS.CLOSED, MS.CANCELLED):
        raise ValidationError(_("会议已结束或已取消，不能再修改议程和邀请。"))


def agenda_topics(community: Region) -> Any:
    """Topics that may go on the agenda: the deliberation feature's list (admitted or under
    deliberation)."""
    from shequ.participation.queries import deliberation as topic_queries

    return topic_queries.topics_for_agenda(community)


@transaction.atomic
def add_agenda_item(
    *, meeting: Meeting, by: Any, title: str = "", topic: Topic | None = None
) -> AgendaItem:
    """An agenda item: free text, or a topic of the community admitted or under deliberation."""
    require(by, meeting.community)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _live(meeting)
    if topic is not None:
        if not agenda_topics(meeting.community).filter(pk=topic.pk).exists():
            raise ValidationError({"topic": _("只能把本村(社区)已立案或协商中的议题列入议程。")})
        if AgendaItem.objects.filter(meeting=meeting, topic=topic).exists():
            raise ValidationError({"topic": _("该议题已经在议程中了。")})
        title = _text(title, 200) or topic.title
    title = _text(title, 200)
    if not title:
        raise ValidationError({"title": _("请填写议程内容，或选择一个议题。")})
    position = AgendaItem.objects.filter(meeting=meeting).count() + 1
    item = AgendaItem.objects.create(meeting=meeting, position=position, title=title, topic=topic)
    audit.record(
        "participation.agenda_add", obj=meeting, actor=by, fields=["agenda"], object_repr=title
    )
    return item


@transaction.atomic
def invite(
    *,
    meeting: Meeting,
    by: Any,
    residents: Iterable[Resident] = (),
    members: bool = True,
) -> list[Invitation]:
    """Invite the body's current members (``members``) and chosen residents of the community; those
    already invited are left as they are. Residents with an account are told after commit."""
    require(by, meeting.community)
    meeting = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
    _live(meeting)
    wanted: list[tuple[Resident | None, str]] = []
    if members and meeting.body_id:
        today = calendar.localdate()
        current = BodyMember.objects.filter(body_id=meeting.body_id, start_on__lte=today).filter(
            Q(end_on__isnull=True) | Q(end_on__gte=today)
        )
        for member in current.select_related("resident"):
            wanted.append((member.resident, member.name))
    for person in residents:
        _community_resident(person, meeting.community)
        wanted.append((person, person.name))
    if not wanted:
        raise ValidationError(
            {"residents": _("请选择要邀请的居民（会议没有关联议事组织，或组织没有在任成员）。")}
        )
    invited_residents = set(
        Invitation.objects.filter(meeting=meeting, resident__isnull=False).values_list(
            "resident_id", flat=True
        )
    )
    invited_names = set(
        Invitation.objects.filter(meeting=meeting, resident__isnull=True).values_list(
            "name", flat=True
        )
    )
    made: list[Invitation] = []
    now = calendar.now()
    for resident, name in wanted:
        if resident is not None:
            if resident.pk in invited_residents:
                continue
            invited_residents.add(resident.pk)
        else:
            if name in invited_names:
                continue
            invited_names.add(name)
        made.append(Invitation(meeting=meeting, resident=resident, name=name, sent_at=now))
    if not made:
        raise ValidationError({"residents": _("所选的人都已经邀请过了。")})
    Invitation.objects.bulk_create(made)
    audit.record(
        "participation.meeting_invite",
        obj=meeting,
        actor=by,
        fields=["invitations"],
        reason=str(len(made)),
    )
    ids = [i.resident.pk for i in made if i.resident is not None]
    when = calendar.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    subject = gettext_lazy("会议邀请：%(title)s") % {"title": meeting.title}
    body_text = gettext_lazy("请于%(when)s到%(place)s参加“%(title)s”。") % {
        "when": when,
        "place": meeting.place,
        "title": meeting.title,
    }
    url = f"{RESIDENT_MEETINGS_URL}{meeting.pk}/"

    def tell() -> None:
        accounts = [
            r.account
            for r in Resident.objects.filter(pk__in=ids, account__isnull=False).select_related(
                "account"
            )
            if r.account is not None
        ]
        if accounts:
            notifications.notify(
                recipients=accounts,
                topic="participation.meetings",
                subject=subject,
                body=body_text,
                url=url,
                sms=True,
            )

    if ids:
        transaction.on_commit(tell)
    return made


def attendee_count(meeting: Meeting) -> int:
    return Attendance.objects.filter(meeting_id=meeting.pk).count()


@transaction.atomic
def transition(
    *, meeting: Meeting, name: str, by: Any, organisations: str = "", reason: str = ""
) -> Meeting:
    """Open the session, close it (the attendee count comes from the attendance; ``organisations``:
    the units that took part) or cancel a scheduled meeting."""
    require(by, meeting.community)
    changes: dict[str, Any] = {}
    if name == "close":
        changes["attendee_count"] = attendee_count(meeting)
        changes["organisations"] = _text(organisations, 400)
    step = MEETING_WORKFLOW.fire(meeting, name, by=by, **changes)
    audit.record(
        f"participation.meeting_{step.name}",
        obj=meeting,
        actor=by,
        fields=["status", *changes],
        reason=_text(reason, 300),
    )
    return meeting


def _in_session(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_related("community").get(pk=meeting.pk)
    if locked.status != MS.IN_SESSION:
        raise ValidationError(
            _("会议还没有开始，不能签到。")
            if locked.status == MS.SCHEDULED
            else _("会议已经结束，不能再签到。")
        )
    return locked


def _attend(meeting: Meeting, resident: Resident, by: Any, channel: str) -> Attendance:
    try:
        with transaction.atomic():
            made = Attendance.objects.create(
                meeting=meeting,
                resident=resident,
                name=resident.name,
                channel=channel,
                signed_by=by,
                at=calendar.now(),
            )
    except IntegrityError:
        raise ValidationError(
            {"resident": _("%(name)s已经签到了，无需重复签到。") % {"name": resident.name}}
        ) from None
    audit.record(
        "participation.meeting_sign_in"
        if channel == AttendanceChannel.SELF
        else "participation.meeting_sign_for",
        obj=meeting,
        actor=by,
        fields=["attendance"],
    )
    return made


@transaction.atomic
def sign_in(*, meeting: Meeting, user: Any) -> Attendance:
    """A verified resident of the community signs in on their phone while the meeting is in session."""
    resident = verified_resident(user, meeting.community)
    locked = _in_session(meeting)
    return _attend(locked, resident, user, AttendanceChannel.SELF)


@transaction.atomic
def sign_for(*, meeting: Meeting, by: Any, resident: Resident) -> Attendance:
    """Staff sign in a resident of the community who has no phone (工作人员代签)."""
    if by is None or getattr(by, "is_resident", False):
        raise PermissionDenied(_("代签须由工作人员办理。"))
    require(by, meeting.community)
    locked = _in_session(meeting)
    _community_resident(resident, locked.community)
    return _attend(locked, resident, by, AttendanceChannel.STAFF)


@transaction.atomic
def save_minutes(*, meeting: Meeting, by: Any, minutes: str, publish: bool = False) -> Meeting:
    """Write the minutes (once the session has begun) and, when ``publish`` and the meeting is closed,
    publish them to the residents and the public page. Published minutes stay as published."""
    require(by, meeting.community)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status not in (MS.IN_SESSION, MS.CLOSED):
        raise ValidationError(_("会议开始后才能记录纪要。"))
    if locked.minutes_published_at is not None:
        raise ValidationError(_("纪要已经公开，不能再修改。"))
    text = str(minutes or "").strip()
    if len(text) > 20000:
        raise ValidationError({"minutes": _("纪要最多20000字。")})
    if publish:
        if locked.status != MS.CLOSED:
            raise ValidationError({"minutes": _("会议结束后才能公开纪要。")})
        if not text:
            raise ValidationError({"minutes": _("请先填写纪要再公开。")})
    changes: dict[str, Any] = {"minutes": text}
    if publish:
        changes["minutes_published_at"] = calendar.now()
    Meeting.objects.filter(pk=locked.pk).update(**changes, version=F("version") + 1)
    meeting.refresh_from_db()
    audit.record(
        "participation.minutes_publish" if publish else "participation.minutes_save",
        obj=meeting,
        actor=by,
        fields=sorted(changes),
    )
    return meeting


@transaction.atomic
def record_decision(
    *, meeting: Meeting, by: Any, text: str, topic: Topic | None = None
) -> MeetingDecision:
    """A decision of the meeting (in session or closed, minutes not yet published). For a topic on the
    agenda the topic's decision is recorded by the deliberation actions in this transaction."""
    require(by, meeting.community)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status not in (MS.IN_SESSION, MS.CLOSED):
        raise ValidationError(_("会议开始后才能记录决定。"))
    if locked.minutes_published_at is not None:
        raise ValidationError(_("纪要已经公开，不能再增加决定。"))
    text = str(text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写决定事项。")})
    if len(text) > 4000:
        raise ValidationError({"text": _("决定事项最多4000字。")})
    if topic is not None:
        if not AgendaItem.objects.filter(meeting=locked, topic=topic).exists():
            raise ValidationError({"topic": _("只能对本次会议议程中的议题作出决定。")})
        if MeetingDecision.objects.filter(meeting=locked, topic=topic).exists():
            raise ValidationError({"topic": _("本次会议已经对该议题作出了决定。")})
        from shequ.participation.actions import deliberation as topic_actions

        topic_actions.record_decision(topic, by=by, text=text)
    position = MeetingDecision.objects.filter(meeting=locked).count() + 1
    decision = MeetingDecision.objects.create(
        meeting=locked, position=position, topic=topic, text=text
    )
    audit.record("participation.meeting_decision", obj=locked, actor=by, fields=["decisions"])
    return decision


# --- Polls ----------------------------------------------------------------------------------------


@transaction.atomic
def create_poll(
    *,
    by: Any,
    community: Region,
    question: str,
    options: Iterable[str],
    meeting: Meeting | None = None,
    topic: Topic | None = None,
    is_synthetic: bool = False,
) -> Poll:
    """A poll of a community, for one of its meetings or topics, with two or more distinct options."""
    require(by, community)
    _check_community(community)
    errors: dict[str, str] = {}
    question = _text(question, 200)
    if not question:
        errors["question"] = _("请填写表决事项。")
    labels: list[str] = []
    for option in options:
        label = _text(option, 100)
        if label and label not in labels:
            labels.append(label)
    if len(labels) < 2:
        errors["options"] = _("请至少填写两个不同的选项。")
    elif len(labels) > MAX_OPTIONS:
        errors["options"] = _("最多%(n)d个选项。") % {"n": MAX_OPTIONS}
    if meeting is not None and meeting.community_id != community.pk:
        errors["meeting"] = _("会议须为本村(社区)的会议。")
    if topic is not None and topic.community_id != community.pk:
        errors["topic"] = _("议题须为本村(社区)的议题。")
    if errors:
        raise ValidationError(errors)
    poll = Poll.objects.create(
        community=community,
        meeting=meeting,
        topic=topic,
        question=question,
        created_by=by,
        is_synthetic=is_synthetic,
    )
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, position=n, label=label) for n, label in enumerate(labels, 1)]
    )
    audit.record("participation.poll_create", obj=poll, actor=by, fields=["question", "options"])
    return poll


def is_closed(poll: Poll) -> bool:
    """Closed by staff, or open past its closing time."""
    if poll.status == PS.CLOSED:
        return True
    return bool(
        poll.status == PS.OPEN and poll.closes_at is not None and poll.closes_at <= calendar.now()
    )


@transaction.atomic
def poll_transition(*, poll: Poll, name: str, by: Any, closes_at: datetime | None = None) -> Poll:
    """Open the poll until ``closes_at`` (required, in the future), or close it now."""
    require(by, poll.community)
    now = calendar.now()
    changes: dict[str, Any] = {}
    if name == "open":
        if closes_at is None:
            raise ValidationError({"closes_at": _("请填写表决截止时间。")})
        if closes_at <= now:
            raise ValidationError({"closes_at": _("截止时间须晚于现在。")})
        changes = {"opens_at": now, "closes_at": closes_at}
    elif name == "close":
        changes = {"closed_at": now}
    step = POLL_WORKFLOW.fire(poll, name, by=by, **changes)
    audit.record(f"participation.poll_{step.name}", obj=poll, actor=by, fields=["status", *changes])
    return poll


def _option(poll: Poll, option: PollOption | int | None) -> PollOption:
    option_id = option.pk if isinstance(option, PollOption) else option
    found = PollOption.objects.filter(poll_id=poll.pk, pk=option_id).first() if option_id else None
    if found is None:
        raise ValidationError({"option": _("请选择本次表决的一个选项。")})
    return found


def _ballot(poll: Poll, option: Any, resident: Resident, by: Any, channel: str) -> Ballot:
    current = Poll.objects.select_related("community").get(pk=poll.pk)
    if current.status == PS.DRAFT:
        raise ValidationError(_("表决还没有开始。"))
    if is_closed(current):
        raise ValidationError(_("表决已经结束，不能再投票。"))
    chosen = _option(current, option)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                poll=current,
                option=chosen,
                resident=resident,
                channel=channel,
                recorded_by=by,
                cast_at=calendar.now(),
            )
    except IntegrityError:
        raise ValidationError(
            {"option": _("%(name)s已经投过票了，每人只能投一票。") % {"name": resident.name}}
        ) from None
    audit.record(
        "participation.vote" if channel == BallotChannel.ONLINE else "participation.vote_record",
        obj=current,
        actor=by,
        fields=["ballot"],
    )
    return ballot


@transaction.atomic
def vote(*, poll: Poll, user: Any, option: PollOption | int | None) -> Ballot:
    """A verified resident of the poll's community votes online, once."""
    resident = verified_resident(user, poll.community)
    return _ballot(poll, option, resident, user, BallotChannel.ONLINE)


@transaction.atomic
def record_ballot(
    *, poll: Poll, by: Any, resident: Resident, option: PollOption | int | None
) -> Ballot:
    """Staff record an in-person vote (paper or show of hands) for a named resident of the community."""
    if by is None or getattr(by, "is_resident", False):
        raise PermissionDenied(_("现场投票须由工作人员登记。"))
    require(by, poll.community)
    _community_resident(resident, poll.community)
    return _ballot(poll, option, resident, by, BallotChannel.IN_PERSON)
