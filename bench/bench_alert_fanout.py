"""An alert to a township of 100,000 residents (issue #8, G3) on PostgreSQL: the fan-out enqueued and
the reach checklist built must take under 30 s.

One run, in a throwaway PostgreSQL database (``shequ_bench_alerts`` on ``BENCH_PG``, dropped at exit;
see ``_cases.setup_postgres``):

1. set-up (not timed): a township of ``--communities`` (20) communities with 5 grids each and
   ``--residents`` (100,000) residents written with ``INSERT … SELECT generate_series``: households of
   three, 2 % living alone, about 6 % with a current care-group tag in the vulnerable set (so about 8 %
   on the checklist), 90 % with a phone. Phones: one ciphertext, made once by the field and reused for
   every row (the database cannot tell, and decrypting it costs the same), with its blind index;
2. (a) ``actions.alerts.issue_alert`` to the township, as the township's staff, until it returns and
   its transaction has committed with the ``on_commit`` callbacks run: the alert, every reach item,
   the dispatch batches, the counts, the audit event, the grid workers' inbox messages and one
   ``send_alert_batch.delay`` per batch. "Enqueued" means handed to the broker: the ``delay`` is
   replaced by appending to a list (what a broker publish does, minus its network round trip of about
   0.1 ms per batch, ~100 batches), so the tasks do not run inline here;
3. (b) then every batch run inline, one after another (``actions.alerts.send_batch``): residents read,
   phones decrypted, an inbox row for account holders, one SMS ``Delivery`` row and sealed payload per
   phone; the SMS deliveries themselves are queued, not sent (``send_delivery.delay`` recorded the same
   way) — sending is the gateway's time, not ours;
4. floor: the same reach items written by one raw ``INSERT … SELECT`` (no reasons, no batches, no
   audit) for a second alert → the ratio real / floor.

Run: ``.venv/bin/python bench/bench_alert_fanout.py [--residents 100000] [--communities 20]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--residents", type=int, default=100_000)
parser.add_argument("--communities", type=int, default=20)
ARGS = parser.parse_args()

_cases.setup_postgres("shequ_bench_alerts")

from django.db import connection, transaction  # noqa: E402

from shequ.accounts import actions as accounts  # noqa: E402
from shequ.accounts.models import Role  # noqa: E402
from shequ.core import tasks as core_tasks  # noqa: E402
from shequ.emergency import tasks as emergency_tasks  # noqa: E402
from shequ.emergency.actions import alerts as actions  # noqa: E402
from shequ.emergency.models import Alert, AlertDispatch, ReachItem  # noqa: E402
from shequ.emergency.queries import alerts as queries  # noqa: E402
from shequ.registry.models import Household, Resident  # noqa: E402
from shequ.territory.models import Grid, Kind, Level, Region  # noqa: E402

GRIDS_PER_COMMUNITY = 5
PHONE = "13912345678"


def _region(code: str, level: str, kind: str, parent: Region | None) -> Region:
    path = (parent.path if parent else "") + code + "/"
    return Region.objects.create(
        code=code, name=f"区划{code}", level=level, kind=kind, parent=parent, path=path,
        depth=path.count("/") - 1, is_urban=True,
    )  # fmt: skip


def set_up() -> tuple[Region, object]:
    city = _region("320300", Level.CITY, Kind.CITY, None)
    county = _region("320302", Level.COUNTY, Kind.DISTRICT, city)
    township = _region("320302001", Level.TOWNSHIP, Kind.SUBDISTRICT, county)
    communities = [
        _region(f"320302001{c:03d}", Level.COMMUNITY, Kind.URBAN_COMMUNITY, township)
        for c in range(1, ARGS.communities + 1)
    ]
    grids = [
        Grid.objects.create(community=c, code=f"{c.code}{g:03d}", name=f"网格{c.code}{g:03d}",
                            path=f"{c.path}{c.code}{g:03d}/")
        for c in communities for g in range(1, GRIDS_PER_COMMUNITY + 1)
    ]  # fmt: skip
    # One ciphertext and one blind index, made by the fields themselves, reused for every phone.
    probe = Resident(phone=PHONE)
    cipher = Resident._meta.get_field("phone").get_prep_value(PHONE)
    index_field = Resident._meta.get_field("phone_index")
    index_field.pre_save(probe, add=True)
    phone_index = probe.phone_index
    n = ARGS.residents
    grid_ids = [g.pk for g in grids]
    community_of = {g.pk: g.community_id for g in grids}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_grid (k int primary key, grid_id bigint, community_id bigint)"
        )
        cursor.executemany(
            "INSERT INTO bench_grid VALUES (%s, %s, %s)",
            [(k, gid, community_of[gid]) for k, gid in enumerate(grid_ids)],
        )
        # Households: residents 0..n-1; resident i lives in household i // 3, except a 2 % band of
        # one-person households at the end.
        alone_from = n - n // 50
        households = alone_from // 3 + (n - alone_from)
        t = Household._meta.db_table
        cursor.execute(
            f"""INSERT INTO {t} (number, community_id, grid_id, address_detail, address_index, is_active,
                is_synthetic, created_at, updated_at, version)
            SELECT 'BH' || h, g.community_id, g.grid_id, '', '', true, true, now(), now(), 1
            FROM generate_series(0, %s - 1) h
            JOIN bench_grid g ON g.k = h %% %s""",
            [households, len(grid_ids)],
        )
        cursor.execute(f"SELECT min(id) FROM {t}")
        first_household = cursor.fetchone()[0]
        r = Resident._meta.db_table
        cursor.execute(
            f"""INSERT INTO {r} (household_id, relation, community_id, grid_id, name, name_keys,
                id_type, id_number, id_number_index, birth_date, sex, phone, phone_index,
                residence_status, status, legal_basis, note, is_synthetic, created_at, updated_at,
                version)
            SELECT h.id, CASE WHEN (i < %(alone)s AND i %% 3 = 0) OR i >= %(alone)s THEN 'head'
                              ELSE 'spouse' END,
                   h.community_id, h.grid_id, '居民' || i, '', 'resident_id', '', '',
                   DATE '1950-01-01' + (i %% 20000), 'unknown',
                   CASE WHEN i %% 10 = 0 THEN '' ELSE %(cipher)s END,
                   CASE WHEN i %% 10 = 0 THEN '' ELSE %(index)s END,
                   'registered', 'active', 'statutory_duty', '', true, now(), now(), 1
            FROM generate_series(0, %(n)s - 1) i
            JOIN {t} h ON h.id = %(first)s + CASE WHEN i < %(alone)s THEN i / 3
                                               ELSE %(alone)s / 3 + (i - %(alone)s) END""",
            {"alone": alone_from, "cipher": cipher, "index": phone_index, "n": n,
             "first": first_household},
        )  # fmt: skip
        tags = ("dibao", "extreme_poverty", "oldest_old", "living_alone_elderly",
                "child_in_difficulty", "severe_mental_disorder")  # fmt: skip
        cursor.execute(
            f"""INSERT INTO registry_caregrouptag (resident_id, group, start_date, source, note,
                disability_category, created_at)
            SELECT id, (%(tags)s::text[])[1 + id %% 6], DATE '2020-01-01', 'bench', '', '', now()
            FROM {r} WHERE id %% 17 = 0""".replace("group,", '"group",'),
            {"tags": list(tags)},
        )
        cursor.execute("ANALYZE")
    staff = accounts.create_staff_user(username="township", full_name="镇干部", password=None)
    accounts.assign_role(user=staff, role=Role.objects.get(code="township_staff"), region=township)
    worker = accounts.create_staff_user(username="gridworker", full_name="网格员", password=None)
    accounts.assign_role(user=worker, role=Role.objects.get(code="grid_worker"), grid=grids[0])
    return township, staff


def main() -> None:
    print(f"PostgreSQL: {_cases.pg_settings()}")
    started = time.perf_counter()
    township, staff = set_up()
    vulnerable = queries.vulnerable_rows(queries.targets_for(township, [township], None)).count()
    print(
        f"set-up: {Resident.objects.count():,} residents, {Household.objects.count():,} households, "
        f"{vulnerable:,} vulnerable ({vulnerable / Resident.objects.count():.1%}) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    published: list[tuple[str, tuple]] = []
    emergency_tasks.send_alert_batch.delay = lambda *a: published.append(("batch", a))  # type: ignore[method-assign]
    core_tasks.send_delivery.delay = lambda *a: published.append(("sms", a))  # type: ignore[method-assign]

    started = time.perf_counter()
    alert = actions.issue_alert(
        region=township, kind="flood", severity="red", title="防汛红色预警",
        instructions="请低洼地区居民立即转移。", target_regions=[township], by=staff,
    )  # fmt: skip
    issue_s = time.perf_counter() - started
    batches = [a for kind, a in published if kind == "batch"]
    alert.refresh_from_db()
    print(
        f"(a) issue_alert → committed and enqueued: {issue_s:.2f} s — "
        f"{alert.resident_count:,} residents, {alert.checklist_count:,} reach items, "
        f"{AlertDispatch.objects.filter(alert=alert).count()} batches, {len(batches)} enqueued"
        f" {'OK' if issue_s < 30 else 'OVER'} (limit 30 s)"
    )

    started = time.perf_counter()
    told = sum(actions.send_batch(args[0]) for args in batches)
    send_s = time.perf_counter() - started
    sms = sum(1 for kind, _ in published if kind == "sms")
    print(
        f"(b) all {len(batches)} batches inline: {send_s:.1f} s — {told:,} residents told, "
        f"{sms:,} SMS deliveries queued ({told / send_s:,.0f} residents/s)"
    )

    floor_alert = Alert.objects.create(number="FLOOR", region=township, kind="flood",
                                       severity="red", title="floor", instructions="-")  # fmt: skip
    targets = queries.targets_for(township, [township], None)
    select_sql, params = (
        queries.vulnerable_rows(targets)
        .values("pk", "community_id", "grid_id")
        .query.sql_with_params()
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ReachItem._meta.db_table} (alert_id, resident_id, community_id, grid_id,
                reasons, status, note, version)
            SELECT %s, v.pk, v.community_id, v.grid_id, '[]'::jsonb, 'pending', '', 1
            FROM ({select_sql}) v""",
            [floor_alert.pk, *params],
        )
        floor_rows = cursor.rowcount
    floor_s = time.perf_counter() - started
    print(
        f"floor: raw INSERT … SELECT of the same {floor_rows:,} reach items: {floor_s:.2f} s "
        f"→ issue_alert / floor = {issue_s / floor_s:.1f}×"
    )
    assert floor_rows == alert.checklist_count


if __name__ == "__main__":
    main()
