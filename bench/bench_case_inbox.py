"""The staff inbox and the API case list over a million cases on PostgreSQL.

Data: the bundled Xuzhou territory and ``--cases`` cases (default 1,000,000) written with COPY
(``_cases.copy_cases``) over every community: 10 % open (a year's cases, most of them finished), of
all cases 0.5 % due soon and 0.3 % overdue; then ``VACUUM ANALYZE``. Users: a township_staff member at
the township with the most cases and a county_official at the county with the most, made the way the
platform makes them.

Figures, for each user, the first page of 50 rows, measured in this process through
``django.test.Client`` and every middleware (the server's time, without a network):
- GET ``/cases/inbox/`` (open cases, the default) and ``/cases/inbox/?status=`` (every status);
- GET ``/api/v1/cases/cases?page_size=50`` (open cases by default) and ``…&status=all``;
each against the floor of the equivalent raw SQL through ``connection.cursor()``: the scoped COUNT,
the page's 50 ids in the inbox's order (those with a running stage first, from the partial index
``case_inbox_open``; the others, newest first, only when the page reaches them), and those rows with
their joined places, units and owner. Each page must list the floor's cases and count. The number of
SQL queries per request is printed (it must not depend on the data volume), and ``EXPLAIN ANALYZE``
of each query an inbox page sends to ``cases_case``.
Goal (issue #4): under 50 ms.

Run: ``.venv/bin/python bench/bench_case_inbox.py [--cases N]``. It creates and drops the database
``shequ_bench_inbox`` on the server ``BENCH_PG`` names (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
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
# and the count for the pager. The cheapest equivalent of what the ORM sends. The ids come in two
# parts, as ``queries.cases.page_ids`` takes them: the cases with a running stage (open, by
# deadline: the partial index ``case_inbox_open``), then the others (no stage deadline: newest first).
RUNNING_SQL = "c.status IN ({}) AND c.stage_due_at IS NOT NULL".format(
    ", ".join(f"'{s}'" for s in OPEN_STATUSES)
)
IDS_SQL = """
    SELECT c.id FROM cases_case c JOIN territory_region r ON r.id = c.region_id
    WHERE r.path LIKE %(prefix)s {status} AND {part}
    ORDER BY c.stage_due_at ASC, c.submitted_at DESC, c.id DESC
    LIMIT %(limit)s
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
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
COUNT_LINE = re.compile(r"(?:共|超过) ([\d,]+) 件")
# The inbox page counts lists that take in finished cases up to this many (views/staff.py).
COUNT_CAP = 10_000
CAPPED_COUNT_SQL = """
    SELECT COUNT(*) FROM (
        SELECT 1 FROM cases_case c JOIN territory_region r ON r.id = c.region_id
        WHERE r.path LIKE %(prefix)s {status} LIMIT %(cap)s
    ) AS counted
"""


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


def raw_page(prefix: str, *, open_only: bool, capped: bool = False) -> tuple[int, list[tuple]]:
    """The floor: the count (exact, or up to ``COUNT_CAP`` as the inbox page counts lists with
    finished cases), 50 ids in the inbox's order, and those rows joined."""
    status = OPEN_SQL if open_only else ""
    params = {"prefix": prefix + "%", "limit": PAGE, "cap": COUNT_CAP + 1}
    with connection.cursor() as cursor:
        cursor.execute((CAPPED_COUNT_SQL if capped else COUNT_SQL).format(status=status), params)
        count = min(cursor.fetchone()[0], COUNT_CAP) if capped else cursor.fetchone()[0]
        cursor.execute(IDS_SQL.format(status=status, part=RUNNING_SQL), params)
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) < PAGE:
            rest = {**params, "limit": PAGE - len(ids)}
            cursor.execute(IDS_SQL.format(status=status, part=f"NOT ({RUNNING_SQL})"), rest)
            ids += [row[0] for row in cursor.fetchall()]
        cursor.execute(ROWS_SQL, {"ids": ids})
        return count, cursor.fetchall()


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def listed(response: Any) -> tuple[int, list[int]]:
    """(the count, the case ids) a response shows: the API's JSON, or the inbox page's HTML."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return body["count"], [row["id"] for row in body["results"]]
    text = response.content.decode()
    found = COUNT_LINE.search(text)
    assert found, "the inbox page shows no count"
    return int(found.group(1).replace(",", "")), [int(i) for i in CASE_LINK.findall(text)]


def measure(users: list, title: str) -> list:
    rows = []
    counts: dict[str, int] = {}
    for label, user, region, n in users:
        print(f"{label} user: {region.code} {region.name}, {n:,} cases in scope")
        client = Client()
        client.force_login(user)
        pages = [
            ("inbox page, open (the default)", "/cases/inbox/", True),
            ("inbox page, all statuses", "/cases/inbox/?status=", False),
            ("API list, open (the default)", f"/api/v1/cases/cases?page_size={PAGE}", True),
            ("API list, all statuses", f"/api/v1/cases/cases?page_size={PAGE}&status=all", False),
        ]
        for name, url, open_only in pages:
            response = client.get(url)
            if response.status_code != 200:
                print(f"SKIPPED {name} {url}: answered {response.status_code}")
                continue
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            # A copy: every request started afterwards empties the connection's query log.
            sent = list(captured.captured_queries)
            counts[f"{label}: {name}"] = len(sent)
            slowest = sorted(sent, key=lambda q: -float(q["time"]))[:2]
            print(f"{label}: {name}: {len(sent)} queries; slowest: "
                  + "; ".join(f"{q['time']} s {q['sql'][:120]}" for q in slowest))  # fmt: skip
            capped = url.startswith("/cases/inbox/") and not open_only
            expected, first = raw_page(region.path, open_only=open_only, capped=capped)
            shown = listed(response)
            assert shown == (expected, [row[0] for row in first]), (name, shown[0], expected)
            rows.append(
                _common.compare(
                    f"{label}: GET {name} ({len(sent)} queries, {expected:,} rows)",
                    lambda url=url, client=client: client.get(url),
                    lambda region=region, open_only=open_only, capped=capped: raw_page(
                        region.path, open_only=open_only, capped=capped
                    ),
                    floor_name="raw COUNT + 50 ids in the inbox's order + those rows joined",
                    repeat=ARGS.repeat,
                    warmup=2,
                    extra=f"{len(response.content):,} bytes",
                )
            )
            if url.startswith("/cases/inbox/"):
                for query in sent:
                    if '"cases_case"' in query["sql"] and query["sql"].startswith("SELECT"):
                        print(f"EXPLAIN ANALYZE, {label}, {name}: {query['sql'][:100]}")
                        for line in explain(query["sql"]):
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
    measure(users, "bench_case_inbox")


if __name__ == "__main__":
    main()
