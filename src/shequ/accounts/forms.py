from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.core.validators import validate_phone


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_phone(value) if value else value


class _SignInForm(StyledForm):
    """Who + password, checked through ``authenticate`` (so lockout and audit see every attempt)."""

    identifier = "username"
    invalid_message: Any = ""
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        credentials = {self.identifier: data[self.identifier], "password": data["password"]}
        self.user = authenticate(self.request, **credentials)
        if self.user is None:
            raise ValidationError(self.invalid_message, code="invalid_login")
        return data


class StaffLoginForm(_SignInForm):
    identifier = "username"
    invalid_message = _("用户名或密码不正确。")
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    field_order = ["username", "password"]


class ResidentLoginForm(_SignInForm):
    identifier = "phone"
    invalid_message = _("手机号或密码不正确。")
    phone = PhoneField()
    field_order = ["phone", "password"]


class PhoneForm(StyledForm):
    phone = PhoneField()


class CodeLoginForm(StyledForm):
    phone = PhoneField()
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RegisterForm(CodeLoginForm):
    full_name = forms.CharField(label=_("姓名"), max_length=100)
    password = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不要只用数字。"),
    )


class NewPasswordForm(StyledForm):
    """For a resident who signed in with an SMS code: no old password asked."""

    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不要只用数字，不要与用户名相似。"),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        return data


class PasswordChangeForm(NewPasswordForm):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password", "new_password_again"]


class OtpForm(StyledForm):
    otp_token = forms.CharField(
        label=_("动态验证码"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ApiTokenForm(StyledForm):
    name = forms.CharField(
        label=_("令牌名称"), max_length=80, help_text=_("例如：数据对接、统计脚本")
    )
    expires_in_days = forms.IntegerField(
        label=_("有效天数"), min_value=1, max_value=365, initial=90
    )
