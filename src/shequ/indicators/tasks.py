"""Background work of the indicators app: the nightly full rebuild (idempotent: a rebuild replaces
the year's rows)."""

from __future__ import annotations

from typing import Any

from shequ.celery import app


@app.task(name="shequ.indicators.tasks.rebuild_indicators", ignore_result=True)
def rebuild_indicators(year: int | None = None) -> dict[str, Any]:
    """Every night: rebuild every indicator of the running year for the whole city (in January, the
    year just ended too, so that late entries for it still count)."""
    from shequ.core import calendar
    from shequ.indicators.actions.rebuild import rebuild
    from shequ.territory.models import Level, Region

    if not Region.objects.filter(level=Level.CITY).exists():
        return {"years": []}
    today = calendar.localdate()
    years = [year] if year else ([today.year - 1, today.year] if today.month == 1 else [today.year])
    written = {y: rebuild(y).values_written for y in years}
    return {"years": years, "values": written}


@app.task(name="shequ.indicators.tasks.run_requested_rebuild", ignore_result=True)
def run_requested_rebuild(run_id: int) -> int:
    """A rebuild asked for on the dashboard (idempotent: a finished run is not run again)."""
    from shequ.indicators.actions.rebuild import run_requested

    run = run_requested(run_id)
    return run.values_written if run is not None else 0


@app.task(name="shequ.indicators.tasks.escalate_overdue_milestones", ignore_result=True)
def escalate_overdue_milestones() -> dict[str, Any]:
    """Every morning: overdue milestones of work projects go up a step (idempotent: a step already
    reached is not sent again)."""
    from shequ.indicators.actions.projects import escalate_overdue

    run = escalate_overdue()
    return {"checked": run.checked, "escalated": run.escalated, "notified": len(run.notified)}
