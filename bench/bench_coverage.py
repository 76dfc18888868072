"""Walking-network engine (issue #5, L2): nearest facility of each of 12 categories for 20 000 estates.

Data: ``synthetic_network`` over 40 km × 40 km at 80 m spacing (250 000 nodes, about a million
directed CSR entries); 20 000 estate points uniformly over it; 12 facility categories of 20 to 1 500
facilities (5 000 in all) at random points; search limit 3 000 m (the rural circle, the widest).

Figures:
- first-use costs: building the network, its CSR matrix, KD-tree and components; snapping the
  20 000 estates once (the app does this once for all categories);
- the 12 ``nearest_points`` calls with the estates' snap passed in (each snaps its facilities, runs
  one bounded multi-source Dijkstra with per-facility offsets, gathers per-estate results) against
  the floor: the 12 bare ``scipy.sparse.csgraph.dijkstra(min_only=True, limit=3000)`` calls on the
  same prebuilt CSR from the same facility nodes, interleaved, median of the rounds;
- peak memory of one round of the 12 calls: ``tracemalloc`` (numpy arrays are traced) and the
  process's maximum RSS;
- networkx agreement and speed on one category over a 20 000-node network.
Goals: the 12 calls under 5 s and within 3× of the floor.
Run: ``.venv/bin/python bench/bench_coverage.py``.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

CENTRE = (34.2610, 117.1849)  # Xuzhou
CITY_SIDE_M = 39_920.0  # 500 × 500 lattice nodes at 80 m
ESTATES = 20_000
CATEGORY_SIZES = [1500, 1000, 700, 500, 400, 300, 200, 150, 100, 80, 50, 20]
LIMIT_M = 3000.0
REPEAT = 5


def city_network(side_m: float = CITY_SIDE_M, seed: int = 0):
    from shequ.facilities.synthetic import synthetic_network

    return synthetic_network(
        centre_lat=CENTRE[0], centre_lng=CENTRE[1], width_m=side_m, height_m=side_m, seed=seed
    )


def points_over(graph, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniformly over the network's bounding box."""
    lat = rng.uniform(graph.lat.min(), graph.lat.max(), n)
    lng = rng.uniform(graph.lng.min(), graph.lng.max(), n)
    return lat, lng


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    print(f"{label}: {_common.fmt_time(time.perf_counter() - start)}")
    return value


def networkx_check() -> None:
    """One category on a 20 000-node network: our result against networkx, node by node."""
    import networkx as nx

    from shequ.facilities.network import nearest

    graph = city_network(side_m=11_280.0, seed=1)  # 142 × 142 lattice
    rng = np.random.default_rng(3)
    f_nodes, f_offsets = graph.snap(*points_over(graph, 100, rng))
    ours_s = time.perf_counter()
    ours, _winner = nearest(graph, f_nodes, f_offsets, limit_m=LIMIT_M)
    ours_s = time.perf_counter() - ours_s
    reference = nx.Graph()
    reference.add_weighted_edges_from(
        zip(graph.src.tolist(), graph.dst.tolist(), graph.length.tolist(), strict=True)
    )
    for node, offset in zip(f_nodes.tolist(), f_offsets.tolist(), strict=True):
        previous = reference.get_edge_data("S", node, {}).get("weight", np.inf)
        reference.add_edge("S", node, weight=min(previous, offset))
    theirs_s = time.perf_counter()
    theirs = nx.multi_source_dijkstra_path_length(reference, {"S"}, cutoff=LIMIT_M)
    theirs_s = time.perf_counter() - theirs_s
    theirs.pop("S")
    reached = np.zeros(graph.n_nodes, dtype=bool)
    reached[list(theirs)] = True
    same_reach = bool(np.array_equal(np.isfinite(ours), reached))
    expected = np.array([theirs[v] for v in np.flatnonzero(reached).tolist()])
    worst = float(np.abs(ours[reached] - expected).max())
    print(
        f"networkx check ({graph.n_nodes} nodes, 100 facilities with offsets, limit {LIMIT_M:.0f} m):"
        f" same reached set: {same_reach}; max |difference| {worst:.2e} m;"
        f" ours {_common.fmt_time(ours_s)}, networkx {_common.fmt_time(theirs_s)}"
        f" ({theirs_s / ours_s:.0f}×)"
    )
    assert same_reach and worst < 0.01


def main() -> None:
    _common.setup_django(migrate=False)
    from scipy.sparse.csgraph import dijkstra

    from shequ.facilities.network import nearest_points

    _common.header("bench_coverage: nearest facility per category, walking network engine")
    graph = timed("build synthetic network", city_network)
    timed("first use: CSR matrix", lambda: graph.csr)
    timed("first use: KD-tree", lambda: graph.tree)
    labels = timed("first use: connected components", lambda: graph.components)
    print(
        f"network: {graph.n_nodes} nodes, {graph.n_edges} edges = {graph.csr.nnz} directed CSR"
        f" entries, {int(labels.max()) + 1} components, {graph.length.sum() / 1000:.0f} km"
    )
    rng = np.random.default_rng(0)
    e_lat, e_lng = points_over(graph, ESTATES, rng)
    snap = timed(f"snap {ESTATES} estates once", lambda: graph.snap(e_lat, e_lng))
    print(f"estate snap distance: median {np.median(snap[1]):.1f} m, max {snap[1].max():.1f} m")
    categories = [points_over(graph, n, rng) for n in CATEGORY_SIZES]
    fac_nodes = [graph.snap(lat, lng)[0] for lat, lng in categories]
    print(f"categories: {len(categories)}, facilities {sum(CATEGORY_SIZES)}, limit {LIMIT_M:.0f} m")

    def engine() -> list:
        return [
            nearest_points(graph, e_lat, e_lng, lat, lng, limit_m=LIMIT_M, point_snap=snap)
            for lat, lng in categories
        ]

    def floor() -> list:
        return [
            dijkstra(graph.csr, directed=True, indices=nodes, min_only=True, limit=LIMIT_M)
            for nodes in fac_nodes
        ]

    row = _common.compare(
        "12 × nearest_points (20 000 estates)",
        engine,
        floor,
        floor_name="12 × bare scipy dijkstra(min_only, limit) on the same CSR and source nodes",
        repeat=REPEAT,
        warmup=1,
    )
    tracemalloc.start()
    results = engine()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    within = np.mean([np.isfinite(r.distance_m).mean() for r in results])
    print(f"share of estate × category pairs with a facility within {LIMIT_M:.0f} m: {within:.1%}")
    print(
        f"memory: tracemalloc peak during one round {peak / 2**20:.0f} MiB;"
        f" process max RSS {max_rss_mb():.0f} MiB"
    )
    networkx_check()
    _common.print_table([row], title="bench_coverage")
    under = row.real.median < 5.0
    ratio = row.ratio or float("inf")
    print(f"goal: 12 categories under 5 s — {'met' if under else 'NOT met'}")
    print(f"goal: within 3× of the floor — {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}×)")


if __name__ == "__main__":
    main()
