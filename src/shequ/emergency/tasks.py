"""Background work of the emergency app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.emergency.tasks.send_alert_batch", ignore_result=True)
def send_alert_batch(dispatch_id: int) -> int:
    """Notify the residents of one ``AlertDispatch`` batch (``actions.alerts.send_batch``). A batch
    already sent does nothing, so a task delivered twice tells nobody twice."""
    from shequ.emergency.actions.alerts import send_batch

    return send_batch(dispatch_id)
