"""Forms of the bookings pages: the service, slots (one or a run), a slot's menu and capacity, the
staff "book for a resident" search, the resident's "who for" choice, and the list filters."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.care.models.bookings import BookableKind
from shequ.core.forms import StyledForm

WEEKDAYS = [
    ("0", _("星期一")),
    ("1", _("星期二")),
    ("2", _("星期三")),
    ("3", _("星期四")),
    ("4", _("星期五")),
    ("5", _("星期六")),
    ("6", _("星期日")),
]
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def new_request_key() -> str:
    return uuid.uuid4().hex


class ServiceFilterForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *list(BookableKind.choices)]
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("开放预约")), ("0", _("已停止预约"))],
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ServiceForm(StyledForm):
    region = forms.ModelChoiceField(label=_("开设单位所在区域"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=BookableKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    facility = forms.ModelChoiceField(label=_("服务场所"), queryset=None, required=False)
    default_capacity = forms.IntegerField(label=_("每场名额"), min_value=1, max_value=1000)
    min_age_months = forms.IntegerField(
        label=_("最小月龄"), required=False, min_value=0, max_value=240, help_text=_("托育服务填写")
    )
    max_age_months = forms.IntegerField(
        label=_("最大月龄"), required=False, min_value=0, max_value=240, help_text=_("托育服务填写")
    )
    min_age_years = forms.IntegerField(
        label=_("最低年龄（周岁）"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("老年餐桌不填时为60周岁"),
    )
    price = forms.CharField(label=_("收费标准"), max_length=100, required=False)
    cancel_hours_before = forms.IntegerField(
        label=_("提前取消（小时）"), min_value=0, max_value=168, initial=2
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        regions: Any = None,
        facilities: Any = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["region"]
            del self.fields["kind"]
        else:
            self.fields["region"].queryset = regions
        self.fields["facility"].queryset = facilities
        self.fields["facility"].label_from_instance = lambda f: f"{f.community.name} · {f.name}"

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class SlotForm(StyledForm):
    date = forms.DateField(label=_("日期"), widget=DATE)
    starts_at = forms.TimeField(label=_("开始时间"), widget=TIME)
    ends_at = forms.TimeField(label=_("结束时间"), widget=TIME)
    capacity = forms.IntegerField(
        label=_("名额"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("不填时为服务的每场名额"),
    )
    menu = forms.CharField(label=_("菜单"), max_length=300, required=False)


class SlotRunForm(StyledForm):
    date_from = forms.DateField(label=_("起始日期"), widget=DATE)
    date_to = forms.DateField(label=_("截止日期"), widget=DATE)
    weekdays = forms.MultipleChoiceField(
        label=_("星期几"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.TimeField(label=_("开始时间"), widget=TIME)
    ends_at = forms.TimeField(label=_("结束时间"), widget=TIME)
    capacity = forms.IntegerField(
        label=_("名额"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("不填时为服务的每场名额"),
    )
    menu = forms.CharField(
        label=_("菜单"),
        max_length=300,
        required=False,
        help_text=_("各场相同；可在场次页面逐日修改"),
    )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["weekdays"] = [int(d) for d in data["weekdays"]]
        return data


class SlotEditForm(StyledForm):
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=1000)
    menu = forms.CharField(label=_("菜单"), max_length=300, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SlotCancelForm(StyledForm):
    reason = forms.CharField(label=_("停开原因"), max_length=100, required=False)


class ResidentSearchForm(StyledForm):
    q = forms.CharField(label=_("姓名、拼音、身份证号或手机号"), max_length=40, required=False)


class BookForResidentForm(StyledForm):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WhoForForm(StyledForm):
    """The resident picks the person the seat is for: themself or a household member."""

    slot = forms.IntegerField(widget=forms.HiddenInput)
    resident = forms.TypedChoiceField(label=_("为谁预约"), coerce=int, choices=())
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, members: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [(m.pk, m.name) for m in members or []]


class PeriodForm(StyledForm):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data
