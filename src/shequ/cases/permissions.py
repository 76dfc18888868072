from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class CasesPerm(PermissionCode):
    VIEW_CATALOG = "cases.view_catalog"
    MANAGE_CATALOG = "cases.manage_catalog"
    ADMIT_ITEMS = "cases.admit_items"


register_labels(
    CasesPerm,
    {
        CasesPerm.VIEW_CATALOG: _("查看服务事项目录（含草稿和待准入事项）"),
        CasesPerm.MANAGE_CATALOG: _("编制和修改本辖区的服务事项、证明事项清理清单"),
        CasesPerm.ADMIT_ITEMS: _("审核县级以下服务事项的准入"),
    },
)
