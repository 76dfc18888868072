"""Writes about volunteers: registration (by the resident, or by staff for them), the community's
decision, teams and their members, points and recognitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from shequ.volunteering.models import (
    Availability,
    Channel,
    Skill,
    Volunteer,
    VolunteerStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm


def require(by: Any, perm: str, region: Region) -> None:
    """``by`` (None = the system) must hold ``perm`` over ``region``."""
    require_place(by, perm, region.path, _("不在您的管辖范围内，或您没有此项权限。"))


def own_resident(user: Any) -> Resident | None:
    """The registry record linked to a resident's sign-in account, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.select_related("community").filter(account=user).first()


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
