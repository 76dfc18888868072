from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class VolunteeringPerm(PermissionCode):
    VIEW = "volunteering.view"
    MANAGE = "volunteering.manage"
    ORGANISE = "volunteering.organise"
    PARTY = "volunteering.party"
    WISHES = "volunteering.wishes"
    TIMEBANK = "volunteering.timebank"
    CONFIGURE = "volunteering.configure"
    STATISTICS = "volunteering.statistics"


register_labels(
    VolunteeringPerm,
    {
        VolunteeringPerm.VIEW: _(
            "查看本辖区的志愿者、志愿服务队、活动、党员报到、微心愿和时间银行"
        ),
        VolunteeringPerm.MANAGE: _("审核志愿者注册，管理志愿服务队和激励表彰"),
        VolunteeringPerm.ORGANISE: _("发布和组织志愿服务活动，签到签退，确认服务时长"),
        VolunteeringPerm.PARTY: _("管理党组织、在职党员名册和到社区报到"),
        VolunteeringPerm.WISHES: _("登记、派发和跟踪群众微心愿"),
        VolunteeringPerm.TIMEBANK: _("代办时间银行转账、查看账户和对账报告"),
        VolunteeringPerm.CONFIGURE: _("设置时间银行的透支额度、余额上限、赠与上限和有效期"),
        VolunteeringPerm.STATISTICS: _("导出志愿服务统计，报送省、国家志愿服务信息系统"),
    },
)
