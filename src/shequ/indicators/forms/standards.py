"""Forms of the six-standards pages: the list's filters, a line filled in, a reviewer's decision on
a line, and the small forms of the workflow's buttons (each carrying the version the page showed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.indicators.forms import year_choices
from shequ.indicators.models import AssessmentStatus, LineDecision, Standard
from shequ.indicators.queries.standards import ALL_MET, NOT_ALL_MET, NOT_STARTED

STATUS_CHOICES = [
    ("", _("全部状态")),
    (NOT_STARTED, _("未开始")),
    *AssessmentStatus.choices,
]
RESULT_CHOICES = [
    ("", _("全部")),
    (ALL_MET, _("六项全部达标")),
    (NOT_ALL_MET, _("已审核但未全部达标")),
]


class StandardsFilterForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=year_choices, required=False)
    township = forms.ChoiceField(label=_("镇(街道)"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=STATUS_CHOICES, required=False)
    result = forms.ChoiceField(label=_("达标情况"), choices=RESULT_CHOICES, required=False)
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)

    def __init__(self, *args: Any, townships: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.townships = {t.code: t for t in townships}
        if townships:
            field: Any = self.fields["township"]
            field.choices = [
                ("", _("全部镇(街道)")),
                *[(t.code, t.name) for t in townships],
            ]
        else:
            del self.fields["township"]


class YearForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=year_choices, required=False)


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


class LineForm(StyledForm):
    """One standard filled in by the community."""

    standard = forms.ChoiceField(choices=Standard.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    statement = forms.CharField(
        label=_("达标情况说明"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("说明本村(社区)如何达到这项规范。"),
    )
    evidence = forms.CharField(
        label=_("佐证材料说明"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("列出佐证材料（制度文件、会议记录、照片等）及其存放位置。"),
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("上传佐证材料"),
        required=False,
        help_text=_("PDF、JPEG或PNG格式，每个不超过10 MB，每项最多10个。"),
    )


class DecisionForm(StyledForm):
    """A reviewer's decision on one standard."""

    standard = forms.ChoiceField(choices=Standard.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("评定结果"),
        choices=[(LineDecision.MET, _("达标")), (LineDecision.NOT_MET, _("未达标"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评定结果：达标或未达标。")},
    )
    comment = forms.CharField(
        label=_("评定意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("未达标时必须写明原因。"),
    )


class VersionForm(StyledForm):
    """A workflow button: the assessment's version as the page showed it."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明原因。")},
    )


class EvidenceDeleteForm(StyledForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
