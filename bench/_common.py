"""Shared set-up for the benchmarks in ``bench/`` (not a test module; imported by ``bench_*.py``).

``setup_django()`` must run before anything imports Django models: it points ``SHEQU_VAR_DIR`` and
``DATABASE_URL`` at a fresh temporary directory, so a benchmark never reads or writes the developer's
``var/``, migrates that empty SQLite database and removes the directory at exit.

Timing: ``compare`` runs the measured operation and its floor alternately (floor, real, floor, real …),
so that a burst of load from another job on this shared machine hits both about equally. It reports
the median and the minimum of each, and the ratio of the medians. Ratios are the figures to compare
between runs; absolute times are printed beside them for reference.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
TMP_DIR: Path | None = None
DB_PATH: Path | None = None


# --- Environment ------------------------------------------------------------------------------


def setup_django(*, migrate: bool = True) -> Path:
    """Throwaway var dir and SQLite database, ``django.setup()``, ``migrate``. Returns the DB path."""
    global TMP_DIR, DB_PATH
    if "django" in sys.modules and getattr(sys.modules["django"], "apps", None) is not None:
        from django.apps import apps

        if apps.ready:
            raise RuntimeError("setup_django() must run before Django is set up")
    TMP_DIR = Path(tempfile.mkdtemp(prefix="shequ-bench-"))
    atexit.register(shutil.rmtree, TMP_DIR, True)
    DB_PATH = TMP_DIR / "bench.sqlite3"
    os.environ["SHEQU_VAR_DIR"] = str(TMP_DIR)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    for name in ("SHEQU_MODE", "SHEQU_TESTING", "SHEQU_CIPHER", "SHEQU_BLIND_INDEX"):
        os.environ.pop(name, None)  # the embedded defaults, whatever the caller's shell says
    src = str(PROJECT_DIR / "src")
    if src not in sys.path:
        sys.path.insert(0, src)

    import logging

    import django

    django.setup()
    logging.getLogger("shequ").setLevel(logging.WARNING)
    from django.conf import settings

    assert Path(settings.VAR_DIR) == TMP_DIR, "settings did not pick up the temporary var dir"
    assert str(settings.DATABASES["default"]["NAME"]) == str(DB_PATH)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return DB_PATH


def database_line() -> str:
    import sqlite3

    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} (temporary file database, WAL)"
    return (
        f"{connection.vendor} {connection.pg_version if hasattr(connection, 'pg_version') else ''}"
    )


def machine_line() -> str:
    commit = "?"
    with contextlib.suppress(OSError):
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, as make uses it)
                cwd=PROJECT_DIR,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            or "?"
        )
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, HEAD {commit}"
    )


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"machine:  {machine_line()}")
    print(f"database: {database_line()}")
    print(f"load average at start: {load_average()} (1, 5, 15 min; other jobs share this machine)")


# --- Territory and demo data -----------------------------------------------------------------


def load_territory() -> Any:
    from shequ.territory.loading import BUNDLED_FILE, load_divisions

    return load_divisions(BUNDLED_FILE)


def load_demo(scale: float = 1.0) -> Any:
    from shequ.demo.generator import generate

    return generate(scale=scale)


def staff_user(username: str, role_code: str, *, region: Any = None, grid: Any = None) -> Any:
    """A staff member holding one built-in role at one place, made the way the platform makes them."""
    from shequ.accounts import actions
    from shequ.accounts.models import Role

    actions.sync_builtin_roles()
    user = actions.create_staff_user(username=username, full_name=f"基准{username}", password=None)
    place = {"region": region} if region is not None else {"grid": grid}
    actions.assign_role(user=user, role=Role.objects.get(code=role_code), **place)
    user.forget_assignments()
    return user


def busiest_regions() -> tuple[Any, int, Any, int]:
    """(township, its building count, county, its building count): the places with most buildings."""
    from django.db import connection

    from shequ.territory.models import Region

    sql = """
        SELECT t.id, t.parent_id, COUNT(*)
        FROM territory_building b
        JOIN territory_estate e ON e.id = b.estate_id
        JOIN territory_region c ON c.id = e.community_id
        JOIN territory_region t ON t.id = c.parent_id
        GROUP BY t.id, t.parent_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        per_township = cursor.fetchall()
    township_id, _county_id, township_n = max(per_township, key=lambda row: (row[2], -row[0]))
    per_county: dict[int, int] = {}
    for _tid, county_id, n in per_township:
        per_county[county_id] = per_county.get(county_id, 0) + n
    county_id, county_n = max(per_county.items(), key=lambda item: (item[1], -item[0]))
    return (
        Region.objects.get(pk=township_id),
        township_n,
        Region.objects.get(pk=county_id),
        county_n,
    )


# --- Timing -----------------------------------------------------------------------------------


@dataclass
class Stats:
    times: list[float]  # seconds per operation, one per repetition

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)


@dataclass
class Row:
    name: str
    real: Stats
    floor: Stats | None
    floor_name: str
    number: int  # operations per repetition
    extra: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor.median == 0:
            return None
        return self.real.median / self.floor.median

    @property
    def paired_ratio(self) -> float | None:
        """Median of the per-round ratios (each round times the floor right before the real
        operation), which a slow drift in the machine's load disturbs less than the ratio of medians."""
        if self.floor is None or 0 in self.floor.times:
            return None
        return statistics.median(
            r / f for r, f in zip(self.real.times, self.floor.times, strict=True)
        )


def _time_once(fn: Callable[[], Any], number: int, setup: Callable[[], Any] | None) -> float:
    if setup is not None:
        setup()
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / number


def compare(
    name: str,
    real: Callable[[], Any],
    floor: Callable[[], Any] | None,
    *,
    floor_name: str = "",
    repeat: int = 15,
    number: int = 1,
    warmup: int = 2,
    setup_real: Callable[[], Any] | None = None,
    setup_floor: Callable[[], Any] | None = None,
    extra: str = "",
) -> Row:
    """Time ``real`` against ``floor``, interleaved, ``repeat`` rounds of ``number`` calls each."""
    for _ in range(warmup):
        if floor is not None:
            if setup_floor is not None:
                setup_floor()
            floor()
        if setup_real is not None:
            setup_real()
        real()
    real_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(repeat):
        if floor is not None:
            floor_times.append(_time_once(floor, number, setup_floor))
        real_times.append(_time_once(real, number, setup_real))
    row = Row(
        name=name,
        real=Stats(real_times),
        floor=Stats(floor_times) if floor is not None else None,
        floor_name=floor_name,
        number=number,
        extra=extra,
    )
    print_row(row)
    return row


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def print_row(row: Row) -> None:
    reps = f"{len(row.real.times)}×{row.number}"
    line = (
        f"{row.name}: median {fmt_time(row.real.median)}, min {fmt_time(row.real.min)}"
        f" ({reps} runs)"
    )
    if row.floor is not None:
        line += (
            f"; floor [{row.floor_name}] median {fmt_time(row.floor.median)},"
            f" min {fmt_time(row.floor.min)}; ratio {row.ratio:.2f}×"
            f" (paired {row.paired_ratio:.2f}×)"
        )
    if row.extra:
        line += f"; {row.extra}"
    print(line, flush=True)


def print_table(rows: list[Row], title: str = "Summary") -> None:
    """A plain-text table: figure, median, min, floor median, floor min, ratio of medians."""
    columns = ["figure", "median", "min", "floor median", "floor min", "ratio", "paired", "runs"]
    body = []
    for row in rows:
        body.append(
            [
                row.name,
                fmt_time(row.real.median),
                fmt_time(row.real.min),
                fmt_time(row.floor.median) if row.floor else "—",
                fmt_time(row.floor.min) if row.floor else "—",
                f"{row.ratio:.2f}×" if row.ratio is not None else "—",
                f"{row.paired_ratio:.2f}×" if row.paired_ratio is not None else "—",
                f"{len(row.real.times)}×{row.number}",
            ]
        )
    widths = [max(len(str(r[i])) for r in [columns, *body]) for i in range(len(columns))]
    print()
    print(f"## {title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in body:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    floors = {row.floor_name for row in rows if row.floor_name}
    if floors:
        print("floors: " + "; ".join(sorted(floors)))
    print(
        "ratio = median / floor median; paired = median of per-round ratios; "
        f"load average now {load_average()} (on {os.cpu_count()} cores)"
    )
