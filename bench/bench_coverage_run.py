"""A whole coverage run through the database (issue #5, L2), on PostgreSQL: what a city's refresh costs.

``bench_coverage.py`` times the engine alone; this times ``actions.coverage.run_coverage`` end to end
on the same scale: a city of 225 communities (a 15 × 15 grid) with 20 000 estates, 5 000 facilities in 12 categories
and the platform's standard (five circles, 25 requirements), on a 250 000-node synthetic network stored
as a ``WalkingNetwork``. Phases, each timed inside one run (median of ``--rounds`` runs):

- reading the inputs (estates, households and elderly residents from the registry — empty here, so
  this is a floor for a real city, where the counts read the registry's indexes — and facilities);
- decoding the stored network (once per process; later runs reuse it; the setup's own run has
  decoded it already, so the figure printed is the cached lookup);
- measuring: one bounded multi-source pass per distinct facility set;
- writing the run's rows with ``core.bulk`` (COPY);
against the floor of the same process: the bare ``scipy.sparse.csgraph.dijkstra(min_only=True)``
calls for the same facility sets on the same CSR, and a plain ``COPY`` of as many rows of the same
width into a scratch table.

Run: ``.venv/bin/python bench/bench_coverage_run.py [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases
import _common

CENTRE = (34.2610, 117.1849)
SIDE_M = 39_920.0
COMMUNITIES = 225
ESTATES = 20_000
CATEGORY_SIZES = [1500, 1000, 700, 500, 400, 300, 200, 150, 100, 80, 50, 20]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def build_city(rng: np.random.Generator) -> tuple[object, object]:
    from shequ.facilities.actions.networks import save_network
    from shequ.facilities.models import Facility, FacilityCategory, NetworkSource
    from shequ.facilities.synthetic import synthetic_network
    from shequ.territory.models import Estate, Kind, Level, Region

    def region(
        code: str, level: str, kind: str, parent: Region | None, lat: float, lng: float
    ) -> Region:
        path = (parent.path if parent else "") + code + "/"
        return Region.objects.create(
            code=code, name=f"基准{code}", level=level, kind=kind, parent=parent, path=path,
            depth=path.count("/") - 1, is_urban=True, centre_lat=lat, centre_lng=lng,
        )  # fmt: skip

    graph = synthetic_network(
        centre_lat=CENTRE[0], centre_lng=CENTRE[1], width_m=SIDE_M, height_m=SIDE_M, seed=0
    )
    lat_lo, lat_hi = float(graph.lat.min()), float(graph.lat.max())
    lng_lo, lng_hi = float(graph.lng.min()), float(graph.lng.max())
    city = region("320300", Level.CITY, Kind.CITY, None, *CENTRE)
    county = region("320302", Level.COUNTY, Kind.DISTRICT, city, *CENTRE)
    township = region("320302001", Level.TOWNSHIP, Kind.SUBDISTRICT, county, *CENTRE)
    side = int(np.sqrt(COMMUNITIES))
    communities = []
    for i in range(side * side):
        row, col = divmod(i, side)
        lat = lat_lo + (row + 0.5) * (lat_hi - lat_lo) / side
        lng = lng_lo + (col + 0.5) * (lng_hi - lng_lo) / side
        communities.append(
            region(f"320302001{i:03d}", Level.COMMUNITY, Kind.URBAN_COMMUNITY, township, lat, lng)
        )
    e_lat = rng.uniform(lat_lo, lat_hi, ESTATES)
    e_lng = rng.uniform(lng_lo, lng_hi, ESTATES)

    def nearest_community(lat: float, lng: float) -> Region:
        row = min(side - 1, int((lat - lat_lo) / (lat_hi - lat_lo) * side))
        col = min(side - 1, int((lng - lng_lo) / (lng_hi - lng_lo) * side))
        return communities[row * side + col]

    Estate.objects.bulk_create(
        [
            Estate(community=nearest_community(a, b), name=f"小区{i}", centre_lat=a, centre_lng=b)
            for i, (a, b) in enumerate(zip(e_lat, e_lng, strict=True))
        ],
        batch_size=5000,
    )
    categories = list(FacilityCategory.values)[: len(CATEGORY_SIZES)]
    facilities = []
    for category, size in zip(categories, CATEGORY_SIZES, strict=True):
        f_lat = rng.uniform(lat_lo, lat_hi, size)
        f_lng = rng.uniform(lng_lo, lng_hi, size)
        facilities += [
            Facility(community=nearest_community(a, b), category=category, name=f"{category}{i}",
                     lat=a, lng=b)
            for i, (a, b) in enumerate(zip(f_lat, f_lng, strict=True))
        ]  # fmt: skip
    Facility.objects.bulk_create(facilities, batch_size=5000)
    save_network(region=city, graph=graph, name="基准路网", source=NetworkSource.SYNTHETIC, by=None)
    return city, graph


def floors(graph: object, sets: list[np.ndarray], rows: int, width: int) -> tuple[float, float]:
    """The bare SciPy calls for the same facility sets, and a plain COPY of as many rows."""
    from django.db import connection
    from scipy.sparse.csgraph import dijkstra

    csr = graph.csr  # type: ignore[attr-defined]
    started = time.perf_counter()
    for nodes in sets:
        if nodes.size:
            dijkstra(csr, directed=True, indices=np.unique(nodes), limit=5000.0, min_only=True)
    scipy_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_copy (a bigint, b bigint, c varchar(30), d bigint,"
            " e double precision, f bigint, g boolean, h boolean)"
        )
        cursor.execute("TRUNCATE bench_copy")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy FROM STDIN") as copy:
            row = (1, 2, "elderly_day_care", 3, 412.5, 7, False, True)
            for _ in range(rows):
                copy.write_row(row)
        copy_s = time.perf_counter() - started
    return scipy_s, copy_s


def main() -> None:
    args = parse_args()
    _cases.setup_postgres("shequ_bench_coverage_run")
    from django.utils import timezone

    from shequ.facilities.actions import coverage
    from shequ.facilities.models import CircleRequirement, CoverageRun, EstateAccess, RunStatus
    from shequ.facilities.queries.networks import active_networks, graph_of

    _common.header("bench_coverage_run: a whole coverage run through PostgreSQL")
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    city, graph = build_city(rng)
    print(f"city built in {time.perf_counter() - started:.1f} s: {ESTATES:,} estates, "
          f"{sum(CATEGORY_SIZES):,} facilities, {graph.n_nodes:,} nodes, {graph.csr.nnz:,} directed entries")  # type: ignore[attr-defined]  # fmt: skip

    requirements = list(CircleRequirement.objects.select_related("circle"))
    phases: dict[str, list[float]] = {"inputs": [], "measure": [], "write": [], "total": []}
    decode = 0.0
    rows = 0
    sets: list[np.ndarray] = []
    for round_ in range(args.rounds):
        (run,) = coverage.request_refresh(reason="bench", region=city, enqueue=False)
        t0 = time.perf_counter()
        inputs = coverage.load_inputs(city, timezone.localdate())
        t1 = time.perf_counter()
        networks = active_networks(city)
        if round_ == 0:
            d0 = time.perf_counter()
            graph_of(networks[0])
            decode = time.perf_counter() - d0
        t2 = time.perf_counter()
        measured, sets_by_key, _chosen = coverage.measure(
            inputs, requirements, networks, coverage._search_limit(requirements)
        )
        t3 = time.perf_counter()
        coverage._write(run, inputs, measured, requirements)
        t4 = time.perf_counter()
        phases["inputs"].append(t1 - t0)
        phases["measure"].append(t3 - t2)
        phases["write"].append(t4 - t3)
        phases["total"].append((t1 - t0) + (t3 - t2) + (t4 - t3))
        rows = EstateAccess.objects.filter(run=run).count()
        CoverageRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE
        )  # the next round queues anew
        sets = [
            graph.snap(inputs.facility_lat[idx], inputs.facility_lng[idx])[0]  # type: ignore[attr-defined]
            for idx in {v.tobytes(): v for v in sets_by_key.values()}.values()
        ]
    scipy_s, copy_s = floors(graph, sets, rows, 8)
    print()
    print("## bench_coverage_run")
    print(f"rows written per run: {rows:,} estate–category/requirement pairs, {ESTATES:,} estates; "
          f"distinct facility sets searched: {len(sets)}")  # fmt: skip
    print(f"network decoded once per process: {decode:.2f} s")
    for name, values in phases.items():
        print(f"{name}: median {statistics.median(values):.2f} s (" +
              ", ".join(f"{v:.2f}" for v in values) + ")")  # fmt: skip
    print(f"floor, same process: bare SciPy for the same sets {scipy_s:.2f} s; plain COPY of {rows:,} "
          f"rows {copy_s:.2f} s; sum {scipy_s + copy_s:.2f} s")  # fmt: skip
    total = statistics.median(phases["total"])
    print(f"run / floor: {total / (scipy_s + copy_s):.2f}×; measure / SciPy: "
          f"{statistics.median(phases['measure']) / scipy_s:.2f}×; load average {_common.load_average()}")  # fmt: skip


if __name__ == "__main__":
    main()
