from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class EmergencyPerm(PermissionCode):
    VIEW = "emergency.view"
    ISSUE_ALERTS = "emergency.issue_alerts"
    CONFIRM_REACH = "emergency.confirm_reach"
    MANAGE_SHELTERS = "emergency.manage_shelters"
    MANAGE_SUPPLIES = "emergency.manage_supplies"
    RECORD_DRILLS = "emergency.record_drills"


register_labels(
    EmergencyPerm,
    {
        EmergencyPerm.VIEW: _("查看本辖区的预警、重点人员联系情况、避难场所、应急物资和演练"),
        EmergencyPerm.ISSUE_ALERTS: _("向辖区发布和解除预警（镇、街道及以上）"),
        EmergencyPerm.CONFIRM_REACH: _("确认已联系到网格内的重点人员，或上报联系不上的人员"),
        EmergencyPerm.MANAGE_SHELTERS: _("开放、关闭避难场所并报告安置人数"),
        EmergencyPerm.MANAGE_SUPPLIES: _("登记应急物资的入库、发放、调拨和盘点"),
        EmergencyPerm.RECORD_DRILLS: _("登记应急演练，维护消防安全网格"),
    },
)
