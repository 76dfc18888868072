"""Writes about residents' micro-wishes (微心愿): 群众点单 (post), 社区派单 (assign, open for taking,
decline, refer to a service request), 党员接单 (take), fulfil, confirm and rate, withdraw.

Every step is one conditional UPDATE on (status, version), so two people acting at once cannot both
succeed (the second is told), and one ``WishEvent`` (who, when, note). The community's transitions
are declared in ``WISH_FLOW``; the resident's and the assignee's steps are checked against the wish
itself (whose wish, who is assigned). Notifications go to the resident when the wish is taken or
fulfilled and to the assignee when it is assigned (inbox rows commit with the change, SMS after).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import Category
from shequ.cases.models import Channel as CaseChannel
from shequ.core import audit, images, notifications
from shequ.core.workflow import Transition, Workflow
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level
from shequ.volunteering.actions.volunteers import require
from shequ.volunteering.models import (
    Channel,
    CheckInStatus,
    PartyMember,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
    Wish,
    WishCategory,
    WishEvent,
    WishStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm

WISHES = VolunteeringPerm.WISHES
S = WishStatus
WAITING = (S.POSTED, S.OPEN)

WISH_FLOW = Workflow(
    transitions=[
        Transition("assign", (S.POSTED, S.OPEN), S.ASSIGNED, WISHES, _l("派单")),
        Transition("open", (S.POSTED,), S.OPEN, WISHES, _l("开放认领"), "secondary"),
        Transition("decline", (S.POSTED, S.OPEN), S.DECLINED, WISHES, _l("不予受理"), "danger"),
        Transition(
            "refer", (S.POSTED, S.OPEN), S.REFERRED, WISHES, _l("转为服务工单"), "secondary"
        ),
        Transition("confirm", (S.FULFILLED,), S.CONFIRMED, WISHES, _l("代居民确认"), "secondary"),
    ]
)
# The resident's and the assignee's steps: not permissions but who they are.
TAKE_FROM = (S.OPEN,)
FULFIL_FROM = (S.ASSIGNED, S.TAKEN)
CONFIRM_FROM = (S.FULFILLED,)
WITHDRAW_FROM = (S.POSTED, S.OPEN, S.ASSIGNED)

STALE = _l("该心愿刚刚已被他人处理，请刷新页面查看最新状态。")

# Wish categories to the case engine's categories, for referral.
CASE_CATEGORY: dict[str, str] = {
    WishCategory.HEALTH: Category.HEALTH,
    WishCategory.COMPANIONSHIP: Category.ELDERLY_CARE,
    WishCategory.LEARNING: Category.CHILDCARE,
}


def _event(wish: Wish, action: str, by: Any, note: str = "") -> WishEvent:
    return WishEvent.objects.create(
        wish=wish,
        action=action,
        status=wish.status,
        actor=by if getattr(by, "is_authenticated", False) else None,
        note=note[:500],
    )


def _move(wish: Wish, sources: tuple[str, ...], target: str, **changes: Any) -> None:
    """The conditional UPDATE behind the resident's and the assignee's steps."""
    if wish.status not in sources:
        raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))
    moved = Wish.objects.filter(pk=wish.pk, status=wish.status, version=wish.version).update(
        status=target, version=F("version") + 1, **changes
    )
    if moved != 1:
        raise ValidationError(str(STALE))
    wish.status = target
    wish.version += 1
    for key, value in changes.items():
        setattr(wish, key, value)


def _fire(wish: Wish, name: str, by: Any, **changes: Any) -> None:
    try:
        WISH_FLOW.fire(wish, name, by=by, **changes)
    except ValidationError as exc:
        if "刚刚" in " ".join(exc.messages):
            raise ValidationError(str(STALE)) from None
        raise


def _clean_text(value: str, field: str, limit: int, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError({field: _("不能超过%(n)d个字。") % {"n": limit}})
    return text


def _notify(users: list[Any], wish: Wish, subject: Any, url: str) -> None:
    recipients = [u for u in users if u is not None]
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic="volunteering.wish",
            subject=subject,
            body=wish.title,
            url=url,
        )


def _resident_url(wish: Wish) -> str:
    return f"/volunteering/me/wishes/{wish.number}/"


def _task_url(wish: Wish) -> str:
    return f"/volunteering/me/wishes/tasks/{wish.number}/"


# --- 群众点单 ---------------------------------------------------------------------------------------


@transaction.atomic
def post_wish(
    *,
    resident: Resident,
    by: Any,
    category: str,
    title: str,
    description: str = "",
    wanted_by: date | None = None,
    is_synthetic: bool = False,
) -> Wish:
    """A wish for ``resident``: by the resident themself (their own record), or by staff who hold
    WISHES where the resident lives."""
    if getattr(by, "is_resident", False):
        if resident.account_id != by.pk:
            raise PermissionDenied(_("只能为本人登记心愿。"))
        channel = Channel.SELF
    else:
        require(by, WISHES, resident.community)
        channel = Channel.STAFF
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError(_("该居民不在册，不能登记心愿。"))
    if resident.community.level != Level.COMMUNITY:
        raise ValidationError(_("该居民的居住地不是村(社区)。"))
    errors: dict[str, str] = {}
    if category not in WishCategory.values:
        errors["category"] = _("请选择心愿类别。")
    try:
        title = _clean_text(title, "title", 80, _("请填写心愿内容。"))
        description = _clean_text(description, "description", 1000)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if wanted_by is not None and wanted_by < timezone.localdate():
        errors["wanted_by"] = _("希望完成日期不能早于今天。")
    if errors:
        raise ValidationError(errors)
    wish = Wish.objects.create(
        number=uuid.uuid4().hex[:24],
        community=resident.community,
        resident=resident,
        posted_by=by,
        channel=channel,
        category=category,
        title=title,
        description=description,
        wanted_by=wanted_by,
        is_synthetic=is_synthetic,
    )
    wish.number = f"XY{timezone.localdate():%Y%m%d}{wish.pk:06d}"
    wish.save(update_fields=["number"])
    _event(wish, "post", by)
    audit.record("volunteering.wish_post", obj=wish, actor=by, role=channel, fields=["title"])
    return wish


@transaction.atomic
def withdraw_wish(*, wish: Wish, by: Any, note: str = "") -> Wish:
    """The resident withdraws their wish before anyone has taken it."""
    if wish.resident.account_id is None or wish.resident.account_id != getattr(by, "pk", None):
        raise PermissionDenied(_("只能撤回本人的心愿。"))
    if wish.status not in WITHDRAW_FROM:
        raise ValidationError(_("心愿已被认领或已处理，不能撤回。"))
    _move(wish, WITHDRAW_FROM, S.CANCELLED)
    _event(wish, "withdraw", by, (note or "").strip())
    audit.record("volunteering.wish_withdraw", obj=wish, actor=by, fields=["status"])
    return wish


# --- 社区派单 ---------------------------------------------------------------------------------------


def _checked_in_member(member: PartyMember, community_id: int) -> bool:
    return (
        member.is_active
        and member.in_service
        and member.checkins.filter(
            community_id=community_id, status=CheckInStatus.CONFIRMED
        ).exists()
    )


def _team_users(team: VolunteerTeam) -> list[Any]:
    memberships = TeamMembership.objects.filter(
        team=team, left_on__isnull=True, volunteer__status=VolunteerStatus.ACTIVE
    ).select_related("volunteer__resident__account")
    return [m.volunteer.resident.account for m in memberships]


@transaction.atomic
def assign_wish(
    *,
    wish: Wish,
    by: Any,
    member: PartyMember | None = None,
    volunteer: Volunteer | None = None,
    team: VolunteerTeam | None = None,
    note: str = "",
) -> Wish:
    """社区派单: to a party member checked in to the wish's community, an active volunteer registered
    there, or a team of the subtree (the community or above it)."""
    require(by, WISHES, wish.community)
    chosen = [x for x in (member, volunteer, team) if x is not None]
    if len(chosen) != 1:
        raise ValidationError({"assignee": _("请选择一位党员、一位志愿者或一支志愿服务队。")})
    if member is not None and not _checked_in_member(member, wish.community_id):
        raise ValidationError({"assignee": _("该党员未到本社区报到，不能派单给他。")})
    if volunteer is not None and not (
        volunteer.status == VolunteerStatus.ACTIVE and volunteer.community_id == wish.community_id
    ):
        raise ValidationError({"assignee": _("该志愿者不是本社区在册志愿者。")})
    if team is not None and not (
        team.is_active
        and (
            wish.community.path.startswith(team.region.path)
            or team.region.path.startswith(wish.community.path)
        )
    ):
        raise ValidationError({"assignee": _("该志愿服务队不在本社区或其上级区域。")})
    note = _clean_text(note, "note", 500)
    _fire(
        wish,
        "assign",
        by,
        assigned_member=member,
        assigned_volunteer=volunteer,
        assigned_team=team,
        assigned_by=by,
        assigned_at=timezone.now(),
    )
    _event(wish, "assign", by, note)
    audit.record("volunteering.wish_assign", obj=wish, actor=by, fields=["status", "assignee"])
    if member is not None:
        users = [member.resident.account]
    elif volunteer is not None:
        users = [volunteer.resident.account]
    else:
        assert team is not None
        users = _team_users(team)
    _notify(users, wish, _l("社区给您派了一个微心愿"), _task_url(wish))
    return wish


@transaction.atomic
def open_wish(*, wish: Wish, by: Any, note: str = "") -> Wish:
    """Open the wish for the community's checked-in party members and volunteers to take."""
    require(by, WISHES, wish.community)
    note = _clean_text(note, "note", 500)
    _fire(wish, "open", by)
    _event(wish, "open", by, note)
    audit.record("volunteering.wish_open", obj=wish, actor=by, fields=["status"])
    return wish


@transaction.atomic
def decline_wish(*, wish: Wish, by: Any, reason: str) -> Wish:
    require(by, WISHES, wish.community)
    reason = _clean_text(reason, "reason", 200, _("请填写不予受理的原因。"))
    _fire(wish, "decline", by, decline_reason=reason)
    _event(wish, "decline", by, reason)
    audit.record("volunteering.wish_decline", obj=wish, actor=by, fields=["status"])
    return wish


@transaction.atomic
def refer_wish(*, wish: Wish, by: Any, note: str = "") -> Wish:
    """Make the wish a service request: a case through the cases app's staff intake, linked here;
    from then on the case engine handles it."""
    require(by, WISHES, wish.community)
    note = _clean_text(note, "note", 500)
    if wish.status not in WISH_FLOW.get("refer").sources:
        raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))
    resident = wish.resident
    description = wish.title + ("\n" + wish.description if wish.description else "")
    if note:
        description += "\n" + note
    intake = Intake(
        channel=CaseChannel.WINDOW,
        description=description,
        category=CASE_CATEGORY.get(wish.category, Category.OTHER),
        title=wish.title,
        region=wish.community,
        requester=resident.account,
        requester_resident=resident,
        requester_name=resident.name,
        requester_phone=resident.phone or "",
    )
    try:
        case = submit_case(intake, by=by)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "requester_phone" in exc.error_dict:
            raise ValidationError(
                _("该居民在人口库中没有手机号，且未开通居民账号，无法转为服务工单。")
            ) from None
        raise
    _fire(wish, "refer", by, case=case)
    _event(wish, "refer", by, note or case.number)
    audit.record("volunteering.wish_refer", obj=wish, actor=by, fields=["status", "case"])
    return wish


@transaction.atomic
def staff_confirm_wish(
    *, wish: Wish, by: Any, rating: int | None = None, comment: str = ""
) -> Wish:
    """Staff confirm for a resident without a phone (recorded as such in the timeline)."""
    require(by, WISHES, wish.community)
    rating, comment = _clean_rating(rating, comment, required=False)
    _fire(
        wish,
        "confirm",
        by,
        confirmed_at=timezone.now(),
        resident_rating=rating,
        resident_comment=comment,
    )
    _event(wish, "staff_confirm", by, _("工作人员代居民确认") + (f"：{comment}" if comment else ""))
    audit.record(
        "volunteering.wish_confirm", obj=wish, actor=by, role=Channel.STAFF, fields=["status"]
    )
    return wish


# --- 党员接单, fulfil, confirm ----------------------------------------------------------------------


def taker_identity(user: Any, community_id: int) -> tuple[PartyMember | None, Volunteer | None]:
    """Who ``user`` may take a wish of ``community_id`` as: a party member checked in (confirmed)
    there, else an active volunteer registered there."""
    if user is None or not getattr(user, "is_resident", False):
        return None, None
    member = (
        PartyMember.objects.filter(resident__account=user, is_active=True, in_service=True)
        .filter(checkins__community_id=community_id, checkins__status=CheckInStatus.CONFIRMED)
        .first()
    )
    if member is not None:
        return member, None
    volunteer = Volunteer.objects.filter(
        resident__account=user, status=VolunteerStatus.ACTIVE, community_id=community_id
    ).first()
    return None, volunteer


@transaction.atomic
def take_wish(*, wish: Wish, by: Any) -> Wish:
    """党员接单: the first taker wins; a second, a moment later, is told it has been taken."""
    member, volunteer = taker_identity(by, wish.community_id)
    if member is None and volunteer is None:
        raise PermissionDenied(_("只有已到本社区报到的在职党员或本社区在册志愿者可以认领心愿。"))
    if wish.status != S.OPEN:
        raise ValidationError(_("该心愿已被认领或已不再开放认领。"))
    try:
        _move(
            wish,
            TAKE_FROM,
            S.TAKEN,
            assigned_member=member,
            assigned_volunteer=volunteer,
            taken_at=timezone.now(),
        )
    except ValidationError:
        raise ValidationError(_("该心愿刚刚已被他人认领。")) from None
    _event(wish, "take", by)
    audit.record("volunteering.wish_take", obj=wish, actor=by, fields=["status"])
    _notify([wish.resident.account], wish, _l("您的微心愿已有人认领"), _resident_url(wish))
    return wish


def is_assignee(wish: Wish, user: Any) -> bool:
    if user is None or not getattr(user, "is_resident", False):
        return False
    if wish.assigned_member_id is not None:
        return PartyMember.objects.filter(
            pk=wish.assigned_member_id, resident__account=user
        ).exists()
    if wish.assigned_volunteer_id is not None:
        return Volunteer.objects.filter(
            pk=wish.assigned_volunteer_id, resident__account=user
        ).exists()
    if wish.assigned_team_id is not None:
        return TeamMembership.objects.filter(
            team_id=wish.assigned_team_id,
            left_on__isnull=True,
            volunteer__resident__account=user,
            volunteer__status=VolunteerStatus.ACTIVE,
        ).exists()
    return False


@transaction.atomic
def fulfil_wish(*, wish: Wish, by: Any, note: str, photo: Any = None) -> Wish:
    """The assignee reports the wish fulfilled, with a note and an optional photo (re-encoded: no
    EXIF, checked for type and size before anything is written)."""
    if by is not None and not is_assignee(wish, by):  # None: the system (the demo)
        raise PermissionDenied(_("只有接单人可以填写完成情况。"))
    note = _clean_text(note, "note", 500, _("请填写完成情况。"))
    prepared = None
    if photo:
        try:
            prepared = images.reencode(
                photo, size=getattr(photo, "size", None), name=getattr(photo, "name", "")
            )
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages}) from exc
    _move(wish, FULFIL_FROM, S.FULFILLED, fulfilled_at=timezone.now(), fulfilment_note=note)
    if prepared is not None:
        wish.fulfilment_photo.save(f"{wish.number}.jpg", ContentFile(prepared.content), save=False)
        Wish.objects.filter(pk=wish.pk).update(fulfilment_photo=wish.fulfilment_photo.name)
    _event(wish, "fulfil", by, note)
    audit.record(
        "volunteering.wish_fulfil", obj=wish, actor=by, fields=["status", "fulfilment_note"]
    )
    _notify([wish.resident.account], wish, _l("您的微心愿已完成，请确认"), _resident_url(wish))
    return wish


def _clean_rating(rating: int | None, comment: str, *, required: bool) -> tuple[int | None, str]:
    if rating is None and required:
        raise ValidationError({"rating": _("请为这次服务打分（1至5分）。")})
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("评分须在1至5分之间。")})
    return rating, _clean_text(comment, "comment", 200)


@transaction.atomic
def confirm_wish(*, wish: Wish, by: Any, rating: int | None, comment: str = "") -> Wish:
    """The resident confirms their fulfilled wish and rates the service."""
    if by is not None and (
        wish.resident.account_id is None or wish.resident.account_id != by.pk
    ):  # None: the system (the demo)
        raise PermissionDenied(_("只能确认本人的心愿。"))
    rating, comment = _clean_rating(rating, comment, required=True)
    _move(
        wish,
        CONFIRM_FROM,
        S.CONFIRMED,
        confirmed_at=timezone.now(),
        resident_rating=rating,
        resident_comment=comment,
    )
    _event(wish, "confirm", by, comment)
    audit.record(
        "volunteering.wish_confirm", obj=wish, actor=by, role=Channel.SELF, fields=["status"]
    )
    return wish
