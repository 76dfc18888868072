"""Forms of the open-affairs pages: the disclosure, its attachments, publication (the objection
window in working days), the list filters, a resident's objection and the committee's answer."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.actions.disclosures import (
    DEFAULT_OBJECTION_DAYS,
    MAX_OBJECTION_DAYS,
)
from shequ.participation.models.disclosures import DisclosureCategory, DisclosureStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def new_request_key() -> str:
    return uuid.uuid4().hex


class FilterForm(StyledForm):
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *DisclosureCategory.choices]
    )
    period_from = forms.DateField(label=_("所属期间自"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("所属期间至"), required=False, widget=DATE)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class StaffFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *DisclosureStatus.choices]
    )
    q = forms.CharField(label=_("标题或编号"), required=False, max_length=50)


class DisclosureForm(StyledForm):
    community = forms.ModelChoiceField(label=_("社区"), queryset=None)
    category = forms.ChoiceField(label=_("类别"), choices=DisclosureCategory.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("公开内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    period_start = forms.DateField(label=_("所属期间起"), widget=DATE)
    period_end = forms.DateField(label=_("所属期间止"), widget=DATE)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, communities: Any = None, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing or communities is None:
            del self.fields["community"]
        else:
            field = self.fields["community"]
            field.queryset = communities  # type: ignore[attr-defined]
            if communities.count() == 1:
                field.initial = communities.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("所属期间的截止日期不能早于起始日期。"))
        return data

    def values(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k]
            for k in ("category", "title", "body", "period_start", "period_end")
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AttachForm(StyledForm):
    files = MultipleFileField(
        label=_("附件"),
        help_text=_("PDF、JPEG或PNG格式，每个不超过10 MB，每项公开最多10个。"),
    )


class PublishForm(StyledForm):
    objection_days = forms.IntegerField(
        label=_("异议期（工作日）"),
        min_value=1,
        max_value=MAX_OBJECTION_DAYS,
        initial=DEFAULT_OBJECTION_DAYS,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ObjectionForm(StyledForm):
    body = forms.CharField(
        label=_("异议内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写异议内容。")},
    )
    request_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class ResponseForm(StyledForm):
    response = forms.CharField(
        label=_("答复内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写答复内容。")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
