from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class CarePerm(PermissionCode):
    VIEW = "care.view"
    VISIT = "care.visit"
    PLAN = "care.plan"
    CONFIGURE = "care.configure"
    HOME_SERVICES = "care.home_services"
    BOOKINGS = "care.bookings"
    STATISTICS = "care.statistics"


register_labels(
    CarePerm,
    {
        CarePerm.VIEW: _("查看本辖区的探访计划、探访记录、居家服务和预约"),
        CarePerm.VISIT: _("探访关爱对象并记录探访情况、发现的问题"),
        CarePerm.PLAN: _("生成探访计划，指派和调整探访人"),
        CarePerm.CONFIGURE: _("设置各类关爱对象的探访规则（频次、方式、探访要点）"),
        CarePerm.HOME_SERVICES: _("受理、安排和跟踪居家养老服务"),
        CarePerm.BOOKINGS: _("管理老年餐桌、托育、场地和康复等预约服务，代居民预约"),
        CarePerm.STATISTICS: _("查看和导出探访率、居家服务和预约统计"),
    },
)
