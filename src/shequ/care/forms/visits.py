"""Forms of the visit pages: a visit rule, the plan filters, assigning a visitor, recording a visit."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.care.models import (
    Finding,
    VisitFrequency,
    VisitMode,
    VisitorKind,
    VisitPlanStatus,
    VisitRule,
)
from shequ.care.queries.visits import PlanFilters
from shequ.core import calendar
from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.registry.models import CareGroup

CHECKLIST_HELP = _("每行一项，1 到 12 项，每项不超过 40 个字，探访时逐项回答“是/否”。")


class RuleForm(StyledForm):
    region = CodeChoiceField(label=_("适用区域"), queryset=None, empty_label=None)
    group = forms.ChoiceField(label=_("关爱类别"), choices=CareGroup.choices)
    mode = forms.ChoiceField(label=_("探访方式"), choices=VisitMode.choices)
    frequency = forms.ChoiceField(label=_("频次"), choices=VisitFrequency.choices)
    visitor_kind = forms.ChoiceField(label=_("探访人"), choices=VisitorKind.choices)
    checklist = forms.CharField(
        label=_("探访要点"),
        help_text=CHECKLIST_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请至少填写一项探访要点。")},
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class RuleEditForm(StyledForm):
    frequency = forms.ChoiceField(label=_("频次"), choices=VisitFrequency.choices)
    visitor_kind = forms.ChoiceField(label=_("探访人"), choices=VisitorKind.choices)
    checklist = forms.CharField(
        label=_("探访要点"),
        help_text=CHECKLIST_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请至少填写一项探访要点。")},
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def add_error(self, field: str | None, error: Any) -> None:
        # "Someone changed it meanwhile" is about the whole form, not the hidden version field.
        super().add_error(None if field == "version" else field, error)

    @classmethod
    def for_rule(cls, rule: VisitRule) -> RuleEditForm:
        return cls(
            initial={
                "frequency": rule.frequency,
                "visitor_kind": rule.visitor_kind,
                "checklist": "\n".join(rule.checklist),
                "is_active": rule.is_active,
                "version": rule.version,
            }
        )


class DefaultRulesForm(StyledForm):
    region = CodeChoiceField(label=_("适用区域"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


def _month(value: str) -> date | None:
    try:
        year, month = (int(x) for x in value.split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        return None


class PlanFilterForm(StyledForm):
    month = forms.CharField(
        label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    region = CodeChoiceField(label=_("区域"), queryset=None, required=False, empty_label=_("全部"))
    group = forms.ChoiceField(
        label=_("关爱类别"), required=False, choices=[("", _("全部")), *CareGroup.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *VisitPlanStatus.choices]
    )
    visitor = forms.CharField(label=_("探访人编号"), required=False, widget=forms.HiddenInput)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def clean_month(self) -> str:
        value = self.cleaned_data.get("month") or ""
        if value and _month(value) is None:
            raise forms.ValidationError(_("月份格式应为 年-月，例如 2026-05。"))
        return value

    def filters(self) -> PlanFilters:
        if not self.is_bound:
            return PlanFilters(month=calendar.localdate().replace(day=1))
        if not self.is_valid():
            return PlanFilters()
        d = self.cleaned_data
        return PlanFilters(
            month=_month(d["month"]) if d["month"] else None,
            region_path=d["region"].path if d["region"] else "",
            group=d["group"],
            status=d["status"],
            overdue=d["overdue"],
            visitor=d["visitor"] or "",
        )


class AssignForm(StyledForm):
    visitor = forms.TypedChoiceField(label=_("探访人"), coerce=int, choices=())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitor"].choices = choices  # type: ignore[attr-defined]


class VisitForm(StyledForm):
    """One visit in a few taps: mode, when, the rule's checklist (yes/no each), findings, note, a photo
    only with consent, and the position the phone filled in (hidden; optional)."""

    mode = forms.ChoiceField(
        label=_("探访方式"), choices=VisitMode.choices, widget=forms.RadioSelect
    )
    visited_at = forms.DateTimeField(
        label=_("探访时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("默认为现在；补录时请填写实际探访时间。"),
    )
    findings = forms.MultipleChoiceField(
        label=_("发现问题"),
        required=False,
        choices=Finding.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选后将自动转为工单跟进，急难情况走快速通道。"),
    )
    note = forms.CharField(
        label=_("探访情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo_consent = forms.BooleanField(label=_("本人同意拍照"), required=False)
    photo = forms.ImageField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    located_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    request_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, checklist: list[str], mode: str = "", **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "mode": mode or VisitMode.IN_PERSON,
                "visited_at": calendar.localtime().replace(second=0, microsecond=0),
                "request_key": uuid.uuid4().hex,
            },
        )
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for i, item in enumerate(checklist):
            self.fields[f"item_{i}"] = forms.TypedChoiceField(
                label=item,
                choices=[("yes", _("是")), ("no", _("否"))],
                widget=forms.RadioSelect,
                coerce=lambda v: v == "yes",
                required=False,
                initial="yes",
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"

    def checklist_fields(self) -> list[Any]:
        return [self[f"item_{i}"] for i in range(len(self.checklist))]

    def answers(self) -> dict[str, bool]:
        return {
            item: bool(self.cleaned_data.get(f"item_{i}")) for i, item in enumerate(self.checklist)
        }

    def visited(self) -> datetime | None:
        value = self.cleaned_data.get("visited_at")
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=calendar.localtime().tzinfo)
        return value
