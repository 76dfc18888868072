"""enqueue() runs work only after commit; the core tasks."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from shequ.celery import app
from shequ.core import notifications, tasks
from shequ.core.models import AuditEvent, Delivery

pytestmark = pytest.mark.django_db

SEEN: list[Any] = []


@app.task(name="shequ.core.tests.test_tasks.remember")
def remember(value: Any, *, tag: str = "") -> None:
    SEEN.append((value, tag))


@app.task(name="shequ.core.tests.test_tasks.explode")
def explode() -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def clear_seen() -> None:
    SEEN.clear()


def test_without_a_broker_celery_runs_tasks_inline() -> None:
    assert app.conf.task_always_eager is True
    assert "shequ.core.tasks.send_delivery" in app.tasks
    assert "shequ.core.tasks.purge_expired_audit_events" in app.tasks


def test_enqueue_waits_for_commit(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        tasks.enqueue(remember, 7, tag="x")
        assert SEEN == []  # not before commit
    assert len(callbacks) == 1
    assert SEEN == [(7, "x")]


def test_nothing_runs_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasks.enqueue(remember, 1)
        notifications.send_sms("13812345678", "验证码 111111", "accounts.sign_in_code")
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert SEEN == []
    assert not Delivery.objects.exists()


def test_a_failing_task_after_commit_is_logged_not_raised(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue(explode)
        tasks.enqueue(remember, 2)
    assert "boom" in caplog.text
    assert SEEN == [(2, "")]


def test_send_delivery_for_a_vanished_row_does_nothing() -> None:
    assert tasks.send_delivery(999_999, "v1$a$t1$AAAA") == "missing"


# --- Audit retention -------------------------------------------------------------------------------


def make_event(age_days: int, action: str) -> AuditEvent:
    return AuditEvent.objects.create(at=timezone.now() - timedelta(days=age_days), action=action)


def test_purge_deletes_only_events_past_retention(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="shequ.core.tasks")
    make_event(400, "old")
    make_event(200, "middle")
    make_event(1, "recent")

    with override_settings(SHEQU_AUDIT_RETENTION_DAYS=365):
        assert tasks.purge_expired_audit_events() == 1

    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == [
        "core.purge_audit_events",
        "middle",
        "recent",
    ]
    purge = AuditEvent.objects.get(action="core.purge_audit_events")
    assert purge.reason == "retention 365 days"
    assert purge.object_repr.startswith("1 events before ")


def test_purge_never_goes_below_180_days() -> None:
    make_event(200, "middle")
    make_event(170, "young")
    with override_settings(SHEQU_AUDIT_RETENTION_DAYS=30):
        assert tasks.purge_expired_audit_events() == 1
    assert AuditEvent.objects.filter(action="young").exists()
    assert not AuditEvent.objects.filter(action="middle").exists()


def test_purge_is_idempotent_and_quiet_when_nothing_expired() -> None:
    make_event(10, "recent")
    assert tasks.purge_expired_audit_events() == 0
    assert tasks.purge_expired_audit_events() == 0
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["recent"]


def test_purge_works_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "PURGE_BATCH", 2)
    for i in range(5):
        make_event(400 + i, f"old{i}")
    assert tasks.purge_expired_audit_events() == 5
    assert not AuditEvent.objects.filter(action__startswith="old").exists()
