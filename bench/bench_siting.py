"""Walking-network engine (issue #5, L2): where to build next, among every node of a city network.

Data: the same 250 000-node synthetic network as ``bench_coverage``; 5 000 uncovered estate points
spread over it, weighted by households U(100, 3 000); every node a candidate site.

Figures:
- ``best_sites(k=10)`` at the 1 000 m radius (the 15-minute circle) — the goal: under 10 s — and at
  3 000 m (the rural circle, the heaviest case), median of the runs, with the number of covering
  (estate, node) pairs and peak memory (``tracemalloc``, process max RSS);
- exactness on a subset: on a 20 000-node network with 600 estates, the picks and gains equal a
  slower exact method (dense all-pairs Dijkstra from every estate, textbook greedy on the dense
  coverage matrix), and the same picks for three demand-cell sizes.
Run: ``.venv/bin/python bench/bench_siting.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
from bench_coverage import city_network, max_rss_mb, points_over, timed

DEMAND = 5_000
K = 10
RADII_M = (1000.0, 3000.0)
REPEAT = 3


def dense_greedy(graph, nodes, offsets, weights, radius: float, k: int) -> list[tuple[int, float]]:
    """The slow exact reference: every node a candidate, a dense estates × nodes coverage matrix."""
    from scipy.sparse.csgraph import dijkstra

    covers = offsets[:, None] + dijkstra(graph.csr, directed=True, indices=nodes) <= radius
    uncovered = np.ones(nodes.size, dtype=bool)
    picks = []
    for _ in range(k):
        gains = weights @ (covers & uncovered[:, None])
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        picks.append((best, float(gains[best])))
        uncovered &= ~covers[:, best]
    return picks


def exactness_check() -> None:
    from shequ.facilities.siting import best_sites

    graph = city_network(side_m=11_280.0, seed=1)
    rng = np.random.default_rng(5)
    nodes, offsets = graph.snap(*points_over(graph, 600, rng))
    weights = rng.integers(100, 3000, nodes.size).astype(float)
    start = time.perf_counter()
    expected = dense_greedy(graph, nodes, offsets, weights, RADII_M[0], K)
    slow = time.perf_counter() - start
    same = []
    for cell_m in (300.0, 1000.0, 5000.0):
        start = time.perf_counter()
        sites = best_sites(graph, nodes, offsets, weights, radius_m=RADII_M[0], k=K, cell_m=cell_m)
        fast = time.perf_counter() - start
        same.append([(s.candidate, s.gain) for s in sites] == expected)
    print(
        f"exactness ({graph.n_nodes} nodes, 600 estates, {RADII_M[0]:.0f} m, k={K}): picks and gains"
        f" equal the dense exact greedy for cells of 300 / 1 000 / 5 000 m: {same};"
        f" dense {_common.fmt_time(slow)}, best_sites {_common.fmt_time(fast)}"
    )
    assert all(same)


def main() -> None:
    _common.setup_django(migrate=False)
    from shequ.facilities.siting import _Candidates, _coverage, best_sites

    _common.header("bench_siting: greedy maximal covering over every node, walking network engine")
    graph = timed("build synthetic network", city_network)
    graph.csr, graph.tree  # noqa: B018 (first-use builds, not timed below)
    rng = np.random.default_rng(1)
    nodes, offsets = graph.snap(*points_over(graph, DEMAND, rng))
    weights = rng.integers(100, 3000, DEMAND).astype(float)
    print(f"network: {graph.n_nodes} nodes, {graph.csr.nnz} directed entries; {DEMAND} estates")
    goal_met = False
    for radius in RADII_M:
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            sites = best_sites(graph, nodes, offsets, weights, radius_m=radius, k=K)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        cover = _coverage(
            graph, nodes, offsets, candidates=_Candidates.build(graph.n_nodes, None, None),
            radius_m=radius, cell_m=max(radius, 1000.0),
        )  # fmt: skip
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        median = statistics.median(times)
        covered = sum(s.covered.size for s in sites)
        print(
            f"best_sites k={K}, radius {radius:.0f} m, {graph.n_nodes} candidates:"
            f" median {_common.fmt_time(median)}, min {_common.fmt_time(min(times))} ({REPEAT} runs);"
            f" {cover.candidates_by_demand.size / 1e6:.1f} M covering pairs;"
            f" picks cover {covered} estates, weight {sum(s.gain for s in sites):.0f}"
            f" of {weights.sum():.0f}; tracemalloc peak {peak / 2**20:.0f} MiB,"
            f" max RSS so far {max_rss_mb():.0f} MiB"
        )
        if radius == RADII_M[0]:
            goal_met = median < 10.0
    exactness_check()
    print(f"load average now {_common.load_average()} (on 2 cores)")
    print(
        f"goal: top-10 sites among every node at 1 000 m under 10 s — {'met' if goal_met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
