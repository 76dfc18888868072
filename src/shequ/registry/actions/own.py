"""Writes about a resident's own account and choices: linking the sign-in account to the registry
record, and the optional consents (PIPL Arts. 14-15).

A resident links their account themself (name and ID number, matched against the phone number they
proved when they signed up) or at the service window, where staff link it by the account's phone
number. Consents are never overwritten: each decision is a new ``ConsentRecord``, the newest per
purpose being the current one, so the history of who agreed to what, and when, stays answerable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User, UserKind
from shequ.core import audit, calendar, crypto
from shequ.core.models import AuditEvent, AuditOutcome
from shequ.core.validators import normalize_id_number, validate_phone
from shequ.registry.actions import _place_path, _require_place
from shequ.registry.models import ConsentPurpose, ConsentRecord, LifeStatus, Resident
from shequ.registry.permissions import RegistryPerm

# Failed self-service link attempts allowed per account in any 24 hours. Counted from the audit
# trail (``LINK_ACTION`` events with outcome ``failure``), not a cache: the count is the same in every
# worker process and survives a restart, and the trail is append-only, so it cannot be reset.
LINK_ATTEMPTS_PER_DAY = 5
LINK_WINDOW = timedelta(hours=24)
LINK_ACTION = "registry.link_own_record"

# Audit ``role`` values that say through which channel a change came.
CHANNEL_SELF = "resident"
CHANNEL_STAFF = "staff"


def link_failure_message() -> str:
    """The one answer to every failed self-service link: it says nothing about what did not match."""
    return _("暂时无法自动关联您的居民信息。请带上本人身份证，到所在村(社区)便民服务窗口办理关联。")


def link_attempts_left(account: User) -> int:
    since = timezone.now() - LINK_WINDOW
    failed = AuditEvent.objects.filter(
        actor=account, action=LINK_ACTION, outcome=AuditOutcome.FAILURE, at__gte=since
    ).count()
    return max(LINK_ATTEMPTS_PER_DAY - failed, 0)


def link_own_record(*, account: User, name: str, id_number: str) -> Resident:
    """The resident links their own account to their registry record by name and ID number.

    Linked only when the ID number's blind index finds an active record with exactly this name, whose
    phone number is the one the account proved by SMS, and which no account holds yet. Anything else —
    an unknown ID number, another name, another phone, a record already linked — gets the same
    ``link_failure_message`` and counts as one failed attempt; after ``LINK_ATTEMPTS_PER_DAY`` in 24
    hours the form refuses until the window has passed. Every attempt is audited; the ID number never
    is.
    """
    if not account.is_resident or not account.is_active:
        raise PermissionDenied(_("只有居民本人可以关联自己的居民信息。"))
    if Resident.objects.filter(account=account).exists():
        raise ValidationError(_("您的账号已经关联了居民信息。"))
    if not link_attempts_left(account):
        raise ValidationError(
            _("尝试次数过多，请24小时后再试，或带上本人身份证到村(社区)便民服务窗口办理。")
        )
    number = normalize_id_number(id_number)
    clean_name = name.strip()
    if not number or not clean_name:
        raise ValidationError(_("请填写姓名和身份证号码。"))
    linked: Resident | None = None
    with transaction.atomic():
        candidate = (
            Resident.objects.select_related("community", "grid")
            .filter(
                id_number_index=crypto.blind_index("id_number", number),
                name=clean_name,
                status=LifeStatus.ACTIVE,
                account__isnull=True,
            )
            .first()
        )
        matches = (
            candidate is not None
            and account.phone_verified_at is not None
            and bool(account.phone_index)
            and candidate.phone_index == account.phone_index
        )
        if candidate is not None and matches:
            try:
                with transaction.atomic():
                    claimed = Resident.objects.filter(pk=candidate.pk, account__isnull=True).update(
                        account=account, version=F("version") + 1, updated_at=timezone.now()
                    )
            except IntegrityError:  # the account was linked elsewhere a moment ago
                claimed = 0
            if claimed:
                linked = candidate
                audit.record(
                    LINK_ACTION, obj=candidate, actor=account, role=CHANNEL_SELF, fields=["account"]
                )
        if linked is None:
            # No object: the event must not say which record (if any) the number belongs to.
            audit.record(
                LINK_ACTION,
                actor=account,
                role=CHANNEL_SELF,
                outcome=AuditOutcome.FAILURE,
                object_type=Resident._meta.label,
            )
    if linked is None:
        raise ValidationError(link_failure_message())
    linked.refresh_from_db()
    return linked


def _resident_account(phone: str) -> User:
    try:
        number = validate_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    account = User.objects.filter(
        kind=UserKind.RESIDENT, phone_index=crypto.blind_index("phone", number)
    ).first()
    if account is None or not account.is_active:
        raise ValidationError(
            {"phone": _("没有使用该手机号注册的居民账号。请居民先用该手机号注册，再来关联。")}
        )
    return account


@transaction.atomic
def link_account(*, resident: Resident, phone: str, by: Any) -> Resident:
    """Staff link a resident's sign-in account, found by its phone number, to the resident's record.

    For the service window: the resident shows their ID card in person, so the phone need not match
    the one in the record.
    """
    current = Resident.objects.select_for_update(of=("self",)).select_related("community", "grid")
    locked = current.get(pk=resident.pk)
    _require_place(by, RegistryPerm.EDIT, _place_path(locked.community, locked.grid))
    if locked.status != LifeStatus.ACTIVE:
        raise ValidationError(_("该居民已不在册，不能关联账号。"))
    if locked.account_id is not None:
        raise ValidationError(_("该居民已关联账号；如需更换，请先解除关联。"))
    account = _resident_account(phone)
    if Resident.objects.filter(account=account).exists():
        raise ValidationError({"phone": _("该账号已关联其他居民信息，不能重复关联。")})
    locked.account = account
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    try:
        with transaction.atomic():
            locked.save(update_fields=["account", "version", "updated_at"])
    except IntegrityError:
        raise ValidationError({"phone": _("该账号已关联其他居民信息，不能重复关联。")}) from None
    locked.refresh_from_db()
    audit.record(
        "registry.link_account", obj=locked, actor=by, role=CHANNEL_STAFF, fields=["account"]
    )
    return locked


@transaction.atomic
def unlink_account(*, resident: Resident, by: Any) -> Resident:
    """Staff end the link between a record and its sign-in account (the account itself stays)."""
    locked = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid")
        .get(pk=resident.pk)
    )
    _require_place(by, RegistryPerm.EDIT, _place_path(locked.community, locked.grid))
    if locked.account_id is None:
        raise ValidationError(_("该居民没有关联账号。"))
    locked.account = None
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["account", "version", "updated_at"])
    locked.refresh_from_db()
    audit.record(
        "registry.unlink_account", obj=locked, actor=by, role=CHANNEL_STAFF, fields=["account"]
    )
    return locked


def acting_channel(resident: Resident, by: Any, *, perm: str, not_yours: str) -> str:
    """Who acts on a resident's own affairs: the resident themself (``CHANNEL_SELF``; their own
    record only, else ``not_yours``), or staff holding ``perm`` at the resident's place
    (``CHANNEL_STAFF``). ``""`` for the system."""
    if by is None:
        return ""
    if getattr(by, "is_resident", False):
        if resident.account_id is None or resident.account_id != by.pk:
            raise PermissionDenied(not_yours)
        return CHANNEL_SELF
    _require_place(by, perm, _place_path(resident.community, resident.grid))
    return CHANNEL_STAFF


def _consent_channel(resident: Resident, by: Any) -> str:
    """Who may record a consent: the resident themself, or staff who may edit the record."""
    return acting_channel(
        resident, by, perm=RegistryPerm.EDIT, not_yours=_("只能设置您本人的授权。")
    )


@transaction.atomic
def set_consent(*, resident: Resident, purpose: str, granted: bool, by: Any) -> ConsentRecord:
    """Record the resident's decision on one optional purpose, as a new row (the history stays).

    By the resident on their own record, or by staff on the resident's behalf (at the window, on the
    phone): the audit event's ``role`` says which. Withdrawing is as easy as granting (PIPL Art. 15).
    Setting the choice already in force writes nothing and returns the current record.
    """
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("授权事项不正确。")})
    locked = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid")
        .get(pk=resident.pk)
    )
    channel = _consent_channel(locked, by)
    latest = (
        ConsentRecord.objects.filter(resident=locked, purpose=purpose)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    # Never asked counts as not granted, but a first "no" is still recorded: it was asked and answered.
    if latest is not None and latest.granted == bool(granted):
        return latest
    record = ConsentRecord.objects.create(
        resident=locked,
        purpose=purpose,
        granted=bool(granted),
        recorded_at=calendar.now(),
        recorded_by=by,
    )
    audit.record(
        "registry.grant_consent" if granted else "registry.withdraw_consent",
        obj=locked,
        actor=by,
        role=channel,
        fields=[f"consent.{purpose}"],
    )
    return record
