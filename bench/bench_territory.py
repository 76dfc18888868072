"""Loading the Xuzhou division tree (3,010 rows) with ``load_divisions``, against raw inserts.

Figures:
- first load into an empty database: ``load_divisions(BUNDLED_FILE)`` (reads and checks the whole file,
  derives kind/path/depth, bulk-creates level by level, writes one audit event) against the floor of
  one raw ``executemany`` INSERT of the very same 3,010 rows, in one transaction, into an equally empty
  copy of the database;
- the idempotent re-run on the loaded database (nothing changes) against the floor of reading the file
  with ``csv`` and selecting the stored rows (code, parent's code and every written column) in one raw
  query: the least an idempotent loader has to do.

Every round starts from a byte copy of the freshly migrated, empty database, so both sides start empty.
Run: ``.venv/bin/python bench/bench_territory.py``.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

DB = _common.setup_django()

from django.db import connection, transaction  # noqa: E402

from shequ.territory.loading import BUNDLED_FILE, load_divisions  # noqa: E402
from shequ.territory.models import Region  # noqa: E402

REPEAT_LOAD = 9
REPEAT_RERUN = 15

connection.close()
TEMPLATE = DB.with_name("empty.sqlite3")
shutil.copyfile(DB, TEMPLATE)


def fresh_database() -> None:
    """Replace the database with the empty, migrated template and reconnect (not timed)."""
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(TEMPLATE, DB)
    connection.ensure_connection()
    assert not Region.objects.exists()


def main() -> None:
    _common.header("bench_territory: load_divisions of the bundled Xuzhou file")

    # The rows exactly as the loader stores them, captured once, for the raw floor.
    fresh_database()
    report = load_divisions(BUNDLED_FILE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM territory_region ORDER BY id")
        columns = [c[0] for c in cursor.description]
        stored = cursor.fetchall()
    assert report.created == len(stored), (report.created, len(stored))
    print(f"data volume: {len(stored)} regions ({report.by_level}) from {BUNDLED_FILE.name}")
    insert_sql = (
        f"INSERT INTO territory_region ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )

    def raw_insert() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert_sql, stored)

    def orm_load() -> None:
        result = load_divisions(BUNDLED_FILE)
        assert result.created == len(stored)

    rows = [
        _common.compare(
            "first load, empty DB (load_divisions)",
            orm_load,
            raw_insert,
            floor_name="raw executemany INSERT of the same rows, 1 transaction",
            repeat=REPEAT_LOAD,
            warmup=1,
            setup_real=fresh_database,
            setup_floor=fresh_database,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM territory_region")
        assert cursor.fetchone()[0] == len(stored)

    # Idempotent re-run: the database already holds the tree (loaded by the last round above).
    read_sql = """
        SELECT r.id, r.code, r.name, r.level, r.kind, p.code, r.path, r.depth, r.is_urban,
               r.is_virtual
        FROM territory_region r LEFT JOIN territory_region p ON p.id = r.parent_id
    """

    def raw_read() -> None:
        with BUNDLED_FILE.open(encoding="utf-8", newline="") as handle:
            file_rows = list(csv.reader(handle))
        with connection.cursor() as cursor:
            cursor.execute(read_sql)
            db_rows = cursor.fetchall()
        assert len(file_rows) - 1 == len(db_rows)

    def orm_rerun() -> None:
        result = load_divisions(BUNDLED_FILE)
        assert result.created == 0 and result.updated == 0 and result.unchanged == len(stored)

    rows.append(
        _common.compare(
            "idempotent re-run, nothing changes (load_divisions)",
            orm_rerun,
            raw_read,
            floor_name="csv.reader of the file + one raw SELECT of the stored rows",
            repeat=REPEAT_RERUN,
        )
    )
    _common.print_table(rows, "bench_territory")
    connection.close()


if __name__ == "__main__":
    main()
