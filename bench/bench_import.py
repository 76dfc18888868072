"""Importing residents from CSV (issue #3): rows per second and memory, against a raw insert floor.

One run, one process:

1. a CSV of ``--rows`` residents (default 1,000,000) is generated, streamed to a temporary file: households
   of 2.8 people on average, valid synthetic ID numbers (GB 11643 check character, unique), names drawn
   like the demo population's, a phone number for each head, and an address on the head's row;
2. the real path, the code the import page runs: ``start_import`` (the upload sealed in 1 MiB chunks),
   ``run_check`` (the dry run: every row validated, matched against the registry, side files written)
   and ``run_import`` in good-rows mode (checked again under lock, encrypted, blind-indexed, written in
   batches of ``BATCH_ROWS``). The tasks are sent to an in-memory broker that nobody consumes, and the
   bench calls the task functions itself, so each step is timed on its own;
3. the floor: the same CSV read with ``csv.reader`` and inserted as plain text, no validation and no
   encryption, with ``executemany`` into a scratch table, committing every ``BATCH_ROWS`` rows.

Memory: the process's resident set is sampled every 0.2 s with the job's progress, and printed at about
10 % and at 100 % of each step (flat memory means these stay close however long the file is), with the
peak (``ru_maxrss``).

SQLite by default (a temporary file database, as ``bench/_common.py`` sets up). PostgreSQL when
``DATABASE_URL`` names one (``postgres://…``): use a scratch database, the bench migrates it and drops
nothing. Run: ``.venv/bin/python bench/bench_import.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

# Xuzhou's county-level area codes (GB/T 2260), where the synthetic ID numbers were "issued".
AREAS = ("320302", "320303", "320305", "320311", "320312", "320321", "320322", "320324", "320381",
         "320382")  # fmt: skip
HOUSEHOLD_SIZES = ((1, 0.20), (2, 0.24), (3, 0.26), (4, 0.17), (5, 0.13))  # mean 2.79
RELATIONS = ("户主", "配偶", "子女", "子女", "父母")


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        _common.setup_django()
        return
    # PostgreSQL: the database the caller named; a throwaway var dir as _common does for SQLite.
    var_dir = Path(tempfile.mkdtemp(prefix="shequ-bench-"))
    atexit.register(shutil.rmtree, var_dir, True)
    os.environ["SHEQU_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    for name in ("SHEQU_MODE", "SHEQU_TESTING", "SHEQU_CIPHER", "SHEQU_BLIND_INDEX"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(_common.PROJECT_DIR / "src"))
    import logging

    import django

    django.setup()
    logging.getLogger("shequ").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="residents in the file")
    parser.add_argument("--seed", type=int, default=20261129)
    return parser.parse_args()


ARGS = parse_args()
setup()

from django.core.files import File  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from shequ.celery import app as celery_app  # noqa: E402
from shequ.core.validators import id_check_character  # noqa: E402
from shequ.demo.population import GIVEN_CHARS, GIVEN_NAMES, SURNAME_CUM, SURNAMES  # noqa: E402
from shequ.registry.actions import imports  # noqa: E402
from shequ.registry.models import Household, ImportJob, Resident  # noqa: E402
from shequ.territory.models import Grid, Kind, Level, Region  # noqa: E402

COMMUNITY_CODE = "320302001001"


def territory() -> tuple[Region, Grid]:
    parent = None
    path = ""
    levels = (
        ("320300", Level.CITY, Kind.CITY),
        ("320302", Level.COUNTY, Kind.DISTRICT),
        ("320302001", Level.TOWNSHIP, Kind.SUBDISTRICT),
        (COMMUNITY_CODE, Level.COMMUNITY, Kind.URBAN_COMMUNITY),
    )
    for code, level, kind in levels:
        path += code + "/"
        parent = Region.objects.create(
            code=code,
            name=f"基准{code}",
            level=level,
            kind=kind,
            parent=parent,
            path=path,
            depth=path.count("/") - 1,
            is_urban=True,
        )
    assert parent is not None
    grid = Grid.objects.create(
        community=parent,
        code=COMMUNITY_CODE + "001",
        name="基准网格",
        path=path + COMMUNITY_CODE + "001/",
    )
    return parent, grid


def person_id(serial: int) -> tuple[str, date, str]:
    """A unique valid ID number for the serial-th person: the serial picks the area, the sequence code
    and the birth date (a bijection), so no two people share one."""
    area = AREAS[serial % len(AREAS)]
    rest = serial // len(AREAS)
    sequence = rest % 1000
    day = (
        (rest // 1000) * 7919 % 30000
    )  # 7919 is prime to 30000: distinct days for distinct serials
    born = date(1940, 1, 1) + timedelta(days=day)
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    sex = "男" if sequence % 2 else "女"
    return first17 + id_check_character(first17), born, sex


def write_csv(path: Path, rows: int, seed: int) -> int:
    rng = random.Random(seed)
    sizes = [size for size, _share in HOUSEHOLD_SIZES]
    weights = [share for _size, share in HOUSEHOLD_SIZES]
    written = 0
    household = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["户编号", "与户主关系", "姓名", "证件类型", "证件号码", "性别", "出生日期", "手机号",
             "人口类别", "村(社区)代码", "网格编号", "小区", "楼栋", "单元室号等详细地址"]
        )  # fmt: skip
        while written < rows:
            household += 1
            size = min(rng.choices(sizes, weights)[0], rows - written)
            for member in range(size):
                number, born, sex = person_id(written)
                generation = "old" if born.year < 1965 else "mid" if born.year < 1995 else "young"
                key = (generation, "male" if sex == "男" else "female")
                surname = rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
                given = (
                    rng.choice(GIVEN_NAMES[key])
                    if rng.random() < 0.6
                    else "".join(rng.sample(GIVEN_CHARS[key], 2))
                )
                head = member == 0
                out.writerow(
                    [
                        f"H{household}", RELATIONS[member], surname + given, "居民身份证", number,
                        sex, "", f"199{written:08d}" if head else "", "户籍人口",
                        COMMUNITY_CODE if head else "", "001" if head else "", "", "",
                        f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室" if head else "",
                    ]
                )  # fmt: skip
                written += 1
    return household


def rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Sampler:
    """Resident memory and the job's progress, every 0.2 s, from a thread with its own connection."""

    def __init__(self, job_id: int, field: str, total: int) -> None:
        self.job_id, self.field, self.total = job_id, field, total
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(0.2):
                done = ImportJob.objects.filter(pk=self.job_id).values_list(self.field, flat=True)[
                    0
                ]
                self.samples.append((done / self.total if self.total else 0, rss()))
        finally:
            connections.close_all()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((1.0, rss()))

    def at(self, fraction: float) -> int:
        for done, memory in self.samples:
            if done >= fraction:
                return memory
        return self.samples[-1][1]


def mb(value: int) -> str:
    return f"{value / (1024 * 1024):.0f} MB"


def floor(csv_path: Path) -> float:
    """The same rows as plain text into a scratch table: executemany, a commit every batch."""
    quote = connection.ops.quote_name
    columns = ["household", "relation", "name", "id_type", "id_number", "sex", "birth_date",
               "phone", "residence_status", "community", "grid", "estate", "building", "address"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_resident")
        key = (
            "id BIGSERIAL PRIMARY KEY"
            if connection.vendor == "postgresql"
            else "id INTEGER PRIMARY KEY"
        )
        cursor.execute(
            f"CREATE TABLE bench_raw_resident ({key}, "
            + ", ".join(f"{quote(c)} VARCHAR(200)" for c in columns)
            + ")"
        )
    sql = (
        f"INSERT INTO bench_raw_resident ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    start = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[list[str]] = []
        for row in reader:
            batch.append(row)
            if len(batch) >= imports.BATCH_ROWS:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(sql, batch)
                batch = []
        if batch:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_resident")
    return elapsed


def main() -> None:
    _common.header(f"bench_import: {ARGS.rows:,} residents from CSV")
    # Tasks go to a broker nobody consumes; the bench runs each step itself and times it.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    community, _grid = territory()
    staff = _common.staff_user("bench_import", "community_staff", region=community)

    work = Path(tempfile.mkdtemp(prefix="shequ-bench-csv-"))
    atexit.register(shutil.rmtree, work, True)
    csv_path = work / "residents.csv"
    started = time.perf_counter()
    households = write_csv(csv_path, ARGS.rows, ARGS.seed)
    print(
        f"data volume: {ARGS.rows:,} residents in {households:,} households "
        f"({ARGS.rows / households:.2f} a household), {csv_path.stat().st_size / 1e6:.1f} MB CSV, "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    baseline = rss()
    print(f"memory before the import: {mb(baseline)} resident")

    timings: dict[str, float] = {}
    start = time.perf_counter()
    with csv_path.open("rb") as handle:
        job = imports.start_import(
            file=File(handle, name="residents.csv"), by=staff, region=community
        )
    timings["upload (seal and store)"] = time.perf_counter() - start

    start = time.perf_counter()
    with Sampler(job.pk, "checked_rows", ARGS.rows) as check_memory:
        imports.run_check(job_id=job.pk)
    timings["dry run (run_check)"] = time.perf_counter() - start
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.bad_rows) == ("checked", ARGS.rows, 0), (
        job.status, job.failure, job.errors[:3],
    )  # fmt: skip

    imports.begin_import(job=job, mode="good_rows", by=staff)
    start = time.perf_counter()
    with Sampler(job.pk, "processed_rows", ARGS.rows) as import_memory:
        imports.run_import(job_id=job.pk)
    timings["import (run_import, good rows)"] = time.perf_counter() - start
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ARGS.rows), (job.status, job.failure)
    assert Resident.objects.count() == ARGS.rows and Household.objects.count() == households
    real_peak = peak()

    raw = floor(csv_path)
    total = sum(timings.values())
    print()
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.1f} s, {ARGS.rows / seconds:,.0f} rows/s")
    print(f"real path, all three steps: {total:.1f} s, {ARGS.rows / total:,.0f} rows/s")
    print(f"floor (raw executemany of the same rows, plain text, a commit every {imports.BATCH_ROWS}): "
          f"{raw:.1f} s, {ARGS.rows / raw:,.0f} rows/s")  # fmt: skip
    print(
        f"ratio real / floor: {total / raw:.1f}× (import step alone {timings['import (run_import, good rows)'] / raw:.1f}×)"
    )
    print(
        f"memory, dry run: {mb(check_memory.at(0.1))} at 10 %, {mb(check_memory.at(1.0))} at 100 %; "
        f"import: {mb(import_memory.at(0.1))} at 10 %, {mb(import_memory.at(1.0))} at 100 %"
    )
    print(f"peak resident memory (ru_maxrss) during the real path: {mb(real_peak)}")
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
