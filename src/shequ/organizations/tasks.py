"""Background work of the organizations app: thin tasks that call the actions (idempotent)."""

from __future__ import annotations

from shequ.celery import app


@app.task(name="shequ.organizations.tasks.reassess_all_providers", ignore_result=True)
def reassess_all_providers(batch_size: int = 200) -> int:
    """Every night, every active provider's credit afresh (``actions.providers.reassess_all``):
    ratings and complaints age out of the 24-month window without anyone touching the provider."""
    from shequ.organizations.actions import providers

    return providers.reassess_all(batch_size=batch_size)
