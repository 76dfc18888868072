"""Forms of the work-project pages: they parse input only; ``actions.projects`` checks the rules
(dates within the project, units and people of the project's place) with messages naming the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.indicators.definitions import INDICATORS
from shequ.indicators.models import ProjectStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"invalid": _("请填写有效日期，例如 2026-03-01。")},
    )


def indicator_choices() -> list[tuple[str, Any]]:
    return [("", _("不关联指标")), *((i.code, f"{i.number}. {i.name}") for i in INDICATORS)]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.region.name}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name}（{obj.username}）"


class ProjectFilterForm(StyledForm):
    q = forms.CharField(label=_("项目名称或规划任务"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *ProjectStatus.choices]
    )
    region = forms.ChoiceField(label=_("所属地区"), required=False)
    overdue = forms.BooleanField(label=_("只看有逾期节点的"), required=False)

    def __init__(self, data: Any, *, regions: Any) -> None:
        super().__init__(data)
        places = list(regions.values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("全部地区")),
            *((code, name) for code, name, _path in places),
        ]

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "region_path": self.region_paths.get(data.get("region") or "", ""),
            "overdue": bool(data.get("overdue")),
        }


class ProjectForm(StyledForm):
    region = CodeChoiceField(
        label=_("所属地区"), help_text=_("承担项目的市、县(市、区)或镇(街道)。")
    )
    title = forms.CharField(label=_("项目名称"), max_length=150)
    plan_task = forms.CharField(
        label=_("对应规划任务"),
        max_length=300,
        help_text=_("实施方案中的章节或任务条目，例如“三、(二) 完善社区服务设施”。"),
    )
    indicator = forms.ChoiceField(label=_("关联指标"), required=False, choices=indicator_choices)
    lead_unit = UnitChoiceField(label=_("牵头单位"), queryset=None, empty_label=_("请选择"))
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("完成期限"))
    description = forms.CharField(
        label=_("工作内容和目标"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, regions: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("节点名称"), max_length=150)
    due_on = _date(_("完成期限"))
    responsible_unit = UnitChoiceField(label=_("责任单位"), queryset=None, empty_label=_("请选择"))
    responsible_person = PersonChoiceField(
        label=_("责任人"), queryset=None, required=False, empty_label=_("不指定")
    )
    position = forms.IntegerField(
        label=_("序号"), required=False, min_value=1, max_value=999, help_text=_("不填则排在最后。")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["responsible_person"].queryset = people  # type: ignore[attr-defined]


class ReportForm(StyledForm):
    reported_on = _date(_("报告日期"))
    percent = forms.IntegerField(
        label=_("完成进度（%）"),
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("完成进度应在 0～100 之间。"),
            "max_value": _("完成进度应在 0～100 之间。"),
            "invalid": _("完成进度应是 0～100 的整数。"),
        },
    )
    text = forms.CharField(
        label=_("进展情况"), max_length=8000, widget=forms.Textarea(attrs={"rows": 5})
    )
    is_final = forms.BooleanField(
        label=_("这是完成报告（节点已全部完成）"),
        required=False,
        help_text=_("完成报告的进度须为 100%，提交后节点即标记为完成。"),
    )
    upload = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("可选，PDF、JPEG 或 PNG，不超过 10 MB。"),
    )


class TransitionForm(StyledForm):
    reason = forms.CharField(
        label=_("原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
