"""Forms of the meetings pages: bodies and members, meetings, agenda, sign-in for a resident,
minutes, decisions, polls and votes, and the coverage period picker."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models.meetings import BodyKind, MeetingKind, MeetingStatus, MemberRole

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class BodyForm(StyledForm):
    community = forms.ModelChoiceField(label=_("村(社区)"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=BodyKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    constituted_on = forms.DateField(label=_("成立日期"), widget=DATE)
    dissolved_on = forms.DateField(label=_("撤销日期"), required=False, widget=DATE)
    rules = forms.CharField(
        label=_("议事规则"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, communities: Any = None, editing: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        if editing:
            del self.fields["community"]
        else:
            del self.fields["dissolved_on"]
            self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class MemberForm(StyledForm):
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("姓名（非本村(社区)居民）"),
        max_length=60,
        required=False,
        help_text=_("驻区单位代表等不是本村(社区)居民的成员，填写姓名和单位"),
    )
    affiliation = forms.CharField(label=_("单位或身份"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("职务"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    start_on = forms.DateField(label=_("开始日期"), widget=DATE)
    end_on = forms.DateField(label=_("结束日期"), required=False, widget=DATE)


class EndMemberForm(StyledForm):
    end_on = forms.DateField(label=_("任期结束日期"), required=False, widget=DATE)


class ResidentSearchForm(StyledForm):
    q = forms.CharField(
        label=_("查找居民"),
        max_length=40,
        required=False,
        help_text=_("姓名、拼音首字母、身份证号或手机号"),
    )


class MeetingFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *MeetingStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("会议类型"), required=False, choices=[("", _("全部")), *MeetingKind.choices]
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class MeetingForm(StyledForm):
    community = forms.ModelChoiceField(label=_("村(社区)"), queryset=None)
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=100)
    starts_at = _datetime_field(_("开始时间"))
    place = forms.CharField(label=_("地点"), max_length=200)
    body = forms.ModelChoiceField(label=_("议事组织"), queryset=None, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        communities: Any = None,
        bodies: Any = None,
        editing: bool = False,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]
        if editing:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class AgendaForm(StyledForm):
    title = forms.CharField(label=_("议程内容"), max_length=200, required=False)
    topic = forms.TypedChoiceField(
        label=_("或选择议题"), required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args: Any, topics: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["topic"].choices = [("", _("（不选）"))] + [  # type: ignore[attr-defined]
            (t.pk, t.title) for t in topics
        ]
        self.fields["topic"].error_messages["invalid_choice"] = _(
            "该议题不能列入议程：已在议程中，或不是本村(社区)已立案、协商中的议题。"
        )


class CloseForm(StyledForm):
    organisations = forms.CharField(
        label=_("参会单位"), max_length=400, required=False, help_text=_("结束会议时填写")
    )


class MinutesForm(StyledForm):
    minutes = forms.CharField(
        label=_("会议纪要"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )


class DecisionForm(StyledForm):
    topic = forms.TypedChoiceField(
        label=_("议题"), required=False, coerce=int, empty_value=None, choices=[]
    )
    text = forms.CharField(
        label=_("决定事项"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, topics: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["topic"].choices = [("", _("（其他事项）"))] + [  # type: ignore[attr-defined]
            (t.pk, t.title) for t in topics
        ]
        self.fields["topic"].error_messages["invalid_choice"] = _(
            "只能对本次会议议程中尚未作出决定的议题作出决定。"
        )


class PollForm(StyledForm):
    community = forms.ModelChoiceField(label=_("村(社区)"), queryset=None)
    question = forms.CharField(label=_("表决事项"), max_length=200)
    options = forms.CharField(
        label=_("选项"),
        help_text=_("每行一个选项，至少两个，例如：同意、不同意、弃权"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    meeting = forms.IntegerField(required=False, widget=forms.HiddenInput)
    topic = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, communities: Any = None, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]

    def option_labels(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class PollOpenForm(StyledForm):
    closes_at = _datetime_field(_("表决截止时间"), required=False)


class RecordBallotForm(StyledForm):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    option = forms.IntegerField(label=_("选项"))


class VoteForm(StyledForm):
    option = forms.TypedChoiceField(
        label=_("您的选择"), coerce=int, choices=[], widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, options: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["option"].choices = [(o.pk, o.label) for o in options]  # type: ignore[attr-defined]
        self.fields["option"].error_messages["required"] = _("请选择一个选项。")
        self.fields["option"].error_messages["invalid_choice"] = _("请选择本次表决的一个选项。")


PERIODS = [("month", _("月度")), ("quarter", _("季度")), ("year", _("年度"))]


class CoverageForm(StyledForm):
    period = forms.ChoiceField(label=_("统计周期"), choices=PERIODS, required=False)
    on = forms.DateField(label=_("所在日期"), required=False, widget=DATE)
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
