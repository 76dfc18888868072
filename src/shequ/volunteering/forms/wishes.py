"""Forms of the wish pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.volunteering.models import WishCategory, WishStatus
from shequ.volunteering.queries.wishes import BoardFilters


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.ClearableFileInput):
            widget.attrs.setdefault(
                "class",
                "form-control"
                if isinstance(widget, forms.ClearableFileInput)
                else "form-check-input",
            )
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class WishForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=WishCategory.choices)
    title = forms.CharField(
        label=_("心愿"), max_length=80, error_messages={"required": _("请填写心愿内容。")}
    )
    description = forms.CharField(
        label=_("详细说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wanted_by = forms.DateField(
        label=_("希望完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class StaffWishForm(WishForm):
    id_number = forms.CharField(
        label=_("心愿人身份证号码"),
        max_length=18,
        help_text=_("在您辖区的人口库中查找在册居民。"),
        error_messages={"required": _("请填写心愿人的身份证号码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    field_order = ["id_number", "category", "title", "description", "wanted_by"]


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *list(WishStatus.choices)]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *list(WishCategory.choices)]
    )
    community = forms.ChoiceField(label=_("村(社区)"), required=False)

    def __init__(self, *args: Any, communities: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", _("全部"))] + [  # type: ignore[attr-defined]
            (c.code, c.name) for c in communities
        ]
        _styled(self)

    def filters(self) -> BoardFilters:
        if not self.is_valid():
            return BoardFilters()
        data = self.cleaned_data
        return BoardFilters(
            status=data.get("status") or "",
            category=data.get("category") or "",
            community=data.get("community") or "",
        )


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("派给"))
    note = forms.CharField(label=_("派单说明"), max_length=500, required=False)

    def __init__(self, *args: Any, choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("请选择")), *list(choices)]  # type: ignore[attr-defined]
        _styled(self)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理原因"),
        max_length=200,
        error_messages={"required": _("请填写不予受理的原因。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class FulfilForm(forms.Form):
    note = forms.CharField(
        label=_("完成情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("完成照片（可选）"),
        required=False,
        help_text=_("JPEG、PNG 或 WebP 照片。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("评价意见"), max_length=200, required=False)

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].required = required
        self.fields["comment"].widget.attrs.setdefault("class", "form-control")
