"""The Django admin, in Chinese, gated by the ``core.use_admin`` permission, every list scoped.

``ScopedAdmin`` is the base for every ModelAdmin of the platform: its queryset goes through
``scoped()`` and its permissions come from role permission codes, never from Django's model permissions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import CorePerm
from shequ.core.scoping import scoped


class ShequAdminSite(admin.AdminSite):
    site_header = _("社区服务平台 管理后台")
    site_title = _("管理后台")
    index_title = _("系统管理")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_authenticated and user.has_permission(CorePerm.USE_ADMIN)
        )

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # One sign-in path for everyone (lockout, audit, second factor): the platform's own.
        return redirect(
            f"{reverse('accounts:login')}?next={request.GET.get('next', reverse('admin:index'))}"
        )


class ShequAdminConfig(AdminConfig):
    default_site = "shequ.core.admin_site.ShequAdminSite"

    def ready(self) -> None:
        super().ready()
        # Third-party admins rely on Django model permissions, which no role grants; Django groups are
        # not used (roles are). Second-factor devices are reset through accounts actions, not edited.
        for model in list(admin.site._registry):
            if not model.__module__.startswith("shequ."):
                admin.site.unregister(model)


class ScopedAdmin(admin.ModelAdmin):
    """``view_perm``: to see; ``change_perm``: to add/change; deletion is off unless ``delete_perm``."""

    view_perm: str = ""
    change_perm: str = ""
    delete_perm: str = ""
    scope_perm: str | None = (
        None  # jurisdiction of which permission filters the rows; None = view_perm
    )
    scoped_model = True

    def _has(self, request: HttpRequest, perm: str) -> bool:
        return bool(perm) and request.user.has_permission(perm)  # type: ignore[union-attr]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._has(request, self.view_perm)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, self.view_perm) or self._has(request, self.change_perm)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._has(request, self.change_perm)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, self.change_perm)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, self.delete_perm)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not self.scoped_model:
            return queryset
        return scoped(queryset, request.user, self.scope_perm or self.view_perm)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if hasattr(related, "scope_region_field") and "queryset" not in kwargs:
            kwargs["queryset"] = scoped(
                related._default_manager.all(), request.user, self.scope_perm or self.view_perm
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
