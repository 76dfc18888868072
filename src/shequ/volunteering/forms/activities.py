"""Forms of the activity pages: they parse input only; the actions check the rules (times in order,
hours within the activity's length, places in the jurisdiction) with messages that say what is
wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.volunteering.models import ActivityStatus, Skill, TargetGroup
from shequ.volunteering.queries.activities import ActivityFilters, filter_regions


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _moment(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "invalid": _("请填写有效的日期和时间，例如 2026-03-01 09:00。"),
            "required": _("请填写时间。"),
        },
    )


class ActivityFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(ActivityStatus.choices, _("全部状态"))
    )
    target_group = forms.ChoiceField(
        label=_("服务对象"), required=False, choices=_blank(TargetGroup.choices, _("全部"))
    )
    region = forms.ChoiceField(label=_("所在区域"), required=False)
    date_from = forms.DateField(
        label=_("开始日期（起）"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("请填写有效日期，例如 2026-03-01。")},
    )
    date_to = forms.DateField(
        label=_("开始日期（止）"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("请填写有效日期，例如 2026-03-01。")},
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> ActivityFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ActivityFilters(
            status=data.get("status") or "",
            target_group=data.get("target_group") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
        )


class ActivityForm(StyledForm):
    region = CodeChoiceField(label=_("所在村(社区)"), empty_label=_("请选择"))
    team = forms.ModelChoiceField(
        label=_("组织队伍"), required=False, queryset=None, empty_label=_("不指定")
    )
    title = forms.CharField(label=_("活动名称"), max_length=100)
    description = forms.CharField(
        label=_("活动内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    place = forms.CharField(label=_("活动地点"), max_length=120)
    starts_at = _moment(_("开始时间"))
    ends_at = _moment(_("结束时间"))
    needed = forms.IntegerField(
        label=_("招募人数"),
        min_value=1,
        max_value=1000,
        error_messages={
            "min_value": _("招募人数至少为1人。"),
            "max_value": _("招募人数不能超过1000人。"),
            "invalid": _("招募人数须为整数。"),
        },
    )
    skills = forms.MultipleChoiceField(
        label=_("所需技能"),
        required=False,
        choices=Skill.choices,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    target_group = forms.ChoiceField(
        label=_("服务对象"), choices=_blank(TargetGroup.choices, _("请选择"))
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, communities: Any = None, teams: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if communities is None:  # editing: the place stays
            del self.fields["region"]
        else:
            self.fields["region"].queryset = communities  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = (  # type: ignore[attr-defined]
            lambda team: _("%(name)s（%(code)s）") % {"name": team.name, "code": team.region.name}
        )


class FinishForm(StyledForm):
    people_served = forms.IntegerField(
        label=_("服务人次"),
        min_value=0,
        max_value=100000,
        error_messages={"min_value": _("服务人次不能为负数。"), "invalid": _("服务人次须为整数。")},
    )
    summary = forms.CharField(
        label=_("活动小结"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class StaffAttendanceForm(StyledForm):
    direction = forms.ChoiceField(
        label=_("签到或签退"), choices=[("in", _("签到")), ("out", _("签退"))]
    )
    at = _moment(_("时间"))


class ConfirmHoursForm(StyledForm):
    hours = forms.DecimalField(
        label=_("确认时长（小时）"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        error_messages={
            "min_value": _("服务时长不能为负数。"),
            "invalid": _("服务时长须为数字，最多两位小数。"),
            "max_decimal_places": _("服务时长最多两位小数。"),
            "max_digits": _("服务时长不正确。"),
            "max_whole_digits": _("服务时长不正确。"),
        },
    )


RATING_CHOICES = [(str(n), str(n)) for n in range(5, 0, -1)]


class RatingForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("评分（1–5分）"),
        choices=RATING_CHOICES,
        coerce=int,
        error_messages={"invalid_choice": _("评分须为1到5分。"), "required": _("请选择评分。")},
    )
    comment = forms.CharField(label=_("评语"), required=False, max_length=200)


class ShortCodeForm(StyledForm):
    code = forms.CharField(
        label=_("签到码（6位数字）"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": _("请输入组织者手机上显示的6位数字。"),
            "min_length": _("签到码是6位数字。"),
            "max_length": _("签到码是6位数字。"),
        },
    )
