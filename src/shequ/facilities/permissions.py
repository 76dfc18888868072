from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class FacilitiesPerm(PermissionCode):
    VIEW = "facilities.view"
    EDIT = "facilities.edit"
    IMPORT = "facilities.import"
    ANALYSE = "facilities.analyse"
    MANAGE_STANDARD = "facilities.manage_standard"


register_labels(
    FacilitiesPerm,
    {
        FacilitiesPerm.VIEW: _("查看本辖区的服务设施和生活圈覆盖"),
        FacilitiesPerm.EDIT: _("登记和修改本辖区的服务设施、社区总建筑面积、候选场地"),
        FacilitiesPerm.IMPORT: _("从表格批量导入服务设施"),
        FacilitiesPerm.ANALYSE: _("导入步行路网、计算生活圈覆盖、选址分析"),
        FacilitiesPerm.MANAGE_STANDARD: _("维护生活圈层级和配置要求"),
    },
)
