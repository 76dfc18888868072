"""The staffing table (``workforce.queries.staffing.staffing``) over the whole city.

Data: the bundled Xuzhou territory, ``demo.generator.generate(scale=SCALE)`` for the grids, then the
demo workers (``workforce.demo_workers.load_demo_workers``, about 12 per community with posts, grid
posts and some social-work qualifications) in **every** county, so the city holds ~30,000 workers.

Figures, for a city official and for the county with most communities:
- ``staffing(user, place, today)``: the whole table (per child, the total, workers per 10,000);
against a floor of three hand-written aggregate queries (serving workers per child by path prefix;
grids without a full-time grid worker; communities with a generalist and without a disaster
informant) through ``connection.cursor()`` — the same counts with no ORM, no scoping, no rows built.
The query count of the real call is printed.
Run: ``.venv/bin/python bench/bench_staffing.py`` (add ``--scale 0.3`` for a quicker run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

parser = argparse.ArgumentParser()
parser.add_argument("--scale", type=float, default=1.0)
ARGS = parser.parse_args()

_common.setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from shequ.core.paths import upper_bound  # noqa: E402
from shequ.territory.models import Level, Region  # noqa: E402
from shequ.workforce.demo_workers import load_demo_workers  # noqa: E402
from shequ.workforce.models import CommunityWorker, SocialWorkQualification  # noqa: E402
from shequ.workforce.queries.staffing import staffing  # noqa: E402

SERVING = ("active", "seconded", "leave")

WORKERS_SQL = """
    SELECT substr(r.path, 1, %s) AS part, COUNT(DISTINCT p.worker_id),
           COUNT(DISTINCT CASE WHEN EXISTS (
               SELECT 1 FROM workforce_socialworkqualification q
               WHERE q.worker_id = p.worker_id AND q.obtained_on <= %s) THEN p.worker_id END)
    FROM workforce_workerpost p
    JOIN workforce_communityworker w ON w.id = p.worker_id
    JOIN territory_region r ON r.id = p.community_id
    WHERE r.path >= %s AND r.path < %s AND p.started_on <= %s
      AND (p.ended_on IS NULL OR p.ended_on >= %s) AND w.status IN ('active', 'seconded', 'leave')
    GROUP BY part
"""
GRIDS_SQL = """
    SELECT substr(g.path, 1, %s) AS part, COUNT(*),
           SUM(CASE WHEN NOT EXISTS (
               SELECT 1 FROM workforce_workerpost p JOIN workforce_communityworker w ON w.id = p.worker_id
               WHERE p.grid_id = g.id AND p.kind = 'grid_worker' AND p.started_on <= %s
                 AND (p.ended_on IS NULL OR p.ended_on >= %s)
                 AND w.status IN ('active', 'seconded', 'leave')) THEN 1 ELSE 0 END)
    FROM territory_grid g
    WHERE g.path >= %s AND g.path < %s AND NOT g.is_micro
    GROUP BY part
"""
COMMUNITIES_SQL = """
    SELECT substr(c.path, 1, %s) AS part, COUNT(*),
           SUM(CASE WHEN EXISTS (
               SELECT 1 FROM workforce_workerpost p JOIN workforce_communityworker w ON w.id = p.worker_id
               WHERE p.community_id = c.id AND p.kind = 'generalist' AND p.started_on <= %s
                 AND (p.ended_on IS NULL OR p.ended_on >= %s)
                 AND w.status IN ('active', 'seconded', 'leave')) THEN 1 ELSE 0 END),
           SUM(CASE WHEN NOT EXISTS (
               SELECT 1 FROM workforce_workerpost p JOIN workforce_communityworker w ON w.id = p.worker_id
               WHERE p.community_id = c.id AND p.kind = %s AND p.started_on <= %s
                 AND (p.ended_on IS NULL OR p.ended_on >= %s)
                 AND w.status IN ('active', 'seconded', 'leave')) THEN 1 ELSE 0 END)
    FROM territory_region c
    WHERE c.path >= %s AND c.path < %s AND c.level = 'community'
    GROUP BY part
"""


def floor_for(place: Region, informant: str):
    child = Region.objects.filter(parent=place).order_by("code").first()
    assert child is not None
    length = len(child.path)
    low, high = place.path, upper_bound(place.path)
    today = timezone.localdate()

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(WORKERS_SQL, [length, today, low, high, today, today])
            cursor.fetchall()
            cursor.execute(GRIDS_SQL, [length, today, today, low, high])
            cursor.fetchall()
            cursor.execute(
                COMMUNITIES_SQL,
                [length, today, today, informant, today, today, low, high],
            )
            cursor.fetchall()

    return run


def main() -> None:
    _common.header("Staffing table over the city (issue #6)")
    started = time.monotonic()
    _common.load_territory()
    _common.load_demo(scale=ARGS.scale)
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    for county in counties:
        load_demo_workers(county=county, seed=1)
    # A share of the workers certified, as the demo's development data would make them.
    today = timezone.localdate()
    SocialWorkQualification.objects.bulk_create(
        [
            SocialWorkQualification(
                worker_id=pk, level="assistant", certificate_number=f"B{pk:09d}", obtained_on=today
            )
            for pk in CommunityWorker.objects.values_list("pk", flat=True)
            if pk % 3 == 0
        ],
        batch_size=2000,
    )
    print(
        f"data: {Region.objects.filter(level=Level.COMMUNITY).count():,} communities, "
        f"{CommunityWorker.objects.count():,} workers, built in {time.monotonic() - started:.0f} s"
    )
    city = Region.objects.get(level=Level.CITY)
    county = max(
        counties,
        key=lambda c: Region.objects.filter(path__under=c.path, level=Level.COMMUNITY).count(),
    )
    official = _common.staff_user("bench_city", "city_official", region=city)
    informant = "disaster_informant"
    rows = []
    for label, place in (("city", city), (f"county {county.name}", county)):
        with CaptureQueriesContext(connection) as captured:
            staffing(official, place, today)
        rows.append(
            _common.compare(
                f"staffing table, {label}",
                lambda place=place: staffing(official, place, today),
                floor_for(place, informant),
                floor_name="3 raw aggregate queries",
                repeat=9,
                extra=f"{len(captured.captured_queries)} queries",
            )
        )
    _common.print_table(rows)


if __name__ == "__main__":
    main()
