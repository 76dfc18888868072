"""Forms of the living-circle pages: which requirement to look at, siting, networks, the standard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.facilities.models import CircleKind, CircleRequirement, FacilityCategory


def requirement_choices() -> tuple[list[tuple[str, str]], str]:
    """Every requirement as a choice, and the default one: the elderly day-care centre in the
    quarter-hour elderly circle (the plan's headline question), else the first."""
    choices, default = [], ""
    for r in CircleRequirement.objects.select_related("circle"):
        value = f"{r.circle_id}:{r.category}"
        choices.append((value, f"{r.circle.label} · {r.get_category_display()}"))
        if r.circle.code == DEFAULT_CIRCLE and r.category == FacilityCategory.ELDERLY_DAY_CARE:
            default = value
    return choices, default or (choices[0][0] if choices else "")


DEFAULT_CIRCLE = "elderly_quarter_hour"


class CoverageForm(StyledForm):
    """What the map shows: a region, one requirement (circle and category), and optionally sites."""

    region = forms.CharField(label=_("区域代码"), required=False, max_length=12)
    requirement = forms.ChoiceField(label=_("生活圈要求"), required=False)
    sites = forms.IntegerField(
        label=_("建议选址个数"), required=False, min_value=1, max_value=20,
        help_text=_("为当前要求找出新增覆盖居民户数最多的位置（贪心最大覆盖）。"),
    )  # fmt: skip
    premises = forms.BooleanField(label=_("只在登记的候选场地中选"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, self.default_requirement = requirement_choices()
        self.fields["requirement"].choices = choices
        self.fields["requirement"].initial = self.default_requirement

    def requirement_key(self) -> tuple[int, str] | None:
        value = getattr(self, "cleaned_data", {}).get("requirement") or self.default_requirement
        if not value:
            return None
        circle_id, category = value.split(":", 1)
        return int(circle_id), category


class NetworkImportForm(StyledForm):
    region = forms.ChoiceField(label=_("覆盖区域"))
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    file = forms.FileField(
        label=_("路网文件"),
        help_text=_(
            "OpenStreetMap 数据（.osm.pbf 或 .osm），或 GeoJSON 线数据（LineString、MultiLineString，WGS-84 经纬度）。"
        ),
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class CircleForm(StyledForm):
    code = forms.SlugField(label=_("编码"), max_length=40, required=False)
    name = forms.CharField(label=_("名称"), max_length=60)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    service_radius_m = forms.IntegerField(
        label=_("服务半径（步行米数）"), min_value=50, max_value=10_000
    )
    minutes = forms.IntegerField(
        label=_("步行时间（分钟）"), min_value=1, max_value=120, required=False
    )
    applies_to = forms.ChoiceField(label=_("适用范围"), choices=CircleKind.choices)
    basis = forms.CharField(label=_("依据"), max_length=200, required=False)
    categories = forms.MultipleChoiceField(
        label=_("本层级要求的设施类别"),
        choices=FacilityCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].widget.attrs["class"] = "form-check-input"
