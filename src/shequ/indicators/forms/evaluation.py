"""The evaluation report's choice: year, kind (comprehensive or special) and, for a special
evaluation, the sections. The region is chosen by following links (like the dashboard's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core import calendar
from shequ.core.forms import StyledForm
from shequ.indicators.forms import year_choices
from shequ.indicators.queries.evaluation import Kind, Section, section_codes


@dataclass(frozen=True)
class Choice:
    year: int
    kind: str
    sections: tuple[str, ...]
    # False when the kind or the sections are wrong: no report until they are put right.
    ready: bool


class EvaluationForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=year_choices, required=False)
    kind = forms.ChoiceField(
        label=_("评估类型"),
        choices=Kind.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    sections = forms.MultipleChoiceField(
        label=_("评估内容"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("专项评估只包含所选内容；综合评估包含全部内容。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons and checkboxes, not a select: Bootstrap's check classes, not form-select.
        for name in ("kind", "sections"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        special = data.get("kind") == Kind.SPECIAL
        if special and not data.get("sections") and "sections" not in self.errors:
            self.add_error("sections", _("专项评估请至少选择一项评估内容。"))
        return data

    def choice(self) -> Choice:
        """What to show. A year that is not one of the choices falls back to this year (as on the
        dashboard), with the error shown; a wrong kind or no sections for a special evaluation
        shows the errors and no report."""
        this_year = calendar.localdate().year
        if not self.is_bound:
            kind = str(Kind.COMPREHENSIVE)
            return Choice(this_year, kind, section_codes(kind, ()), ready=True)
        self.is_valid()
        data = self.cleaned_data
        kind = data.get("kind") or str(Kind.COMPREHENSIVE)
        ready = "kind" not in self.errors and "sections" not in self.errors
        return Choice(
            data.get("year") or this_year,
            kind,
            section_codes(kind, data.get("sections") or ()),
            ready=ready,
        )
