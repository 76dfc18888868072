"""``shequ check``: is this installation fit to serve? Prints one line per check; exit 1 on any failure."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings
from django.db import connection


def run(out: TextIO) -> int:
    failures = 0

    def report(ok: bool, label: str, detail: str = "") -> None:
        nonlocal failures
        failures += 0 if ok else 1
        out.write(f"[{'ok' if ok else 'FAIL'}] {label}{(' — ' + detail) if detail else ''}\n")

    report(bool(settings.SECRET_KEY) and len(settings.SECRET_KEY) >= 40, "secret key present")
    try:
        from shequ.core import crypto

        ring = crypto.keyring()
        token = crypto.encrypt("selfcheck", context="selfcheck")
        report(
            crypto.decrypt(token, context="selfcheck") == "selfcheck",
            "data keys present and working",
            f"active key {ring.active}, cipher {ring.cipher}",
        )
    except Exception as exc:
        report(False, "data keys present and working", type(exc).__name__)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report(True, "database reachable", connection.vendor)
    except Exception as exc:
        report(False, "database reachable", type(exc).__name__)
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        report(not pending, "migrations applied", f"{len(pending)} pending" if pending else "")
    except Exception as exc:
        report(False, "migrations applied", type(exc).__name__)
    if settings.CELERY_BROKER_URL:
        from shequ.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
            report(True, "broker reachable")
        except Exception as exc:
            report(False, "broker reachable", type(exc).__name__)
    else:
        out.write(
            "[--] broker not configured: tasks run inline, `shequ serve` runs periodic jobs\n"
        )
    report(not settings.DEBUG, "debug off")
    if settings.SHEQU_SMS_BACKEND == "http":
        report(
            bool(settings.SHEQU_SMS_GATEWAY_URL),
            "SMS gateway URL set",
            "" if settings.SHEQU_SMS_GATEWAY_URL else "residents cannot receive sign-in codes",
        )
    if settings.PRODUCTION:
        report(bool(settings.ALLOWED_HOSTS), "allowed hosts set")
        report(settings.SESSION_COOKIE_SECURE, "secure cookies")
        report(connection.vendor == "postgresql", "PostgreSQL in production")
    out.write("OK\n" if failures == 0 else f"{failures} check(s) failed\n")
    return 0 if failures == 0 else 1
