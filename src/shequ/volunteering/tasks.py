"""Background work of the volunteering app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.volunteering.tasks.expire_time_bank_hours", ignore_result=True)
def expire_time_bank_hours(on: str = "") -> int:
    """Every night: hours earned before each rule's expiry cutoff and not spent go back to the
    community's issuing account (``actions.timebank.expire_hours``). Running it twice on one day
    changes nothing (each account's expiry that day has its own request key)."""
    from datetime import date

    from shequ.volunteering.actions import timebank

    return timebank.expire_hours(on=date.fromisoformat(on) if on else None)
