"""Forms of the party pages: organisations, the roster, check-ins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.volunteering.models import PartyOrgKind


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}


class OrgForm(forms.Form):
    region = RegionChoiceField(label=_("所属区域"), queryset=None, to_field_name="code")
    name = forms.CharField(label=_("党组织名称"), max_length=120)
    kind = forms.ChoiceField(label=_("单位类型"), choices=PartyOrgKind.choices)
    workplace = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    is_active = forms.BooleanField(label=_("存续"), required=False, initial=True)

    def __init__(self, *args: Any, regions: Any = None, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing or regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        if not editing:
            del self.fields["is_active"]
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault(
                    "class",
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control",
                )


class AddMemberForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
        help_text=_("按身份证号码在人口库中查找在册居民；居住社区取自人口库。"),
        error_messages={"required": _("请填写身份证号码。")},
    )


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("1", _("确认报到")), ("0", _("不予通过"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class CheckInForm(forms.Form):
    offer = forms.CharField(
        label=_("服务意向（认领岗位、服务特长）"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
