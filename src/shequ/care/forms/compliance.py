"""The filters of the compliance pages: place (by code), month, care group, and for the never-visited
list the window. A wrong month or group is not an error page: it is shown and the default used."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.care.queries.compliance import current_month, parse_month
from shequ.core.forms import StyledForm
from shequ.registry.models import CareGroup


class ComplianceForm(StyledForm):
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    month = forms.CharField(
        label=_("月份"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("例如 2026-05；不填为本月。"),
    )
    group = forms.ChoiceField(
        label=_("关爱类别"),
        required=False,
        choices=[("", _("全部类别")), *CareGroup.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []

    def _text(self, name: str) -> str:
        return str(self.data.get(name, "") or "").strip()

    def region_code(self) -> str:
        return self._text("region")

    def chosen_month(self) -> date:
        try:
            return parse_month(self._text("month"))
        except ValidationError as exc:
            self.notes.extend(exc.messages)
            return current_month()

    def chosen_group(self) -> str:
        group = self._text("group")
        if group and group not in CareGroup.values:
            self.notes.append(str(_("关爱类别不正确，已显示全部类别。")))
            return ""
        return group


class NeverVisitedForm(StyledForm):
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    window = forms.ChoiceField(
        label=_("范围"),
        required=False,
        choices=[("ever", _("从未探访")), ("recent", _("近90天未探访"))],
    )

    def region_code(self) -> str:
        return str(self.data.get("region", "") or "").strip()

    def recent(self) -> bool:
        return str(self.data.get("window", "") or "").strip() == "recent"
