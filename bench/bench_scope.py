"""Jurisdiction scoping (``shequ.core.scoping.scoped``) over the whole city's demo buildings.

Data: the bundled Xuzhou territory plus ``demo.generator.generate(scale=1.0)`` (about 35,000 buildings).
Users: a township_staff member at the township with the most buildings and a county_official at the
county with the most, created with ``create_staff_user`` + ``assign_role``.

Figures, for each user:
- ``scoped(Building.objects.all(), user, "territory.view").count()``;
- the first 50 rows by id with ``select_related("estate")``;
- the same count with the user's role assignments not yet cached (a fresh request loads them once);
against floors that select the same subtree with a hand-written range/JOIN query on
``territory_region.path`` through ``connection.cursor()``. The EXPLAIN QUERY PLAN of the ORM's SQL is
printed, and whether it searches ``territory_region`` by the path index.
Run: ``.venv/bin/python bench/bench_scope.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

_common.setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequ.core.paths import upper_bound  # noqa: E402
from shequ.core.scoping import scoped  # noqa: E402
from shequ.territory.models import Building  # noqa: E402

PERM = "territory.view"
REPEAT = 21

COUNT_SQL = """
    SELECT COUNT(*)
    FROM territory_building b
    JOIN territory_estate e ON e.id = b.estate_id
    JOIN territory_region r ON r.id = e.community_id
    WHERE r.path >= %s AND r.path < %s
"""
FIRST50_SQL = """
    SELECT b.id, b.estate_id, b.grid_id, b.number, b.floors, b.units, b.is_synthetic,
           b.centre_lat, b.centre_lng,
           e.id, e.community_id, e.grid_id, e.name, e.address, e.is_natural_village,
           e.is_synthetic, e.centre_lat, e.centre_lng, e.geometry
    FROM territory_building b
    JOIN territory_estate e ON e.id = b.estate_id
    JOIN territory_region r ON r.id = e.community_id
    WHERE r.path >= %s AND r.path < %s
    ORDER BY b.id
    LIMIT 50
"""


def executed_sql(run) -> str:
    """The SQL (parameters inlined) of the one query that ``run()`` executes."""
    with CaptureQueriesContext(connection) as captured:
        run()
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1, selects
    return selects[0]


# The same selection with the join order forced (SQLite keeps the table order of a CROSS JOIN): walk
# the path index, then sort the subtree's buildings by id. What the planner picks once it has statistics.
FIRST50_INDEXED_SQL = """
    SELECT b.id, b.estate_id, b.grid_id, b.number, b.floors, b.units, b.is_synthetic,
           b.centre_lat, b.centre_lng,
           e.id, e.community_id, e.grid_id, e.name, e.address, e.is_natural_village,
           e.is_synthetic, e.centre_lat, e.centre_lng, e.geometry
    FROM territory_region r
    CROSS JOIN territory_estate e
    CROSS JOIN territory_building b
    WHERE e.community_id = r.id AND b.estate_id = e.id AND r.path >= %s AND r.path < %s
    ORDER BY b.id
    LIMIT 50
"""


def explain(sql: str, params: list | tuple) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params or None)
        return [row[-1] for row in cursor.fetchall()]


def uses_path_index(plan: list[str]) -> bool:
    """True when territory_region is searched (not scanned) by an index on path."""
    for step in plan:
        if "territory_region" in step and "SEARCH" in step and "path>" in step.replace(" ", ""):
            return True
    return False


def show_plan(title: str, sql: str, params: list | tuple) -> bool:
    plan = explain(sql, params)
    used = uses_path_index(plan)
    print(f"EXPLAIN QUERY PLAN — {title}:")
    print("  SQL: " + " ".join(sql.split()))
    for step in plan:
        print(f"    {step}")
    print(f"  path index used for the subtree: {'yes' if used else 'NO'}")
    return used


def main() -> None:
    _common.header("bench_scope: scoped() over the demo's buildings")
    _common.load_territory()
    report = _common.load_demo(scale=1.0)
    township, township_n, county, county_n = _common.busiest_regions()
    total = Building.objects.count()
    print(
        f"data volume: {total} buildings, {report.counts['estates']} estates + "
        f"{report.counts['natural_villages']} natural villages, {report.counts['grids']} grids "
        f"(demo scale 1.0)"
    )
    users = [
        (
            "township",
            _common.staff_user("bench_township", "township_staff", region=township),
            township,
            township_n,
        ),
        (
            "county",
            _common.staff_user("bench_county", "county_official", region=county),
            county,
            county_n,
        ),
    ]
    for label, _user, region, n in users:
        print(f"{label} user: {region.code} {region.name} ({region.path}), {n} buildings")

    rows = []
    plans_ok = True
    for label, user, region, n in users:
        params = (region.path, upper_bound(region.path))
        count_qs = scoped(Building.objects.all(), user, PERM)
        list_qs = scoped(Building.objects.select_related("estate"), user, PERM).order_by("id")[:50]
        assert count_qs.count() == n
        with connection.cursor() as cursor:
            cursor.execute(COUNT_SQL, params)
            assert cursor.fetchone()[0] == n
        first50 = [b.pk for b in list_qs]
        assert first50 == [r[0] for r in _raw(FIRST50_SQL, params)]
        assert first50 == [r[0] for r in _raw(FIRST50_INDEXED_SQL, params)]

        plans_ok &= show_plan(f"{label} count() (ORM)", executed_sql(count_qs.count), ())
        plans_ok &= show_plan(
            f"{label} first 50 (ORM)", executed_sql(lambda qs=list_qs: list(qs.all())), ()
        )
        show_plan(f"{label} first 50 (floor)", FIRST50_SQL, params)
        show_plan(f"{label} first 50 (index-driven floor)", FIRST50_INDEXED_SQL, params)

        def orm_count(user=user) -> int:
            return scoped(Building.objects.all(), user, PERM).count()

        def raw_count(params=params) -> int:
            with connection.cursor() as cursor:
                cursor.execute(COUNT_SQL, params)
                return cursor.fetchone()[0]

        def orm_first50(user=user) -> list:
            return list(
                scoped(Building.objects.select_related("estate"), user, PERM).order_by("id")[:50]
            )

        def raw_first50(params=params) -> list:
            return _raw(FIRST50_SQL, params)

        def raw_first50_indexed(params=params) -> list:
            return _raw(FIRST50_INDEXED_SQL, params)

        def orm_count_cold(user=user) -> int:
            user.forget_assignments()
            return scoped(Building.objects.all(), user, PERM).count()

        floor = "hand-written JOIN + path range, connection.cursor()"
        indexed = "same, CROSS JOIN: region path index first, then sort"
        rows.append(
            _common.compare(
                f"{label} ({n} bldg): scoped count()",
                orm_count,
                raw_count,
                floor_name=floor,
                repeat=REPEAT,
            )
        )
        rows.append(
            _common.compare(
                f"{label} ({n} bldg): scoped first 50 + estate",
                orm_first50,
                raw_first50,
                floor_name=floor,
                repeat=REPEAT,
                number=5,
            )
        )
        rows.append(
            _common.compare(
                f"{label} ({n} bldg): scoped first 50 vs index-driven plan",
                orm_first50,
                raw_first50_indexed,
                floor_name=indexed,
                repeat=REPEAT,
                number=5,
            )
        )
        rows.append(
            _common.compare(
                f"{label} ({n} bldg): scoped count(), assignments not cached",
                orm_count_cold,
                raw_count,
                floor_name=floor,
                repeat=REPEAT,
            )
        )
    _common.print_table(rows, "bench_scope (no ANALYZE statistics, as the platform runs today)")
    if not plans_ok:
        print("NOTE: at least one scoped query did not search territory_region by its path index")

    # The same list query once SQLite has statistics (the platform never runs ANALYZE today).
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    after = []
    for label, user, region, n in users:
        params = (region.path, upper_bound(region.path))
        list_qs = scoped(Building.objects.select_related("estate"), user, PERM).order_by("id")[:50]
        show_plan(
            f"{label} first 50 (ORM), after ANALYZE",
            executed_sql(lambda qs=list_qs: list(qs.all())),
            (),
        )

        def orm_first50(user=user) -> list:
            return list(
                scoped(Building.objects.select_related("estate"), user, PERM).order_by("id")[:50]
            )

        after.append(
            _common.compare(
                f"{label} ({n} bldg): scoped first 50, after ANALYZE",
                orm_first50,
                lambda params=params: _raw(FIRST50_SQL, params),
                floor_name="hand-written JOIN + path range, connection.cursor()",
                repeat=REPEAT,
                number=5,
            )
        )
    _common.print_table(after, "bench_scope after ANALYZE")
    connection.close()


def _raw(sql: str, params: tuple) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


if __name__ == "__main__":
    main()
