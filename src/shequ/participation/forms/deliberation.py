"""Forms: deliberation topics (proposing, the step forms, answers, progress, co-sign threshold)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.actions.deliberation import Need
from shequ.participation.models import DeliberationMode, StepActor, TopicOrigin, TopicStage

DATE = forms.DateInput(attrs={"type": "date"})


class TopicFilterForm(StyledForm):
    stage = forms.ChoiceField(
        label=_("阶段"), required=False, choices=[("", _("全部")), *TopicStage.choices]
    )
    origin = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *TopicOrigin.choices]
    )
    community: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("社区"), required=False, queryset=None
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class ProposeForm(StyledForm):
    title = forms.CharField(label=_("议题名称"), max_length=100)
    body = forms.CharField(
        label=_("议题内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写清楚是什么问题、在什么地方、希望怎样解决。"),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)


class StaffProposeForm(StyledForm):
    AS_RESIDENT = "resident"
    AS_COMMITTEE = "committee"
    on_behalf = forms.ChoiceField(
        label=_("提出方式"),
        choices=[(AS_RESIDENT, _("代居民提出")), (AS_COMMITTEE, _("以村(居)委会名义提出"))],
        widget=forms.RadioSelect,
        initial=AS_COMMITTEE,
    )
    resident = forms.IntegerField(
        label=_("居民"), required=False, widget=forms.HiddenInput, min_value=1
    )
    community: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("社区"), required=False, queryset=None
    )
    title = forms.CharField(label=_("议题名称"), max_length=100)
    body = forms.CharField(
        label=_("议题内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )
    case = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class ResidentSearchForm(StyledForm):
    q = forms.CharField(label=_("查找居民（姓名、拼音、身份证号或电话）"), required=False)


def step_form(need: Need, data: Any = None, **kwargs: Any) -> StyledForm:
    """A form asking what a step requires (see ``actions.need_for``)."""
    fields: dict[str, forms.Field] = {}
    note_label = _("说明")
    note_required = False
    if need.answer:
        fields["answer"] = forms.CharField(
            label=_("答复意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
        )
    if need.reason:
        fields["answer"] = forms.CharField(
            label=_("不予立案的理由（将向居民公开）"),
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    if need.mode:
        fields["mode"] = forms.ChoiceField(
            label=_("协商方式"), choices=DeliberationMode.choices, widget=forms.RadioSelect
        )
        fields["consultation_deadline"] = forms.DateField(
            label=_("征求意见截止日期"),
            required=False,
            widget=DATE,
            help_text=_("网上征求意见时必填。"),
        )
    if need.decision:
        fields["decision"] = forms.CharField(
            label=_("协商决定"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
        )
    if need.responsible:
        fields["responsible_party"] = forms.CharField(label=_("落实责任方"), max_length=100)
        fields["implementation_deadline"] = forms.DateField(label=_("落实期限"), widget=DATE)
    if need.completion:
        note_label, note_required = _("落实完成情况"), True
        fields["review_deadline"] = forms.DateField(label=_("评议截止日期"), widget=DATE)
    if need.reopen:
        note_label, note_required = _("重新落实的原因"), True
    fields["note"] = forms.CharField(
        label=note_label,
        required=note_required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    form_class = type("StepForm", (StyledForm,), fields)
    form: StyledForm = form_class(data, **kwargs)
    return form


class OverrideForm(StyledForm):
    state: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("调整到状态"), queryset=None
    )
    note = forms.CharField(
        label=_("调整说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, states: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = states  # type: ignore[attr-defined]


class AnswerForm(StyledForm):
    answer = forms.CharField(
        label=_("正式答复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ProgressForm(StyledForm):
    body = forms.CharField(
        label=_("进展情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)


class OpinionForm(StyledForm):
    body = forms.CharField(
        label=_("我的意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class OpinionModerationForm(StyledForm):
    """Staff hide a resident's opinion, or show it again, with a reason."""

    HIDE = "hide"
    RESTORE = "restore"
    do = forms.ChoiceField(choices=[(HIDE, HIDE), (RESTORE, RESTORE)], widget=forms.HiddenInput)
    # The action asks for the reason, naming what is missing.
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)


class ReviewForm(StyledForm):
    score = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[
            (5, _("5分 非常满意")),
            (4, _("4分 满意")),
            (3, _("3分 基本满意")),
            (2, _("2分 不满意")),
            (1, _("1分 非常不满意")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评议意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WorkflowForm(StyledForm):
    name = forms.CharField(label=_("流程名称"), max_length=60)
    cosign_threshold = forms.IntegerField(label=_("联署门槛（人）"), min_value=0, max_value=1000)
    cosign_days = forms.IntegerField(label=_("联署期限（天）"), min_value=1, max_value=365)


class StepAddForm(StyledForm):
    source: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("起始状态"), queryset=None)
    target: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("目标状态"), queryset=None)
    label = forms.CharField(label=_("按钮名称"), max_length=40)
    actor = forms.ChoiceField(label=_("操作人"), choices=StepActor.choices)

    def __init__(self, *args: Any, states: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = states  # type: ignore[attr-defined]
        self.fields["target"].queryset = states  # type: ignore[attr-defined]


class CopyWorkflowForm(StyledForm):
    community: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("社区"), queryset=None)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
