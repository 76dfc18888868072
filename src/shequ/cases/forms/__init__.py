"""Forms of the catalogue pages. They parse input; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import (
    AttributeType,
    Category,
    Channel,
    ItemStatus,
    ServiceItem,
    TimeLimitUnit,
)
from shequ.core.forms import StyledForm
from shequ.territory.models import Region


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class ItemFilterForm(StyledForm):
    q = forms.CharField(label=_("名称或编码"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_blank(Category.choices, _("全部类别"))
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(ItemStatus.choices, _("全部状态"))
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data[key] or "" for key in ("q", "category", "status")}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return gettext("%(name)s（%(detail)s）") % {
            "name": obj.name,
            "detail": obj.get_level_display(),
        }


class ItemForm(StyledForm):
    code = forms.CharField(
        label=_("事项编码"),
        max_length=40,
        help_text=_("字母、数字和短横线，如 ELD-ALLOWANCE；创建后不可修改。"),
    )
    region = RegionChoiceField(label=_("所属区域"), queryset=Region.objects.none())
    name = forms.CharField(label=_("事项名称"), max_length=100)
    name_en = forms.CharField(label=_("英文名称"), max_length=150, required=False)
    category = forms.ChoiceField(label=_("类别"), choices=_blank(Category.choices, "—"))
    description = forms.CharField(
        label=_("事项说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.CharField(
        label=_("设定依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    time_limit_value = forms.IntegerField(label=_("办理时限"))
    time_limit_unit = forms.ChoiceField(label=_("时限单位"), choices=TimeLimitUnit.choices)
    channels = forms.MultipleChoiceField(
        label=_("受理渠道"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fee = forms.CharField(label=_("收费标准"), max_length=200, initial="免费")
    handling_units = forms.ModelMultipleChoiceField(
        label=_("承办单位"), queryset=HandlingUnit.objects.none(), required=False
    )
    home_visit_possible = forms.BooleanField(label=_("可上门办理"), required=False)
    appointment_possible = forms.BooleanField(label=_("可预约办理"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        regions: Any = None,
        units: Any = None,
        item: ServiceItem | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].widget.attrs["class"] = "form-check-input"
        self.fields["handling_units"].queryset = (
            units if units is not None else HandlingUnit.objects.none()
        )
        if item is not None:
            del self.fields["code"]
            del self.fields["region"]
        else:
            self.fields["region"].queryset = (
                regions if regions is not None else Region.objects.none()
            )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("code", "region", "handling_units", "version"):
            data.pop(key, None)
        return data


class MaterialForm(StyledForm):
    name = forms.CharField(label=_("材料名称"), max_length=100, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    copies = forms.IntegerField(label=_("份数"), min_value=1, initial=1, required=False)
    original_required = forms.BooleanField(label=_("需原件"), required=False)


class AttributeForm(StyledForm):
    code = forms.CharField(label=_("字段代码"), max_length=40, required=False)
    description = forms.CharField(label=_("字段说明"), max_length=200, required=False)
    datatype = forms.ChoiceField(label=_("类型"), choices=AttributeType.choices, required=False)
    required = forms.BooleanField(label=_("必填"), required=False)
    values = forms.CharField(
        label=_("可选项"),
        required=False,
        max_length=1000,
        help_text=_("选择题填写，每行一项；可写成“代码=名称”。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


MaterialFormSet = forms.formset_factory(MaterialForm, extra=2, can_delete=True, max_num=50)
AttributeFormSet = forms.formset_factory(AttributeForm, extra=1, can_delete=True, max_num=30)


def materials_from(formset: Any) -> list[dict[str, Any]]:
    """Rows the user filled in (and did not delete); an empty row is skipped."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if not any(data.get(k) for k in ("name", "note")):
            continue
        rows.append({k: data.get(k) for k in ("name", "note", "copies", "original_required")})
    return rows


def _values_from(text: str) -> list[dict[str, str]]:
    values = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        key, _sep, name = line.partition("=")
        values.append({"key": key.strip(), "name": (name or key).strip()})
    return values


def attributes_from(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for order, form in enumerate(formset.forms, start=1):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if not any(data.get(k) for k in ("code", "description", "values")):
            continue
        rows.append(
            {
                "code": data.get("code"),
                "description": data.get("description"),
                "datatype": data.get("datatype"),
                "required": data.get("required"),
                "order": order,
                "values": _values_from(data.get("values") or ""),
            }
        )
    return rows


def material_initial(item: ServiceItem) -> list[dict[str, Any]]:
    return list(item.required_materials)


def attribute_initial(item: ServiceItem) -> list[dict[str, Any]]:
    return [
        {
            **{k: a.get(k) for k in ("code", "description", "datatype", "required")},
            "values": "\n".join(f"{v['key']}={v['name']}" for v in a.get("values") or []),
        }
        for a in item.attributes
    ]


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class CertificateForm(StyledForm):
    region = RegionChoiceField(label=_("所属区域"), queryset=Region.objects.none())
    name = forms.CharField(label=_("证明名称"), max_length=100)
    reason = forms.CharField(
        label=_("取消理由与替代办法"), widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label=_("清理依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=300,
        help_text=_("用空格或逗号分隔，用于识别居民的请求。"),
    )

    def __init__(
        self, *args: Any, regions: Any = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = (
                regions if regions is not None else Region.objects.none()
            )
