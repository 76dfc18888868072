"""Background work of the organizations app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.organizations.tasks.reassess_all_providers", ignore_result=True)
def reassess_all_providers(batch_size: int = 200) -> int:
    """Every night, every active provider's credit afresh (``actions.providers.reassess_all``):
    ratings and complaints age out of the 24-month window without anyone touching the provider."""
    from shequ.organizations.actions import providers

    return providers.reassess_all(batch_size=batch_size)


@app.task(name="shequ.organizations.tasks.check_org_import", ignore_result=True)
def check_org_import(job_id: int) -> None:
    """The dry run of an uploaded social organisation spreadsheet (``actions.imports``)."""
    from shequ.organizations.actions import imports

    imports.run_org_check(job_id=job_id)


@app.task(name="shequ.organizations.tasks.run_org_import", ignore_result=True)
def run_org_import(job_id: int) -> None:
    """The import of a checked social organisation spreadsheet (``actions.imports``)."""
    from shequ.organizations.actions import imports

    imports.run_org_import(job_id=job_id)


@app.task(name="shequ.organizations.tasks.check_provider_import", ignore_result=True)
def check_provider_import(job_id: int) -> None:
    """The dry run of an uploaded service provider spreadsheet (``actions.imports``)."""
    from shequ.organizations.actions import imports

    imports.run_provider_check(job_id=job_id)


@app.task(name="shequ.organizations.tasks.run_provider_import", ignore_result=True)
def run_provider_import(job_id: int) -> None:
    """The import of a checked service provider spreadsheet (``actions.imports``)."""
    from shequ.organizations.actions import imports

    imports.run_provider_import(job_id=job_id)
