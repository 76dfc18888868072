"""Forms of the voter-registration pages: the election, publishing, a decision on an application or
an objection, removing an entry, the export, and the resident's application and objection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models.elections import ObjectionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ElectionForm(StyledForm):
    community = forms.ModelChoiceField(label=_("村(社区)"), queryset=None)
    title = forms.CharField(label=_("选举名称"), max_length=100)
    election_day = forms.DateField(label=_("选举日"), widget=DATE)
    registration_closes = forms.DateField(label=_("登记截止日期"), widget=DATE)
    min_age = forms.IntegerField(
        label=_("选民年龄（周岁）"), initial=18, min_value=16, max_value=30
    )
    include_registered_present = forms.BooleanField(
        label=_("户籍在本社区的居民自动登记"), required=False, initial=True
    )
    include_non_registered_years = forms.IntegerField(
        label=_("户籍不在本社区、居住满几年可申请登记"), initial=1, min_value=0, max_value=50
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = communities  # type: ignore[attr-defined]
        if communities.count() == 1:
            field.initial = communities.first().pk


class PublishForm(StyledForm):
    objection_deadline = forms.DateField(
        label=_("异议截止日期"),
        required=False,
        widget=DATE,
        help_text=_("不填则为公示后第5个工作日"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("不予通过"))]
    )
    note = forms.CharField(
        label=_("意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RemoveForm(StyledForm):
    reason = forms.CharField(label=_("除名原因"), max_length=200)


class AddForm(StyledForm):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("补登原因"), max_length=200, required=False)


class ExportForm(StyledForm):
    fmt = forms.ChoiceField(
        label=_("格式"), choices=[("xlsx", _("Excel 表格")), ("csv", _("CSV 文件"))]
    )
    reason = forms.CharField(
        label=_("事由"), max_length=200, help_text=_("例如：提交村(居)民选举委员会")
    )


class ApplyForm(StyledForm):
    years_resident = forms.IntegerField(label=_("在本社区居住年数"), min_value=0, max_value=120)
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：户籍在外地，在本社区居住已满3年"),
    )


class ObjectionForm(StyledForm):
    kind = forms.ChoiceField(label=_("异议类型"), choices=ObjectionKind.choices)
    subject = forms.TypedChoiceField(label=_("涉及的居民"), coerce=int)
    body = forms.CharField(
        label=_("异议理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects
