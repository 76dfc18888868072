"""Background work of the registry: thin tasks that take ids and call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.registry.tasks.check_import", ignore_result=True)
def check_import(job_id: int) -> None:
    """The dry run of an uploaded spreadsheet (``actions.imports.run_check``)."""
    from shequ.registry.actions import imports

    imports.run_check(job_id=job_id)


@app.task(name="shequ.registry.tasks.run_import", ignore_result=True)
def run_import(job_id: int) -> None:
    """The import of a checked spreadsheet (``actions.imports.run_import``)."""
    from shequ.registry.actions import imports

    imports.run_import(job_id=job_id)
