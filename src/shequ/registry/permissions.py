from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class RegistryPerm(PermissionCode):
    VIEW = "registry.view"
    EDIT = "registry.edit"
    REVEAL = "registry.reveal"
    EXPORT = "registry.export"
    EXPORT_UNMASKED = "registry.export_unmasked"
    IMPORT = "registry.import"
    STATISTICS = "registry.statistics"
    HANDLE_RIGHTS = "registry.handle_rights"


register_labels(
    RegistryPerm,
    {
        RegistryPerm.VIEW: _("查看居民与户籍"),
        RegistryPerm.EDIT: _("登记和修改居民与户籍"),
        RegistryPerm.REVEAL: _("说明事由后查看完整的身份证号、手机号和地址"),
        RegistryPerm.EXPORT: _("导出居民名单（脱敏）"),
        RegistryPerm.EXPORT_UNMASKED: _("导出未脱敏的居民名单"),
        RegistryPerm.IMPORT: _("批量导入居民与户籍"),
        RegistryPerm.STATISTICS: _("查看居民统计"),
        RegistryPerm.HANDLE_RIGHTS: _("办理居民的个人信息权利请求（查阅、更正、删除）"),
    },
)
