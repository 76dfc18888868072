"""Forms of the staff pages for residents' rights requests and accounts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.registry.actions.rights import MAX_RESPONSE
from shequ.registry.forms import RegistryForm, phone_field
from shequ.registry.models import RightsRequestKind, RightsRequestStatus
from shequ.registry.queries.rights import STATUS_ALL, STATUS_OPEN, RightsFilters


class RightsFilterForm(RegistryForm):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[
            (STATUS_OPEN, _("待答复（已提交、办理中）")),
            *RightsRequestStatus.choices,
            (STATUS_ALL, _("全部")),
        ],
        required=False,
        initial=STATUS_OPEN,
    )
    kind = forms.ChoiceField(
        label=_("请求类型"),
        choices=[("", _("全部")), *RightsRequestKind.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)

    def filters(self) -> RightsFilters:
        if not self.is_valid():
            return RightsFilters()
        data = self.cleaned_data
        return RightsFilters(
            status=data["status"] or STATUS_OPEN, kind=data["kind"], overdue=data["overdue"]
        )


class HandleForm(RegistryForm):
    """The staff's answer (or reason for refusal); the button pressed names the transition."""

    response = forms.CharField(
        label=_("答复或不予办理的理由"),
        max_length=MAX_RESPONSE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("居民会在“我的请求”中看到这段文字。请不要写入他人的个人信息。"),
    )


class AccountLinkForm(RegistryForm):
    phone = phone_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phone = self.fields["phone"]
        phone.required = True
        phone.label = _("居民账号的手机号")
        phone.help_text = _("居民用来注册和登录的手机号。请先核对居民本人的身份证。")
        phone.widget.attrs["aria-describedby"] = f"{self['phone'].auto_id}_helptext"
