"""The plan's 13 indicators over the whole city (issue #10): the full rebuild and the dashboard.

Data: the bundled Xuzhou territory (3,010 regions), ``demo.generator.generate(residents=N)`` — the
synthetic population spread over every community (``--residents``, 9.08 million by default, the
city's size; the home county also gets the demo's service records) —, then the demo's community
workers in **every** county (the facilities demo already covers the city).

Figures:
- ``rebuild(year)``: all 13 indicators for every base unit and every region of the city, written as
  snapshots, against a floor of hand-written SQL aggregates for two indicators (#2 service area per
  100 households and #6 community workers), summed per county and city through
  ``connection.cursor()`` — no ORM, no rows built, nothing written. Goal: under 60 s.
- The dashboard page of the city for a city official (``GET /indicators/`` through Django's test
  client, server time) against a floor of one raw query reading the same snapshot rows. Goal: under
  200 ms.

SQLite by default (a temporary file database); PostgreSQL when ``DATABASE_URL`` names one (use a
scratch database: the bench migrates it and fills it). Run:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench .venv/bin/python bench/bench_indicators.py
[--residents 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

parser = argparse.ArgumentParser()
parser.add_argument("--residents", type=int, default=9_080_000)
parser.add_argument("--repeat", type=int, default=3)
ARGS = parser.parse_args()


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        _common.setup_django()
        return
    import atexit

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


setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequ.core import calendar  # noqa: E402
from shequ.core.paths import upper_bound  # noqa: E402
from shequ.indicators.actions.rebuild import rebuild  # noqa: E402
from shequ.indicators.actions.targets import load_default_targets  # noqa: E402
from shequ.indicators.models import IndicatorValue  # noqa: E402
from shequ.registry.models import Resident  # noqa: E402
from shequ.territory.models import Level, Region  # noqa: E402
from shequ.workforce.demo_workers import load_demo_workers  # noqa: E402
from shequ.workforce.models import CommunityWorker  # noqa: E402

# #2: Σ floor area of service centres in service ÷ Σ active households, per county and for the city,
# over communities that have households and no unmeasured centre.
AREA_SQL = """
    WITH c AS (
        SELECT r.id, r.path,
               (SELECT COALESCE(SUM(f.floor_area_m2), 0) FROM facilities_facility f
                 WHERE f.community_id = r.id AND f.status IN ({statuses})
                   AND f.category IN ({service})) AS area,
               (SELECT COUNT(*) FROM facilities_facility f
                 WHERE f.community_id = r.id AND f.status IN ({statuses})
                   AND f.category IN ({service}) AND f.floor_area_m2 IS NULL) AS unmeasured,
               (SELECT COUNT(*) FROM registry_household h
                 WHERE h.community_id = r.id AND h.is_active) AS households
        FROM territory_region r
        WHERE r.level = 'community' AND NOT r.is_virtual AND r.path >= %s AND r.path < %s
    )
    SELECT substr(path, 1, %s) AS county, SUM(area), SUM(households)
    FROM c WHERE households > 0 AND unmeasured = 0
    GROUP BY county
"""
# #6: community workers serving today, by the county of their post's community.
WORKERS_SQL = """
    SELECT substr(r.path, 1, %s) AS county, COUNT(DISTINCT p.worker_id)
    FROM workforce_workerpost p
    JOIN workforce_communityworker w ON w.id = p.worker_id
    JOIN territory_region r ON r.id = p.community_id
    WHERE r.path >= %s AND r.path < %s AND p.started_on <= %s
      AND (p.ended_on IS NULL OR p.ended_on >= %s) AND w.status IN ('active', 'seconded', 'leave')
    GROUP BY county
"""
SNAPSHOT_SQL = """
    SELECT v.indicator, v.numerator, v.denominator, v.value, v.missing
    FROM indicators_indicatorvalue v JOIN territory_region r ON r.id = v.region_id
    WHERE v.year = %s AND (r.id = %s OR r.parent_id = %s)
"""


def floor(city: Region, county_length: int):
    from shequ.facilities.models import SERVICE_FACILITY_CATEGORIES, SERVING_STATUSES

    statuses = tuple(str(s) for s in SERVING_STATUSES)
    service = tuple(str(c) for c in SERVICE_FACILITY_CATEGORIES)
    today = calendar.localdate()
    low, high = city.path, upper_bound(city.path)

    area_sql = AREA_SQL.format(
        statuses=", ".join(["%s"] * len(statuses)), service=", ".join(["%s"] * len(service))
    )
    area_params = [*statuses, *service, *statuses, *service, low, high, county_length]

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(area_sql, area_params)
            cursor.fetchall()
            cursor.execute(WORKERS_SQL, [county_length, low, high, today, today])
            cursor.fetchall()

    return run


def main() -> None:
    _common.header("The plan's 13 indicators over the city (issue #10)")
    started = time.monotonic()
    _common.load_territory()
    from shequ.demo.generator import generate

    generate(residents=ARGS.residents)
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    for county in counties:
        load_demo_workers(county=county, seed=1)
    city = Region.objects.get(level=Level.CITY)
    load_default_targets(city)
    print(
        f"data: {Region.objects.count():,} regions, {Resident.objects.count():,} residents, "
        f"{CommunityWorker.objects.count():,} workers, built in {time.monotonic() - started:.0f} s"
    )
    year = calendar.localdate().year
    county_length = len(counties[0].path)

    with CaptureQueriesContext(connection) as captured:
        run = rebuild(year)
    print(f"first rebuild: {run.values_written:,} values, {len(captured.captured_queries)} queries")
    rows = [
        _common.compare(
            "full rebuild, 13 indicators × every region",
            lambda: rebuild(year),
            floor(city, county_length),
            floor_name="raw SQL for #2 and #6",
            repeat=ARGS.repeat,
            warmup=0,
        )
    ]

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages' manifest storage
    official = _common.staff_user("bench_city", "city_official", region=city)
    client = Client()
    client.force_login(official)
    url = f"/indicators/?year={year}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    page_queries = len(captured.captured_queries)

    def read_snapshots() -> None:
        with connection.cursor() as cursor:
            cursor.execute(SNAPSHOT_SQL, [year, city.pk, city.pk])
            cursor.fetchall()

    rows.append(
        _common.compare(
            "dashboard page, city",
            lambda: client.get(url),
            read_snapshots,
            floor_name="one raw query of the same rows",
            repeat=15,
            extra=f"{page_queries} queries",
        )
    )
    print(f"snapshot rows: {IndicatorValue.objects.filter(year=year).count():,}")
    _common.print_table(rows)


if __name__ == "__main__":
    main()
