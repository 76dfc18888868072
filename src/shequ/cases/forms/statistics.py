"""The statistics page's choice of region and period."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shequ.cases.queries.statistics import Period, this_month
from shequ.core.forms import StyledForm

REGION_CODE_MAX = 12
MAX_DAYS = 366 * 5  # a longer span is a typing error (a year of 2206, say), not a report


class StatisticsForm(StyledForm):
    """GET parameters: ``region`` (a region code; blank for the user's own), ``date_from`` and
    ``date_to`` (local dates, both included; blank: the first of this month, today)."""

    region = forms.CharField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # Always bound, with this month filled in where a date is missing, so the page shows the
        # period it counts.
        default = this_month()
        filled = data.copy() if data is not None else QueryDict(mutable=True)
        for name, value in (("date_from", default.start), ("date_to", default.end)):
            if not filled.get(name):
                filled[name] = value.isoformat()
        super().__init__(filled, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("region") or "").strip()
        if code and not (code.isdigit() and len(code) <= REGION_CODE_MAX):
            # A hidden field: its error is shown at the top of the form.
            self.add_error(None, _("区域代码不正确，只能是数字。"))
        data["region"] = code
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start is None or end is None:
            return data
        if start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        elif (end - start).days > MAX_DAYS:
            self.add_error("date_to", _("统计期间不能超过五年。"))
        data["period"] = Period(start, end)
        return data

    def period(self) -> Period:
        """The chosen period (call after ``is_valid()``)."""
        period: Period = self.cleaned_data["period"]
        return period

    def region_code(self) -> str:
        code: str = self.cleaned_data.get("region", "")
        return code
