"""Writes about party members (V2): party organisations, their rosters of in-service members, and the
members' check-ins to the community where they live (在职党员到社区报到).

Who may do what: the organisation's region decides who keeps the organisation and its roster (PARTY
there); the member's community of residence decides who confirms, rejects or ends a check-in (PARTY
there). A member may live outside the region of the organisation that rosters them: rostering needs
only the organisation's region, and pages elsewhere show such members masked (see
``queries.party``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from shequ.core import audit, crypto
from shequ.core.validators import normalize_id_number
from shequ.core.workflow import Transition, Workflow
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from shequ.volunteering.actions.volunteers import require
from shequ.volunteering.models import (
    CheckInStatus,
    PartyMember,
    PartyMemberCheckin,
    PartyOrganization,
    PartyOrgKind,
)
from shequ.volunteering.permissions import VolunteeringPerm

PARTY = VolunteeringPerm.PARTY

CHECKIN_FLOW = Workflow(
    transitions=[
        Transition(
            "confirm", (CheckInStatus.PENDING,), CheckInStatus.CONFIRMED, PARTY, _l("确认报到")
        ),
        Transition(
            "reject",
            (CheckInStatus.PENDING,),
            CheckInStatus.REJECTED,
            PARTY,
            _l("不予通过"),
            "danger",
        ),
        Transition(
            "end",
            (CheckInStatus.PENDING, CheckInStatus.CONFIRMED),
            CheckInStatus.ENDED,
            PARTY,
            _l("结束报到"),
            "secondary",
        ),
    ]
)

ORG_FIELDS = ("name", "kind", "workplace")


def _clean_org(name: str, kind: str, workplace: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写党组织名称。")
    elif len(name) > 120:
        errors["name"] = _("党组织名称不能超过120个字。")
    if kind not in PartyOrgKind.values:
        errors["kind"] = _("请选择单位类型。")
    workplace = (workplace or "").strip()
    if len(workplace) > 120:
        errors["workplace"] = _("工作单位不能超过120个字。")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "kind": kind, "workplace": workplace}


@transaction.atomic
def create_organization(
    *,
    region: Region,
    name: str,
    kind: str,
    workplace: str = "",
    by: Any,
    is_synthetic: bool = False,
) -> PartyOrganization:
    """A party organisation held at ``region`` (any level in the user's jurisdiction)."""
    require(by, PARTY, region)
    values = _clean_org(name, kind, workplace)
    if PartyOrganization.objects.filter(region=region, name=values["name"]).exists():
        raise ValidationError({"name": _("该区域已登记同名党组织。")})
    org = PartyOrganization.objects.create(
        region=region, code=f"T{timezone.now():%y%m%d%H%M%S%f}", is_synthetic=is_synthetic, **values
    )
    org.code = f"DZ{region.code}{org.pk:06d}"[:24]
    org.save(update_fields=["code"])
    audit.record("volunteering.party_org_create", obj=org, actor=by, fields=sorted(values))
    return org


@transaction.atomic
def update_organization(
    *,
    organization: PartyOrganization,
    name: str,
    kind: str,
    workplace: str = "",
    is_active: bool = True,
    by: Any,
) -> PartyOrganization:
    require(by, PARTY, organization.region)
    values = _clean_org(name, kind, workplace)
    org = PartyOrganization.objects.select_for_update().get(pk=organization.pk)
    clash = PartyOrganization.objects.filter(region=org.region, name=values["name"])
    if clash.exclude(pk=org.pk).exists():
        raise ValidationError({"name": _("该区域已登记同名党组织。")})
    changed = [k for k, v in values.items() if getattr(org, k) != v]
    for key, value in values.items():
        setattr(org, key, value)
    if org.is_active != is_active:
        org.is_active = is_active
        changed.append("is_active")
    org.save()
    audit.record("volunteering.party_org_update", obj=org, actor=by, fields=changed)
    return org


def find_resident_by_id_number(id_number: str) -> Resident | None:
    """The active registry record with this ID number (exact, by blind index), if any."""
    number = normalize_id_number(id_number or "")
    if not number:
        return None
    return (
        Resident.objects.select_related("community")
        .filter(id_number_index=crypto.blind_index("id_number", number), status=LifeStatus.ACTIVE)
        .first()
    )


@transaction.atomic
def add_member(
    *,
    organization: PartyOrganization,
    id_number: str,
    by: Any,
    resident: Resident | None = None,
    is_synthetic: bool = False,
) -> PartyMember:
    """Put the resident with ``id_number`` (or ``resident``, for the demo and imports) on the
    organisation's roster, in service. Their community of residence comes from the registry. A member
    removed earlier comes back on this roster."""
    require(by, PARTY, organization.region)
    if not organization.is_active:
        raise ValidationError(_("该党组织已撤销，不能增加党员。"))
    person = resident if resident is not None else find_resident_by_id_number(id_number)
    if person is None:
        if not normalize_id_number(id_number or ""):
            raise ValidationError({"id_number": _("请填写身份证号码。")})
        raise ValidationError({"id_number": _("人口库中没有该身份证号码的在册居民。")})
    if person.status != LifeStatus.ACTIVE:
        raise ValidationError({"id_number": _("该居民不在册，不能登记为在职党员。")})
    existing = PartyMember.objects.select_for_update().filter(resident=person).first()
    now = timezone.now()
    if existing is not None:
        if existing.is_active:
            if existing.organization_id == organization.pk:
                raise ValidationError({"id_number": _("该党员已在本组织名册中。")})
            raise ValidationError(
                {"id_number": _("该党员已在其他党组织名册中，请先由原组织移出。")}
            )
        existing.organization = organization
        existing.community = person.community
        existing.is_active = True
        existing.in_service = True
        existing.added_by = by
        existing.added_at = now
        existing.save()
        member = existing
    else:
        try:
            with transaction.atomic():
                member = PartyMember.objects.create(
                    resident=person,
                    organization=organization,
                    community=person.community,
                    added_by=by,
                    added_at=now,
                    is_synthetic=is_synthetic,
                )
        except IntegrityError:  # the same person added twice at once
            raise ValidationError({"id_number": _("该党员已在名册中。")}) from None
    audit.record(
        "volunteering.party_member_add",
        obj=member,
        actor=by,
        fields=["organization", "community"],
        region=organization.region,
    )
    return member


def _end_open_checkin(member: PartyMember, by: Any, note: str) -> None:
    PartyMemberCheckin.objects.filter(
        member=member, status__in=[CheckInStatus.PENDING, CheckInStatus.CONFIRMED]
    ).update(
        status=CheckInStatus.ENDED,
        ended_at=timezone.now(),
        note=note[:200],
        decided_by=by,
        version=F("version") + 1,
    )


@transaction.atomic
def remove_member(*, member: PartyMember, by: Any) -> PartyMember:
    """Off the roster (is_active False); an open check-in ends with it."""
    require(by, PARTY, member.organization.region)
    moved = PartyMember.objects.filter(pk=member.pk, is_active=True).update(is_active=False)
    if not moved:
        raise ValidationError(_("该党员已不在名册中。"))
    _end_open_checkin(member, by, _("已移出党组织名册"))
    member.refresh_from_db()
    audit.record("volunteering.party_member_remove", obj=member, actor=by, fields=["is_active"])
    return member


@transaction.atomic
def mark_not_in_service(*, member: PartyMember, by: Any) -> PartyMember:
    """No longer in service (retired, left the workplace): off the coverage count."""
    require(by, PARTY, member.organization.region)
    moved = PartyMember.objects.filter(pk=member.pk, is_active=True, in_service=True).update(
        in_service=False
    )
    if not moved:
        raise ValidationError(_("该党员已标记为不在职，或已不在名册中。"))
    _end_open_checkin(member, by, _("已不在职"))
    member.refresh_from_db()
    audit.record("volunteering.party_member_retire", obj=member, actor=by, fields=["in_service"])
    return member


def own_membership(user: Any) -> PartyMember | None:
    """The active roster entry of the resident signed in as ``user``, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        PartyMember.objects.select_related("organization", "community", "resident")
        .filter(resident__account=user, is_active=True)
        .first()
    )


@transaction.atomic
def check_in(
    *, user: Any, offer: str = "", member: PartyMember | None = None
) -> PartyMemberCheckin:
    """The member signed in as ``user`` checks in to the community where they live. One open
    check-in at a time (the partial unique constraint makes a double click safe). ``member`` with
    ``user=None`` is the system checking a member in (the demo)."""
    if user is not None or member is None:
        member = own_membership(user)
    if member is None:
        raise PermissionDenied(
            _("您不在任何党组织的在职党员名册中，请先由所在单位党组织将您登记入册。")
        )
    if not member.in_service:
        raise ValidationError(_("您已标记为不在职，无需到社区报到。"))
    offer = (offer or "").strip()
    if len(offer) > 200:
        raise ValidationError({"offer": _("服务意向不能超过200个字。")})
    if member.community.level != Level.COMMUNITY:
        raise ValidationError(_("您的居住地不是村(社区)，请联系所在社区核实户籍信息。"))
    open_one = PartyMemberCheckin.objects.filter(
        member=member, status__in=[CheckInStatus.PENDING, CheckInStatus.CONFIRMED]
    )
    if open_one.exists():
        raise ValidationError(_("您已经报到过了，无需重复报到。"))
    try:
        with transaction.atomic():
            checkin = PartyMemberCheckin.objects.create(
                member=member,
                community=member.community,
                organization=member.organization,
                offer=offer,
            )
    except IntegrityError:  # the second click of a double click
        raise ValidationError(_("您已经报到过了，无需重复报到。")) from None
    audit.record("volunteering.party_check_in", obj=checkin, actor=user, fields=["offer"])
    return checkin


@transaction.atomic
def decide_checkin(
    *, checkin: PartyMemberCheckin, approve: bool, by: Any, note: str = ""
) -> PartyMemberCheckin:
    """The community confirms a pending check-in, or rejects it with a reason."""
    require(by, PARTY, checkin.community)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("不予通过时请填写原因。")})
    if len(note) > 200:
        raise ValidationError({"note": _("说明不能超过200个字。")})
    CHECKIN_FLOW.fire(
        checkin,
        "confirm" if approve else "reject",
        by=by,
        decided_by=by,
        decided_at=timezone.now(),
        note=note,
    )
    audit.record("volunteering.party_check_in_decide", obj=checkin, actor=by, fields=["status"])
    return checkin


@transaction.atomic
def end_checkin(*, checkin: PartyMemberCheckin, by: Any, note: str = "") -> PartyMemberCheckin:
    """End a check-in (the member moved away): by the community's staff, or by the member."""
    note = (note or "").strip()[:200]
    is_member = getattr(by, "is_resident", False)
    if is_member:
        if checkin.member.resident.account_id != by.pk:
            raise PermissionDenied(_("只能结束本人的报到。"))
        transition = CHECKIN_FLOW.get("end")
        if checkin.status not in transition.sources:
            raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))
        moved = PartyMemberCheckin.objects.filter(
            pk=checkin.pk, version=checkin.version, status=checkin.status
        ).update(
            status=CheckInStatus.ENDED,
            ended_at=timezone.now(),
            note=note,
            version=F("version") + 1,
        )
        if not moved:
            raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
        checkin.refresh_from_db()
    else:
        require(by, PARTY, checkin.community)
        CHECKIN_FLOW.fire(checkin, "end", by=by, ended_at=timezone.now(), note=note)
    audit.record("volunteering.party_check_in_end", obj=checkin, actor=by, fields=["status"])
    return checkin
