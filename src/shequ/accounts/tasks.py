"""Periodic housekeeping for accounts (declared in ``shequ.schedule``)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone

from shequ.accounts import actions
from shequ.celery import app


@app.task(name="shequ.accounts.tasks.purge_expired_sms_codes")
def purge_expired_sms_codes() -> int:
    return actions.purge_expired_sms_codes()


@app.task(name="shequ.accounts.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    deleted, _rows = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
