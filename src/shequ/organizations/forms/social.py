"""Forms of the social-organisation pages: they parse input only; the actions check the rules (USCC,
dates in order, places in the jurisdiction) with messages that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.organizations.models import (
    OrgKind,
    OrgStatus,
    ProjectGrade,
    ProjectKind,
    ProjectStatus,
    RegistrationStatus,
    SiteKind,
)
from shequ.organizations.queries.social import OrgFilters, ProjectFilters, filter_regions
from shequ.workforce.models import QualificationLevel


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


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


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        region = getattr(obj, "region", None)
        return f"{obj.name}（{region.name}）" if region is not None else str(obj.name)


class _PlaceFilter(StyledForm):
    region = forms.ChoiceField(label=_("所在区域"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def data_or_empty(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


# --- Organisations ------------------------------------------------------------------------------------


class OrgFilterForm(_PlaceFilter):
    q = forms.CharField(label=_("名称、负责人、服务或信用代码"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(OrgKind.choices, _("全部类型"))
    )
    registration = forms.ChoiceField(
        label=_("登记备案"),
        required=False,
        choices=_blank(RegistrationStatus.choices, _("全部")),
    )
    brand = forms.ChoiceField(
        label=_("品牌社会组织"),
        required=False,
        choices=[("", _("全部")), ("yes", _("是")), ("no", _("否"))],
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(OrgStatus.choices, _("全部状态"))
    )
    field_order = ["q", "region", "kind", "registration", "brand", "status"]

    def filters(self) -> OrgFilters:
        data = self.data_or_empty()
        return OrgFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            registration=data.get("registration") or "",
            status=data.get("status") or "",
            brand=data.get("brand") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


class OrgForm(StyledForm):
    region = CodeChoiceField(label=_("所在镇(街道)或村(社区)"), empty_label=_("请选择"))
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=_blank(OrgKind.choices, _("请选择")))
    registration = forms.ChoiceField(
        label=_("登记备案"), choices=_blank(RegistrationStatus.choices, _("请选择"))
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        required=False,
        max_length=30,
        help_text=_("民政登记的填写，18位。"),
    )
    filing_number = forms.CharField(
        label=_("备案编号"), required=False, max_length=40, help_text=_("街道(乡镇)备案的填写。")
    )
    founded_on = _date(_("成立日期"), required=False)
    leader_name = forms.CharField(label=_("负责人"), required=False, max_length=60)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    members = forms.IntegerField(label=_("成员数"), required=False, min_value=0)
    services = forms.CharField(
        label=_("服务内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        regions: Any = None,
        editing: bool = False,
        phone_on_file: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if phone_on_file:
            # The number on file is never written into the page.
            field = self.fields["contact_phone"]
            field.help_text = _("已登记联系电话，留空则不修改；填写则替换。")
            field.widget.attrs["aria-describedby"] = f"{self['contact_phone'].auto_id}_helptext"
        if editing:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("region", None)
        data.pop("version", None)
        return data


class BrandForm(StyledForm):
    since = _date(_("认定日期"), required=False)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), required=False, max_length=300)


class ActivityForm(StyledForm):
    title = forms.CharField(label=_("活动名称"), max_length=120)
    held_on = _date(_("活动日期"))
    community = CodeChoiceField(label=_("开展村(社区)"), empty_label=_("请选择"))
    participants = forms.IntegerField(label=_("参与人次"), required=False, min_value=0)
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


# --- Stations and rooms -------------------------------------------------------------------------------


class SiteFilterForm(_PlaceFilter):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(SiteKind.choices, _("全部"))
    )


class SiteForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=_blank(SiteKind.choices, _("请选择")))
    region = CodeChoiceField(
        label=_("所在镇(街道)或村(社区)"),
        empty_label=_("请选择"),
        help_text=_("社工站建在镇(街道)，社工室建在村(社区)。"),
    )
    name = forms.CharField(label=_("名称"), max_length=120)
    operator = NamedChoiceField(
        label=_("运营机构"), required=False, queryset=None, empty_label=_("无（自行运营）")
    )
    opened_on = _date(_("建成日期"), required=False)
    services = forms.CharField(
        label=_("服务内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, regions: Any, operators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:  # editing: the place and kind stay
            del self.fields["region"]
            del self.fields["kind"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
            del self.fields["version"]
        self.fields["operator"].queryset = operators  # type: ignore[attr-defined]


class StaffForm(StyledForm):
    worker = NamedChoiceField(
        label=_("社区工作者"),
        required=False,
        queryset=None,
        empty_label=_("不是社区工作者（填写姓名）"),
    )
    name = forms.CharField(label=_("姓名"), required=False, max_length=60)
    role = forms.CharField(label=_("岗位"), required=False, max_length=60)
    qualification = forms.ChoiceField(
        label=_("社工资格"),
        required=False,
        choices=_blank(QualificationLevel.choices, _("无或按证书自动带出")),
    )
    started_on = _date(_("到岗日期"))
    ended_on = _date(_("离岗日期"), required=False)

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers  # type: ignore[attr-defined]


class StaffEndForm(StyledForm):
    ended_on = _date(_("离岗日期"))


# --- Service projects ---------------------------------------------------------------------------------


class ProjectFilterForm(_PlaceFilter):
    q = forms.CharField(label=_("项目、购买主体或承接机构"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(ProjectKind.choices, _("全部类型"))
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(ProjectStatus.choices, _("全部状态"))
    )
    year = forms.IntegerField(label=_("开始年度"), required=False, min_value=2000, max_value=2100)
    field_order = ["q", "region", "kind", "status", "year"]

    def filters(self) -> ProjectFilters:
        data = self.data_or_empty()
        return ProjectFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            year=data.get("year"),
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


class ProjectForm(StyledForm):
    region = CodeChoiceField(label=_("购买方地区"), empty_label=_("请选择"))
    kind = forms.ChoiceField(label=_("类型"), choices=_blank(ProjectKind.choices, _("请选择")))
    title = forms.CharField(label=_("项目名称"), max_length=150)
    buyer = forms.CharField(label=_("购买主体"), max_length=120)
    provider = NamedChoiceField(label=_("承接机构"), queryset=None, empty_label=_("请选择"))
    communities = forms.ModelMultipleChoiceField(
        label=_("服务村(社区)"),
        required=False,
        queryset=None,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    budget = forms.CharField(label=_("项目金额（元）"), max_length=20)
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))
    deliverables = forms.CharField(
        label=_("服务内容与成果要求"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, regions: Any, providers: Any, communities: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:  # editing: the buyer stays
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
            del self.fields["version"]
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]
        self.fields["communities"].label_from_instance = lambda obj: obj.name  # type: ignore[attr-defined]


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("节点"), max_length=120)
    due_on = _date(_("计划完成日期"))
    deliverable = forms.CharField(label=_("交付成果"), required=False, max_length=2000)


class MilestoneDoneForm(StyledForm):
    done_on = _date(_("实际完成日期"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class EvaluationForm(StyledForm):
    score = forms.DecimalField(
        label=_("评估得分"), min_value=0, max_value=100, decimal_places=1, max_digits=4
    )
    grade = forms.ChoiceField(
        label=_("评估等次"),
        required=False,
        choices=_blank(ProjectGrade.choices, _("按得分自动评定")),
    )
    note = forms.CharField(
        label=_("评估意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Linkage ------------------------------------------------------------------------------------------


class LinkageForm(StyledForm):
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    period = forms.CharField(
        label=_("统计期"),
        required=False,
        max_length=10,
        help_text=_("年份或季度，例如 2026 或 2026Q3。"),
    )
