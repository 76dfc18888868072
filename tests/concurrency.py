"""Steps run at the same moment in real threads, for the tests of row locks and conditional updates.

Only PostgreSQL runs them truly at once; SQLite serialises writers, so those tests skip there
(``postgres_only``). Each thread closes its own connection when done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection


def at_once(*steps: Callable[[], object]) -> list[str]:
    """Run every step in its own thread, released together; each result is "ok" or the refusal's
    message (a ``ValidationError``; anything else fails the test)."""
    results: list[str] = []
    barrier = threading.Barrier(len(steps))

    def run(step: Callable[[], object]) -> None:
        try:
            barrier.wait()
            step()
            results.append("ok")
        except ValidationError as exc:
            results.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def postgres_only(what: str = "the row locks") -> None:
    """Skip on SQLite, which serialises writers: ``what`` is exercised on PostgreSQL."""
    if connection.vendor == "sqlite":
        pytest.skip(f"SQLite serialises writers; {what} are exercised on PostgreSQL")
