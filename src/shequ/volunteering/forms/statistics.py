"""The period and place of the volunteer statistics (public page and staff export)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.volunteering.queries.statistics import (
    StatPeriod,
    current_period,
    parse_period,
    period_choices,
)


class StatisticsForm(StyledForm):
    period = forms.CharField(
        label=_("统计期"),
        required=False,
        max_length=10,
        help_text=_("年份、季度或月份，例如 2026、2026Q3 或 2026-11。"),
    )
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period_errors: list[str] = []
        self.choices = period_choices()
        self.fields["period"].widget.attrs["list"] = "period-choices"

    def chosen_period(self, *, strict: bool = False) -> StatPeriod:
        """The chosen period; the current year when none is given. A wrong one is refused
        (``strict``) or noted in ``period_errors`` and replaced by the current year."""
        text = str(self.data.get("period", "") or "").strip()
        if not text:
            return current_period()
        try:
            return parse_period(text)
        except ValidationError as exc:
            if strict:
                raise
            self.period_errors = list(exc.messages)
            return current_period()

    def region_code(self) -> str:
        return str(self.data.get("region", "") or "").strip()
