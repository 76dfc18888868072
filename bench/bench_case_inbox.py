"""The staff inbox and the API case list over a million cases on PostgreSQL.

Data: the bundled Xuzhou territory and ``--cases`` cases (default 1,000,000) written with COPY
(``_cases.copy_cases``) over every community: 10 % open (a year's cases, most of them finished), of
all cases 0.5 % due soon and 0.3 % overdue; then ``VACUUM ANALYZE``. Users: a township_staff member at
the township with the most cases and a county_official at the county with the most, made the way the
platform makes them.

Figures, for each user, the first page of 50 rows, measured in this process through
``django.test.Client`` and every middleware (the server's time, without a network):
- GET ``/cases/inbox/`` (the page; open cases by default);
- GET ``/api/v1/cases/cases?page_size=50`` (open cases by default) and ``…&status=all``;
each against the floor of the equivalent raw SQL through ``connection.cursor()``: the scoped COUNT,
the page's 50 ids in the inbox's order, and those rows with their joined places, units and owner.
The number of SQL queries per request is printed (it must not depend on the data volume), with
``EXPLAIN ANALYZE`` of the ids query. Then the same again with an index proposed for the inbox
(``PROPOSED_INDEX``, created here by hand, not in the models); ``--no-proposal`` skips that.
Goal (issue #4): under 50 ms.

Run: ``.venv/bin/python bench/bench_case_inbox.py [--cases N]``. It creates and drops the database
``shequ_bench_inbox`` on the server ``BENCH_PG`` names (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--no-proposal", action="store_true", help="skip the run with the proposed index"
    )
    return parser.parse_args()


ARGS = parse_args()
_cases.setup_postgres("shequ_bench_inbox")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequ.cases.models import OPEN_STATUSES  # noqa: E402
from shequ.core import calendar  # noqa: E402
from shequ.territory.models import Region  # noqa: E402

PAGE = 50
# The inbox's list by hand: the scope (a LIKE on the place's path, as ``path__under`` compiles on
# PostgreSQL), the inbox's order, 50 ids; then those rows with their joined places, units and owner;
# and the count for the pager. The cheapest equivalent of what the ORM sends.
IDS_SQL = """
    SELECT c.id FROM cases_case c JOIN territory_region r ON r.id = c.region_id
    WHERE r.path LIKE %(prefix)s {status}
    ORDER BY c.stage_due_at ASC, c.submitted_at DESC, c.id DESC
    LIMIT 50
"""
ROWS_SQL = """
    SELECT c.*, r.code, r.name, g.code, u.code, u.name, s.code, o.full_name
    FROM cases_case c
    JOIN territory_region r ON r.id = c.region_id
    LEFT JOIN territory_grid g ON g.id = c.grid_id
    LEFT JOIN accounts_handlingunit u ON u.id = c.lead_unit_id
    LEFT JOIN cases_serviceitem s ON s.id = c.service_item_id
    LEFT JOIN accounts_user o ON o.id = c.owner_id
    WHERE c.id = ANY(%(ids)s)
    ORDER BY c.stage_due_at ASC, c.submitted_at DESC, c.id DESC
"""
COUNT_SQL = """
    SELECT COUNT(*) FROM cases_case c JOIN territory_region r ON r.id = c.region_id
    WHERE r.path LIKE %(prefix)s {status}
"""
OPEN_SQL = "AND c.status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
# The index proposed for the inbox (not in the models): the open cases of each place in the inbox's
# order, so that a page's ids and the pager's count come from the index alone.
PROPOSED_INDEX = (
    "CREATE INDEX case_inbox_open ON cases_case (region_id, stage_due_at, submitted_at DESC,"
    " id DESC) WHERE status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
)


def busiest() -> tuple[Region, int, Region, int]:
    """(township, its cases, county, its cases) with the most cases."""
    sql = """
        SELECT t.id, t.parent_id, COUNT(*) FROM cases_case c
        JOIN territory_region m ON m.id = c.region_id
        JOIN territory_region t ON t.id = m.parent_id
        GROUP BY t.id, t.parent_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    township_id, _county, township_n = max(rows, key=lambda row: (row[2], -row[0]))
    per_county: dict[int, int] = {}
    for _tid, county_id, n in rows:
        per_county[county_id] = per_county.get(county_id, 0) + n
    county_id, county_n = max(per_county.items(), key=lambda item: (item[1], -item[0]))
    return (
        Region.objects.get(pk=township_id),
        township_n,
        Region.objects.get(pk=county_id),
        county_n,
    )


def raw_page(prefix: str, *, open_only: bool) -> tuple[int, list[tuple]]:
    status = OPEN_SQL if open_only else ""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL.format(status=status), {"prefix": prefix + "%"})
        count = cursor.fetchone()[0]
        cursor.execute(IDS_SQL.format(status=status), {"prefix": prefix + "%"})
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(ROWS_SQL, {"ids": ids})
        return count, cursor.fetchall()


def explain(prefix: str, *, open_only: bool) -> list[str]:
    status = OPEN_SQL if open_only else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) " + IDS_SQL.format(status=status), {"prefix": prefix + "%"}
        )
        return [row[0] for row in cursor.fetchall()]


def measure(users: list, title: str) -> list:
    rows = []
    counts: dict[str, int] = {}
    for label, user, region, n in users:
        print(f"{label} user: {region.code} {region.name}, {n:,} cases in scope")
        client = Client()
        client.force_login(user)
        pages = [
            ("inbox page /cases/inbox/", "/cases/inbox/", True),
            ("API list (open, the default)", f"/api/v1/cases/cases?page_size={PAGE}", True),
            ("API list, all statuses", f"/api/v1/cases/cases?page_size={PAGE}&status=all", False),
        ]
        for name, url, open_only in pages:
            response = client.get(url)
            if response.status_code != 200:
                print(f"SKIPPED {name} {url}: answered {response.status_code}")
                continue
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            counts[f"{label}: {name}"] = len(captured)
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
            print(f"{label}: {name}: {len(captured)} queries; slowest: "
                  + "; ".join(f"{q['time']} s {q['sql'][:120]}" for q in slowest))  # fmt: skip
            expected, first = raw_page(region.path, open_only=open_only)
            if url.startswith("/api/"):
                body = response.json()
                assert body["count"] == expected, (body["count"], expected)
                assert [r["id"] for r in body["results"]] == [row[0] for row in first]
            rows.append(
                _common.compare(
                    f"{label}: GET {name} ({len(captured)} queries, {expected:,} rows)",
                    lambda url=url, client=client: client.get(url),
                    lambda region=region, open_only=open_only: raw_page(
                        region.path, open_only=open_only
                    ),
                    floor_name="raw COUNT + 50 ids in the inbox's order + those rows joined",
                    repeat=ARGS.repeat,
                    warmup=2,
                    extra=f"{len(response.content):,} bytes",
                )
            )
        for open_only in (True, False):
            kind = "open" if open_only else "all statuses"
            print(f"EXPLAIN ANALYZE of the page's ids, {label}, {kind}:")
            for line in explain(region.path, open_only=open_only):
                print("    " + line)
    _common.print_table(rows, title)
    print("queries per request: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    missed = [row.name for row in rows if row.real.median >= 0.050]
    print("goal < 50 ms: " + ("met" if not missed else "MISSED for " + "; ".join(missed)))
    return rows


def main() -> None:
    _common.header("bench_case_inbox: the inbox and the API case list")
    print(f"postgres settings: {_cases.pg_settings()}")
    _common.load_territory()
    call_command("collectstatic", interactive=False, verbosity=0)
    regions = _cases.community_ids()
    now = calendar.localtime(calendar.now()).replace(microsecond=0)
    mix = _cases.Mix(open_share=0.10, crossing_share=0.0, due_soon_share=0.005, overdue_share=0.003)
    seconds = _cases.copy_cases(ARGS.cases, regions=regions, now=now, mix=mix)
    _cases.vacuum_analyze("cases_case")
    township, township_n, county, county_n = busiest()
    print(
        f"data volume: {ARGS.cases:,} cases over {len(regions):,} communities (COPY {seconds:.0f} s); "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(mix.counts.items()))
    )
    users = [
        ("township", _common.staff_user("bench_township", "township_staff", region=township),
         township, township_n),
        ("county", _common.staff_user("bench_county", "county_official", region=county),
         county, county_n),
    ]  # fmt: skip
    measure(users, "bench_case_inbox, the models' indexes")
    if ARGS.no_proposal:
        return
    print()
    print(f"Proposed index (not in the models): {PROPOSED_INDEX}")
    with connection.cursor() as cursor:
        cursor.execute(PROPOSED_INDEX)
    _cases.vacuum_analyze("cases_case")
    measure(users, "bench_case_inbox, with the proposed index case_inbox_open")


if __name__ == "__main__":
    main()
