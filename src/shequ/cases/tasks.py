"""Background work of the cases app (Celery tasks; run inline without a broker)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def sweep_deadlines() -> str:
    """限时办结: mark due-soon and overdue cases, remind and escalate (see ``actions.sweep``)."""
    from shequ.cases.actions.sweep import sweep_deadlines as sweep

    result = sweep()
    return (
        f"due_soon={result.due_soon} overdue={result.overdue} escalated={result.escalated}"
        f" late_report_ins={result.late_report_ins}"
    )


@shared_task
def purge_idempotency_records() -> int:
    from shequ.cases.actions.intake import purge_idempotency_records as purge

    return purge()
