"""The time-bank ledger (issue #7, V1) on PostgreSQL: bulk posting, concurrent single postings, and
the ledger's checks afterwards.

One run, in a throwaway PostgreSQL database (``shequ_bench_timebank`` on ``BENCH_PG``, dropped at
exit; see ``_cases.setup_postgres``):

1. set-up: a county with five communities, ``--accounts`` residents (10,000) with a member account
   each and as many again for the floor, every member credited 500 hours from its community's
   issuing account (not timed);
2. (a) ``--transfers`` transfers (1,000,000) through ``actions.timebank.post_transfers`` in batches of
   ``--batch`` (1,000) per transaction: 90 % spends between random members, 10 % donations to a
   community pool. Figures: time and transfers/s. Then the ledger is checked in SQL: each account's
   latest ``balance_after`` equals the SUM of its movements, and all movements sum to zero.
   Floor: the same number of transfers and their movements (numbers, balance_after computed in
   Python, no locks, no reads, no checks) written with ``COPY`` in the same batches into the same
   tables, between the floor accounts → the ratio real / floor;
3. (b) ``--threads`` (8) writer threads for ``--seconds`` (20) each calling ``post_transfer`` (one
   transfer per transaction, a fresh request_key each) between random members: transfers/s, refusals;
   then every request_key a thread saw succeed is in the ledger exactly once, balances equal sums,
   and the total is zero.

Run: ``.venv/bin/python bench/bench_timebank.py [--transfers 1000000] [--accounts 10000]
[--batch 1000] [--threads 8] [--seconds 20]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--transfers", type=int, default=1_000_000)
parser.add_argument("--accounts", type=int, default=10_000)
parser.add_argument("--batch", type=int, default=1_000)
parser.add_argument("--threads", type=int, default=8)
parser.add_argument("--seconds", type=float, default=20.0)
ARGS = parser.parse_args()

_cases.setup_postgres("shequ_bench_timebank")

from django.core.exceptions import ValidationError  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from shequ.registry.models import Resident  # noqa: E402
from shequ.territory.models import Kind, Level, Region  # noqa: E402
from shequ.volunteering.actions import timebank as actions  # noqa: E402
from shequ.volunteering.models.timebank import (  # noqa: E402
    AccountKind,
    TimeAccount,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)

SEED_HOURS = Decimal(500)
HOURS = [Decimal(h) for h in ("0.25", "0.5", "1", "1.5", "2")]


# --- Set-up ----------------------------------------------------------------------------------------


def _region(code: str, level: str, kind: str, parent: Region | None) -> Region:
    path = (parent.path if parent else "") + code + "/"
    return Region.objects.create(
        code=code,
        name=f"区划{code}",
        level=level,
        kind=kind,
        parent=parent,
        path=path,
        depth=path.count("/") - 1,
    )


def territory() -> list[Region]:
    city = _region("320300", Level.CITY, Kind.CITY, None)
    county = _region("320302", Level.COUNTY, Kind.DISTRICT, city)
    township = _region("320302001", Level.TOWNSHIP, Kind.SUBDISTRICT, county)
    return [
        _region(f"320302001{n:03d}", Level.COMMUNITY, Kind.URBAN_COMMUNITY, township)
        for n in range(1, 6)
    ]


def members(communities: list[Region], count: int, label: str) -> list[TimeAccount]:
    """``count`` residents (names only: the registry's encrypted fields stay blank) with accounts."""
    people = Resident.objects.bulk_create(
        [
            Resident(community=communities[n % len(communities)], name=f"{label}{n}")
            for n in range(count)
        ],
        batch_size=5_000,
    )
    return TimeAccount.objects.bulk_create(
        [
            TimeAccount(kind=AccountKind.MEMBER, community_id=p.community_id, holder=p)
            for p in people
        ],
        batch_size=5_000,
    )


def seed(accounts: list[TimeAccount]) -> None:
    """Every member earns 500 hours from its community's issuing account (through the actions)."""
    issuing = {a.community_id: actions.issuing_account(a.community) for a in accounts[:5]}
    for start in range(0, len(accounts), 1_000):
        specs = [
            actions.TransferSpec(
                issuing[a.community_id],
                a,
                SEED_HOURS,
                TransferKind.EARN,
                "开户种子时长",
                f"seed-{a.pk}",
            )
            for a in accounts[start : start + 1_000]
        ]
        actions.post_transfers(specs, None)


# --- Checks ----------------------------------------------------------------------------------------


CHECK_SQL = """
    WITH sums AS (
        SELECT account_id, SUM(amount) AS total FROM volunteering_timemovement GROUP BY account_id
    ), latest AS (
        SELECT DISTINCT ON (account_id) account_id, balance_after
        FROM volunteering_timemovement ORDER BY account_id, id DESC
    )
    SELECT COUNT(*), COUNT(*) FILTER (WHERE s.total <> l.balance_after),
           (SELECT COALESCE(SUM(amount), 0) FROM volunteering_timemovement)
    FROM sums s JOIN latest l USING (account_id)
"""


def check_ledger(title: str) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL)
        accounts, mismatched, total = cursor.fetchone()
    took = time.perf_counter() - started
    ok = mismatched == 0 and total == 0
    print(
        f"  {title}: {accounts:,} accounts, balance_after ≠ SUM(movements) for {mismatched}, "
        f"total of all movements {total} → {'OK' if ok else 'FAILED'} ({took:.1f} s in SQL)"
    )
    if not ok:
        raise SystemExit(1)


# --- (a) Bulk ------------------------------------------------------------------------------------


def plan(rng: random.Random, accounts: list[TimeAccount], pools: dict[int, TimeAccount], n: int
         ) -> list[tuple[TimeAccount, TimeAccount, Decimal, str]]:  # fmt: skip
    rows = []
    for _ in range(n):
        source = rng.choice(accounts)
        if rng.random() < 0.1:
            rows.append(
                (source, pools[source.community_id], rng.choice(HOURS), TransferKind.DONATE_POOL)
            )
        else:
            target = rng.choice(accounts)
            while target.pk == source.pk:
                target = rng.choice(accounts)
            rows.append((source, target, rng.choice(HOURS), TransferKind.SPEND))
    return rows


def bulk_real(accounts: list[TimeAccount], pools: dict[int, TimeAccount]) -> float:
    rng = random.Random(1)
    elapsed = 0.0
    done = 0
    while done < ARGS.transfers:
        n = min(ARGS.batch, ARGS.transfers - done)
        rows = plan(rng, accounts, pools, n)
        specs = [
            actions.TransferSpec(s, t, h, k, "服务", f"bulk-{done + i}")
            for i, (s, t, h, k) in enumerate(rows)
        ]
        started = time.perf_counter()
        actions.post_transfers(specs, None)
        elapsed += time.perf_counter() - started
        done += n
        if done % 100_000 == 0:
            print(f"    … {done:,} posted, {done / elapsed:,.0f}/s so far", flush=True)
    return elapsed


def bulk_floor(accounts: list[TimeAccount], pools: dict[int, TimeAccount]) -> float:
    """The same shape of rows with COPY: balances tracked in Python, ids from the sequence."""
    rng = random.Random(1)
    balances = {a.pk: SEED_HOURS for a in accounts}
    balances.update(actions._balances(p.pk for p in pools.values()))  # where the real run left them
    elapsed = 0.0
    done = 0
    while done < ARGS.transfers:
        n = min(ARGS.batch, ARGS.transfers - done)
        rows = plan(rng, accounts, pools, n)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            now = timezone.now()
            stamp = now.strftime("%Y%m%d")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('volunteering_timetransfer', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            ids = [r[0] for r in cursor.fetchall()]
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(
                "COPY volunteering_timetransfer (id, number, kind, source_id, target_id, hours, memo,"
                " request_key, created_at) FROM STDIN"
            ) as copy:
                for pk, (s, t, h, k) in zip(ids, rows, strict=True):
                    copy.write_row(
                        (pk, f"SJ{stamp}{pk:08d}", k, s.pk, t.pk, h, "服务", f"floor-{pk}", now)
                    )
            with raw.copy(
                "COPY volunteering_timemovement (transfer_id, account_id, amount, balance_after, at)"
                " FROM STDIN"
            ) as copy:
                for pk, (s, t, h, _k) in zip(ids, rows, strict=True):
                    balances[s.pk] -= h
                    copy.write_row((pk, s.pk, -h, balances[s.pk], now))
                    balances[t.pk] += h
                    copy.write_row((pk, t.pk, h, balances[t.pk], now))
        elapsed += time.perf_counter() - started
        done += n
    return elapsed


# --- (b) Concurrent ------------------------------------------------------------------------------


def concurrent(accounts: list[TimeAccount]) -> None:
    applied: list[list[str]] = [[] for _ in range(ARGS.threads)]
    refused = [0] * ARGS.threads
    errors: list[str] = []
    stop = time.perf_counter() + ARGS.seconds
    barrier = threading.Barrier(ARGS.threads)

    def writer(index: int) -> None:
        rng = random.Random(100 + index)
        try:
            barrier.wait()
            while time.perf_counter() < stop:
                source, target = rng.sample(accounts, 2)
                key = uuid.uuid4().hex
                try:
                    actions.post_transfer(
                        source=source,
                        target=target,
                        hours=rng.choice(HOURS),
                        kind=TransferKind.SPEND,
                        memo="并发服务",
                        request_key=key,
                        by=None,
                    )
                except ValidationError:
                    refused[index] += 1
                else:
                    applied[index].append(key)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(ARGS.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    keys = [k for per in applied for k in per]
    print(
        f"  {ARGS.threads} threads × {ARGS.seconds:.0f} s: {len(keys):,} transfers in {took:.1f} s "
        f"= {len(keys) / took:,.0f}/s; refused {sum(refused)}; errors {len(errors)}"
    )
    for error in errors[:5]:
        print(f"    error: {error}")
    found = 0
    for start in range(0, len(keys), 10_000):
        found += TimeTransfer.objects.filter(request_key__in=keys[start : start + 10_000]).count()
    print(
        f"  each applied request_key in the ledger exactly once: {found:,} of {len(keys):,} "
        f"→ {'OK' if found == len(keys) == len(set(keys)) else 'FAILED'}"
    )
    check_ledger("after the concurrent writers")
    if errors or found != len(keys):
        raise SystemExit(1)


def main() -> None:
    _common.header("Time bank: post_transfers in bulk, concurrent post_transfer, ledger checks")
    print(f"postgres settings: {_cases.pg_settings()}")
    communities = territory()
    real = members(communities, ARGS.accounts, "居民")
    floor = members(communities, ARGS.accounts, "对照")
    for account in real[:5] + floor[:5]:
        account.community = next(c for c in communities if c.pk == account.community_id)
    started = time.perf_counter()
    seed(real)
    seed(floor)
    pools = {c.pk: actions.pool_account(c) for c in communities}
    print(
        f"set-up: {len(communities)} communities, {ARGS.accounts:,} + {ARGS.accounts:,} members "
        f"seeded with {SEED_HOURS} h each in {time.perf_counter() - started:.1f} s"
    )
    _cases.vacuum_analyze("volunteering_timeaccount", "volunteering_timemovement")

    print(f"(a) {ARGS.transfers:,} transfers in batches of {ARGS.batch:,}")
    real_s = bulk_real(real, pools)
    print(f"  post_transfers: {real_s:.1f} s = {ARGS.transfers / real_s:,.0f} transfers/s")
    floor_s = bulk_floor(floor, pools)
    print(
        f"  floor (COPY, no locks or checks): {floor_s:.1f} s = {ARGS.transfers / floor_s:,.0f}/s"
    )
    print(f"  ratio real / floor: {real_s / floor_s:.2f}")
    check_ledger("after the bulk load")
    _cases.vacuum_analyze("volunteering_timetransfer", "volunteering_timemovement")

    print("(b) concurrent single transfers")
    concurrent(real)
    print(f"movements in the ledger: {TimeMovement.objects.count():,}")


if __name__ == "__main__":
    main()
