"""Forms of the preparedness pages: shelters, supplies and their movements, drills, fire-safety grids."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.emergency.models import DrillKind, MovementKind, SupplyCategory

MOVEMENT_CHOICES = [
    (MovementKind.RECEIVED.value, _("入库")),
    (MovementKind.ISSUED.value, _("出库发放")),
    (MovementKind.WRITTEN_OFF.value, _("报损")),
    (MovementKind.ADJUSTED.value, _("盘点调整（填写清点后的数量）")),
    ("transfer", _("调拨到其他地点")),
]


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.username


class OpenShelterForm(StyledForm):
    capacity = forms.IntegerField(
        label=_("可容纳人数"),
        min_value=1,
        required=False,
        help_text=_("不填则按设施登记的容量。"),
    )
    alert = forms.IntegerField(label=_("关联预警"), required=False, min_value=1)


class OccupancyForm(StyledForm):
    occupancy = forms.IntegerField(label=_("当前安置人数"), min_value=0)


class StockForm(StyledForm):
    region = RegionChoiceField(label=_("所属区域"), queryset=None, to_field_name="code")
    location = forms.CharField(label=_("存放地点"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=SupplyCategory.choices)
    item = forms.CharField(label=_("物资名称"), max_length=60)
    unit = forms.CharField(label=_("单位"), max_length=10)
    quantity = forms.IntegerField(label=_("初始库存"), min_value=0, initial=0)
    low_threshold = forms.IntegerField(
        label=_("低库存预警线"),
        min_value=0,
        initial=0,
        help_text=_("库存不高于此数时提示补充；0 表示不预警。"),
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class MovementForm(StyledForm):
    kind = forms.ChoiceField(label=_("登记类型"), choices=MOVEMENT_CHOICES)
    quantity = forms.IntegerField(label=_("数量"), min_value=0)
    reason = forms.CharField(label=_("事由"), max_length=200, required=False)
    to_region = RegionChoiceField(
        label=_("调入区域"), queryset=None, to_field_name="code", required=False
    )
    to_location = forms.CharField(label=_("调入地点"), max_length=100, required=False)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_region"].queryset = regions  # type: ignore[attr-defined]


class ThresholdForm(StyledForm):
    low_threshold = forms.IntegerField(label=_("低库存预警线"), min_value=0)


class DrillForm(StyledForm):
    region = RegionChoiceField(label=_("组织区域"), queryset=None, to_field_name="code")
    kind = forms.ChoiceField(label=_("演练类型"), choices=DrillKind.choices)
    title = forms.CharField(label=_("演练名称"), max_length=100)
    held_on = forms.DateField(label=_("演练日期"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=_("地点"), max_length=100, required=False)
    participants = forms.IntegerField(label=_("参加人数"), min_value=1)
    organisers = forms.CharField(label=_("参与单位"), max_length=300, required=False)
    findings = forms.CharField(
        label=_("发现的问题"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    improvements = forms.CharField(
        label=_("整改措施"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class FireGridForm(StyledForm):
    responsible = StaffChoiceField(label=_("消防安全责任人"), queryset=None, required=False)
    last_checked_on = forms.DateField(
        label=_("最近一次检查"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    hazards = forms.CharField(label=_("重点隐患"), max_length=300, required=False)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people  # type: ignore[attr-defined]
