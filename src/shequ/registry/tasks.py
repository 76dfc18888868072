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


@app.task(name="shequ.registry.tasks.scan_duplicates", ignore_result=True)
def scan_duplicates(region_id: int | None = None) -> int:
    """Put likely duplicates on the review queue: in one region's subtree after an import there, or
    across the whole registry (the nightly job)."""
    from shequ.registry.actions.duplicates import scan_duplicates as scan
    from shequ.territory.models import Region

    region = Region.objects.filter(pk=region_id).first() if region_id is not None else None
    if region_id is not None and region is None:
        return 0
    return scan(region=region)
