"""Visit-plan generation (issue #8, G2) on PostgreSQL: a month's plans for 400,000 care-group
residents of one county, under 60 s.

One run, in a throwaway PostgreSQL database (``shequ_bench_visits`` on ``BENCH_PG``, dropped at exit;
see ``_cases.setup_postgres``):

1. set-up (not timed): a county of ``--townships`` (10) townships × ``--communities`` (20) communities
   × 5 grids, one grid worker holding the grid-worker role at each grid, ``--residents`` (400,000)
   residents written by ``INSERT … SELECT generate_series`` (every column the model gives a
   default), each with one care-group tag spread over the seven groups of the recommended rules,
   and the recommended rules loaded at the city (``actions.visits.load_default_rules``);
2. ``actions.visits.generate_plans(region=county, …)`` for one month, timed; then again (idempotent:
   nothing new), timed;
3. floor: the same rows copied aside, the table emptied, and one raw ``INSERT INTO care_visitplan …
   SELECT`` of them in the same process → the ratio real / floor.

Run: ``.venv/bin/python bench/bench_visit_plans.py [--residents 400000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--residents", type=int, default=400_000)
parser.add_argument("--townships", type=int, default=10)
parser.add_argument("--communities", type=int, default=20)
parser.add_argument("--month", default="2026-06")
ARGS = parser.parse_args()
LIMIT_S = 60.0

_cases.setup_postgres("shequ_bench_visits")

from django.db import connection, models, transaction  # noqa: E402

from shequ.accounts.models import Role, RoleAssignment, User  # noqa: E402
from shequ.care.actions import visits as actions  # noqa: E402
from shequ.care.models import VisitPlan  # noqa: E402
from shequ.registry.models import CareGroupTag, Resident  # noqa: E402
from shequ.territory.models import Grid, Kind, Level, Region  # noqa: E402

GROUPS = [
    "extreme_poverty",
    "living_alone_elderly",
    "dependent_elderly",
    "child_in_difficulty",
    "left_behind_child",
    "disabled",
    "dibao",
]


def _region(code: str, level: str, kind: str, parent: Region | None) -> Region:
    path = (parent.path if parent else "") + code + "/"
    return Region.objects.create(
        code=code, name=f"区划{code}", level=level, kind=kind, parent=parent, path=path,
        depth=path.count("/") - 1,
    )  # fmt: skip


def territory() -> tuple[Region, Region, list[Region], list[Grid]]:
    city = _region("320300", Level.CITY, Kind.CITY, None)
    county = _region("320302", Level.COUNTY, Kind.DISTRICT, city)
    communities: list[Region] = []
    grids: list[Grid] = []
    for t in range(1, ARGS.townships + 1):
        township = _region(f"320302{t:03d}", Level.TOWNSHIP, Kind.SUBDISTRICT, county)
        for c in range(1, ARGS.communities + 1):
            community = _region(
                f"{township.code}{c:03d}", Level.COMMUNITY, Kind.URBAN_COMMUNITY, township
            )
            communities.append(community)
            grids += [
                Grid(
                    community=community,
                    code=f"{community.code}{g:03d}",
                    name=f"网格{g}",
                    path=f"{community.path}{community.code}{g:03d}/",
                )
                for g in range(1, 6)
            ]
    grids = Grid.objects.bulk_create(grids)
    return city, county, communities, grids


def grid_workers(grids: list[Grid]) -> None:
    users = User.objects.bulk_create(
        [
            User(username=f"gw{g.code}", full_name=f"网格员{g.code}", password="!")  # noqa: S106 (unusable)
            for g in grids
        ]
    )
    role = Role.objects.get(code="grid_worker")
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=role, grid=g) for u, g in zip(users, grids, strict=True)]
    )


def _defaults(instance: models.Model, skip: set[str]) -> tuple[list[str], list[object]]:
    """Every concrete column of ``instance`` but ``skip``, with the value the ORM would write."""
    columns, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.attname in skip:
            continue
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(field.pre_save(instance, add=True), connection))
    return columns, values


def residents(communities: list[Region], grids: list[Grid]) -> None:
    """``--residents`` residents spread over the grids, one care-group tag each, in two statements."""
    template = Resident(community=communities[0], name="x")
    columns, values = _defaults(template, {"community_id", "grid_id", "name"})
    n_grids = len(grids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Resident._meta.db_table} (community_id, grid_id, name, {', '.join(columns)}) "
            "SELECT (%s::bigint[])[1 + (i %% %s)], (%s::bigint[])[1 + (i %% %s)], '居民' || i, "
            + ", ".join(["%s"] * len(values))
            + " FROM generate_series(1, %s) AS s(i)",
            [[g.community_id for g in grids], n_grids, [g.pk for g in grids], n_grids, *values, ARGS.residents],
        )  # fmt: skip
        tag = CareGroupTag(resident_id=1, group="dibao", start_date=date(2020, 1, 1))
        columns, values = _defaults(tag, {"resident_id", "group"})
        cursor.execute(
            f"INSERT INTO registry_caregrouptag (resident_id, {connection.ops.quote_name('group')}, "
            f"{', '.join(columns)}) SELECT id, (%s::text[])[1 + (id %% %s)], "
            + ", ".join(["%s"] * len(values))
            + f" FROM {Resident._meta.db_table}",
            [GROUPS, len(GROUPS), *values],
        )


def main() -> None:
    _common.header("Care: visit-plan generation for a county's care-group residents")
    print(f"postgres settings: {_cases.pg_settings()}")
    started = time.perf_counter()
    with transaction.atomic():
        city, county, communities, grids = territory()
        grid_workers(grids)
        residents(communities, grids)
        rules = actions.load_default_rules(region=city, by=None)
    _cases.vacuum_analyze("registry_resident", "registry_caregrouptag", "accounts_roleassignment")
    print(
        f"set-up: {len(communities)} communities, {len(grids)} grids with a grid worker each, "
        f"{ARGS.residents:,} care-group residents, {rules} rules at the city "
        f"({time.perf_counter() - started:.1f} s, not timed)"
    )
    year, month = (int(x) for x in ARGS.month.split("-"))
    first = date(year, month, 1)

    t0 = time.perf_counter()
    made = actions.generate_plans(region=county, period_start=first, by=None)
    real_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = actions.generate_plans(region=county, period_start=first, by=None)
    again_s = time.perf_counter() - t0
    plans = VisitPlan.objects.count()
    assigned = VisitPlan.objects.filter(visitor__isnull=False).count()

    cols = (
        'rule_id, resident_id, community_id, grid_id, "group", mode, period_start, due_date, '
        "visitor_id, status, created_at, version, is_synthetic"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE floor_rows AS SELECT {cols} FROM care_visitplan")
        cursor.execute("TRUNCATE care_visitplan CASCADE")
        t0 = time.perf_counter()
        with transaction.atomic():
            cursor.execute(f"INSERT INTO care_visitplan ({cols}) SELECT {cols} FROM floor_rows")
        floor_s = time.perf_counter() - t0

    print(f"generate_plans ({ARGS.month}, county): {real_s:.1f} s for {made.created:,} plans "
          f"({made.created / real_s:,.0f} plans/s; {assigned:,} with the grid worker assigned)")  # fmt: skip
    print(
        f"  again (idempotent): {again_s:.1f} s, {again.created} new, {again.cancelled} cancelled"
    )
    print(f"  floor: raw INSERT … SELECT of the same {plans:,} rows: {floor_s:.1f} s")
    print(f"  ratio real / floor: {real_s / floor_s:.2f}")
    verdict = "PASS" if real_s < LIMIT_S else "FAIL"
    print(f"{verdict}: {real_s:.1f} s against the 60 s limit for {ARGS.residents:,} residents")
    if real_s >= LIMIT_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
