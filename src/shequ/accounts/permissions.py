from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class AccountsPerm(PermissionCode):
    VIEW_USERS = "accounts.view_users"
    MANAGE_USERS = "accounts.manage_users"
    ASSIGN_ROLES = "accounts.assign_roles"


register_labels(
    AccountsPerm,
    {
        AccountsPerm.VIEW_USERS: _("查看本辖区账号"),
        AccountsPerm.MANAGE_USERS: _("管理账号"),
        AccountsPerm.ASSIGN_ROLES: _("授予和收回角色"),
    },
)
