"""Forms of the duplicate review pages: merge keeping one record, or say they are two people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.registry.actions.duplicates import NOTE_MAX
from shequ.registry.forms import RegistryForm
from shequ.registry.models import DuplicateCandidate, Resident


class MergeForm(RegistryForm):
    keep = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("说明"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("可不填，例如核实的方式。"),
    )

    def __init__(self, *args: Any, candidate: DuplicateCandidate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.fields["keep"].choices = [
            (candidate.resident_id, candidate.resident_id),
            (candidate.other_id, candidate.other_id),
        ]

    def kept(self) -> Resident:
        keep = self.cleaned_data["keep"]
        return (
            self.candidate.resident if keep == self.candidate.resident_id else self.candidate.other
        )


class DismissForm(RegistryForm):
    note = forms.CharField(
        label=_("说明"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("必填，例如：经入户核实，两人为同名同生日的不同居民。"),
        error_messages={"required": _("请说明为什么不是同一人，例如核实的方式。")},
    )
