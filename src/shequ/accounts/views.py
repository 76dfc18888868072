"""Sign-in, sign-out, password, second factor and API tokens. Thin: parse, call an action, render."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.accounts import actions, forms
from shequ.accounts.models import ApiToken, SmsCodePurpose, UserKind
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.permissions import CorePerm

RESIDENT_BACKEND = "shequ.accounts.backends.ResidentBackend"
CODE_SIGN_IN_KEY = "shequ_signed_in_by_code"


def _next_url(request: HttpRequest, default: str = "web:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def lockout_response(
    request: HttpRequest, credentials: dict | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    from django.conf import settings

    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


def _sign_in(request: HttpRequest, form_class: type[Any], template: str) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = form_class(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return HttpResponseRedirect(_next_url(request))
    return render(request, template, {"form": form, "next": request.GET.get("next", "")})


def staff_login(request: HttpRequest) -> HttpResponse:
    return _sign_in(request, forms.StaffLoginForm, "accounts/login.html")


def resident_login(request: HttpRequest) -> HttpResponse:
    return _sign_in(request, forms.ResidentLoginForm, "accounts/resident_login.html")


@require_POST
def send_sms_code(request: HttpRequest) -> HttpResponse:
    """Send a code for sign-in or registration. Same answer whether or not the number has an account."""
    form = forms.PhoneForm(request.POST)
    purpose = request.POST.get("purpose", SmsCodePurpose.SIGN_IN)
    if purpose not in SmsCodePurpose.values:
        purpose = SmsCodePurpose.SIGN_IN
    status = 200
    if form.is_valid():
        try:
            actions.request_sms_code(phone=form.cleaned_data["phone"], purpose=purpose)
            message = _("验证码已发送，5分钟内有效。")
            ok = True
        except ValidationError as exc:
            message, ok, status = " ".join(exc.messages), False, 400
    else:
        message, ok, status = " ".join(e for errs in form.errors.values() for e in errs), False, 400
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "accounts/_sms_status.html", {"message": message, "ok": ok}, status=status
        )
    if ok:
        messages.success(request, message)
    else:
        messages.error(request, message)
    target = (
        "accounts:resident_register"
        if purpose == SmsCodePurpose.REGISTER
        else "accounts:resident_code_login"
    )
    return redirect(
        f"{reverse(target)}?phone={form.cleaned_data.get('phone', '') if form.is_valid() else ''}"
    )


def resident_code_login(request: HttpRequest) -> HttpResponse:
    form = forms.CodeLoginForm(
        request.POST or None, initial={"phone": request.GET.get("phone", "")}
    )
    if request.method == "POST" and form.is_valid():
        user = actions.sign_in_with_sms_code(
            phone=form.cleaned_data["phone"], code=form.cleaned_data["sms_code"]
        )
        if user is not None:
            login(request, user, backend=RESIDENT_BACKEND)
            # Signed in by a code sent to their own phone: they may set a new password without the old.
            request.session[CODE_SIGN_IN_KEY] = True
            messages.info(
                request, _("已用验证码登录。如果忘记了密码，可以在“修改密码”里直接设置新密码。")
            )
            return HttpResponseRedirect(_next_url(request))
        form.add_error("sms_code", _("验证码不正确、已过期，或该手机号尚未注册。"))
    return render(request, "accounts/resident_code_login.html", {"form": form})


def resident_register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.register_resident(
                phone=form.cleaned_data["phone"],
                sms_code=form.cleaned_data["sms_code"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            login(request, user, backend=RESIDENT_BACKEND)
            messages.success(request, _("注册成功，欢迎使用社区服务平台。"))
            return redirect("web:home")
    return render(request, "accounts/resident_register.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_resident = getattr(request.user, "kind", "") == UserKind.RESIDENT
    logout(request)
    return redirect("accounts:resident_login" if was_resident else "accounts:login")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    by_code = bool(request.session.get(CODE_SIGN_IN_KEY))
    form_class = forms.NewPasswordForm if by_code else forms.PasswordChangeForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if by_code:
                actions.set_password(user=request.user, password=form.cleaned_data["new_password"])  # type: ignore[arg-type]
            else:
                actions.change_password(
                    user=request.user,  # type: ignore[arg-type]
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            request.session.pop(CODE_SIGN_IN_KEY, None)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form, "by_code": by_code})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _otp_throttled(user: Any) -> bool:
    # django-otp slows guessing down: after each failure the device refuses for a growing while.
    return any(not device.verify_is_allowed()[0] for device in TOTPDevice.objects.filter(user=user))


def _otp_failure_message(throttled: bool) -> str:
    if throttled:
        return _("尝试次数过多，请等待片刻，再输入手机上的最新验证码。")
    return _("动态验证码不正确，请查看手机上的最新验证码，并确认手机时间准确。")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (first time) or pass (each sign-in) the TOTP second factor."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = forms.OtpForm(request.POST or None)
    if confirmed:
        if request.method == "POST" and form.is_valid():
            throttled = _otp_throttled(user)
            device = actions.verify_second_factor(user=user, token=form.cleaned_data["otp_token"])  # type: ignore[arg-type]
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(_next_url(request))
            form.add_error("otp_token", _otp_failure_message(throttled))
        if getattr(user, "is_verified", lambda: False)():
            return render(request, "accounts/two_factor_done.html", {})
        return render(request, "accounts/two_factor_verify.html", {"form": form})

    device = actions.totp_device_for_enrolment(user=user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        throttled = _otp_throttled(user)
        if actions.confirm_totp_device(
            user=user, device=device, token=form.cleaned_data["otp_token"]
        ):  # type: ignore[arg-type]
            otp_login(request, device)
            messages.success(request, _("双因素认证已启用。"))
            return HttpResponseRedirect(_next_url(request))
        form.add_error("otp_token", _otp_failure_message(throttled))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": secret,
            "required": user.requires_second_factor(),
        },  # type: ignore[union-attr]
    )


@permission_required(CorePerm.USE_API)
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.create_api_token(
                user=user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"]),
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            form = forms.ApiTokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "issued": issued}
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    actions.revoke_api_token(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:api_tokens")
