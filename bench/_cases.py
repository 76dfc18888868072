"""Shared set-up for the case benchmarks (issue #4): a throwaway PostgreSQL database, and a million
cases written fast with COPY (not a test module; imported by ``bench_case_*.py``).

``setup_postgres(name)`` must run before anything imports Django models. It creates the database
``name`` on the server ``BENCH_PG`` names (default ``postgres://postgres@127.0.0.1:5432``, trust
auth), drops it first if a previous run left it, points ``DATABASE_URL`` at it and ``SHEQU_VAR_DIR`` at
a fresh temporary directory, migrates, and drops the database again at exit (unless
``BENCH_KEEP_DB=1``, for looking at the data afterwards with ``psql``).

``copy_cases(...)`` writes cases with ``COPY … FROM STDIN`` in one transaction: the columns every
case carries, with encrypted requester names and phones (a few dozen distinct ciphertexts, reused,
so that decrypting a page costs what it costs in real use) and the stage clocks spread so that a
chosen share of open cases crosses a deadline threshold in the five minutes before ``now``.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def _admin_connection() -> Any:
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def create_database(name: str) -> str:
    """A fresh, empty database ``name``; returns its URL. Dropped again at exit.

    Without a PostgreSQL server at ``BENCH_PG`` the benchmark says so and exits successfully, so
    that ``make bench`` goes on with the others."""
    import psycopg

    try:
        _admin_connection().close()
    except psycopg.OperationalError as exc:
        print(f"SKIPPED: these figures need PostgreSQL at {SERVER} (BENCH_PG): {exc}".strip())
        raise SystemExit(0) from None
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    if os.environ.get("BENCH_KEEP_DB") != "1":
        atexit.register(drop_database, name)
    return f"{SERVER}/{name}"


def drop_database(name: str) -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 (Django may not be set up; nothing to close then)
        pass
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_postgres(name: str, *, migrate: bool = True) -> str:
    """Throwaway database and var dir, ``django.setup()``, ``migrate``. Returns the database URL."""
    url = create_database(name)
    var_dir = Path(tempfile.mkdtemp(prefix="shequ-bench-"))
    atexit.register(shutil.rmtree, var_dir, True)
    os.environ["SHEQU_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    for env in ("SHEQU_MODE", "SHEQU_TESTING", "SHEQU_CIPHER", "SHEQU_BLIND_INDEX", "SHEQU_DEBUG"):
        os.environ.pop(env, None)
    src = str(PROJECT_DIR / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import logging

    import django

    django.setup()
    logging.getLogger("shequ").setLevel(logging.WARNING)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return url


def pg_settings() -> str:
    """The server settings that matter for these figures, as one line."""
    from django.db import connection

    names = ("shared_buffers", "work_mem", "effective_cache_size", "max_connections", "jit")
    with connection.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return ", ".join(values)


def vacuum_analyze(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- Cases ------------------------------------------------------------------------------------


@dataclass
class Mix:
    """How the generated cases are spread. Shares are of all cases; the rest of the open cases are
    on time with their warning still ahead."""

    open_share: float = 1.0
    # Of all cases: open and crossing a threshold in the five minutes before ``now``.
    crossing_share: float = 0.02
    # Of all cases: open, already marked due soon or overdue by earlier sweeps (the sweep leaves them).
    due_soon_share: float = 0.05
    overdue_share: float = 0.03
    owners: Sequence[int] = ()
    units: Sequence[int] = ()
    statuses_open: Sequence[str] = ("submitted", "accepted", "dispatched", "in_progress", "handled")
    statuses_closed: Sequence[str] = ("closed", "rated", "rejected", "merged")
    categories: Sequence[str] = ("environment", "property_disputes", "public_safety",
                                 "elderly_care", "social_assistance", "housing", "other")  # fmt: skip
    kinds: Sequence[str] = ("complaint", "service_request", "grid_event", "suggestion")
    channels: Sequence[str] = ("phone", "window", "online", "grid_patrol", "open311")
    counts: dict[str, int] = field(default_factory=dict)


COLUMNS = (
    "kind", "category", "channel", "priority", "title", "description", "attributes", "region_id",
    "address", "is_public", "requester_name", "requester_phone", "requester_phone_index",
    "anonymous", "proxy_name", "external_id", "status", "version", "owner_id", "lead_unit_id",
    "return_count", "resolved_on_spot", "result", "rejection_reason", "rectification",
    "submitted_at", "accepted_at", "closed_at", "due_at", "stage_started_at", "stage_due_at",
    "stage_warn_at", "deadline_state", "supervised", "is_synthetic",
)  # fmt: skip


def _people(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """``n`` (encrypted name, encrypted phone, phone blind index) triples of made-up people."""
    from shequ.core import crypto

    surnames, given = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林",
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华",
    )
    people = []
    for _ in range(n):
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
        phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        people.append(
            (
                crypto.encrypt(name, context="cases.Case.requester_name"),
                crypto.encrypt(phone, context="cases.Case.requester_phone"),
                crypto.blind_index("phone", phone),
            )
        )
    return people


def _rows(
    n: int, regions: Sequence[int], now: datetime, mix: Mix, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    people = _people(64, rng)
    window = timedelta(minutes=5)
    counts = mix.counts
    for i in range(n):
        submitted = now - timedelta(seconds=rng.uniform(60, 365 * 86400))
        r = rng.random()
        is_open = r < mix.open_share
        owner = rng.choice(mix.owners) if mix.owners and rng.random() < 0.6 else None
        unit = rng.choice(mix.units) if mix.units and rng.random() < 0.4 else None
        if is_open:
            status = rng.choice(mix.statuses_open)
            started = submitted + timedelta(seconds=rng.uniform(0, 3600))
            # Within the open cases: crossing now, already due soon, already overdue, or on time.
            u = rng.random() * mix.open_share
            if u < mix.crossing_share / 2:
                # The warning instant passes in the last five minutes; the deadline is ahead.
                warn = now - rng.uniform(0, 1) * window
                due = now + timedelta(hours=rng.uniform(1, 48))
                state, kind = "on_time", "to_due_soon"
            elif u < mix.crossing_share:
                # The deadline passes in the last five minutes (half were due soon, half not yet).
                due = now - rng.uniform(0, 1) * window
                warn = due - timedelta(hours=rng.uniform(1, 24))
                state = "due_soon" if rng.random() < 0.5 else "on_time"
                kind = "to_overdue"
            elif u < mix.crossing_share + mix.due_soon_share:
                warn = now - timedelta(hours=rng.uniform(1, 20))
                due = now + timedelta(hours=rng.uniform(1, 20))
                state, kind = "due_soon", "was_due_soon"
            elif u < mix.crossing_share + mix.due_soon_share + mix.overdue_share:
                due = now - timedelta(hours=rng.uniform(1, 200))
                warn = due - timedelta(hours=rng.uniform(1, 24))
                state, kind = "overdue", "was_overdue"
            else:
                warn = now + timedelta(hours=rng.uniform(0.2, 100))
                due = warn + timedelta(hours=rng.uniform(1, 24))
                state, kind = "on_time", "on_time"
            closed_at = None
        else:
            status = rng.choice(mix.statuses_closed)
            started = warn = due = None
            state, kind = "on_time", "finished"
            closed_at = submitted + timedelta(hours=rng.uniform(1, 200))
        counts[kind] = counts.get(kind, 0) + 1
        name, phone, index = rng.choice(people)
        category = rng.choice(mix.categories)
        yield (
            rng.choice(mix.kinds), category, rng.choice(mix.channels), "normal",
            f"诉求{i % 997}：{category}", "基准测试生成的诉求内容，不含个人信息。", "{}",
            rng.choice(regions), "", category in ("environment", "public_safety"), name, phone,
            index, False, "", "", status, 1, owner, unit, 0, False, "", "", False,
            submitted, submitted if status != "submitted" else None, closed_at,
            due, started, due, warn, state, False, True,
        )  # fmt: skip


def copy_cases(
    n: int, *, regions: Sequence[int], now: datetime, mix: Mix, seed: int = 20261129
) -> float:
    """Write ``n`` cases with COPY in one transaction; returns the seconds it took."""
    import time

    from django.db import connection, transaction

    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        columns = ", ".join(COLUMNS)
        with raw.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
            for row in _rows(n, regions, now, mix, rng):
                copy.write_row(row)
    return time.perf_counter() - started


def community_ids() -> list[int]:
    from shequ.territory.models import Level, Region

    return list(Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
