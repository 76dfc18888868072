from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import PermissionCode, register_labels


class WorkforcePerm(PermissionCode):
    VIEW = "workforce.view"
    EDIT = "workforce.edit"
    REVEAL = "workforce.reveal"
    MANAGE_PAY = "workforce.manage_pay"
    TRAIN = "workforce.train"
    REVIEW = "workforce.review"
    VET_CANDIDATES = "workforce.vet_candidates"
    CONFIGURE = "workforce.configure"
    IMPORT = "workforce.import"


register_labels(
    WorkforcePerm,
    {
        WorkforcePerm.VIEW: _("查看本辖区的社区工作者、资格、培训和配备情况"),
        WorkforcePerm.EDIT: _("登记和修改本辖区的社区工作者及其岗位、状态"),
        WorkforcePerm.REVEAL: _("查看社区工作者完整的身份证号和手机号（需说明理由）"),
        WorkforcePerm.MANAGE_PAY: _("登记社区工作者薪酬"),
        WorkforcePerm.TRAIN: _("登记培训课程和参训记录"),
        WorkforcePerm.REVIEW: _("开展年度考核、管理书记后备人才库"),
        WorkforcePerm.VET_CANDIDATES: _("办理村(社区)两委候选人资格联审"),
        WorkforcePerm.CONFIGURE: _("维护社平工资、城镇常住人口、社工津贴标准和考核指标"),
        WorkforcePerm.IMPORT: _("从表格批量导入社区工作者"),
    },
)
