"""Forms of the time-bank pages. Hours arrive as typed: the actions check them (more than 0, at most two
decimals, at most 1,000) with messages that say what is wrong. Every form that moves hours carries a
one-time ``request_key``, made when the form is shown, so a double click posts once."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.volunteering.models.timebank import AccountKind
from shequ.volunteering.queries.timebank import AccountFilters


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


def _hours_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class _Keyed(StyledForm):
    """A form that moves hours: its hidden one-time key is made when the form is first shown."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", new_request_key())


def _hours(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("时长（小时）"),
        max_length=12,
        widget=_hours_input(),
        help_text=_("最多两位小数，例如 1.5。"),
    )


class SpendForm(_Keyed):
    target_number = forms.CharField(
        label=_("对方账户号"),
        max_length=20,
        help_text=_("请对方在“我的时间账户”中查看，例如 SJZH00000123。"),
    )
    hours = _hours()
    memo = forms.CharField(label=_("兑换的服务"), max_length=200, help_text=_("例如：陪同就医。"))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class FamilyForm(_Keyed):
    member = forms.TypedChoiceField(label=_("赠与哪位家人"), coerce=int, choices=())
    hours = _hours()
    memo = forms.CharField(label=_("留言"), max_length=200, required=False)

    def __init__(self, *args: Any, family: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(p.pk, p.name) for p in family]  # type: ignore[attr-defined]


class PoolForm(_Keyed):
    hours = _hours()
    memo = forms.CharField(label=_("留言"), max_length=200, required=False)


class ManualForm(_Keyed):
    source_number = forms.CharField(
        label=_("转出账户号"), max_length=20, help_text=_("纸质凭证上的付出方账户号。")
    )
    target_number = forms.CharField(label=_("转入账户号"), max_length=20)
    hours = _hours()
    memo = forms.CharField(
        label=_("凭证说明"), max_length=200, help_text=_("例如：纸质时间券编号及服务内容。")
    )


class GrantForm(_Keyed):
    hours = _hours()
    memo = forms.CharField(label=_("发放事由"), max_length=200)


class ReverseForm(StyledForm):
    reason = forms.CharField(label=_("冲正原因"), max_length=150)


class ClearFlagForm(StyledForm):
    note = forms.CharField(label=_("处理说明"), max_length=300)


class RuleForm(StyledForm):
    overdraft_limit = forms.CharField(
        label=_("透支额度（小时）"),
        max_length=12,
        required=False,
        widget=_hours_input(),
        help_text=_("个人账户最多可透支的小时数；0 或不填为不允许透支。"),
    )
    max_balance = forms.CharField(
        label=_("余额上限（小时）"),
        max_length=12,
        required=False,
        widget=_hours_input(),
        help_text=_("超过只提示关注，不阻止；不填为不限。"),
    )
    yearly_donation_limit = forms.CharField(
        label=_("年度赠与上限（小时）"),
        max_length=12,
        required=False,
        widget=_hours_input(),
        help_text=_("超过只提示关注，不阻止；不填为不限。"),
    )
    expiry_months = forms.CharField(
        label=_("有效期（月）"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("获得后超过这么多个月未使用的时长回收；不填为长期有效。"),
    )


KIND_CHOICES = [("", _("全部类型")), *AccountKind.choices]


class AccountFilterForm(StyledForm):
    q = forms.CharField(label=_("持有人或账户号"), required=False, max_length=50)
    kind = forms.ChoiceField(label=_("账户类型"), required=False, choices=KIND_CHOICES)
    region = forms.ChoiceField(label=_("所在区域"), required=False)
    flagged = forms.BooleanField(label=_("只看需关注的"), required=False)

    def __init__(self, data: Any, *, regions: list[tuple[str, str, str]]) -> None:
        super().__init__(data)
        self.region_paths = {code: path for code, _name, path in regions}
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("全部区域")),
            *[(code, name) for code, name, _path in regions],
        ]

    def filters(self) -> AccountFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return AccountFilters(
            kind=data.get("kind") or "",
            flagged=bool(data.get("flagged")),
            region_path=self.region_paths.get(data.get("region") or "", ""),
            q=data.get("q") or "",
        )
