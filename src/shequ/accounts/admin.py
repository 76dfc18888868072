"""Admin for staff accounts, roles, role assignments and handling units — all writes through actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shequ.accounts import actions
from shequ.accounts.models import HandlingUnit, Role, RoleAssignment, User, UserKind
from shequ.accounts.permissions import AccountsPerm
from shequ.accounts.queries import visible_staff
from shequ.core.admin_site import ScopedAdmin
from shequ.core.text import enumerate_items
from shequ.territory.permissions import TerritoryPerm


class StaffCreationForm(forms.ModelForm):
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("至少10位。请通过安全渠道告知本人，并要求首次登录后修改。"),
    )

    class Meta:
        model = User
        fields = ("username", "full_name", "email")

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


@admin.register(User)
class UserAdmin(ScopedAdmin):
    view_perm = AccountsPerm.VIEW_USERS
    change_perm = AccountsPerm.MANAGE_USERS
    list_display = ("username", "full_name", "is_active", "date_joined")
    list_filter = ("is_active",)
    search_fields = ("username", "full_name")
    fields = ("username", "full_name", "email", "is_active", "date_joined", "last_login")
    readonly_fields = ("date_joined", "last_login")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Staff who hold a role inside the viewer's jurisdiction; residents' accounts are not shown here.
        return visible_staff(request.user)  # type: ignore[arg-type]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = StaffCreationForm
            kwargs["fields"] = ("username", "full_name", "email", "password")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("username", "full_name", "email", "password")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("username", *self.readonly_fields) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            original = User.objects.get(pk=obj.pk)
            actions.update_staff_user(
                user=original,
                by=request.user,  # type: ignore[arg-type]
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data.get("email", ""),
                is_active=form.cleaned_data["is_active"],
            )
            return
        created = actions.create_staff_user(
            username=form.cleaned_data["username"],
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data.get("email", ""),
            password=form.cleaned_data["password"],
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> Any:
        return super().get_search_results(
            request, queryset.filter(kind=UserKind.STAFF), search_term
        )

    @admin.action(description=_("重置所选账号的双因素认证"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset:
            actions.reset_second_factor(user=user, by=request.user)  # type: ignore[arg-type]

    def get_actions(self, request: HttpRequest) -> Any:
        found = super().get_actions(request)
        if not request.user.has_permission(AccountsPerm.MANAGE_USERS):  # type: ignore[union-attr]
            found.pop("reset_second_factor", None)
        return found

    actions = ["reset_second_factor"]


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = (
            "code",
            "name",
            "name_en",
            "description",
            "permissions",
            "held_at",
            "requires_2fa",
            "is_staff_role",
        )

    def clean_permissions(self) -> list[str]:
        from shequ.core.permissions import REGISTRY

        codes = self.cleaned_data["permissions"] or []
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ValidationError(_("权限应为权限代码的列表。"))
        unknown = sorted(set(codes) - set(REGISTRY))
        if unknown:
            raise ValidationError(
                _("未知的权限代码：%(codes)s") % {"codes": enumerate_items(unknown)}
            )
        return sorted(set(codes))


@admin.register(Role)
class RoleAdmin(ScopedAdmin):
    view_perm = AccountsPerm.VIEW_USERS
    change_perm = AccountsPerm.MANAGE_USERS
    scoped_model = False  # roles are definitions, not data of a place
    form = RoleForm
    list_display = ("code", "name", "held_at", "requires_2fa", "is_builtin")
    list_filter = ("held_at", "requires_2fa", "is_builtin")
    search_fields = ("code", "name")
    readonly_fields = ("is_builtin",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_builtin:
            return (
                "code",
                "name",
                "name_en",
                "permissions",
                "held_at",
                "is_builtin",
                "is_staff_role",
            )
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request)


class RoleAssignmentForm(forms.ModelForm):
    granted_by: Any = None

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region", "grid", "handling_unit", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or not data.get("user") or not data.get("role"):
            return data
        try:
            actions.check_assignment(
                user=data["user"],
                role=data["role"],
                region=data.get("region"),
                grid=data.get("grid"),
                handling_unit=data.get("handling_unit"),
                valid_from=data.get("valid_from"),
                valid_until=data.get("valid_until"),
                by=self.granted_by,
            )
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    view_perm = AccountsPerm.VIEW_USERS
    change_perm = AccountsPerm.ASSIGN_ROLES
    form = RoleAssignmentForm
    list_display = ("user", "role", "region", "grid", "handling_unit", "valid_from", "valid_until")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name")
    raw_id_fields = ("user", "region", "grid", "handling_unit")
    list_select_related = ("user", "role", "region", "grid", "handling_unit")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.granted_by = request.user
        return form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Assignments are never edited in place: end one and grant a new one, so history stays.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        created = actions.assign_role(
            user=obj.user,
            role=obj.role,
            region=obj.region,
            grid=obj.grid,
            handling_unit=obj.handling_unit,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk

    @admin.action(description=_("从今天起收回所选角色"))
    def end_assignments(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for assignment in queryset:
            actions.end_assignment(assignment=assignment, by=request.user)  # type: ignore[arg-type]

    actions = ["end_assignments"]


class UnitStaffInline(admin.TabularInline):
    """The unit's staff: who holds a role at this handling unit (granted in 角色授予)."""

    model = RoleAssignment
    fk_name = "handling_unit"
    fields = ("user", "role", "valid_from", "valid_until", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("本单位人员")
    verbose_name_plural = _("本单位人员")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_permission(AccountsPerm.VIEW_USERS)  # type: ignore[union-attr]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user", "role")


@admin.register(HandlingUnit)
class HandlingUnitAdmin(ScopedAdmin):
    inlines = [UnitStaffInline]
    view_perm = TerritoryPerm.VIEW
    change_perm = TerritoryPerm.MANAGE
    list_display = ("name", "code", "region", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    raw_id_fields = ("region",)
    list_select_related = ("region",)
