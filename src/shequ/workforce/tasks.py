"""Background work of the workforce app: thin tasks that take ids and call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.workforce.tasks.check_worker_import", ignore_result=True)
def check_worker_import(job_id: int) -> None:
    """The dry run of an uploaded worker spreadsheet (``actions.imports.run_check``)."""
    from shequ.workforce.actions import imports

    imports.run_check(job_id=job_id)


@app.task(name="shequ.workforce.tasks.run_worker_import", ignore_result=True)
def run_worker_import(job_id: int) -> None:
    """The import of a checked worker spreadsheet (``actions.imports.run_import``)."""
    from shequ.workforce.actions import imports

    imports.run_import(job_id=job_id)
