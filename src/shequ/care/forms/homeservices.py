"""Forms of the home-service pages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.care.models.homeservices import HomeServiceKind, HomeServiceStatus
from shequ.care.queries.homeservices import OrderFilters
from shequ.core.forms import StyledForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class _RequestFields(StyledForm):
    kind = forms.ChoiceField(
        label=_("服务项目"), choices=HomeServiceKind.choices, widget=forms.RadioSelect
    )
    preferred_date = forms.DateField(
        label=_("希望服务日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    details = forms.CharField(
        label=_("服务需求"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：打扫厨房和卫生间，需要带清洁工具。"),
    )
    request_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4().hex)


class ResidentRequestForm(_RequestFields):
    """The resident's: for themself or an elderly member of their household."""

    field_order = ["kind", "served", "preferred_date", "details", "request_key"]

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["served"] = forms.TypedChoiceField(
            label=_("为谁申请"), choices=people, coerce=int, widget=forms.RadioSelect
        )
        if people and not self.is_bound:
            self.initial.setdefault("served", people[0][0])
        self.order_fields(self.field_order)


class StaffRequestForm(_RequestFields):
    """Staff asking on behalf of a resident found by the search."""

    resident = forms.IntegerField(widget=forms.HiddenInput)


class ScheduleForm(StyledForm):
    provider = forms.TypedChoiceField(label=_("服务机构"), coerce=int, choices=[])
    scheduled_for = _datetime_field(_("预约上门时间"))

    def __init__(self, *args: Any, providers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("请选择")), *providers]  # type: ignore[attr-defined]


class DeliverForm(StyledForm):
    delivered_at = _datetime_field(_("服务时间"))
    minutes = forms.IntegerField(label=_("服务时长（分钟）"))
    note = forms.CharField(
        label=_("服务情况"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class ResidentCancelForm(StyledForm):
    reason = forms.CharField(label=_("取消原因（可不填）"), required=False, max_length=200)


class RateForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价意见（可不填）"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SearchForm(StyledForm):
    q = forms.CharField(
        label=_("查找居民"),
        required=False,
        max_length=40,
        help_text=_("姓名、拼音首字母、身份证号或手机号"),
    )


class ListFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *HomeServiceStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("服务项目"), required=False, choices=[("", _("全部")), *HomeServiceKind.choices]
    )
    provider = forms.TypedChoiceField(
        label=_("服务机构"), required=False, coerce=int, empty_value=None
    )
    region = forms.ChoiceField(label=_("地区"), required=False)
    month = forms.CharField(
        label=_("申请月份"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    callback = forms.BooleanField(label=_("只看服务后7天仍未确认（待回访）"), required=False)

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[int, str]],
        regions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("全部")), *providers]  # type: ignore[attr-defined]
        self.fields["region"].choices = [("", _("全部")), *regions]  # type: ignore[attr-defined]

    def clean_month(self) -> date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("请按“年-月”填写，例如 2026-05。")) from None

    def filters(self, paths: dict[str, str]) -> OrderFilters:
        if not self.is_bound or not self.is_valid():
            return OrderFilters()
        d = self.cleaned_data
        return OrderFilters(
            status=d["status"],
            kind=d["kind"],
            provider_id=d["provider"],
            region_path=paths.get(d["region"], ""),
            month=d["month"],
            callback=bool(d["callback"]),
        )
