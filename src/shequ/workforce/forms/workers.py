"""Forms of the workforce pages (W1): the worker list filter, a worker (new and edit), a reveal, a
status change, a post and its end, a year's pay, the figures, and the staffing table's place and
date. They parse input only; the actions check it and say what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.territory.models import Grid
from shequ.workforce.actions.workers import FIRST_YEAR, REVEALABLE_FIELDS, WORKER_FIELDS
from shequ.workforce.models import (
    CommunityWorker,
    Education,
    HiringMethod,
    PoliticalStatus,
    PostKind,
    WorkerStatus,
)
from shequ.workforce.queries.workers import WorkerFilters, filter_regions


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _year_choices() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class GridField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Grid.objects.none())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.name}（{obj.community.name}）"


# --- The list --------------------------------------------------------------------------------------


class WorkerFilterForm(StyledForm):
    """The worker list's filter. An invalid field is ignored (and shown), the others still apply."""

    q = forms.CharField(label=_("姓名"), required=False, max_length=30)
    region = forms.ChoiceField(label=_("所在区域"), required=False)
    post_kind = forms.ChoiceField(
        label=_("现任岗位"), required=False, choices=_blank(PostKind.choices, _("全部岗位"))
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(WorkerStatus.choices, _("全部状态"))
    )
    pay_below_year = forms.ChoiceField(label=_("薪酬低于上年社平工资的年度"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )
        self.fields["pay_below_year"].choices = _blank(  # type: ignore[attr-defined]
            _year_choices(), _("不限")
        )

    def filters(self) -> WorkerFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        year = data.get("pay_below_year") or ""
        return WorkerFilters(
            q=data.get("q") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
            post_kind=data.get("post_kind") or "",
            status=data.get("status") or "",
            pay_below_average_year=int(year) if year else None,
        )


# --- A worker --------------------------------------------------------------------------------------


class WorkerForm(StyledForm):
    region = CodeChoiceField(label=_("所属单位"), empty_label=_("请选择村(社区)或镇(街道)"))
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=20,
        help_text=_("18位；填写后出生日期和性别按身份证号自动确定。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[("", _("按身份证号")), ("male", _("男")), ("female", _("女"))],
    )
    birth_date = forms.CharField(label=_("出生日期"), required=False, widget=_date_input())
    education = forms.ChoiceField(
        label=_("学历"), required=False, choices=_blank(Education.choices, _("未填"))
    )
    political_status = forms.ChoiceField(
        label=_("政治面貌"), required=False, choices=_blank(PoliticalStatus.choices, _("未填"))
    )
    hiring_method = forms.ChoiceField(label=_("录用方式"), choices=HiringMethod.choices)
    hired_on = forms.CharField(label=_("入职日期"), required=False, widget=_date_input())
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        regions: Any,
        worker: CommunityWorker | None = None,
        **kwargs: Any,
    ) -> None:
        if worker is not None and data is None:
            initial = {name: getattr(worker, name) for name in WORKER_FIELDS}
            for name in ("birth_date", "hired_on"):
                value = initial.get(name)
                initial[name] = value.isoformat() if isinstance(value, date) else ""
            initial["region"] = worker.region.code
            initial["version"] = worker.version
            # The clear ID number and phone are never written into a page: left empty, they stay.
            initial["id_number"] = ""
            initial["phone"] = ""
            kwargs["initial"] = initial
        super().__init__(data, **kwargs)
        self.worker = worker
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        if worker is not None:
            for name, label in (("id_number", _("身份证号")), ("phone", _("手机号"))):
                if getattr(worker, name):
                    self.fields[name].help_text = _("已登记（不显示）；不修改请留空。")
                    self.fields[name].widget.attrs["placeholder"] = str(label)
                    self.fields[name].widget.attrs["aria-describedby"] = (
                        f"{self[name].auto_id}_helptext"
                    )

    def values(self) -> dict[str, Any]:
        """What the action takes; an empty ID number or phone on an edit keeps the stored one."""
        data = self.cleaned_data
        values = {name: data.get(name) or "" for name in WORKER_FIELDS}
        if self.worker is not None:
            for name in ("id_number", "phone"):
                if not values[name]:
                    values.pop(name)
        return values


class RevealForm(StyledForm):
    field = forms.ChoiceField(
        choices=[(name, name) for name in REVEALABLE_FIELDS], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=200,
        help_text=_("至少4个字，例如办理的事项。查看会被记录。"),
    )


class StatusForm(StyledForm):
    to_status = forms.ChoiceField(label=_("新状态"), choices=WorkerStatus.choices)
    effective_on = forms.CharField(label=_("生效日期"), widget=_date_input())
    reason = forms.CharField(label=_("原因"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostForm(StyledForm):
    kind = forms.ChoiceField(label=_("岗位"), choices=_blank(PostKind.choices, _("请选择岗位")))
    community = CodeChoiceField(label=_("服务村(社区)"), empty_label=_("请选择村(社区)"))
    grid = GridField(
        label=_("网格"),
        required=False,
        empty_label=_("不指定（专职网格员必选）"),
        help_text=_("专职网格员须选择所负责的网格，网格须属于所选村(社区)。"),
    )
    started_on = forms.CharField(label=_("任职日期"), widget=_date_input())
    ended_on = forms.CharField(label=_("离任日期"), required=False, widget=_date_input())
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, data: Any = None, *, communities: Any, grids: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]


class EndPostForm(StyledForm):
    ended_on = forms.CharField(label=_("离任日期"), widget=_date_input())


class PayForm(StyledForm):
    year = forms.ChoiceField(label=_("年度"))
    amount = forms.CharField(
        label=_("年度应发薪酬（元）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()  # type: ignore[attr-defined]


# --- Figures ---------------------------------------------------------------------------------------


class FigureForm(StyledForm):
    """One figure (the urban population or the average wage) of a county or the city for a year."""

    region = CodeChoiceField(label=_("地区"), empty_label=_("请选择县(市、区)或全市"))
    year = forms.ChoiceField(label=_("年度"))
    value = forms.CharField(
        max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )
    source = forms.CharField(
        label=_("来源"),
        required=False,
        max_length=200,
        help_text=_("例如：徐州市统计局《2025年国民经济和社会发展统计公报》"),
    )

    def __init__(self, *args: Any, regions: Any, value_label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["year"].choices = _year_choices()  # type: ignore[attr-defined]
        self.fields["value"].label = value_label


# --- Staffing --------------------------------------------------------------------------------------


class StaffingForm(StyledForm):
    region = forms.CharField(required=False, widget=forms.HiddenInput)
    on = forms.DateField(label=_("统计日期"), required=False, widget=_date_input())

    def chosen_date(self) -> date:
        self.is_valid()
        chosen = getattr(self, "cleaned_data", {}).get("on")
        today = timezone.localdate()
        return chosen if chosen and chosen <= today else today

    def chosen_code(self) -> str:
        self.is_valid()
        return (getattr(self, "cleaned_data", {}).get("region") or "").strip()
