from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class IndicatorPerm(PermissionCode):
    VIEW = "indicators.view"
    REBUILD = "indicators.rebuild"
    TARGETS = "indicators.targets"
    ASSESS = "indicators.assess"
    PROJECTS = "indicators.projects"
    COMMAND = "indicators.command"


register_labels(
    IndicatorPerm,
    {
        IndicatorPerm.VIEW: _("查看本辖区的规划指标、目标、评估报告和工作项目"),
        IndicatorPerm.REBUILD: _("立即重新计算本辖区的规划指标"),
        IndicatorPerm.TARGETS: _("导入和修改规划指标的基线与目标值"),
        IndicatorPerm.ASSESS: _("评定社区“六个规范”达标情况"),
        IndicatorPerm.PROJECTS: _("管理工作项目、节点和进展报告"),
        IndicatorPerm.COMMAND: _("查看综合指挥大屏"),
    },
)
