"""The periodic-job list, its Celery beat form and the in-process scheduler."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.utils.module_loading import import_string

from shequ import schedule
from shequ.core import scheduler
from shequ.schedule import PeriodicJob

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The scheduler refreshes database connections around each job, as between requests.
pytestmark = pytest.mark.django_db
RUNS: list[str] = []
RAN = threading.Event()


def job_ok() -> None:
    RUNS.append("ok")
    RAN.set()


def job_fail() -> None:
    RUNS.append("fail")
    raise RuntimeError("job failed on purpose")


HERE = "shequ.core.tests.test_scheduler"
EVERY_MINUTE = PeriodicJob(name="every-minute", task_path=f"{HERE}.job_ok", every_seconds=60)
NIGHTLY = PeriodicJob(name="nightly", task_path=f"{HERE}.job_ok", hour=3, minute=17)
HOURLY = PeriodicJob(name="hourly", task_path=f"{HERE}.job_ok", minute=5)
FAILING = PeriodicJob(name="failing", task_path=f"{HERE}.job_fail", every_seconds=60)


def local(d: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2025, 3, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clear_runs() -> None:
    RUNS.clear()
    RAN.clear()


def test_every_declared_job_names_an_importable_task() -> None:
    names = [job.name for job in schedule.JOBS]
    assert len(names) == len(set(names))
    for job in schedule.JOBS:
        assert callable(import_string(job.task_path)), job.task_path


def test_beat_schedule_converts_the_list() -> None:
    beat = schedule.beat_schedule([EVERY_MINUTE, NIGHTLY, HOURLY])
    assert beat["every-minute"] == {"task": f"{HERE}.job_ok", "schedule": 60.0}
    assert beat["nightly"]["schedule"] == crontab(minute="17", hour="3")
    assert beat["hourly"]["schedule"] == crontab(minute="5", hour="*")
    assert "purge-expired-audit-events" in schedule.beat_schedule()
    from shequ.celery import app

    assert app.conf.beat_schedule == schedule.beat_schedule()


def test_periodic_job_needs_exactly_one_kind_of_timing() -> None:
    with pytest.raises(ValueError):
        PeriodicJob(name="x", task_path="a.b")
    with pytest.raises(ValueError):
        PeriodicJob(name="x", task_path="a.b", every_seconds=60, hour=3)
    with pytest.raises(ValueError):
        PeriodicJob(name="x", task_path="a.b", hour=24)
    with pytest.raises(ValueError):
        schedule.beat_schedule([EVERY_MINUTE, EVERY_MINUTE])


def test_interval_jobs_run_at_start_and_then_every_interval() -> None:
    sched = scheduler.Scheduler(jobs=[EVERY_MINUTE], started_at=local(7, 10))
    assert sched.run_due(local(7, 10)) == ["every-minute"]
    assert sched.run_due(local(7, 10, 0, 30)) == []
    assert sched.seconds_until_next(local(7, 10, 0, 30)) == 30
    assert sched.run_due(local(7, 10, 1)) == ["every-minute"]
    assert RUNS == ["ok", "ok"]


def test_timed_jobs_run_once_a_day_at_their_local_time() -> None:
    sched = scheduler.Scheduler(jobs=[NIGHTLY], started_at=local(7, 1))
    assert sched.run_due(local(7, 3, 16)) == []
    assert sched.seconds_until_next(local(7, 3, 16)) == 60
    assert sched.run_due(local(7, 3, 17, 20)) == ["nightly"]
    assert sched.run_due(local(7, 3, 30)) == []
    assert sched.run_due(local(7, 23)) == []
    # UTC input is converted: 19:17 UTC on the 7th is 03:17 on the 8th in Shanghai.
    assert sched.run_due(datetime(2025, 3, 7, 19, 18, tzinfo=ZoneInfo("UTC"))) == ["nightly"]


def test_a_timed_job_whose_time_passed_before_start_waits_for_the_next_day() -> None:
    sched = scheduler.Scheduler(jobs=[NIGHTLY], started_at=local(7, 10))
    assert sched.run_due(local(7, 10, 1)) == []
    assert sched.run_due(local(8, 3, 17)) == ["nightly"]


def test_hourly_jobs() -> None:
    sched = scheduler.Scheduler(jobs=[HOURLY], started_at=local(7, 10))
    assert sched.run_due(local(7, 10, 4)) == []
    assert sched.run_due(local(7, 10, 5)) == ["hourly"]
    assert sched.run_due(local(7, 10, 50)) == []
    assert sched.run_due(local(7, 11, 6)) == ["hourly"]


def test_a_failing_job_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sched = scheduler.Scheduler(jobs=[FAILING, EVERY_MINUTE], started_at=local(7, 10))
    assert sched.run_due(local(7, 10)) == ["failing", "every-minute"]
    assert RUNS == ["fail", "ok"]
    assert "periodic job failing" in caplog.text
    assert "job failed on purpose" in caplog.text
    # It is not retried in a tight loop: it waits for its next interval.
    assert sched.run_due(local(7, 10, 0, 10)) == []


def test_run_due_once_runs_the_jobs_due_in_that_minute() -> None:
    assert scheduler.run_due_once(local(7, 3, 17, 30), jobs=[NIGHTLY, HOURLY]) == ["nightly"]
    assert scheduler.run_due_once(local(7, 9, 5), jobs=[NIGHTLY, HOURLY]) == ["hourly"]
    assert scheduler.run_due_once(local(7, 9, 30), jobs=[NIGHTLY, HOURLY, EVERY_MINUTE]) == [
        "every-minute"
    ]


def test_run_due_once_runs_the_real_nightly_audit_purge() -> None:
    assert "purge-expired-audit-events" in scheduler.run_due_once(local(7, 3, 17, 30))


def test_run_forever_keeps_going_after_failures_and_stops_on_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="shequ.core.scheduler")
    stop = threading.Event()
    fast = PeriodicJob(name="fast", task_path=f"{HERE}.job_ok", every_seconds=1)
    fast_fail = PeriodicJob(name="fast-fail", task_path=f"{HERE}.job_fail", every_seconds=1)
    worker = threading.Thread(
        target=scheduler.run_forever,
        args=(stop,),
        kwargs={"jobs": [fast_fail, fast], "max_sleep": 0.05, "min_sleep": 0.01},
    )
    worker.start()
    try:
        assert RAN.wait(5)
        RAN.clear()
        assert RAN.wait(5)  # a second round, after the first failure
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    assert RUNS.count("ok") >= 2 and RUNS.count("fail") >= 2
    assert "in-process scheduler stopped" in caplog.text


def test_latest_occurrence_is_local() -> None:
    assert scheduler.latest_occurrence(NIGHTLY, local(7, 2)) == local(6, 3, 17)
    assert scheduler.latest_occurrence(NIGHTLY, local(7, 3, 17)) == local(7, 3, 17)
    assert scheduler.latest_occurrence(HOURLY, local(7, 2)) == local(7, 1, 5)
