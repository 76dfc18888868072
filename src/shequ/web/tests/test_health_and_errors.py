from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not_configured"}


@pytest.mark.django_db
def test_broker_down_makes_healthz_fail(client: Client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    from shequ.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


@pytest.mark.django_db
def test_errors_leak_nothing(client: Client) -> None:
    page = client.get("/territory/../../etc/passwd")
    assert page.status_code == 404
    assert "Traceback" not in page.content.decode()
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert set(api.json()) == {"code", "message", "errors"}
