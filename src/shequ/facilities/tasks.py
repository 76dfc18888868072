"""Background work of the facilities app: thin tasks that take ids and call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.facilities.tasks.check_import", ignore_result=True)
def check_import(job_id: int) -> None:
    """The dry run of an uploaded facility spreadsheet (``actions.imports.run_check``)."""
    from shequ.facilities.actions import imports

    imports.run_check(job_id=job_id)


@app.task(name="shequ.facilities.tasks.run_import", ignore_result=True)
def run_import(job_id: int) -> None:
    """The import of a checked facility spreadsheet (``actions.imports.run_import``)."""
    from shequ.facilities.actions import imports

    imports.run_import(job_id=job_id)


@app.task(name="shequ.facilities.tasks.compute_coverage", ignore_result=True)
def compute_coverage(run_id: int) -> None:
    """A queued living-circle coverage run (``actions.coverage.run_coverage``)."""
    from shequ.facilities.actions import coverage

    coverage.run_coverage(run_id=run_id)


@app.task(name="shequ.facilities.tasks.refresh_coverage", ignore_result=True)
def refresh_coverage() -> None:
    """Every night, every city's coverage afresh: households move and residents turn 60 without any
    facility changing, and the weights of coverage follow the registry."""
    from django.utils.translation import gettext as _

    from shequ.facilities.actions import coverage

    for run in coverage.request_refresh(reason=_("每晚例行重新计算"), enqueue=False):
        coverage.run_coverage(run_id=run.pk)
