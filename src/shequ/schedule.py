"""The one list of periodic jobs (DESIGN §4): Celery beat reads it when a broker is configured,
``shequ.core.scheduler`` runs it inside ``shequ serve`` when none is.

To add a job, append a ``PeriodicJob`` to ``JOBS`` below. Its task must be a Celery task whose
registered name is its dotted path (the default for ``@app.task``/``@shared_task``) and must be
idempotent: it may run late, twice, or not at all when the server was down at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeriodicJob:
    """Run ``task_path`` every ``every_seconds``, or daily at ``hour``:``minute`` local time
    (``hour=None`` with ``minute``: every hour at that minute)."""

    name: str
    task_path: str
    every_seconds: int | None = None
    hour: int | None = None
    minute: int | None = None

    def __post_init__(self) -> None:
        timed = self.hour is not None or self.minute is not None
        if (self.every_seconds is None) == (not timed):
            raise ValueError(f"{self.name}: give either every_seconds or hour/minute")
        if self.every_seconds is not None and self.every_seconds <= 0:
            raise ValueError(f"{self.name}: every_seconds must be positive")
        if self.hour is not None and not 0 <= self.hour <= 23:
            raise ValueError(f"{self.name}: hour must be 0–23")
        if self.minute is not None and not 0 <= self.minute <= 59:
            raise ValueError(f"{self.name}: minute must be 0–59")

    @property
    def is_interval(self) -> bool:
        return self.every_seconds is not None


JOBS: list[PeriodicJob] = [
    PeriodicJob(
        name="purge-expired-audit-events",
        task_path="shequ.core.tasks.purge_expired_audit_events",
        hour=3,
        minute=17,
    ),
    PeriodicJob(
        name="purge-expired-sms-codes",
        task_path="shequ.accounts.tasks.purge_expired_sms_codes",
        every_seconds=3600,
    ),
    PeriodicJob(
        name="optimize-database",
        task_path="shequ.core.tasks.optimize_database",
        hour=4,
        minute=7,
    ),
    PeriodicJob(
        name="sweep-case-deadlines",
        task_path="shequ.cases.tasks.sweep_deadlines",
        every_seconds=300,
    ),
    PeriodicJob(
        name="purge-idempotency-records",
        task_path="shequ.cases.tasks.purge_idempotency_records",
        hour=3,
        minute=41,
    ),
    PeriodicJob(
        name="scan-duplicates",
        task_path="shequ.registry.tasks.scan_duplicates",
        hour=2,
        minute=23,
    ),
    PeriodicJob(
        name="clear-expired-sessions",
        task_path="shequ.accounts.tasks.clear_expired_sessions",
        hour=3,
        minute=41,
    ),
    PeriodicJob(
        name="refresh-living-circle-coverage",
        task_path="shequ.facilities.tasks.refresh_coverage",
        hour=2,
        minute=40,
    ),
    PeriodicJob(
        name="reassess-provider-credit",
        task_path="shequ.organizations.tasks.reassess_all_providers",
        hour=3,
        minute=17,
    ),
    PeriodicJob(
        name="expire-time-bank-hours",
        task_path="shequ.volunteering.tasks.expire_time_bank_hours",
        hour=2,
        minute=25,
    ),
    PeriodicJob(
        name="generate-visit-plans",
        task_path="shequ.care.tasks.generate_visit_plans",
        hour=1,
        minute=40,
    ),
    PeriodicJob(
        name="sweep-topics",
        task_path="shequ.participation.tasks.sweep_topics",
        hour=0,
        minute=50,
    ),
    PeriodicJob(
        name="rebuild-indicators",
        task_path="shequ.indicators.tasks.rebuild_indicators",
        hour=4,
        minute=30,
    ),
    PeriodicJob(
        name="escalate-overdue-milestones",
        task_path="shequ.indicators.tasks.escalate_overdue_milestones",
        hour=8,
        minute=5,
    ),
]


def beat_schedule(jobs: list[PeriodicJob] | None = None) -> dict[str, dict[str, Any]]:
    """``JOBS`` in the shape of Celery's ``beat_schedule`` setting."""
    from celery.schedules import crontab

    schedule: dict[str, dict[str, Any]] = {}
    for job in JOBS if jobs is None else jobs:
        if job.name in schedule:
            raise ValueError(f"duplicate periodic job name: {job.name}")
        when: Any
        if job.every_seconds is not None:
            when = float(job.every_seconds)
        else:
            when = crontab(
                minute=str(job.minute or 0), hour="*" if job.hour is None else str(job.hour)
            )
        schedule[job.name] = {"task": job.task_path, "schedule": when}
    return schedule
