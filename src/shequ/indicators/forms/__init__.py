from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core import calendar
from shequ.core.forms import StyledForm

FIRST_YEAR = 2023


def year_choices() -> list[tuple[int, str]]:
    last = calendar.localdate().year + 1
    return [(y, str(y)) for y in range(last, FIRST_YEAR - 1, -1)]


class DashboardForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=year_choices, required=False)
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
