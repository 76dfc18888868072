"""Signing in and out, lockout, second factor, resident registration by SMS code — through HTTP."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from shequ.accounts import actions
from shequ.accounts.models import User
from shequ.core.models import AuditEvent
from tests.world import build_world

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-42"


def _staff_with_password(world, role_code: str) -> User:
    user = world.users[role_code]
    actions.set_password(user=user, password=PASSWORD)
    return user


def test_staff_sign_in_lands_on_console_and_is_audited(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "township_staff")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert "需要我关注的事" in home.content.decode()
    event = AuditEvent.objects.filter(action="auth.sign_in", actor=user).get()
    assert event.region_path == world.regions["320302001"].path
    assert event.role == "township_staff"


def test_wrong_password_says_so_and_is_audited(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "township_staff")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="auth.sign_in_failed", actor_name=user.username
    ).exists()


def test_english_sign_in_error(client: Client) -> None:
    build_world()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "x"})
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_repeated_failures_lock_the_account(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "community_staff")
    for _ in range(5):
        client.post(
            reverse("accounts:login"), {"username": user.username, "password": "wrong-guess"}
        )
    locked = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_requires_post_and_is_audited(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "community_staff")
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=user).exists()


def test_role_requiring_second_factor_must_enrol_then_verify(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "security_admin")
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    # Anything but the second-factor page sends the user there, the API answers 403.
    assert client.get("/").url == reverse("accounts:two_factor")
    assert client.get("/api/v1/accounts/me").status_code in (401, 403)
    setup = client.get(reverse("accounts:two_factor")).content.decode()
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', setup).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    done = client.post(reverse("accounts:two_factor"), {"otp_token": f"{totp(key):06d}"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled", actor=user).exists()

    # Next time: the confirmed device is asked for, not a new one.
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "totp-secret" not in page
    wrong = f"{(totp(key) + 1) % 1000000:06d}"
    refused = client.post(reverse("accounts:two_factor"), {"otp_token": wrong})
    assert "动态验证码不正确" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor_failed", actor=user).exists()


def _code_from_console(caplog: pytest.LogCaptureFixture) -> str:
    for record in reversed(caplog.records):
        match = re.search(r"验证码是(\d{6})", record.getMessage())
        if match:
            return match.group(1)
    raise AssertionError("no SMS code was sent")


def test_resident_registers_with_sms_code_and_signs_in(
    client: Client, caplog: pytest.LogCaptureFixture, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    build_world()
    caplog.set_level("INFO")
    phone = "13812345678"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("accounts:send_sms_code"), {"phone": phone, "purpose": "register"}
        )
    assert sent.status_code == 302
    assert phone not in caplog.text, "the full number must never be logged"
    code = _code_from_console(caplog)
    wrong = client.post(
        reverse("accounts:resident_register"),
        {
            "phone": phone,
            "sms_code": "000000" if code != "000000" else "111111",
            "full_name": "王大妈",
            "password": "Sunny-garden-88",
        },
    )
    assert "验证码不正确或已过期" in wrong.content.decode()
    assert not User.objects.filter(full_name="王大妈").exists()
    response = client.post(
        reverse("accounts:resident_register"),
        {"phone": phone, "sms_code": code, "full_name": "王大妈", "password": "Sunny-garden-88"},
    )
    assert response.status_code == 302
    assert "我的消息" in client.get("/").content.decode()
    client.post(reverse("accounts:logout"))
    again = client.post(
        reverse("accounts:resident_login"),
        {"phone": "+86 138-1234-5678", "password": "Sunny-garden-88"},
    )
    assert again.status_code == 302


def test_resident_phone_is_validated(client: Client) -> None:
    response = client.post(reverse("accounts:resident_login"), {"phone": "12345", "password": "x"})
    assert "请输入11位中国大陆手机号码" in response.content.decode()


def test_sms_codes_are_rate_limited(client: Client, settings) -> None:
    settings.SHEQU_SMS_BACKEND = "database"
    first = client.post(
        reverse("accounts:send_sms_code"), {"phone": "13812345678"}, HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200
    second = client.post(
        reverse("accounts:send_sms_code"), {"phone": "13812345678"}, HTTP_HX_REQUEST="true"
    )
    assert second.status_code == 400
    assert "验证码发送太频繁" in second.content.decode()


def test_sms_code_sign_in_gives_up_after_five_wrong_codes(
    client: Client, caplog, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    build_world()  # its resident has phone 19900000001
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:send_sms_code"), {"phone": "19900000001"})
    code = _code_from_console(caplog)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(
            reverse("accounts:resident_code_login"), {"phone": "19900000001", "sms_code": wrong}
        )
    late = client.post(
        reverse("accounts:resident_code_login"), {"phone": "19900000001", "sms_code": code}
    )
    assert late.status_code == 200, "a code guessed at must be void after five tries"


def test_missing_csrf_token_is_refused_clearly() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "安全令牌缺失" in response.content.decode()


def test_oversized_body_is_refused_clearly(client: Client, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(reverse("accounts:login"), {"username": "a" * 5000, "password": "b"})
    assert response.status_code == 400
    assert "提交的内容太大" in response.content.decode()


def test_open_redirect_is_not_followed(client: Client) -> None:
    world = build_world()
    user = _staff_with_password(world, "community_staff")
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == "/"


def test_idle_sessions_are_signed_out(client: Client, settings) -> None:
    import time

    world = build_world()
    user = _staff_with_password(world, "community_staff")
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert client.get("/").status_code == 200
    session = client.session
    session["shequ_seen"] = int(time.time()) - settings.SHEQU_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get("/territory/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=user).exists()


def test_a_resident_who_forgot_the_password_signs_in_by_code_and_sets_a_new_one(
    client: Client, caplog, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    build_world()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:send_sms_code"), {"phone": "19900000001"})
    code = _code_from_console(caplog)
    signed_in = client.post(
        reverse("accounts:resident_code_login"), {"phone": "19900000001", "sms_code": code}
    )
    assert signed_in.status_code == 302
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert 'name="old_password"' not in page
    changed = client.post(
        reverse("accounts:password_change"),
        {"new_password": "Fresh-meadow-77", "new_password_again": "Fresh-meadow-77"},
    )
    assert changed.status_code == 302
    # Afterwards the old password is asked again, and the new one signs in.
    assert 'name="old_password"' in client.get(reverse("accounts:password_change")).content.decode()
    client.post(reverse("accounts:logout"))
    again = client.post(
        reverse("accounts:resident_login"), {"phone": "19900000001", "password": "Fresh-meadow-77"}
    )
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action="accounts.set_password").exists()


def test_a_weak_password_does_not_use_up_the_registration_code(
    client: Client, caplog, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:send_sms_code"), {"phone": "13700001111", "purpose": "register"}
        )
    code = _code_from_console(caplog)
    weak = client.post(
        reverse("accounts:resident_register"),
        {"phone": "13700001111", "sms_code": code, "full_name": "李四", "password": "12345678"},
    )
    assert weak.status_code == 200
    assert not User.objects.filter(full_name="李四").exists()
    ok = client.post(
        reverse("accounts:resident_register"),
        {
            "phone": "13700001111",
            "sms_code": code,
            "full_name": "李四",
            "password": "Quiet-river-19",
        },
    )
    assert ok.status_code == 302
    assert User.objects.filter(full_name="李四", kind="resident").count() == 1
