from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class ParticipationPerm(PermissionCode):
    VIEW = "participation.view"
    PROPOSE = "participation.propose"
    TOPICS = "participation.topics"
    MEETINGS = "participation.meetings"
    DISCLOSE = "participation.disclose"
    SUPERVISE = "participation.supervise"
    MODERATE = "participation.moderate"
    ELECTIONS = "participation.elections"
    LISTS = "participation.lists"
    CONFIGURE = "participation.configure"
    STATISTICS = "participation.statistics"


register_labels(
    ParticipationPerm,
    {
        ParticipationPerm.VIEW: _(
            "查看本辖区的议题、会议、公开事项、建议和帖子、选民名单和三项清单"
        ),
        ParticipationPerm.PROPOSE: _("代居民提出议题，以村(居)委会名义提出议题"),
        ParticipationPerm.TOPICS: _("议题立案、不予立案、协商决定、落实进展和答复公开"),
        ParticipationPerm.MEETINGS: _("管理议事组织，安排会议、签到、纪要、决定和表决"),
        ParticipationPerm.DISCLOSE: _("发布和更正村(居)务公开事项"),
        ParticipationPerm.SUPERVISE: _("村(居)务监督委员会：答复居民对公开事项的异议"),
        ParticipationPerm.MODERATE: _("回复社区建议，审核论坛和邻里圈内容，禁言"),
        ParticipationPerm.ELECTIONS: _("换届选民登记：生成、审核、公示和确定选民名单"),
        ParticipationPerm.LISTS: _("管理需求、资源、项目三项清单和微更新项目"),
        ParticipationPerm.CONFIGURE: _("设置议题流程、联署门槛和内容管理规则"),
        ParticipationPerm.STATISTICS: _("查看议事协商统计（议事协商机构覆盖率）"),
    },
)
