from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class CasesPerm(PermissionCode):
    VIEW_CATALOG = "cases.view_catalog"
    MANAGE_CATALOG = "cases.manage_catalog"
    ADMIT_ITEMS = "cases.admit_items"
    VIEW = "cases.view"
    INTAKE = "cases.intake"
    REPORT = "cases.report"
    ACCEPT = "cases.accept"
    DISPATCH = "cases.dispatch"
    HANDLE = "cases.handle"
    VERIFY = "cases.verify"
    APPROVE = "cases.approve"
    SUPERVISE = "cases.supervise"
    STATISTICS = "cases.statistics"
    MANAGE_ROUTING = "cases.manage_routing"
    MANAGE_OPEN311 = "cases.manage_open311"


register_labels(
    CasesPerm,
    {
        CasesPerm.VIEW_CATALOG: _("查看服务事项目录（含草稿和待准入事项）"),
        CasesPerm.MANAGE_CATALOG: _("编制和修改本辖区的服务事项、证明事项清理清单"),
        CasesPerm.ADMIT_ITEMS: _("审核县级以下服务事项的准入"),
        CasesPerm.VIEW: _("查看本辖区的工单"),
        CasesPerm.INTAKE: _("代居民录入诉求（窗口、电话、上门、代办）"),
        CasesPerm.REPORT: _("网格巡查上报事件、就地解决"),
        CasesPerm.ACCEPT: _("受理、不予受理、结案、回访（首问负责）"),
        CasesPerm.DISPATCH: _("派遣、合并、吹哨、催办"),
        CasesPerm.HANDLE: _("承办单位签收、办理、退回、报到"),
        CasesPerm.VERIFY: _("核查办理结果"),
        CasesPerm.APPROVE: _("审批挂起和延期"),
        CasesPerm.SUPERVISE: _("督办本辖区的工单"),
        CasesPerm.STATISTICS: _("查看和导出工单统计"),
        CasesPerm.MANAGE_ROUTING: _("维护本辖区的分拨规则"),
        CasesPerm.MANAGE_OPEN311: _("为对接系统签发和吊销 Open311 密钥"),
    },
)
