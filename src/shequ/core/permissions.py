"""Permission codes are enums, one per app, registered here as they are defined.

A role (``accounts.Role``) is a bundle of codes; a user holds a role at a place in the territory.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

REGISTRY: dict[str, PermissionCode] = {}
LABELS: dict[str, object] = {}


class PermissionCode(StrEnum):
    """Base class: members' values are ``"<app>.<action>"``."""


class CorePerm(PermissionCode):
    VIEW_AUDIT = "core.view_audit"
    EXPORT_AUDIT = "core.export_audit"
    MANAGE_CALENDAR = "core.manage_calendar"
    USE_ADMIN = "core.use_admin"
    USE_API = "core.use_api"


def register_labels(perm_enum: type[PermissionCode], labels: dict[PermissionCode, object]) -> None:
    """Make an app's codes known, with their UI labels (lazy translations, rendered when shown)."""
    for member in perm_enum:
        REGISTRY[member.value] = member
        LABELS[member.value] = labels.get(member, member.value)


register_labels(
    CorePerm,
    {
        CorePerm.VIEW_AUDIT: _("查看审计日志"),
        CorePerm.EXPORT_AUDIT: _("导出审计日志"),
        CorePerm.MANAGE_CALENDAR: _("维护节假日与调休"),
        CorePerm.USE_ADMIN: _("使用管理后台"),
        CorePerm.USE_API: _("使用开放接口令牌"),
    },
)


def all_codes() -> list[str]:
    return sorted(REGISTRY)
