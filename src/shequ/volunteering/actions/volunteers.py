"""Writes about volunteers: registration (by the resident, or by staff for them), the community's
decision, teams and their members, points and recognitions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, notifications
from shequ.core.scoping import require_place
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import own_resident as own_resident
from shequ.territory.models import Level, Region
from shequ.volunteering.models import (
    Availability,
    Channel,
    JoinRequestStatus,
    PartyMember,
    PointsEntry,
    PointsReason,
    Recognition,
    Skill,
    TeamCategory,
    TeamJoinRequest,
    TeamMembership,
    TeamRole,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.permissions import VolunteeringPerm


def require(by: Any, perm: str, region: Region) -> None:
    """``by`` (None = the system) must hold ``perm`` over ``region``."""
    require_place(by, perm, region.path, _("不在您的管辖范围内，或您没有此项权限。"))


def _clean_choices(values: Iterable[str], allowed: list[str], field: str) -> list[str]:
    chosen = list(dict.fromkeys(str(v) for v in values))
    wrong = [v for v in chosen if v not in allowed]
    if wrong:
        raise ValidationError({field: _("选项不正确：%(values)s。") % {"values": "、".join(wrong)}})
    return chosen


def _acting(resident: Resident, by: Any) -> str:
    """The channel: the resident on their own record, or staff who manage volunteers there."""
    if getattr(by, "is_resident", False):
        if resident.account_id != by.pk:
            raise PermissionDenied(_("只能为本人注册志愿者。"))
        return Channel.SELF
    require(by, VolunteeringPerm.MANAGE, resident.community)
    return Channel.STAFF


@transaction.atomic
def register_volunteer(
    *,
    resident: Resident,
    by: Any,
    skills: Iterable[str] = (),
    availability: Iterable[str] = (),
    service_area: Region | None = None,
    introduction: str = "",
) -> Volunteer:
    """Register ``resident`` as a volunteer, pending the community's decision.

    The resident must be active in the registry (registration is verified against it). A resident who
    left or was rejected may apply again: the same record goes back to pending.
    """
    locked = Resident.objects.select_for_update(of=("self",)).select_related("community")
    resident = locked.get(pk=resident.pk)
    channel = _acting(resident, by)
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError(_("该居民不在册，不能注册志愿者。"))
    skill_list = _clean_choices(skills, Skill.values, "skills")
    times = _clean_choices(availability, Availability.values, "availability")
    if service_area is not None and not (
        service_area.level in (Level.COMMUNITY, Level.TOWNSHIP, Level.COUNTY)
        and (
            resident.community.path.startswith(service_area.path)
            or service_area.path.startswith(resident.community.path)
        )
    ):
        raise ValidationError(
            {"service_area": _("服务区域须为本社区，或本社区所在的镇(街道)、县(市、区)。")}
        )
    existing = Volunteer.objects.select_for_update().filter(resident=resident).first()
    now = timezone.now()
    values = {
        "skills": skill_list,
        "availability": times,
        "service_area": service_area,
        "introduction": introduction.strip()[:300],
        "channel": channel,
        "applied_at": now,
        "status": VolunteerStatus.PENDING,
        "decided_at": None,
        "decided_by": None,
        "decision_note": "",
    }
    if existing is not None:
        if existing.status in (VolunteerStatus.PENDING, VolunteerStatus.ACTIVE):
            raise ValidationError(_("您已经注册过志愿者，无需重复注册。"))
        if existing.status == VolunteerStatus.SUSPENDED:
            # Registering again must not lift a suspension: the community resumes it.
            raise ValidationError(_("该志愿者已暂停服务，请联系社区恢复，无需重新注册。"))
        for name, value in values.items():
            setattr(existing, name, value)
        existing.version = F("version") + 1
        existing.save()
        existing.refresh_from_db()
        volunteer = existing
    else:
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    resident=resident,
                    community=resident.community,
                    number=f"ZY{resident.community.code}{resident.pk:08d}",
                    **values,
                )
        except IntegrityError:  # a double-clicked registration
            raise ValidationError(_("您已经注册过志愿者，无需重复注册。")) from None
    audit.record(
        "volunteering.register", obj=volunteer, actor=by, role=channel, fields=sorted(values)
    )
    return volunteer


@transaction.atomic
def decide_volunteer(*, volunteer: Volunteer, approve: bool, by: Any, note: str = "") -> Volunteer:
    """The community approves or rejects a pending registration (one decision; a second click finds
    it already decided)."""
    require(by, VolunteeringPerm.MANAGE, volunteer.community)
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("不通过时请填写原因。")})
    target = VolunteerStatus.ACTIVE if approve else VolunteerStatus.REJECTED
    moved = Volunteer.objects.filter(pk=volunteer.pk, status=VolunteerStatus.PENDING).update(
        status=target,
        decided_at=timezone.now(),
        decided_by=by,
        decision_note=note[:200],
        version=F("version") + 1,
    )
    if not moved:
        raise ValidationError(_("该注册申请已经处理过了。"))
    volunteer.refresh_from_db()
    audit.record("volunteering.decide", obj=volunteer, actor=by, fields=["status", "decision_note"])
    return volunteer


# --- Status after approval -------------------------------------------------------------------------

# What staff may do to a decided volunteer: the statuses it starts from and the one it goes to.
STATUS_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "suspend": ((VolunteerStatus.ACTIVE,), VolunteerStatus.SUSPENDED),
    "resume": ((VolunteerStatus.SUSPENDED,), VolunteerStatus.ACTIVE),
    "leave": ((VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED), VolunteerStatus.LEFT),
}


@transaction.atomic
def change_volunteer_status(
    *, volunteer: Volunteer, move: str, by: Any, note: str = ""
) -> Volunteer:
    """Suspend, resume or mark as left (a conditional update: a second click finds it moved). A
    volunteer who leaves also leaves their teams."""
    require(by, VolunteeringPerm.MANAGE, volunteer.community)
    if move not in STATUS_MOVES:
        raise ValidationError({"move": _("不支持的操作。")})
    sources, target = STATUS_MOVES[move]
    note = note.strip()
    if move == "suspend" and not note:
        raise ValidationError({"note": _("暂停服务时请填写原因。")})
    moved = Volunteer.objects.filter(pk=volunteer.pk, status__in=sources).update(
        status=target, decision_note=note[:200] or F("decision_note"), version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该志愿者当前的状态不能执行此操作，请刷新页面后再试。"))
    if target == VolunteerStatus.LEFT:
        TeamMembership.objects.filter(volunteer=volunteer, left_on__isnull=True).update(
            left_on=timezone.localdate()
        )
    volunteer.refresh_from_db()
    audit.record(
        f"volunteering.volunteer_{move}", obj=volunteer, actor=by, fields=["status"], reason=note
    )
    return volunteer


# --- Teams -----------------------------------------------------------------------------------------

TEAM_FIELDS = ("name", "category", "description", "is_active")


def _team_values(values: dict[str, Any]) -> dict[str, Any]:
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValidationError({"name": _("请填写队伍名称。")})
    category = values.get("category", "")
    if category not in TeamCategory.values:
        raise ValidationError({"category": _("请选择队伍类别。")})
    return {
        "name": name[:80],
        "category": category,
        "description": str(values.get("description", "")).strip()[:300],
        "is_active": bool(values.get("is_active", True)),
    }


def _duplicate_team(region: Region, name: str, exclude: int | None = None) -> bool:
    found = VolunteerTeam.objects.filter(region=region, name=name)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.exists()


@transaction.atomic
def create_team(*, region: Region, by: Any, **values: Any) -> VolunteerTeam:
    """A volunteer team based in a community, township or county."""
    require(by, VolunteeringPerm.MANAGE, region)
    if region.level not in (Level.COMMUNITY, Level.TOWNSHIP, Level.COUNTY):
        raise ValidationError({"region": _("队伍所在区域须为村(社区)、镇(街道)或县(市、区)。")})
    clean = _team_values(values)
    taken = _("该区域已有同名的志愿服务队。")
    if _duplicate_team(region, clean["name"]):
        raise ValidationError({"name": taken})
    try:
        with transaction.atomic():
            team = VolunteerTeam.objects.create(region=region, created_by=by, **clean)
    except IntegrityError:  # two teams of one name created at once
        raise ValidationError({"name": taken}) from None
    audit.record("volunteering.team_create", obj=team, actor=by, fields=sorted(clean))
    return team


@transaction.atomic
def update_team(*, team: VolunteerTeam, by: Any, **values: Any) -> VolunteerTeam:
    require(by, VolunteeringPerm.MANAGE, team.region)
    clean = _team_values(values)
    team = VolunteerTeam.objects.select_for_update().get(pk=team.pk)
    if _duplicate_team(team.region, clean["name"], exclude=team.pk):
        raise ValidationError({"name": _("该区域已有同名的志愿服务队。")})
    changed = [name for name, value in clean.items() if getattr(team, name) != value]
    for name, value in clean.items():
        setattr(team, name, value)
    team.save(update_fields=list(clean))
    audit.record("volunteering.team_update", obj=team, actor=by, fields=changed)
    return team


def serves_in(volunteer: Volunteer, region: Region) -> bool:
    """The team's ``region`` covers the volunteer's community, or lies within the wider service area
    they chose (their township or county)."""
    if volunteer.community.path.startswith(region.path):
        return True
    area = volunteer.service_area
    return area is not None and region.path.startswith(area.path)


@transaction.atomic
def add_member(*, team: VolunteerTeam, volunteer: Volunteer, by: Any) -> TeamMembership:
    """An active volunteer registered in the team's area joins it (once)."""
    require(by, VolunteeringPerm.MANAGE, team.region)
    team = VolunteerTeam.objects.select_for_update().select_related("region").get(pk=team.pk)
    if not team.is_active:
        raise ValidationError(_("该队伍已停止活动，不能加入队员。"))
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise ValidationError({"volunteer": _("只有在册的志愿者可以加入队伍。")})
    if not serves_in(volunteer, team.region):
        raise ValidationError({"volunteer": _("该志愿者不在本队伍所在区域内注册。")})
    joined = _("该志愿者已经是本队队员。")
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError({"volunteer": joined})
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, volunteer=volunteer)
    except IntegrityError:
        raise ValidationError({"volunteer": joined}) from None
    audit.record("volunteering.team_join", obj=membership, actor=by, region=team.region)
    return membership


@transaction.atomic
def remove_member(*, membership: TeamMembership, by: Any) -> TeamMembership:
    require(by, VolunteeringPerm.MANAGE, membership.team.region)
    moved = TeamMembership.objects.filter(pk=membership.pk, left_on__isnull=True).update(
        left_on=timezone.localdate(), role=TeamRole.MEMBER
    )
    if not moved:
        raise ValidationError(_("该队员已经退出了本队。"))
    membership.refresh_from_db()
    audit.record("volunteering.team_leave", obj=membership, actor=by, region=membership.team.region)
    return membership


@transaction.atomic
def set_leader(*, membership: TeamMembership, by: Any) -> TeamMembership:
    """The team has one leader: naming one makes the previous leader a member again."""
    require(by, VolunteeringPerm.MANAGE, membership.team.region)
    VolunteerTeam.objects.select_for_update().filter(pk=membership.team_id).first()
    current = TeamMembership.objects.filter(pk=membership.pk, left_on__isnull=True).first()
    if current is None:
        raise ValidationError(_("该队员已经退出了本队。"))
    TeamMembership.objects.filter(
        team_id=membership.team_id, role=TeamRole.LEADER, left_on__isnull=True
    ).exclude(pk=membership.pk).update(role=TeamRole.MEMBER)
    current.role = TeamRole.LEADER
    current.save(update_fields=["role"])
    audit.record(
        "volunteering.team_leader",
        obj=current,
        actor=by,
        fields=["role"],
        region=current.team.region,
    )
    return current


# --- Join requests: the volunteer asks, staff decide ------------------------------------------------


def is_party_member(volunteer: Volunteer) -> bool:
    return PartyMember.objects.filter(resident_id=volunteer.resident_id, is_active=True).exists()


@transaction.atomic
def request_to_join(*, team: VolunteerTeam, by: Any, note: str = "") -> TeamJoinRequest:
    """The resident asks to join ``team``: they must be an active volunteer serving the team's area
    (a party-member team only for rostered party members), not yet in it, with no request pending."""
    resident = own_resident(by)
    if resident is None:
        raise PermissionDenied(_("请先关联您的居民信息。"))
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("community", "service_area")
        .filter(resident=resident)
        .first()
    )
    if volunteer is None or volunteer.status != VolunteerStatus.ACTIVE:
        raise ValidationError(_("只有审核通过、在册的志愿者可以申请加入队伍。"))
    team = VolunteerTeam.objects.select_related("region").get(pk=team.pk)
    if not team.is_active:
        raise ValidationError(_("该队伍已停止活动，不能申请加入。"))
    if not serves_in(volunteer, team.region):
        raise ValidationError(_("该队伍不在您的注册社区或服务区域内。"))
    if team.category == TeamCategory.PARTY and not is_party_member(volunteer):
        raise ValidationError(_("党员志愿服务队只接受在职党员名册中的党员加入。"))
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError(_("您已经是该队队员。"))
    pending = _("您已经申请加入该队，请等待审核。")
    if TeamJoinRequest.objects.filter(
        team=team, volunteer=volunteer, status=JoinRequestStatus.PENDING
    ).exists():
        raise ValidationError(pending)
    try:
        with transaction.atomic():
            join = TeamJoinRequest.objects.create(
                team=team, volunteer=volunteer, note=note.strip()[:200]
            )
    except IntegrityError:  # a double click
        raise ValidationError(pending) from None
    audit.record(
        "volunteering.join_request", obj=join, actor=by, fields=["note"], region=team.region
    )
    return join


def _tell_decision(join: TeamJoinRequest) -> None:
    account = join.volunteer.resident.account
    if account is None:
        return
    if join.status == JoinRequestStatus.APPROVED:
        body = gettext_lazy("您申请加入“%(team)s”已获同意。") % {"team": join.team.name}
    else:
        body = gettext_lazy("您申请加入“%(team)s”未获同意：%(note)s") % {
            "team": join.team.name,
            "note": join.decision_note,
        }
    notifications.notify(
        recipients=[account],
        topic="volunteering.team",
        subject=gettext_lazy("入队申请处理结果"),
        body=body,
        url="/volunteering/me/",
    )


@transaction.atomic
def decide_join_request(
    *, request: TeamJoinRequest, approve: bool, by: Any, note: str = ""
) -> TeamJoinRequest:
    """Staff who manage the team's area approve (the volunteer joins) or decline (with a reason)
    a pending request; a second click finds it decided."""
    join = request
    team = VolunteerTeam.objects.select_related("region").get(pk=join.team_id)
    require(by, VolunteeringPerm.MANAGE, team.region)
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("不同意时请填写原因。")})
    target = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED
    moved = TeamJoinRequest.objects.filter(pk=join.pk, status=JoinRequestStatus.PENDING).update(
        status=target, decided_by=by, decided_at=timezone.now(), decision_note=note[:200]
    )
    if not moved:
        raise ValidationError(_("该申请已经处理过了。"))
    join = TeamJoinRequest.objects.select_related(
        "team", "team__region", "volunteer", "volunteer__community", "volunteer__resident"
    ).get(pk=join.pk)
    if approve:
        add_member(team=team, volunteer=join.volunteer, by=by)
    audit.record(
        "volunteering.join_decide",
        obj=join,
        actor=by,
        fields=["status", "decision_note"],
        region=team.region,
    )
    _tell_decision(join)
    return join


@transaction.atomic
def withdraw_join_request(*, request: TeamJoinRequest, by: Any) -> TeamJoinRequest:
    """The volunteer withdraws their own pending request."""
    join = request
    resident = own_resident(by)
    if resident is None or join.volunteer.resident_id != resident.pk:
        raise PermissionDenied(_("只能撤回本人的申请。"))
    moved = TeamJoinRequest.objects.filter(pk=join.pk, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.WITHDRAWN, decided_at=timezone.now()
    )
    if not moved:
        raise ValidationError(_("该申请已经处理过了。"))
    join.refresh_from_db()
    audit.record(
        "volunteering.join_withdraw",
        obj=join,
        actor=by,
        fields=["status"],
        region=join.team.region,
    )
    return join


# --- Incentives --------------------------------------------------------------------------------------

POINTS_PER_HOUR = 10
MAX_POINTS_ADJUSTMENT = 10_000


@transaction.atomic
def award_service_points(signup: Any, by: Any) -> PointsEntry | None:
    """The points for one confirmed attendance: ``POINTS_PER_HOUR`` × confirmed hours, rounded
    down. Idempotent: a signup earns its entry once (None when it already has one, or no hours)."""
    hours = signup.hours_confirmed
    if hours is None or hours <= 0:
        return None
    if PointsEntry.objects.filter(signup_id=signup.pk).exists():
        return None
    points = int(Decimal(hours) * POINTS_PER_HOUR)
    if points <= 0:
        return None
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                volunteer_id=signup.volunteer_id,
                points=points,
                reason=PointsReason.SERVICE,
                note=_("服务 %(hours)s 小时") % {"hours": hours},
                signup_id=signup.pk,
                created_by=by,
            )
    except IntegrityError:  # awarded by a concurrent confirmation
        return None
    audit.record("volunteering.points_service", obj=entry, actor=by, fields=["points"])
    return entry


@transaction.atomic
def adjust_points(*, volunteer: Volunteer, points: int, note: str, by: Any) -> PointsEntry:
    """Staff add (recognition, adjustment) or deduct (redeemed, adjustment) points, with a note. The
    balance may not go below zero."""
    require(by, VolunteeringPerm.MANAGE, volunteer.community)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请说明增减积分的原因。")})
    if points == 0 or abs(points) > MAX_POINTS_ADJUSTMENT:
        raise ValidationError(
            {
                "points": _("积分须为非零整数，且一次不超过 %(n)s 分。")
                % {"n": MAX_POINTS_ADJUSTMENT}
            }
        )
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if points < 0:
        balance = PointsEntry.objects.filter(volunteer=locked).aggregate(total=Sum("points"))
        have = balance["total"] or 0
        if have + points < 0:
            raise ValidationError(
                {
                    "points": _("积分余额只有 %(have)s 分，不能扣减 %(n)s 分。")
                    % {"have": have, "n": -points}
                }
            )
    reason = PointsReason.ADJUSTMENT if points > 0 else PointsReason.REDEEMED
    entry = PointsEntry.objects.create(
        volunteer=locked, points=points, reason=reason, note=note[:200], created_by=by
    )
    audit.record("volunteering.points_adjust", obj=entry, actor=by, fields=["points", "note"])
    return entry


@transaction.atomic
def add_recognition(
    *, volunteer: Volunteer, title: str, year: int, awarded_by_name: str, by: Any, points: int = 0
) -> Recognition:
    """Record a recognition; ``points`` (optional) are awarded with it."""
    require(by, VolunteeringPerm.MANAGE, volunteer.community)
    title, awarded_by_name = title.strip(), awarded_by_name.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写荣誉称号。")
    if not awarded_by_name:
        errors["awarded_by_name"] = _("请填写授予单位。")
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year:
        errors["year"] = _("年度应在 2000～%(y)s 之间。") % {"y": this_year}
    if points < 0 or points > MAX_POINTS_ADJUSTMENT:
        errors["points"] = _("奖励积分应在 0～%(n)s 之间。") % {"n": MAX_POINTS_ADJUSTMENT}
    if errors:
        raise ValidationError(errors)
    if volunteer.status in (VolunteerStatus.PENDING, VolunteerStatus.REJECTED):
        raise ValidationError(_("尚未通过审核的志愿者不能表彰。"))
    recognition = Recognition.objects.create(
        volunteer=volunteer,
        title=title[:60],
        year=year,
        awarded_by_name=awarded_by_name[:80],
        recorded_by=by,
    )
    if points:
        PointsEntry.objects.create(
            volunteer=volunteer,
            points=points,
            reason=PointsReason.RECOGNITION,
            note=title[:200],
            created_by=by,
        )
    audit.record("volunteering.recognition", obj=recognition, actor=by, fields=["title", "year"])
    return recognition
