"""Background work: ``enqueue`` and the core tasks.

Tasks take ids (and, for messages, a sealed payload), never model instances, and are idempotent:
with a broker a task may be delivered twice (``CELERY_TASK_ACKS_LATE``) or run late.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from shequ.celery import app
from shequ.core import audit, calendar
from shequ.core.models import AuditEvent

logger = logging.getLogger(__name__)

# The legal floor (Cybersecurity Law Art. 21); the database refuses to delete younger rows anyway.
AUDIT_RETENTION_FLOOR_DAYS = 180
PURGE_BATCH = 2000


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Run ``task`` with these arguments once the current transaction commits (now, if none).

    Nothing runs if the transaction rolls back. Without a broker (``CELERY_TASK_ALWAYS_EAGER``)
    Celery runs the task inline at that point. A failure there is logged, not raised: the change
    it follows is already committed, and the request that made it should not answer 500.
    """
    transaction.on_commit(lambda: task.delay(*args, **kwargs), robust=True)


@app.task(name="shequ.core.tasks.send_delivery", ignore_result=True)
def send_delivery(delivery_id: int, sealed_payload: str) -> str:
    """Send one queued ``Delivery``. ``sealed_payload`` carries destination and text, encrypted, so
    neither a sign-in code nor a phone number is kept in clear in the database or the broker.
    Returns the delivery's final status."""
    from shequ.core import notifications

    return notifications.deliver(delivery_id, sealed_payload)


@app.task(name="shequ.core.tasks.purge_expired_audit_events", ignore_result=True)
def purge_expired_audit_events() -> int:
    """Delete audit events older than ``SHEQU_AUDIT_RETENTION_DAYS`` (never under 180 days).

    Deletes in batches so that no single statement holds the table for long; records one audit
    event saying how many went. Returns that number.
    """
    days = max(AUDIT_RETENTION_FLOOR_DAYS, int(settings.SHEQU_AUDIT_RETENTION_DAYS))
    cutoff = calendar.now() - timedelta(days=days)
    expired = AuditEvent.objects.filter(at__lt=cutoff).order_by()
    total = 0
    while True:
        ids = list(expired.values_list("pk", flat=True)[:PURGE_BATCH])
        if not ids:
            break
        # A queryset delete: AuditEvent.delete() refuses on purpose, the queryset only refuses update.
        deleted, _ = AuditEvent.objects.filter(pk__in=ids).delete()
        total += deleted
    if total:
        audit.record(
            "core.purge_audit_events",
            object_type="core.AuditEvent",
            object_repr=f"{total} events before {cutoff:%Y-%m-%d}",
            reason=f"retention {days} days",
            actor_name="system",
        )
        logger.info("purged %d audit events older than %d days", total, days)
    return total


@app.task(name="shequ.core.tasks.ping")
def ping() -> str:
    """Answers "pong": proves a worker is up and consuming (``shequ check``, tests)."""
    return "pong"


@app.task(name="shequ.core.tasks.optimize_database", ignore_result=True)
def optimize_database() -> None:
    from shequ.core.maintenance import optimize_database as run

    run()
