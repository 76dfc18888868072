from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class OrganizationsPerm(PermissionCode):
    VIEW = "organizations.view"
    EDIT = "organizations.edit"
    MANAGE_PROJECTS = "organizations.manage_projects"
    VIEW_CHARITY = "organizations.view_charity"
    POST_CHARITY = "organizations.post_charity"
    APPROVE_CHARITY = "organizations.approve_charity"
    MANAGE_PROPERTY = "organizations.manage_property"
    MANAGE_CREDIT = "organizations.manage_credit"
    IMPORT = "organizations.import"


register_labels(
    OrganizationsPerm,
    {
        OrganizationsPerm.VIEW: _("查看本辖区的社会组织、社工站室、服务项目、物业和五社联动"),
        OrganizationsPerm.EDIT: _("登记和修改本辖区的社会组织、社工站室及其活动"),
        OrganizationsPerm.MANAGE_PROJECTS: _("管理政府购买服务和公益创投项目"),
        OrganizationsPerm.VIEW_CHARITY: _("查看本辖区的慈善基金、账目和需求"),
        OrganizationsPerm.POST_CHARITY: _("登记慈善捐赠、支出和需求"),
        OrganizationsPerm.APPROVE_CHARITY: _("审批慈善支出"),
        OrganizationsPerm.MANAGE_PROPERTY: _("管理物业企业、小区物业覆盖、业委会和物业投诉"),
        OrganizationsPerm.MANAGE_CREDIT: _("记录服务主体奖惩、维护信用等级"),
        OrganizationsPerm.IMPORT: _("从表格批量导入社会组织和物业企业"),
    },
)
