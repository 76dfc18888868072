"""The in-process scheduler: runs ``shequ.schedule.JOBS`` inside ``shequ serve`` when there is no
broker (and so no Celery beat). Jobs run inline, one after another, in the scheduler's thread.

Nothing is persisted: a daily job whose time passed while the server was down runs at its next
time. Jobs are idempotent, so two servers running the same schedule do no harm beyond the work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import close_old_connections, connections
from django.utils.module_loading import import_string

from shequ import schedule
from shequ.core import calendar
from shequ.schedule import PeriodicJob

logger = logging.getLogger(__name__)

# ``run_due_once`` without a scheduler: the jobs due in the minute that ends at ``now``.
ONE_SHOT_WINDOW = timedelta(seconds=60)


def latest_occurrence(job: PeriodicJob, now: datetime) -> datetime:
    """The last time at or before ``now`` (local) at which a timed job was meant to run."""
    local = calendar.localtime(now)
    minute = job.minute or 0
    if job.hour is None:
        candidate = local.replace(minute=minute, second=0, microsecond=0)
        step = timedelta(hours=1)
    else:
        candidate = local.replace(hour=job.hour, minute=minute, second=0, microsecond=0)
        step = timedelta(days=1)
    if candidate > local:
        candidate -= step
    return candidate


@dataclass
class Scheduler:
    """When each job last ran, and which are due."""

    jobs: Sequence[PeriodicJob]
    started_at: datetime
    last_run: dict[str, datetime] = field(default_factory=dict)

    def is_due(self, job: PeriodicJob, now: datetime) -> bool:
        last = self.last_run.get(job.name)
        if job.every_seconds is not None:
            return last is None or now - last >= timedelta(seconds=job.every_seconds)
        occurrence = latest_occurrence(job, now)
        if last is None:
            return occurrence >= self.started_at
        return occurrence > last

    def due(self, now: datetime) -> list[PeriodicJob]:
        return [job for job in self.jobs if self.is_due(job, now)]

    def run_due(self, now: datetime) -> list[str]:
        """Run every due job inline; a failure is logged and does not stop the others.
        Returns the names of the jobs that ran (failed or not)."""
        ran: list[str] = []
        for job in self.due(now):
            self.last_run[job.name] = now
            run_job(job)
            ran.append(job.name)
        return ran

    def seconds_until_next(self, now: datetime) -> float:
        """How long until some job is next due (0 if one is due now)."""
        waits: list[float] = []
        for job in self.jobs:
            if self.is_due(job, now):
                return 0.0
            if job.every_seconds is not None:
                last = self.last_run[job.name]
                nxt = last + timedelta(seconds=job.every_seconds)
            else:
                step = timedelta(hours=1) if job.hour is None else timedelta(days=1)
                nxt = latest_occurrence(job, now) + step
            waits.append((nxt - now).total_seconds())
        return max(0.0, min(waits)) if waits else float("inf")


def _refresh_connections() -> None:
    """Drop broken or expired connections, as Django does between requests. Not inside an atomic
    block (a test's transaction, a caller's): closing there would wreck the caller's transaction."""
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()


def run_job(job: PeriodicJob) -> bool:
    """Run one job synchronously with fresh database connections. True if it succeeded."""
    _refresh_connections()
    try:
        task: Any = import_string(job.task_path)
        task()
    except Exception:
        logger.exception("periodic job %s (%s) failed", job.name, job.task_path)
        return False
    finally:
        _refresh_connections()
    return True


def run_due_once(
    now: datetime, *, scheduler: Scheduler | None = None, jobs: Sequence[PeriodicJob] | None = None
) -> list[str]:
    """Run the jobs due at ``now``. Without a ``scheduler``: every interval job, and the timed jobs
    whose time fell in the minute ending at ``now``. Returns the names of the jobs that ran."""
    if scheduler is None:
        scheduler = Scheduler(
            jobs=schedule.JOBS if jobs is None else jobs, started_at=now - ONE_SHOT_WINDOW
        )
    return scheduler.run_due(now)


def run_forever(
    stop_event: threading.Event,
    *,
    jobs: Sequence[PeriodicJob] | None = None,
    max_sleep: float = 30.0,
    min_sleep: float = 1.0,
) -> None:
    """Run due jobs until ``stop_event`` is set, sleeping until the next one (at most ``max_sleep``
    seconds, so that a changed clock or a stop is noticed). Never raises because a job failed."""
    scheduler = Scheduler(jobs=schedule.JOBS if jobs is None else jobs, started_at=calendar.now())
    logger.info("in-process scheduler started with %d jobs", len(scheduler.jobs))
    while not stop_event.is_set():
        try:
            scheduler.run_due(calendar.now())
            wait = scheduler.seconds_until_next(calendar.now())
        except Exception:  # a bug in the scheduler itself must not end the server's job loop
            logger.exception("in-process scheduler error")
            wait = max_sleep
        stop_event.wait(min(max_sleep, max(min_sleep, wait)))
    logger.info("in-process scheduler stopped")
