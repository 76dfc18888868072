"""Forms of the resident's own pages: linking the record, consents, and rights requests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.core.validators import validate_id_number
from shequ.registry.actions.rights import MAX_DETAILS
from shequ.registry.forms import RegistryForm
from shequ.registry.models import ConsentPurpose, RightsRequestKind
from shequ.registry.queries.rights import CORRECTABLE_ITEMS


class LinkForm(RegistryForm):
    name = forms.CharField(
        label=_("姓名"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("与身份证上的姓名一致。"),
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18位居民身份证号码。"),
    )

    def clean_id_number(self) -> str:
        try:
            return validate_id_number(self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class ConsentForm(RegistryForm):
    """One purpose, and the choice to record for it (a button per choice on the page)."""

    purpose = forms.ChoiceField(choices=ConsentPurpose.choices, widget=forms.HiddenInput)
    granted = forms.TypedChoiceField(
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )


class RightsRequestForm(RegistryForm):
    """A new request of one kind (chosen on the page before, carried in a hidden field)."""

    kind = forms.ChoiceField(choices=RightsRequestKind.choices, widget=forms.HiddenInput)
    subject = forms.ChoiceField(
        label=_("哪一项信息有误"),
        choices=[("", _("请选择")), *CORRECTABLE_ITEMS.items()],
        required=False,
    )
    details = forms.CharField(
        label=_("具体内容"),
        max_length=MAX_DETAILS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    DETAILS_LABELS = {
        RightsRequestKind.COPY: (_("补充说明（可不填）"), _("例如：需要哪段时间的信息。")),
        RightsRequestKind.CORRECTION: (
            _("正确的内容"),
            _("请写明正确的信息，例如：手机号应为……。办理时可能需要您出示证件。"),
        ),
        RightsRequestKind.DELETION: (
            _("删除的理由（可不填）"),
            _("例如：已不在本社区居住，不再需要社区服务。"),
        ),
        RightsRequestKind.EXPLANATION: (
            _("您想了解什么"),
            _("例如：社区为什么需要我的手机号，会给谁看。"),
        ),
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, initial={"kind": kind, **kwargs.pop("initial", {})}, **kwargs)
        if kind != RightsRequestKind.CORRECTION:
            del self.fields["subject"]
        else:
            self.fields["subject"].required = True
            self.fields["subject"].error_messages["required"] = _("请选择哪一项信息需要更正。")
        label, help_text = self.DETAILS_LABELS.get(kind, (_("具体内容"), ""))
        details = self.fields["details"]
        details.label, details.help_text = label, help_text
        details.required = kind in (RightsRequestKind.CORRECTION, RightsRequestKind.EXPLANATION)
        details.error_messages["required"] = (
            _("请写明正确的内容。")
            if kind == RightsRequestKind.CORRECTION
            else _("请写明您想了解的内容。")
        )
        if help_text:
            details.widget.attrs["aria-describedby"] = f"{self['details'].auto_id}_helptext"
