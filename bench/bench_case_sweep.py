"""The deadline sweep (``actions.sweep.sweep_deadlines``) over a million open cases on PostgreSQL.

Data: the bundled Xuzhou territory, 100 staff members and 20 handling units (owners and lead units of
the cases, so that the sweep's reminders have people to go to), and ``--cases`` open cases (default
1,000,000) written with COPY (``_cases.copy_cases``) over every community. Of all cases, ``--crossing``
(default 2 %) cross a threshold in the five minutes before the sweep time: half pass their warning
instant (→ due soon), half their deadline (→ overdue, with a timeline line, escalation to the level
above and a message to its supervisors). Another 5 % are already due soon and 3 % already overdue (the
sweep leaves them). Then ``VACUUM ANALYZE``.

Figures:
- the floor: the same two UPDATEs as plain SQL, in a transaction rolled back afterwards, three times;
- one real sweep at the same instant, timed, with its counts (which must match the generated data), the
  number of SQL statements it ran, and ``EXPLAIN ANALYZE`` of the queries that pick its batches (the
  SQL the ORM sends).
Goal (issue #4): under 5 s.

Run: ``.venv/bin/python bench/bench_case_sweep.py [--cases N]``. It creates and drops the database
``shequ_bench_sweep`` on the server ``BENCH_PG`` names (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--crossing", type=float, default=0.02, help="share crossing a threshold")
    return parser.parse_args()


ARGS = parse_args()
_cases.setup_postgres("shequ_bench_sweep")

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequ.accounts.models import HandlingUnit  # noqa: E402
from shequ.cases.actions.sweep import (  # noqa: E402
    BATCH,
    due_soon_candidates,
    overdue_candidates,
    sweep_deadlines,
)
from shequ.cases.models import Case, CaseEvent, DeadlineState  # noqa: E402
from shequ.core import calendar  # noqa: E402
from shequ.territory.models import Level, Region  # noqa: E402

FLOOR_SQL = (
    "UPDATE cases_case SET deadline_state = 'due_soon' WHERE deadline_state = 'on_time'"
    " AND stage_warn_at <= %(now)s AND stage_due_at > %(now)s",
    "UPDATE cases_case SET deadline_state = 'overdue' WHERE deadline_state IN ('on_time',"
    " 'due_soon') AND stage_due_at <= %(now)s",
)


def people() -> tuple[list[int], list[int]]:
    """100 township staff (owners) and 20 handling units with a handler each, across the city."""
    from shequ.accounts import actions
    from shequ.accounts.models import Role

    actions.sync_builtin_roles()
    roles = {r.code: r for r in Role.objects.filter(code__in=("township_staff", "unit_handler",
                                                                "county_official"))}  # fmt: skip
    townships = list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    owners = []
    for n in range(100):
        user = actions.create_staff_user(username=f"owner{n}", full_name=f"基准{n}", password=None)
        actions.assign_role(
            user=user, role=roles["township_staff"], region=townships[n % len(townships)]
        )
        owners.append(user.pk)
    for n, county in enumerate(counties):
        user = actions.create_staff_user(username=f"sup{n}", full_name=f"督办{n}", password=None)
        actions.assign_role(user=user, role=roles["county_official"], region=county)
    units = []
    for n in range(20):
        unit = HandlingUnit.objects.create(
            code=f"bench-{n}", name=f"基准单位{n}", region=counties[n % len(counties)]
        )
        user = actions.create_staff_user(username=f"unit{n}", full_name=f"承办{n}", password=None)
        actions.assign_role(user=user, role=roles["unit_handler"], handling_unit=unit)
        units.append(unit.pk)
    return owners, units


def explain(queryset) -> tuple[str, list[str]]:
    """The SQL the ORM sends for one batch pick, and its EXPLAIN ANALYZE."""
    sql, params = queryset.values_list("pk", flat=True)[:BATCH].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return sql % tuple(repr(str(p)) for p in params), [row[0] for row in cursor.fetchall()]


def main() -> None:
    _common.header("bench_case_sweep: the deadline sweep over open cases")
    print(f"postgres settings: {_cases.pg_settings()}")
    _common.load_territory()
    owners, units = people()
    regions = _cases.community_ids()
    now = calendar.localtime(calendar.now()).replace(microsecond=0)
    mix = _cases.Mix(open_share=1.0, crossing_share=ARGS.crossing, owners=owners, units=units)
    seconds = _cases.copy_cases(ARGS.cases, regions=regions, now=now, mix=mix)
    print(
        f"data volume: {ARGS.cases:,} open cases over {len(regions):,} communities, written with "
        f"COPY in {seconds:.1f} s ({ARGS.cases / seconds:,.0f} rows/s); generated: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(mix.counts.items()))
    )
    started = time.perf_counter()
    _cases.vacuum_analyze("cases_case")
    print(f"VACUUM ANALYZE cases_case: {time.perf_counter() - started:.1f} s")
    expected_soon = mix.counts.get("to_due_soon", 0)
    expected_late = mix.counts.get("to_overdue", 0)
    params = {"now": now}

    for candidates in (due_soon_candidates, overdue_candidates):
        sql, plan = explain(candidates(now))
        print(f"EXPLAIN ANALYZE of the sweep's first batch pick ({candidates.__name__}):")
        print("  " + sql)
        for line in plan:
            print("    " + line)

    floor_times = []
    for _ in range(3):
        with transaction.atomic():
            with connection.cursor() as cursor:
                t0 = time.perf_counter()
                cursor.execute(FLOOR_SQL[0], params)
                soon = cursor.rowcount
                cursor.execute(FLOOR_SQL[1], params)
                late = cursor.rowcount
                floor_times.append(time.perf_counter() - t0)
            transaction.set_rollback(True)
        assert (soon, late) == (expected_soon, expected_late), (soon, late)
    print(
        f"floor: the two UPDATEs as plain SQL (rolled back): median "
        f"{_common.fmt_time(statistics.median(floor_times))}, min "
        f"{_common.fmt_time(min(floor_times))} (3 runs); {soon:,} → due soon, {late:,} → overdue"
    )
    _cases.vacuum_analyze("cases_case")

    events_before = CaseEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        result = sweep_deadlines(now)
        elapsed = time.perf_counter() - t0
    events = CaseEvent.objects.count() - events_before
    print(
        f"sweep_deadlines: {elapsed:.2f} s; {result.due_soon:,} → due soon, {result.overdue:,} → "
        f"overdue, {result.escalated:,} escalated; {events:,} timeline lines; "
        f"{len(captured):,} SQL statements; ratio to the floor "
        f"{elapsed / statistics.median(floor_times):.1f}×"
    )
    by_kind: dict[str, float] = {}
    for query in captured.captured_queries:
        head = " ".join(query["sql"].split()[:3])[:40]
        by_kind[head] = by_kind.get(head, 0.0) + float(query["time"])
    slowest = sorted(by_kind.items(), key=lambda kv: -kv[1])[:6]
    print("time in SQL by statement head: " + "; ".join(f"{k}… {v:.2f} s" for k, v in slowest))
    assert result.due_soon == expected_soon and result.overdue == expected_late, result
    assert Case.objects.filter(deadline_state=DeadlineState.OVERDUE).count() == (
        mix.counts.get("was_overdue", 0) + expected_late
    )
    later = sweep_deadlines(now + timedelta(seconds=1))
    print(f"a second sweep right after: {later.due_soon} + {later.overdue} changed (must be 0 + 0)")
    print(
        f"goal < 5 s: {'met' if elapsed < 5 else 'MISSED'}; load average now {_common.load_average()}"
    )


if __name__ == "__main__":
    main()
