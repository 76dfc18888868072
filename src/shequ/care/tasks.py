"""Background work of the care app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.care.tasks.generate_visit_plans", ignore_result=True)
def generate_visit_plans(on: str = "") -> int:
    """Every night: this month's visit plans for every county (``actions.visits.generate_plans``), so
    a new month, new care-group tags and new rules are picked up, and planned visits of residents who
    left a group are cancelled. Re-running adds nothing (one plan per rule, resident and period)."""
    from datetime import date

    from shequ.care.actions import visits
    from shequ.core import calendar
    from shequ.territory.models import Level, Region

    day = date.fromisoformat(on) if on else calendar.localdate()
    created = 0
    for county in Region.objects.filter(level=Level.COUNTY).order_by("path"):
        created += visits.generate_plans(region=county, period_start=day, by=None).created
    return created
