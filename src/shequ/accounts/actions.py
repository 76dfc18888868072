"""Every write to accounts: users, role assignments, API tokens, sign-in codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.api_auth import hash_token
from shequ.accounts.models import (
    ApiToken,
    HandlingUnit,
    Role,
    RoleAssignment,
    RoleLevel,
    SmsCode,
    SmsCodePurpose,
    User,
    UserKind,
)
from shequ.accounts.permissions import AccountsPerm
from shequ.accounts.roles import BUILTIN_ROLES
from shequ.core import audit, crypto
from shequ.core.models import AuditOutcome
from shequ.core.permissions import CorePerm
from shequ.core.validators import normalize_phone, validate_phone
from shequ.territory.models import Grid, Level, Region

# 三员分立 (等保 8.1.4.2): no one may hold two of these.
SEPARATED_ADMIN_ROLES = frozenset({"system_admin", "security_admin", "security_auditor"})
SMS_CODE_TTL = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_RESEND_INTERVAL = timedelta(seconds=60)
SMS_DAILY_LIMIT = 10


def sync_builtin_roles() -> None:
    """Create or update the built-in roles from ``roles.BUILTIN_ROLES`` (idempotent)."""
    from shequ.core.permissions import REGISTRY

    unknown = {str(p) for spec in BUILTIN_ROLES for p in spec.permissions} - set(REGISTRY)
    if unknown:
        raise RuntimeError(f"built-in roles name unknown permission codes: {sorted(unknown)}")
    existing = {
        role.code: role for role in Role.objects.filter(code__in=[s.code for s in BUILTIN_ROLES])
    }
    for spec in BUILTIN_ROLES:
        values: dict[str, Any] = {
            "name": spec.name,
            "name_en": spec.name_en,
            "description": str(spec.description),
            "permissions": sorted(str(p) for p in spec.permissions),
            "held_at": spec.held_at,
            "is_builtin": True,
            "is_staff_role": spec.is_staff_role,
        }
        role = existing.get(spec.code)
        if role is None:
            Role.objects.create(code=spec.code, requires_2fa=spec.requires_2fa, **values)
        elif any(getattr(role, k) != v for k, v in values.items()):
            # requires_2fa is left as the administrators set it.
            Role.objects.filter(pk=role.pk).update(**values)


def _require(by: User | None, perm: str) -> None:
    if by is not None and not by.has_permission(perm):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    full_name: str,
    password: str | None,
    by: User | None = None,
    email: str = "",
    is_synthetic: bool = False,
) -> User:
    _require(by, AccountsPerm.MANAGE_USERS)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名。")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“%(name)s”已被使用。") % {"name": username}})
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email,
        kind=UserKind.STAFF,
        is_synthetic=is_synthetic,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
    user.save()
    audit.record("accounts.create_user", obj=user, actor=by, fields=["username", "full_name"])
    return user


def register_resident(*, phone: str, sms_code: str, full_name: str, password: str) -> User:
    """A resident signs up: the mobile number must be proven with the code just sent to it.

    Everything else is checked first, so a mistake in the password does not use up the code.
    """
    user = _new_resident(phone=phone, full_name=full_name, password=password)
    if not verify_sms_code(phone=phone, code=sms_code, purpose=SmsCodePurpose.REGISTER):
        raise ValidationError({"sms_code": _("验证码不正确或已过期。")})
    return _save_resident(user)


def create_resident_user(
    *, phone: str, full_name: str, password: str, is_synthetic: bool = False
) -> User:
    """A resident account for a number already verified another way (the demo, staff at a window)."""
    user = _new_resident(phone=phone, full_name=full_name, password=password)
    user.is_synthetic = is_synthetic
    return _save_resident(user)


def _new_resident(*, phone: str, full_name: str, password: str) -> User:
    number = validate_phone(phone)
    if not full_name.strip():
        raise ValidationError({"full_name": _("请填写姓名。")})
    if User.objects.filter(
        phone_index=crypto.blind_index("phone", number), kind=UserKind.RESIDENT
    ).exists():
        raise ValidationError({"phone": _("该手机号已注册，请直接登录。")})
    user = User(
        username=f"r_{secrets.token_hex(8)}",
        kind=UserKind.RESIDENT,
        full_name=full_name.strip(),
        phone=number,
    )
    validate_password(password, user)
    user.set_password(password)
    return user


def _save_resident(user: User) -> User:
    from django.db import IntegrityError

    user.phone_verified_at = user.password_changed_at = timezone.now()
    try:
        with transaction.atomic():
            user.save()
            audit.record(
                "accounts.register_resident", obj=user, actor=user, fields=["phone", "full_name"]
            )
    except IntegrityError:
        # Another sign-up with this number committed a moment earlier.
        raise ValidationError({"phone": _("该手机号已注册，请直接登录。")}) from None
    return user


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit.record("accounts.change_password", obj=user, actor=user, fields=["password"])


@transaction.atomic
def set_password(*, user: User, password: str, by: User | None = None) -> None:
    _require(by, AccountsPerm.MANAGE_USERS)
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit.record("accounts.set_password", obj=user, actor=by, fields=["password"])


def _check_place(
    role: Role, region: Region | None, grid: Grid | None, unit: HandlingUnit | None
) -> None:
    places = [p for p in (region, grid, unit) if p is not None]
    if len(places) != 1:
        raise ValidationError(_("角色必须授予在一个区域、网格或承办单位上。"))
    expected = role.held_at
    if expected == RoleLevel.ANY and unit is not None:
        raise ValidationError(_("该角色不能授予在承办单位上。"))
    if expected == RoleLevel.ANY:
        return
    if expected == RoleLevel.GRID and grid is None:
        raise ValidationError(_("“%(role)s”只能授予在网格上。") % {"role": role.display_name})
    if expected == RoleLevel.UNIT and unit is None:
        raise ValidationError(_("“%(role)s”只能授予在承办单位上。") % {"role": role.display_name})
    region_levels = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
    if expected in region_levels and (region is None or region.level != expected):
        label = dict(RoleLevel.choices)[expected]
        raise ValidationError(
            _("“%(role)s”只能授予在%(level)s一级。") % {"role": role.display_name, "level": label}
        )


def check_assignment(
    *,
    user: User,
    role: Role,
    region: Region | None = None,
    grid: Grid | None = None,
    handling_unit: HandlingUnit | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    by: User | None = None,
) -> None:
    """Raise ``ValidationError``/``PermissionDenied`` if this grant is not allowed (forms call it too)."""
    _require(by, AccountsPerm.ASSIGN_ROLES)
    _check_place(role, region, grid, handling_unit)
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("失效日期不能早于生效日期。")})
    if by is not None:
        where = by.jurisdiction(AccountsPerm.ASSIGN_ROLES)
        place_path = grid.path if grid else (region.path if region else handling_unit.region.path)  # type: ignore[union-attr]
        if not where.covers_path(place_path):
            raise PermissionDenied(_("只能在您的管辖范围内授予角色。"))
    if role.is_staff_role and user.kind != UserKind.STAFF:
        raise ValidationError(_("居民账号不能授予工作人员角色。"))
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("不能给自己授予角色。"))
    if role.code in SEPARATED_ADMIN_ROLES:
        held = {a.role.code for a in user.active_assignments()} & SEPARATED_ADMIN_ROLES
        if held - {role.code}:
            raise ValidationError(
                _("系统管理员、安全管理员、安全审计员必须由不同的人担任（三员分立）。")
            )


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: Role,
    region: Region | None = None,
    grid: Grid | None = None,
    handling_unit: HandlingUnit | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    by: User | None = None,
) -> RoleAssignment:
    """Grant ``role`` to ``user`` at one place. A granter may only grant inside their own jurisdiction."""
    check_assignment(
        user=user,
        role=role,
        region=region,
        grid=grid,
        handling_unit=handling_unit,
        valid_from=valid_from,
        valid_until=valid_until,
        by=by,
    )
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        region=region,
        grid=grid,
        handling_unit=handling_unit,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=by,
    )
    user.forget_assignments()
    audit.record(
        "accounts.assign_role",
        obj=assignment,
        actor=by,
        role=role.code,
        fields=["role", "place", "valid_from", "valid_until"],
    )
    return assignment


@transaction.atomic
def end_assignment(*, assignment: RoleAssignment, by: User | None = None) -> RoleAssignment:
    """Revoke now; the row stays, so who held what and when remains answerable."""
    _require(by, AccountsPerm.ASSIGN_ROLES)
    if by is not None and not by.jurisdiction(AccountsPerm.ASSIGN_ROLES).covers_path(
        assignment.place_path
        or (assignment.handling_unit.region.path if assignment.handling_unit else "")
    ):
        raise PermissionDenied(_("只能收回您管辖范围内的角色。"))
    RoleAssignment.objects.filter(pk=assignment.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    assignment.refresh_from_db()
    assignment.user.forget_assignments()
    audit.record(
        "accounts.end_assignment",
        obj=assignment,
        actor=by,
        role=assignment.role.code,
        fields=["revoked_at"],
    )
    return assignment


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def create_api_token(*, user: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
    if not user.has_permission(CorePerm.USE_API):
        raise PermissionDenied(_("您的角色不允许使用开放接口。"))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请给令牌起个名字，例如用途。")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("过期时间必须晚于现在。")})
    prefix = secrets.token_hex(4)
    secret = f"shq_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, token_hash=hash_token(secret), expires_at=expires_at
    )
    audit.record("accounts.create_api_token", obj=token, actor=user, fields=["name", "expires_at"])
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> None:
    if token.user_id != by.pk:
        raise PermissionDenied(_("只能吊销自己的令牌。"))
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit.record("accounts.revoke_api_token", obj=token, actor=by, fields=["revoked_at"])


def _code_hash(phone_index: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone_index}:{code}".encode(), hashlib.sha256).hexdigest()


def request_sms_code(*, phone: str, purpose: str = SmsCodePurpose.SIGN_IN) -> None:
    """Send a 6-digit code. Rate-limited per number: one a minute, ten a day."""
    from shequ.core.notifications import send_sms

    number = validate_phone(phone)
    index = crypto.blind_index("phone", number)
    now = timezone.now()
    with transaction.atomic():
        recent = SmsCode.objects.filter(phone_index=index, created_at__gte=now - timedelta(days=1))
        if recent.filter(created_at__gte=now - SMS_RESEND_INTERVAL).exists():
            raise ValidationError({"phone": _("验证码发送太频繁，请一分钟后再试。")})
        if recent.count() >= SMS_DAILY_LIMIT:
            raise ValidationError({"phone": _("该号码今日获取验证码次数已达上限。")})
        code = f"{secrets.randbelow(10**6):06d}"
        SmsCode.objects.create(
            phone_index=index,
            purpose=purpose,
            code_hash=_code_hash(index, code),
            expires_at=now + SMS_CODE_TTL,
        )
        text = _("【社区服务平台】您的验证码是%(code)s，5分钟内有效。请勿告诉他人。") % {
            "code": code
        }
        transaction.on_commit(lambda: send_sms(number, text, topic="accounts.sms_code"))


def verify_sms_code(*, phone: str, code: str, purpose: str = SmsCodePurpose.SIGN_IN) -> bool:
    """Consume a code. Wrong codes count against the latest code; five wrong tries void it."""
    number = validate_phone(phone)
    index = crypto.blind_index("phone", number)
    now = timezone.now()
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone_index=index, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= SMS_CODE_MAX_ATTEMPTS:
            return False
        if not hmac.compare_digest(row.code_hash, _code_hash(index, code.strip())):
            SmsCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            return False
        SmsCode.objects.filter(pk=row.pk).update(used_at=now)
    return True


def totp_device_for_enrolment(*, user: User) -> Any:
    """The unconfirmed authenticator device a user is enrolling (created on first need)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "default"}
    )
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, device: Any, token: str) -> bool:
    """Confirm enrolment with the first code from the app; only then does the device count."""
    if device.user_id != user.pk or not device.verify_token(token):
        audit.record(
            "auth.second_factor_failed",
            actor=user,
            object_type="accounts.User",
            object_id=str(user.pk),
            outcome=AuditOutcome.FAILURE,
        )
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        "auth.second_factor_enrolled",
        actor=user,
        object_type="accounts.User",
        object_id=str(user.pk),
    )
    return True


@transaction.atomic
def verify_second_factor(*, user: User, token: str) -> Any:
    """Check a code from the user's confirmed authenticator; the matching device, or None."""
    from django_otp import match_token

    device = match_token(user, token)
    if device is None:
        audit.record(
            "auth.second_factor_failed",
            actor=user,
            object_type="accounts.User",
            object_id=str(user.pk),
            outcome=AuditOutcome.FAILURE,
        )
    else:
        audit.record(
            "auth.second_factor", actor=user, object_type="accounts.User", object_id=str(user.pk)
        )
    return device


@transaction.atomic
def reset_second_factor(*, user: User, by: User) -> None:
    """A security administrator clears a lost authenticator; the user enrols again at next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require(by, AccountsPerm.MANAGE_USERS)
    TOTPDevice.objects.filter(user=user).delete()
    audit.record("accounts.reset_second_factor", obj=user, actor=by, fields=["totp_device"])


def sign_in_with_sms_code(*, phone: str, code: str) -> User | None:
    """The resident whose number this code was sent to, or None (audited as a failed sign-in)."""
    from shequ.accounts.queries import resident_by_phone
    from shequ.core.masking import mask_phone

    user = resident_by_phone(phone)
    if verify_sms_code(phone=phone, code=code) and user is not None:
        return user
    audit.record(
        "auth.sign_in_failed",
        actor_name=mask_phone(normalize_phone(phone)),
        object_type="accounts.User",
        outcome=AuditOutcome.FAILURE,
    )
    return None


def purge_expired_sms_codes() -> int:
    deleted, _rows = SmsCode.objects.filter(
        expires_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return deleted


def record_denied(*, user: User | None, action: str, object_repr: str = "") -> None:
    audit.record(action, actor=user, outcome=AuditOutcome.DENIED, object_repr=object_repr)
