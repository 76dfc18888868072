from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class TerritoryPerm(PermissionCode):
    VIEW = "territory.view"
    MANAGE = "territory.manage"
    MANAGE_GRIDS = "territory.manage_grids"


register_labels(
    TerritoryPerm,
    {
        TerritoryPerm.VIEW: _("查看区划和网格"),
        TerritoryPerm.MANAGE: _("维护行政区划"),
        TerritoryPerm.MANAGE_GRIDS: _("维护网格、小区和楼栋"),
    },
)
