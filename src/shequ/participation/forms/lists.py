"""Forms of the three lists and micro-renewal pages. Amounts are text fields: the action reads them
(``parse_amount``) so that the pages and the API refuse "abc", negatives, zero and too many digits
with the same message under the field."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models.lists import (
    FundSource,
    NeedCategory,
    NeedStatus,
    ProjectStatus,
    RenewalStatus,
    ResourceKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def new_request_key() -> str:
    return uuid.uuid4().hex


def _community_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("村(社区)"), queryset=None)


class FilterForm(StyledForm):
    community = forms.ModelChoiceField(label=_("村(社区)"), queryset=None, required=False)
    q = forms.CharField(label=_("关键词"), max_length=40, required=False)

    def __init__(self, *args: Any, communities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        community = data.pop("community", None)
        out = {k: str(v) for k, v in data.items() if v}
        if community is not None:
            out["community_path"] = community.path
        return out


class NeedFilterForm(FilterForm):
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *NeedCategory.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *NeedStatus.choices]
    )


class ResourceFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *ResourceKind.choices]
    )
    status = forms.ChoiceField(
        label=_("是否可用"),
        required=False,
        choices=[("", _("全部")), ("1", _("可用")), ("0", _("暂不可用"))],
    )


class ProjectFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ProjectStatus.choices]
    )


class RenewalFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *RenewalStatus.choices]
    )


class _WithCommunity(StyledForm):
    def __init__(
        self, *args: Any, communities: Any = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class NeedForm(_WithCommunity):
    community = _community_field()
    category = forms.ChoiceField(label=_("类别"), choices=NeedCategory.choices)
    title = forms.CharField(label=_("需求"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    households = forms.IntegerField(
        label=_("涉及户数"), min_value=0, max_value=100000, required=False
    )
    source = forms.CharField(
        label=_("来源"),
        max_length=100,
        required=False,
        help_text=_("例如：入户走访、居民议事会、问卷调查"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ResourceForm(_WithCommunity):
    community = _community_field()
    kind = forms.ChoiceField(label=_("类型"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("资源"), max_length=100)
    provider = forms.CharField(label=_("提供方"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_available = forms.BooleanField(label=_("可用"), required=False, initial=True)


class ProjectForm(_WithCommunity):
    community = _community_field()
    title = forms.CharField(label=_("项目"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.CharField(label=_("预算（元）"), max_length=20, required=False, widget=AMOUNT)
    responsible_party = forms.CharField(label=_("责任方"), max_length=100)
    start_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    end_on = forms.DateField(label=_("完成期限"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("状态"), choices=ProjectStatus.choices)
    topic = forms.ModelChoiceField(label=_("来源议题"), queryset=None, required=False)

    def __init__(self, *args: Any, topics: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{t.community.name} · {t.title}"


class NeedReportForm(StyledForm):
    category = forms.ChoiceField(label=_("类别"), choices=NeedCategory.choices)
    title = forms.CharField(label=_("您的需求"), max_length=100)
    description = forms.CharField(
        label=_("具体说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class MatchForm(StyledForm):
    resource = forms.ModelChoiceField(label=_("服务资源"), queryset=None, required=False)
    project = forms.ModelChoiceField(label=_("民生项目"), queryset=None, required=False)
    note = forms.CharField(label=_("对接说明"), max_length=400, required=False)

    def __init__(self, *args: Any, resources: Any = None, projects: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["project"].queryset = projects

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("resource") and not data.get("project"):
            self.add_error("resource", _("请至少选择一项服务资源或民生项目。"))
        return data


class RenewalForm(_WithCommunity):
    community = _community_field()
    title = forms.CharField(label=_("微更新项目"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    budget = forms.CharField(label=_("总预算（元）"), max_length=20, widget=AMOUNT)
    topic = forms.ModelChoiceField(label=_("来源议题"), queryset=None, required=False)
    is_published = forms.BooleanField(label=_("向居民公开"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, topics: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{t.community.name} · {t.title}"


class ContributionForm(StyledForm):
    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)
    contributor = forms.CharField(
        label=_("出资方"),
        max_length=100,
        help_text=_("居民自筹可填写楼栋或小组，公开页面不显示居民姓名"),
    )
    households = forms.IntegerField(
        label=_("出资户数"), min_value=0, max_value=100000, required=False
    )
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=AMOUNT)
    received_on = forms.DateField(label=_("到账日期"), widget=DATE)


class SpendingForm(StyledForm):
    item = forms.CharField(label=_("支出事项"), max_length=100)
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=AMOUNT)
    spent_on = forms.DateField(label=_("支出日期"), widget=DATE)
