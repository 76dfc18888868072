"""Users, roles held at places, handling units, API tokens and sign-in codes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core import calendar
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.scoping import Jurisdiction
from shequ.core.validators import normalize_phone
from shequ.territory.models import Grid, Region


class UserKind(models.TextChoices):
    STAFF = "staff", _("工作人员")
    RESIDENT = "resident", _("居民")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username=username)

    def create_superuser(self, *args: object, **kwargs: object) -> User:
        raise RuntimeError(
            "shequ has no superuser: create the first administrators with `shequ manage create_admin`"
        )


class User(AbstractBaseUser):
    """A person who signs in. Staff sign in by username; residents by their mobile number.

    What a user may do and where comes only from their role assignments — there is no superuser
    that bypasses jurisdiction.
    """

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    kind = models.CharField(
        _("类型"), max_length=10, choices=UserKind.choices, default=UserKind.STAFF
    )
    full_name = models.CharField(_("姓名"), max_length=100)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalizer=normalize_phone)
    phone_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    preferred_language = models.CharField(_("界面语言"), max_length=10, blank=True)
    large_text = models.BooleanField(_("大字模式"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            # One resident account per mobile number, even when two sign-ups race.
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=models.Q(kind="resident") & ~models.Q(phone_index=""),
                name="user_resident_phone_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    # --- Django admin compatibility: admin asks these; our answer comes from roles. ---
    @property
    def is_staff(self) -> bool:
        from shequ.core.permissions import CorePerm

        return self.has_permission(CorePerm.USE_ADMIN)

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    # --- Roles and jurisdiction ---
    # Read on every signed-in request and every API call, often several times (each permission and
    # scope check), so each is computed once per user object — that is, once per request: a role
    # granted or revoked applies from the next request on. ``forget_assignments`` starts over.
    def active_assignments(self) -> list[RoleAssignment]:
        """Assignments valid today, with role, region and grid loaded, in the order they were made;
        cached on the instance.

        The places' boundaries (GeoJSON, thousands of points for a township) are left out: no
        permission or scope check reads them, and decoding them cost milliseconds per request. The
        rows are sorted here rather than by the database: an ORDER BY costs the ORM more than sorting
        a handful of rows (bench/bench_case_intake.py).
        """
        cached: list[RoleAssignment] | None = getattr(self, "_assignments_cache", None)
        if cached is None:
            today = calendar.localdate()
            found = (
                RoleAssignment.objects.filter(user=self)
                .valid_on(today)
                .order_by()
                .select_related("role", "region", "grid__community", "handling_unit")
                .defer("region__geometry", "grid__geometry", "grid__community__geometry")
            )
            cached = sorted(found, key=lambda assignment: assignment.pk)
            self._assignments_cache = cached
        return cached

    def forget_assignments(self) -> None:
        for name in ("_assignments_cache", "_permissions_cache", "_jurisdiction_cache"):
            self.__dict__.pop(name, None)

    def _permission_codes(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_permissions_cache", None)
        if cached is None:
            cached = frozenset(
                code
                for assignment in self.active_assignments()
                for code in assignment.role.permissions
            )
            self._permissions_cache = cached
        return cached

    def permissions(self) -> set[str]:
        return set(self._permission_codes())

    def has_permission(self, perm: str) -> bool:
        return self.is_active and perm in self._permission_codes()

    def jurisdiction(self, perm: str | None = None) -> Jurisdiction:
        if not self.is_active:
            return Jurisdiction()
        cache: dict[str | None, Jurisdiction] = self.__dict__.setdefault("_jurisdiction_cache", {})
        if perm not in cache:
            cache[perm] = self._compute_jurisdiction(perm)
        return cache[perm]

    def _compute_jurisdiction(self, perm: str | None) -> Jurisdiction:
        region_paths: list[str] = []
        grid_paths: list[str] = []
        grid_community_paths: list[str] = []
        unit_ids: list[int] = []
        for assignment in self.active_assignments():
            if perm is not None and perm not in assignment.role.permissions:
                continue
            if assignment.grid is not None:
                grid_paths.append(assignment.grid.path)
                grid_community_paths.append(assignment.grid.community.path)
            elif assignment.region is not None:
                region_paths.append(assignment.region.path)
            if assignment.handling_unit_id is not None:
                unit_ids.append(assignment.handling_unit_id)
        return Jurisdiction(
            region_paths=tuple(sorted(set(region_paths))),
            grid_paths=tuple(sorted(set(grid_paths))),
            grid_community_paths=tuple(sorted(set(grid_community_paths))),
            unit_ids=tuple(sorted(set(unit_ids))),
        )

    def requires_second_factor(self) -> bool:
        return any(a.role.requires_2fa for a in self.active_assignments())

    @property
    def is_resident(self) -> bool:
        return self.kind == UserKind.RESIDENT


class RoleLevel(models.TextChoices):
    CITY = "city", _("市")
    COUNTY = "county", _("县(市、区)")
    TOWNSHIP = "township", _("镇(街道)")
    COMMUNITY = "community", _("村(社区)")
    GRID = "grid", _("网格")
    UNIT = "unit", _("承办单位")
    ANY = "any", _("任意")


class Role(models.Model):
    """A named bundle of permission codes. Built-in roles are kept in step by ``sync_builtin_roles``."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    description = models.TextField(_("说明"), blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    held_at = models.CharField(
        _("授予层级"), max_length=10, choices=RoleLevel.choices, default=RoleLevel.ANY
    )
    requires_2fa = models.BooleanField(_("必须启用双因素认证"), default=False)
    is_builtin = models.BooleanField(_("内置"), default=False)
    is_staff_role = models.BooleanField(_("工作人员角色"), default=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class HandlingUnit(models.Model):
    """A department or agency (承办单位) at county or city level that handles dispatched work."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="handling_units"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None
    scope_unit_field = "self"

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def valid_on(self, day: date) -> RoleAssignmentQuerySet:
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
            revoked_at__isnull=True,
        )


class RoleAssignment(models.Model):
    """A user holds a role at a region, a grid or a handling unit, between two dates."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.ForeignKey(
        Role, verbose_name=_("角色"), on_delete=models.PROTECT, related_name="assignments"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT
    )
    handling_unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # Revoking keeps the row: who held which role where, and until when, stays answerable.
    revoked_at = models.DateTimeField(_("收回时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("收回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RoleAssignmentQuerySet.as_manager()

    # An assignment is visible where its place is: security admins manage their own subtree.
    scope_region_field = "region"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(region__isnull=False, grid__isnull=True, handling_unit__isnull=True)
                    | models.Q(region__isnull=True, grid__isnull=False, handling_unit__isnull=True)
                    | models.Q(region__isnull=True, grid__isnull=True, handling_unit__isnull=False)
                ),
                name="assignment_held_at_one_place",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(valid_from__isnull=True)
                    | models.Q(valid_until__isnull=True)
                    | models.Q(valid_until__gte=models.F("valid_from"))
                ),
                name="assignment_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.place}"

    @property
    def place(self) -> Region | Grid | HandlingUnit | None:
        return self.handling_unit or self.grid or self.region

    @property
    def place_path(self) -> str:
        if self.grid is not None:
            return self.grid.path
        return self.region.path if self.region is not None else ""


class ApiToken(models.Model):
    """A per-user API token. Only a SHA-256 hash is stored; the token is shown once when created.

    Token text: ``shq_<prefix>_<secret>``; the prefix finds the row, the hash is compared in constant time.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    token_hash = models.CharField(_("摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (shq_{self.prefix}_…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SmsCodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("登录")
    REGISTER = "register", _("注册")


class SmsCode(models.Model):
    """A one-time code sent to a mobile number. Stored as a keyed hash, tried at most 5 times."""

    phone_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=12, choices=SmsCodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone_index", "purpose", "created_at"], name="smscode_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
