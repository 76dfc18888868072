"""notify(), send_sms() and the SMS/e-mail backends, end to end (a real local HTTP gateway)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings

from shequ.accounts.models import User
from shequ.core import calendar, notifications
from shequ.core.models import Delivery, DeliveryStatus, Notification

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE_TEXT = "您的登录验证码是 482913，5 分钟内有效。"


@pytest.fixture
def zhang() -> User:
    return User.objects.create(
        username="zhangsan", full_name="张三", phone=PHONE, email="zhangsan@example.com"
    )


@pytest.fixture
def li() -> User:
    return User.objects.create(username="lisi", full_name="李四")


# --- A real gateway on 127.0.0.1 -----------------------------------------------------------------


@dataclass
class Gateway:
    url: str
    answer: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)

    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length).decode(),
                }
            )
            self.send_response(state.answer)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def http_settings(url: str, **extra: Any) -> override_settings:
    return override_settings(
        SHEQU_SMS_BACKEND="http",
        SHEQU_SMS_GATEWAY_URL=url,
        SHEQU_SMS_GATEWAY_TOKEN="gateway-token",
        **extra,
    )


def database_contains(needle: str) -> list[str]:
    """Every table whose rows contain ``needle`` anywhere, by reading them all back."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            if any(needle in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


# --- In-app ----------------------------------------------------------------------------------------


def test_notify_writes_one_inbox_row_per_recipient(zhang: User, li: User) -> None:
    with calendar.frozen_time("2025-03-07 10:00"):
        rows = notifications.notify(
            recipients=[zhang, li, zhang],
            topic="case.assigned",
            subject="新的诉求已派给您",
            body="诉求 2025-0001 请在 3 个工作日内办结。",
            url="/cases/1/",
        )

    assert len(rows) == 2
    stored = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in stored] == [li, zhang]
    assert {n.subject for n in stored} == {"新的诉求已派给您"}
    assert all(n.url == "/cases/1/" and n.read_at is None for n in stored)
    # Stamped by the platform clock, so frozen time reaches it.
    assert {n.created_at for n in stored} == {datetime(2025, 3, 7, 10, tzinfo=SHANGHAI)}
    assert not Delivery.objects.exists()


def test_unread_count_and_mark_read_touch_only_the_users_own_rows(zhang: User, li: User) -> None:
    for i in range(3):
        notifications.notify(recipients=[zhang, li], topic="t", subject=f"第{i}条", body="")
    mine = list(Notification.objects.filter(recipient=zhang).values_list("pk", flat=True))
    theirs = list(Notification.objects.filter(recipient=li).values_list("pk", flat=True))
    assert notifications.unread_count(zhang) == 3

    # Someone else's ids are ignored.
    assert notifications.mark_read(zhang, [mine[0], theirs[0]]) == 1
    assert notifications.unread_count(zhang) == 2
    assert notifications.unread_count(li) == 3

    assert notifications.mark_read(zhang) == 2
    assert notifications.unread_count(zhang) == 0
    assert notifications.mark_read(zhang) == 0
    assert list(notifications.inbox(zhang).values_list("pk", flat=True)) == sorted(mine)[::-1]


# --- SMS backends ----------------------------------------------------------------------------------


@override_settings(SHEQU_SMS_BACKEND="console")
def test_console_backend_logs_the_text_and_only_the_masked_number(
    zhang: User, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    caplog.set_level(logging.INFO, logger="shequ.core.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notifications.send_sms(PHONE, CODE_TEXT, "accounts.sign_in_code")

    assert MASKED in caplog.text
    assert CODE_TEXT in caplog.text
    assert PHONE not in caplog.text
    delivery.refresh_from_db()
    assert (delivery.channel, delivery.backend, delivery.status) == ("sms", "console", "sent")
    assert delivery.destination_masked == MASKED
    assert delivery.sent_at is not None


@override_settings(SHEQU_SMS_BACKEND="database")
def test_database_backend_only_records_the_delivery(
    zhang: User, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipients=[zhang], topic="case.closed", subject="诉求已办结", body="谢谢", sms=True
        )
    delivery = Delivery.objects.get()
    assert (delivery.backend, delivery.status, delivery.destination_masked) == (
        "database",
        "sent",
        MASKED,
    )
    assert "诉求已办结" not in caplog.text


@override_settings(SHEQU_SMS_BACKEND="console")
def test_neither_the_text_nor_the_number_is_stored_in_clear(
    zhang: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send_sms(PHONE, CODE_TEXT, "accounts.sign_in_code")
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 1
    assert database_contains("482913") == []
    assert database_contains(PHONE) == []


def test_http_backend_posts_the_template_with_the_bearer_token(
    zhang: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    text = '王先生：您反映的"路灯不亮"已处理。\n详情见 app'
    with (
        http_settings(gateway.url),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery = notifications.send_sms(PHONE, text, "case.closed")

    assert len(gateway.received) == 1
    request = gateway.received[0]
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {"to": PHONE, "text": text}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error, delivery.backend) == ("sent", "", "http")


def test_http_backend_form_template(
    zhang: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        http_settings(gateway.url, SHEQU_SMS_TEMPLATE="mobile={phone}&content={text}&sign=shequ"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.send_sms(PHONE, "验证码 1234 & 更多", "t")
    request = gateway.received[0]
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(request["body"]) == {
        "mobile": [PHONE],
        "content": ["验证码 1234 & 更多"],
        "sign": ["shequ"],
    }


def test_gateway_error_is_recorded_as_failed_without_the_number(
    zhang: User,
    gateway: Gateway,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway.answer = 500
    with http_settings(gateway.url), django_capture_on_commit_callbacks(execute=True):
        delivery = notifications.send_sms(PHONE, CODE_TEXT, "accounts.sign_in_code")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "gateway answered HTTP 500"
    assert delivery.sent_at is None
    assert PHONE not in caplog.text and "482913" not in caplog.text


def test_unreachable_gateway_is_recorded_as_failed(
    zhang: User, django_capture_on_commit_callbacks: Any
) -> None:
    # A port nobody listens on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        http_settings(f"http://127.0.0.1:{port}/send"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery = notifications.send_sms(PHONE, CODE_TEXT, "t")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error.startswith("gateway unreachable")
    assert PHONE not in delivery.error


def test_missing_gateway_url_fails_cleanly(django_capture_on_commit_callbacks: Any) -> None:
    with http_settings(""), django_capture_on_commit_callbacks(execute=True):
        delivery = notifications.send_sms(PHONE, CODE_TEXT, "t")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "SHEQU_SMS_GATEWAY_URL" in delivery.error


def test_notify_sends_sms_only_to_active_users_with_a_number(
    zhang: User, li: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    inactive = User.objects.create(
        username="wangwu", full_name="王五", phone="13900001111", is_active=False
    )
    with http_settings(gateway.url), django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipients=[zhang, li, inactive],
            topic="case.closed",
            subject="诉求已办结",
            body="请评价",
            sms=True,
        )
    assert Notification.objects.count() == 3
    assert [json.loads(r["body"])["to"] for r in gateway.received] == [PHONE]
    assert json.loads(gateway.received[0]["body"])["text"] == "诉求已办结：请评价"
    assert list(Delivery.objects.values_list("destination_masked", "status")) == [(MASKED, "sent")]


def test_a_delivery_is_sent_once_however_often_the_task_runs(
    zhang: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with http_settings(gateway.url):
        with django_capture_on_commit_callbacks() as callbacks:
            delivery = notifications.send_sms(PHONE, "你好", "t")
        callbacks[0]()
        callbacks[0]()
    assert len(gateway.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_fill_template_escapes_for_json() -> None:
    body, content_type = notifications.fill_template(
        '{"to": "{phone}", "text": "{text}", "tpl": "{topic}"}',
        phone=PHONE,
        text='引号" 反斜杠\\ {phone}',
        topic="t",
    )
    assert content_type.startswith("application/json")
    assert json.loads(body) == {"to": PHONE, "text": '引号" 反斜杠\\ {phone}', "tpl": "t"}


# --- E-mail ----------------------------------------------------------------------------------------


def test_email_goes_through_django_mail_with_a_masked_delivery(
    zhang: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        override_settings(SHEQU_BASE_URL="https://shequ.example.cn"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notify(
            recipients=[zhang],
            topic="case.assigned",
            subject="新的诉求",
            body="请处理。",
            url="/cases/7/",
            email=True,
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["zhangsan@example.com"]
    assert message.subject == "新的诉求"
    assert message.body == "请处理。\n\nhttps://shequ.example.cn/cases/7/"
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.destination_masked, delivery.status) == (
        "email",
        "zh***@example.com",
        "sent",
    )
