"""Background work of the participation app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.participation.tasks.sweep_topics", ignore_result=True)
def sweep_topics(on: str = "") -> dict[str, int]:
    """Every night: expire topics still collecting co-signs past their deadline, and archive topics
    whose residents' review period has ended (the workflows' system steps). Set-based; a second run
    moves nothing."""
    from datetime import date

    from shequ.participation.actions import deliberation

    return deliberation.nightly_sweep(date.fromisoformat(on) if on else None)
