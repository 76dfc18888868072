"""Writes about volunteer activities: the recruitment post and its workflow, sign-up and the
waitlist, attendance (by the rotating QR code or by staff), hours confirmed by the organiser, the two
evaluations, and settlement, which credits the time bank and awards points."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, notifications
from shequ.core.models import AuditEvent, AuditOutcome
from shequ.core.workflow import Transition, Workflow
from shequ.territory.models import Level, Region
from shequ.volunteering import attendance
from shequ.volunteering.actions import timebank as timebank_actions
from shequ.volunteering.actions import volunteers as volunteer_actions
from shequ.volunteering.actions.volunteers import own_resident, require
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    AttendanceMethod,
    SignUpStatus,
    Skill,
    TargetGroup,
    Volunteer,
    VolunteerActivity,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.permissions import VolunteeringPerm

S = ActivityStatus
Perm = VolunteeringPerm

# Sign-in opens half an hour before the start; sign-out closes two hours after the end.
SIGN_IN_EARLY = timedelta(minutes=30)
SIGN_OUT_LATE = timedelta(hours=2)
HOURS = Decimal("0.01")
EDITABLE = (S.DRAFT, S.RECRUITING)

WORKFLOW = Workflow(
    transitions=[
        Transition("publish", (S.DRAFT,), S.RECRUITING, Perm.ORGANISE, gettext_lazy("发布招募")),
        Transition(
            "close", (S.RECRUITING,), S.CLOSED, Perm.ORGANISE, gettext_lazy("结束招募"), "secondary"
        ),
        Transition(
            "finish", (S.RECRUITING, S.CLOSED), S.FINISHED, Perm.ORGANISE, gettext_lazy("活动结束")
        ),
        Transition("settle", (S.FINISHED,), S.SETTLED, Perm.ORGANISE, gettext_lazy("确认全部时长")),
        Transition(
            "cancel",
            (S.DRAFT, S.RECRUITING, S.CLOSED),
            S.CANCELLED,
            Perm.ORGANISE,
            gettext_lazy("取消活动"),
            "danger",
        ),
    ]
)


def activity_hours(activity: VolunteerActivity) -> Decimal:
    """The activity's length in hours (the most anyone can be credited for it)."""
    seconds = Decimal((activity.ends_at - activity.starts_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(HOURS, rounding=ROUND_HALF_UP)


def computed_hours(
    activity: VolunteerActivity, signed_in: datetime, signed_out: datetime
) -> Decimal:
    """Time present, clipped to the activity's start and end."""
    start = max(signed_in, activity.starts_at)
    end = min(signed_out, activity.ends_at)
    if end <= start:
        return Decimal("0.00")
    seconds = Decimal((end - start).total_seconds())
    return (seconds / Decimal(3600)).quantize(HOURS, rounding=ROUND_HALF_UP)


# --- The recruitment post ----------------------------------------------------------------------------


def _clean_post(
    *,
    title: str,
    place: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    needed: int | None,
    skills: Iterable[str],
    target_group: str,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title, place = (title or "").strip(), (place or "").strip()
    if not title:
        errors["title"] = _("请填写活动名称。")
    if not place:
        errors["place"] = _("请填写活动地点。")
    if starts_at is None:
        errors["starts_at"] = _("请填写开始时间。")
    if ends_at is None:
        errors["ends_at"] = _("请填写结束时间。")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间须晚于开始时间。")
    elif starts_at is not None and ends_at - starts_at > timedelta(hours=24):
        errors["ends_at"] = _("一次活动不能超过24小时，跨天的活动请分次发布。")
    if needed is None or needed < 1:
        errors["needed"] = _("招募人数至少为1人。")
    elif needed > 1000:
        errors["needed"] = _("招募人数不能超过1000人。")
    chosen = list(dict.fromkeys(str(s) for s in skills))
    wrong = [s for s in chosen if s not in Skill.values]
    if wrong:
        errors["skills"] = _("技能选项不正确：%(values)s。") % {"values": "、".join(wrong)}
    if target_group not in TargetGroup.values:
        errors["target_group"] = _("请选择服务对象。")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title[:100],
        "place": place[:120],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "needed": needed,
        "skills": chosen,
        "target_group": target_group,
    }


def _check_team(team: VolunteerTeam | None, region: Region) -> None:
    if team is None:
        return
    # The team is based in the activity's community or above it (a township's or county's team).
    if not (region.path.startswith(team.region.path) and team.is_active):
        raise ValidationError({"team": _("组织队伍须为本社区或上级区域的在册队伍。")})


@transaction.atomic
def create_activity(
    *,
    by: Any,
    region: Region,
    title: str,
    place: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    needed: int | None,
    target_group: str,
    description: str = "",
    skills: Iterable[str] = (),
    team: VolunteerTeam | None = None,
    organiser: Any = None,
    is_synthetic: bool = False,
) -> VolunteerActivity:
    """A draft recruitment post in ``region`` (a community in the organiser's jurisdiction).
    ``organiser`` defaults to ``by``; the system (``by=None``: the demo) names one."""
    if region is None or region.level != Level.COMMUNITY:
        raise ValidationError({"region": _("活动须在某个村(社区)举办，请选择村(社区)。")})
    require(by, Perm.ORGANISE, region)
    values = _clean_post(
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        needed=needed,
        skills=skills,
        target_group=target_group,
    )
    _check_team(team, region)
    organiser = by if by is not None else organiser
    if organiser is None:
        raise ValidationError(_("须由工作人员组织活动。"))
    for _attempt in range(5):
        code = f"HD{calendar.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"
        try:
            with transaction.atomic():
                activity = VolunteerActivity.objects.create(
                    code=code,
                    region=region,
                    team=team,
                    organiser=organiser,
                    description=(description or "").strip()[:2000],
                    attendance_secret=attendance.new_secret(),
                    created_at=calendar.now(),
                    is_synthetic=is_synthetic,
                    **values,
                )
            break
        except IntegrityError:  # the same random code on the same day: try another
            continue
    else:  # pragma: no cover - five collisions of 24 random bits
        raise ValidationError(_("活动编号生成失败，请重试。"))
    audit.record("volunteering.activity_create", obj=activity, actor=by, fields=sorted(values))
    return activity


@transaction.atomic
def update_activity(
    *,
    activity: VolunteerActivity,
    by: Any,
    version: int | None = None,
    title: str,
    place: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    needed: int | None,
    target_group: str,
    description: str = "",
    skills: Iterable[str] = (),
    team: VolunteerTeam | None = None,
) -> VolunteerActivity:
    """Edit the post while it is a draft or recruiting. Fewer places than already enrolled is refused."""
    require(by, Perm.ORGANISE, activity.region)
    locked = (
        VolunteerActivity.objects.select_for_update().select_related("region").get(pk=activity.pk)
    )
    if locked.status not in EDITABLE:
        raise ValidationError(_("活动已结束招募，不能再修改。"))
    if version is not None and version != locked.version:
        raise ValidationError(_("该活动刚刚已被他人修改，请刷新页面后再改。"))
    values = _clean_post(
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        needed=needed,
        skills=skills,
        target_group=target_group,
    )
    _check_team(team, locked.region)
    enrolled = locked.signups.filter(status=SignUpStatus.ENROLLED).count()
    if needed is not None and needed < enrolled:
        raise ValidationError(
            {"needed": _("已有%(count)d人报名，招募人数不能少于已报名人数。") % {"count": enrolled}}
        )
    values.update(description=(description or "").strip()[:2000], team=team)
    before = {name: getattr(locked, name) for name in values}
    VolunteerActivity.objects.filter(pk=locked.pk).update(version=F("version") + 1, **values)
    locked.refresh_from_db()
    if needed is not None and needed > enrolled:
        _promote_waitlisted(locked, needed - enrolled)
    audit.record(
        "volunteering.activity_update",
        obj=locked,
        actor=by,
        fields=audit.changed_fields(before, values),
    )
    return locked


@transaction.atomic
def transition_activity(
    *,
    activity: VolunteerActivity,
    name: str,
    by: Any,
    people_served: int | None = None,
    summary: str = "",
) -> VolunteerActivity:
    """Publish, close recruitment, finish (after the start, with people served and a summary) or
    cancel. Settlement has its own action (``settle_activity``)."""
    if name == "settle":
        return settle_activity(activity=activity, by=by)
    transition = WORKFLOW.get(name)
    require(by, transition.permission, activity.region)
    changes: dict[str, Any] = {}
    now = calendar.now()
    if name == "publish":
        if activity.starts_at <= now:
            raise ValidationError(_("活动开始时间已过，不能发布招募，请先修改时间。"))
        changes["published_at"] = now
    elif name == "finish":
        errors: dict[str, str] = {}
        if activity.starts_at > now:
            errors["__all__"] = _("活动还没有开始，不能结束。")
        if people_served is None or people_served < 0:
            errors["people_served"] = _("请填写服务人次（没有服务对象的填0）。")
        elif people_served > 100000:
            errors["people_served"] = _("服务人次不正确。")
        summary = (summary or "").strip()
        if not summary:
            errors["summary"] = _("请填写活动小结。")
        if errors:
            raise ValidationError(errors)
        changes.update(people_served=people_served, summary=summary[:500])
    WORKFLOW.fire(activity, name, by=by, **changes)
    audit.record(
        f"volunteering.activity_{name}", obj=activity, actor=by, fields=["status", *changes]
    )
    if name == "cancel":
        _tell_cancelled(activity)
    return activity


def _tell_cancelled(activity: VolunteerActivity) -> None:
    signups = ActivitySignUp.objects.filter(
        activity=activity, status__in=(SignUpStatus.ENROLLED, SignUpStatus.WAITLISTED)
    ).select_related("volunteer__resident__account")
    recipients: list[Any] = [
        s.volunteer.resident.account for s in signups if s.volunteer.resident.account_id is not None
    ]
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic="volunteering.activity",
            subject=gettext_lazy("志愿服务活动已取消"),
            body=gettext_lazy("您报名的活动“%(title)s”已取消。") % {"title": activity.title},
            url=f"/volunteering/me/activities/{activity.code}/",
            sms=True,
        )


# --- Sign-up and the waitlist ----------------------------------------------------------------------


def own_volunteer(user: Any) -> Volunteer | None:
    """The resident's volunteer record, whatever its status (None if none or not linked)."""
    resident = own_resident(user)
    if resident is None:
        return None
    return Volunteer.objects.filter(resident=resident).select_related("community").first()


def _active_volunteer(by: Any) -> Volunteer:
    volunteer = own_volunteer(by)
    if volunteer is None or volunteer.status != VolunteerStatus.ACTIVE:
        raise PermissionDenied(_("您还不是在册志愿者，请先注册志愿者并等待社区审核。"))
    return volunteer


def may_serve_in(volunteer: Volunteer, region: Region) -> bool:
    """The activity's community is the volunteer's own or inside their service area."""
    if region.pk == volunteer.community_id:
        return True
    area = volunteer.service_area
    return area is not None and region.path.startswith(area.path)


def _overlapping(volunteer: Volunteer, activity: VolunteerActivity) -> ActivitySignUp | None:
    return (
        ActivitySignUp.objects.filter(
            volunteer=volunteer,
            status=SignUpStatus.ENROLLED,
            activity__starts_at__lt=activity.ends_at,
            activity__ends_at__gt=activity.starts_at,
        )
        .exclude(activity=activity)
        .exclude(activity__status=S.CANCELLED)
        .select_related("activity")
        .first()
    )


@transaction.atomic
def sign_up(
    *, activity: VolunteerActivity, by: Any, volunteer: Volunteer | None = None
) -> ActivitySignUp:
    """The resident signs up (or staff sign ``volunteer`` up for them, e.g. by telephone): enrolled
    while places remain, else on the waitlist. The activity row is locked, so concurrent sign-ups
    never enrol more than ``needed``."""
    locked = (
        VolunteerActivity.objects.select_for_update().select_related("region").get(pk=activity.pk)
    )
    if volunteer is None or getattr(by, "is_resident", False):
        volunteer = _active_volunteer(by)
    else:
        require(by, Perm.ORGANISE, locked.region)
        if volunteer.status != VolunteerStatus.ACTIVE:
            raise ValidationError(_("该志愿者不在册，不能报名。"))
    if locked.status != S.RECRUITING or locked.starts_at <= calendar.now():
        raise ValidationError(_("该活动已不在招募中，不能报名。"))
    if not may_serve_in(volunteer, locked.region):
        raise ValidationError(_("该活动不在您的服务区域内。"))
    existing = ActivitySignUp.objects.filter(activity=locked, volunteer=volunteer).first()
    if existing is not None and existing.status in (SignUpStatus.ENROLLED, SignUpStatus.WAITLISTED):
        raise ValidationError(_("您已经报名了这个活动，无需重复报名。"))
    clash = _overlapping(volunteer, locked)
    if clash is not None:
        raise ValidationError(
            _("您已报名的活动“%(title)s”（%(when)s）与本活动时间重叠，不能同时报名。")
            % {
                "title": clash.activity.title,
                "when": calendar.localtime(clash.activity.starts_at).strftime("%m-%d %H:%M"),
            }
        )
    enrolled = locked.signups.filter(status=SignUpStatus.ENROLLED).count()
    status = SignUpStatus.ENROLLED if enrolled < locked.needed else SignUpStatus.WAITLISTED
    now = calendar.now()
    if existing is not None:  # signing up again after cancelling: back of the queue
        ActivitySignUp.objects.filter(pk=existing.pk).update(
            status=status, signed_up_at=now, version=F("version") + 1
        )
        existing.refresh_from_db()
        signup = existing
    else:
        signup = ActivitySignUp.objects.create(
            activity=locked, volunteer=volunteer, status=status, signed_up_at=now
        )
    audit.record("volunteering.sign_up", obj=signup, actor=by, fields=["status"])
    return signup


def waitlist_position(signup: ActivitySignUp) -> int | None:
    if signup.status != SignUpStatus.WAITLISTED:
        return None
    ahead = ActivitySignUp.objects.filter(
        activity_id=signup.activity_id, status=SignUpStatus.WAITLISTED
    ).filter(signed_up_at__lt=signup.signed_up_at)
    return ahead.count() + 1


def _promote_waitlisted(activity: VolunteerActivity, places: int) -> list[ActivitySignUp]:
    """Move the first ``places`` waitlisted volunteers up (the activity row is locked) and tell them."""
    if places <= 0:
        return []
    promoted = list(
        ActivitySignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED)
        .select_related("volunteer__resident__account")
        .order_by("signed_up_at", "pk")[:places]
    )
    for signup in promoted:
        ActivitySignUp.objects.filter(pk=signup.pk, status=SignUpStatus.WAITLISTED).update(
            status=SignUpStatus.ENROLLED, version=F("version") + 1
        )
        signup.status = SignUpStatus.ENROLLED
        audit.record(
            "volunteering.promote", obj=signup, actor=None, actor_name="system", fields=["status"]
        )
    recipients: list[Any] = [
        s.volunteer.resident.account for s in promoted if s.volunteer.resident.account_id
    ]
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic="volunteering.activity",
            subject=gettext_lazy("候补转为正式报名"),
            body=gettext_lazy("您候补的活动“%(title)s”有了名额，您已转为正式报名。")
            % {"title": activity.title},
            url=f"/volunteering/me/activities/{activity.code}/",
            sms=True,
        )
    return promoted


@transaction.atomic
def cancel_signup(*, signup: ActivitySignUp, by: Any) -> ActivitySignUp:
    """The volunteer withdraws before the start; the first on the waitlist takes the place."""
    volunteer = _active_volunteer(by) if getattr(by, "is_resident", False) else None
    if volunteer is not None and signup.volunteer_id != volunteer.pk:
        raise PermissionDenied(_("只能取消本人的报名。"))
    activity = (
        VolunteerActivity.objects.select_for_update()
        .select_related("region")
        .get(pk=signup.activity_id)
    )
    if volunteer is None:
        require(by, Perm.ORGANISE, activity.region)
    if activity.starts_at <= calendar.now():
        raise ValidationError(_("活动已经开始，不能再取消报名。"))
    was = ActivitySignUp.objects.filter(pk=signup.pk).values_list("status", flat=True).first()
    moved = ActivitySignUp.objects.filter(
        pk=signup.pk, status__in=(SignUpStatus.ENROLLED, SignUpStatus.WAITLISTED)
    ).update(status=SignUpStatus.CANCELLED, version=F("version") + 1)
    if not moved:
        raise ValidationError(_("该报名已经取消了。"))
    signup.refresh_from_db()
    audit.record("volunteering.cancel_signup", obj=signup, actor=by, fields=["status"])
    if was == SignUpStatus.ENROLLED and activity.status in (S.RECRUITING, S.CLOSED):
        _promote_waitlisted(activity, 1)
    return signup


# --- Attendance ------------------------------------------------------------------------------------


def _attendance_open(activity: VolunteerActivity) -> None:
    if activity.status not in (S.RECRUITING, S.CLOSED, S.FINISHED):
        raise ValidationError(_("该活动当前不能签到签退。"))


@transaction.atomic
def record_attendance(
    *, signup: ActivitySignUp, direction: str, by: Any, at: datetime | None = None, method: str
) -> ActivitySignUp:
    """Sign in or out. Sign-in from 30 minutes before the start to the end; sign-out from the sign-in
    to 2 hours after the end. ``method`` staff needs ORGANISE at the activity's place and may give a
    time; by QR the time is now and ``by`` is the volunteer."""
    if direction not in attendance.DIRECTIONS:
        raise ValidationError({"direction": _("请选择签到或签退。")})
    locked = (
        ActivitySignUp.objects.select_for_update(of=("self",))
        .select_related("activity__region", "volunteer")
        .get(pk=signup.pk)
    )
    activity = locked.activity
    now = calendar.now()
    if method == AttendanceMethod.STAFF:
        require(by, Perm.ORGANISE, activity.region)
        at = at or now
        if at > now + timedelta(minutes=1):
            raise ValidationError({"at": _("签到签退时间不能晚于现在。")})
    elif method == AttendanceMethod.QR:
        volunteer = own_volunteer(by)
        if volunteer is None or volunteer.pk != locked.volunteer_id:
            raise PermissionDenied(_("只能本人扫码签到。"))
        at = now
    else:
        raise ValidationError({"method": _("签到方式不正确。")})
    _attendance_open(activity)
    if locked.status != SignUpStatus.ENROLLED:
        raise ValidationError(
            _("您是候补报名，未转为正式报名，不能签到。")
            if locked.status == SignUpStatus.WAITLISTED
            else _("该报名已取消或记为缺席，不能签到签退。")
        )
    if locked.hours_confirmed is not None:
        raise ValidationError(_("服务时长已经确认，不能再修改签到签退。"))
    if direction == attendance.IN:
        if locked.signed_in_at is not None:
            raise ValidationError(
                _("已经签到过了（%(time)s）。") % {"time": _clock(locked.signed_in_at)}
            )
        if not (activity.starts_at - SIGN_IN_EARLY <= at <= activity.ends_at):
            raise ValidationError({"at": _("签到时间须在活动开始前30分钟到活动结束之间。")})
        moved = ActivitySignUp.objects.filter(pk=locked.pk, signed_in_at__isnull=True).update(
            signed_in_at=at, sign_in_method=method, version=F("version") + 1
        )
        fields = ["signed_in_at", "sign_in_method"]
    else:
        if locked.signed_in_at is None:
            raise ValidationError(_("还没有签到，不能签退。请先签到。"))
        if locked.signed_out_at is not None:
            raise ValidationError(
                _("已经签退过了（%(time)s）。") % {"time": _clock(locked.signed_out_at)}
            )
        if not (locked.signed_in_at <= at <= activity.ends_at + SIGN_OUT_LATE):
            raise ValidationError({"at": _("签退时间须在签到之后、活动结束后2小时之内。")})
        moved = ActivitySignUp.objects.filter(pk=locked.pk, signed_out_at__isnull=True).update(
            signed_out_at=at,
            sign_out_method=method,
            hours_computed=computed_hours(activity, locked.signed_in_at, at),
            version=F("version") + 1,
        )
        fields = ["signed_out_at", "sign_out_method", "hours_computed"]
    if not moved:  # pragma: no cover - the row is locked above
        raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    locked.refresh_from_db()
    audit.record(f"volunteering.sign_{direction}", obj=locked, actor=by, role=method, fields=fields)
    return locked


def _clock(value: datetime) -> str:
    return calendar.localtime(value).strftime("%H:%M")


class AttendanceRefused(ValidationError):
    """A code that is not (or no longer) good: said in plain words, nothing changes."""


@transaction.atomic
def attend_with_token(*, token: str, by: Any) -> ActivitySignUp:
    """The volunteer's phone posts the scanned token: sign in or out as it says."""
    parsed = attendance.parse_token(token)
    activity = (
        VolunteerActivity.objects.filter(pk=parsed.activity_id).first()
        if parsed is not None
        else None
    )
    if parsed is None or activity is None or not attendance.signature_matches(activity, parsed):
        raise AttendanceRefused(_("签到码无效，请扫描组织者手机上显示的二维码。"))
    if not attendance.window_is_current(parsed.window):
        raise AttendanceRefused(
            _("签到码已过期（二维码每30秒更换一次），请重新扫描组织者手机上的二维码。")
        )
    return _attend(activity, parsed.direction, by)


# Wrong short codes one account may type for one activity in ``SHORT_CODE_WINDOW``: six digits could
# otherwise be guessed. Counted from the audit trail (append-only, the same in every process).
SHORT_CODE_TRIES = 5
SHORT_CODE_WINDOW = timedelta(minutes=10)
SHORT_CODE_ACTION = "volunteering.attend_short_code"


def attend_with_short_code(*, activity: VolunteerActivity, code: str, by: Any) -> ActivitySignUp:
    """The six digits shown under the QR code, typed on the activity's page. After
    ``SHORT_CODE_TRIES`` wrong codes in ``SHORT_CODE_WINDOW`` the account must scan the QR code or ask
    the organiser; each wrong code is recorded (outside the refused transaction, so it counts)."""
    wrong = AuditEvent.objects.filter(
        actor=by,
        action=SHORT_CODE_ACTION,
        object_id=str(activity.pk),
        outcome=AuditOutcome.FAILURE,
        at__gte=calendar.now() - SHORT_CODE_WINDOW,
    ).count()
    if wrong >= SHORT_CODE_TRIES:
        raise AttendanceRefused(
            {"code": _("签到码输错次数过多，请扫描组织者手机上的二维码，或请组织者为您签到。")}
        )
    direction = attendance.short_code_direction(activity, code)
    if direction is None:
        audit.record(
            SHORT_CODE_ACTION, obj=activity, actor=by, outcome=AuditOutcome.FAILURE, fields=["code"]
        )
        raise AttendanceRefused(
            {"code": _("签到码不正确或已过期，请输入组织者手机上正在显示的6位数字。")}
        )
    with transaction.atomic():
        return _attend(activity, direction, by)


def _attend(activity: VolunteerActivity, direction: str, by: Any) -> ActivitySignUp:
    volunteer = _active_volunteer(by)
    signup = ActivitySignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if signup is None or signup.status in (SignUpStatus.CANCELLED,):
        raise AttendanceRefused(_("您没有报名这个活动，不能签到。"))
    return record_attendance(signup=signup, direction=direction, by=by, method=AttendanceMethod.QR)


# --- Hours, absence, evaluations, settlement -------------------------------------------------------


def _roster_row(signup: ActivitySignUp, by: Any) -> ActivitySignUp:
    locked = (
        ActivitySignUp.objects.select_for_update(of=("self",))
        .select_related("activity__region")
        .get(pk=signup.pk)
    )
    require(by, Perm.ORGANISE, locked.activity.region)
    return locked


@transaction.atomic
def confirm_hours(
    *, signup: ActivitySignUp, by: Any, hours: Decimal | None = None
) -> ActivitySignUp:
    """The organiser confirms a volunteer's hours once the activity is finished: the computed hours
    by default, or what the organiser saw (fewer, or more when the volunteer signed in late or out
    early by mistake); never more than the activity's length, never negative. Final."""
    locked = _roster_row(signup, by)
    activity = locked.activity
    if activity.status != S.FINISHED:
        raise ValidationError(_("活动结束后才能确认服务时长。"))
    if locked.status != SignUpStatus.ENROLLED or locked.signed_in_at is None:
        raise ValidationError(_("该志愿者没有签到，不能确认服务时长。"))
    if locked.hours_confirmed is not None:
        raise ValidationError(_("服务时长已经确认，不能重复确认。"))
    if hours is None:
        hours = locked.hours_computed
    if hours is None:
        raise ValidationError({"hours": _("该志愿者没有签退，请填写确认的服务时长。")})
    try:
        hours = Decimal(hours).quantize(HOURS, rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise ValidationError({"hours": _("服务时长须为数字，最多两位小数。")}) from None
    longest = activity_hours(activity)
    if hours < 0:
        raise ValidationError({"hours": _("服务时长不能为负数。")})
    if hours > longest:
        raise ValidationError(
            {
                "hours": _("服务时长不能超过活动时长（%(hours)s小时）。")
                % {"hours": f"{longest.normalize():f}"}
            }
        )
    moved = ActivitySignUp.objects.filter(pk=locked.pk, hours_confirmed__isnull=True).update(
        hours_confirmed=hours,
        confirmed_by=by,
        confirmed_at=calendar.now(),
        version=F("version") + 1,
    )
    if not moved:  # pragma: no cover - the row is locked above
        raise ValidationError(_("服务时长已经确认，不能重复确认。"))
    locked.refresh_from_db()
    audit.record("volunteering.confirm_hours", obj=locked, actor=by, fields=["hours_confirmed"])
    return locked


@transaction.atomic
def mark_absent(*, signup: ActivitySignUp, by: Any) -> ActivitySignUp:
    """An enrolled volunteer who did not come (only once the activity has started)."""
    locked = _roster_row(signup, by)
    if locked.activity.starts_at > calendar.now() or locked.activity.status in (
        S.SETTLED,
        S.CANCELLED,
        S.DRAFT,
    ):
        raise ValidationError(_("活动开始后、确认时长前才能记缺席。"))
    if locked.status != SignUpStatus.ENROLLED or locked.signed_in_at is not None:
        raise ValidationError(_("只有报名后未签到的志愿者才能记为缺席。"))
    ActivitySignUp.objects.filter(pk=locked.pk).update(
        status=SignUpStatus.ABSENT, version=F("version") + 1
    )
    locked.refresh_from_db()
    audit.record("volunteering.mark_absent", obj=locked, actor=by, fields=["status"])
    return locked


def _rating(rating: Any, field: str) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({field: _("评分须为1到5分。")})
    return value


@transaction.atomic
def rate_volunteer(
    *, signup: ActivitySignUp, by: Any, rating: int, comment: str = ""
) -> ActivitySignUp:
    """The organiser's evaluation of a volunteer who came (1–5, with a comment)."""
    locked = _roster_row(signup, by)
    value = _rating(rating, "rating")
    if locked.signed_in_at is None:
        raise ValidationError(_("只能评价参加了活动的志愿者。"))
    ActivitySignUp.objects.filter(pk=locked.pk).update(
        volunteer_rating=value,
        volunteer_comment=(comment or "").strip()[:200],
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    audit.record(
        "volunteering.rate_volunteer",
        obj=locked,
        actor=by,
        fields=["volunteer_rating", "volunteer_comment"],
    )
    return locked


@transaction.atomic
def rate_activity(
    *, signup: ActivitySignUp, by: Any, rating: int, comment: str = ""
) -> ActivitySignUp:
    """The volunteer's evaluation of an activity they attended (1–5, with a comment)."""
    volunteer = _active_volunteer(by)
    locked = ActivitySignUp.objects.select_for_update().get(pk=signup.pk)
    if locked.volunteer_id != volunteer.pk:
        raise PermissionDenied(_("只能评价本人参加的活动。"))
    value = _rating(rating, "rating")
    if locked.signed_in_at is None:
        raise ValidationError(_("参加活动（签到）后才能评价。"))
    ActivitySignUp.objects.filter(pk=locked.pk).update(
        activity_rating=value,
        activity_comment=(comment or "").strip()[:200],
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    audit.record(
        "volunteering.rate_activity",
        obj=locked,
        actor=by,
        fields=["activity_rating", "activity_comment"],
    )
    return locked


@transaction.atomic
def settle_activity(*, activity: VolunteerActivity, by: Any) -> VolunteerActivity:
    """Every volunteer who came has confirmed hours: the activity is settled and, in the same
    transaction, each one's hours go to their time account and their points are awarded. A second
    click finds it already settled."""
    require(by, Perm.ORGANISE, activity.region)
    locked = (
        VolunteerActivity.objects.select_for_update().select_related("region").get(pk=activity.pk)
    )
    if locked.status != S.FINISHED:
        raise ValidationError(
            _("该活动已经确认过时长了。")
            if locked.status == S.SETTLED
            else _("活动结束后才能确认全部时长。")
        )
    attended = list(
        ActivitySignUp.objects.filter(
            activity=locked, status=SignUpStatus.ENROLLED, signed_in_at__isnull=False
        )
        .select_related("volunteer", "activity__region")
        .order_by("pk")
    )
    waiting = [s for s in attended if s.hours_confirmed is None]
    if waiting:
        raise ValidationError(
            _("还有%(count)d名志愿者的服务时长没有确认，请先逐一确认。") % {"count": len(waiting)}
        )
    WORKFLOW.fire(locked, "settle", by=by, settled_at=calendar.now())
    for signup in attended:
        if signup.hours_confirmed:  # confirmed as 0 hours: nothing to credit
            timebank_actions.credit_hours(signup=signup, by=by)
            volunteer_actions.award_service_points(signup, by)
    audit.record("volunteering.activity_settle", obj=locked, actor=by, fields=["status"])
    activity.status, activity.version = locked.status, locked.version
    return locked
