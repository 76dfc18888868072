"""Greedy maximal covering, checked against a dense brute-force greedy on a small network."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from shequ.facilities.network import WalkingGraph
from shequ.facilities.siting import best_sites
from shequ.facilities.synthetic import synthetic_network

RADIUS = 500.0


@pytest.fixture(scope="module")
def graph() -> WalkingGraph:
    return synthetic_network(
        centre_lat=34.2610, centre_lng=117.1849, width_m=3000, height_m=2000, spacing_m=100, seed=3
    )


@pytest.fixture(scope="module")
def demand(graph: WalkingGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    nodes = rng.integers(0, graph.n_nodes, 160)
    offsets = rng.uniform(0, 60, 160)
    offsets[:3] = RADIUS + 1  # too far from the network to be covered by anything
    weights = rng.integers(1, 40, 160).astype(float)
    weights[3:6] = 0.0
    return nodes, offsets, weights


def _brute_greedy(graph, demand, cand_nodes, cand_offsets, k):
    """The textbook greedy on a dense coverage matrix built from all-pairs distances."""
    nodes, offsets, weights = demand
    walk = dijkstra(graph.csr, directed=True, indices=nodes)[:, cand_nodes]
    covers = (offsets[:, None] + walk) + cand_offsets[None, :] <= RADIUS
    uncovered = np.ones(nodes.size, dtype=bool)
    picks = []
    for _ in range(k):
        gains = (covers & uncovered[:, None]).T.astype(float) @ weights
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        newly = np.flatnonzero(covers[:, best] & uncovered)
        picks.append((best, float(gains[best]), newly.tolist()))
        uncovered[newly] = False
    return picks


def _as_tuples(sites):
    return [(s.candidate, s.gain, s.covered.tolist()) for s in sites]


@pytest.mark.parametrize("cell_m", [150.0, 1000.0, 1e6])
def test_candidates_with_offsets_match_brute_force_for_any_tiling(graph, demand, cell_m) -> None:
    rng = np.random.default_rng(2)
    cand_nodes = rng.integers(0, graph.n_nodes, 300)
    cand_offsets = rng.uniform(0, 40, 300)
    sites = best_sites(
        graph, *demand, radius_m=RADIUS, k=8,
        candidate_nodes=cand_nodes, candidate_offsets=cand_offsets, cell_m=cell_m,
    )  # fmt: skip
    expected = _brute_greedy(graph, demand, cand_nodes, cand_offsets, 8)
    assert len(expected) == 8
    assert _as_tuples(sites) == expected
    assert [s.node for s in sites] == [int(cand_nodes[c]) for c, _g, _d in expected]


def test_every_node_a_candidate_matches_brute_force(graph, demand) -> None:
    sites = best_sites(graph, *demand, radius_m=RADIUS, k=10)
    every = np.arange(graph.n_nodes)
    expected = _brute_greedy(graph, demand, every, np.zeros(graph.n_nodes), 10)
    assert _as_tuples(sites) == expected
    assert all(s.node == s.candidate for s in sites)
    assert sites[0].gain >= sites[-1].gain > 0


def test_far_off_demand_is_never_covered(graph, demand) -> None:
    sites = best_sites(graph, *demand, radius_m=RADIUS, k=200)
    covered = np.concatenate([s.covered for s in sites])
    assert not set(covered.tolist()) & {0, 1, 2}
    assert len(set(covered.tolist())) == covered.size  # each point covered once


def test_stops_when_nothing_is_left_and_ties_go_to_the_lowest_index(graph) -> None:
    # Three points on one node, weights that do not add up exactly in binary (0.1 + 0.2 + 0.3).
    nodes = np.array([50, 50, 50])
    sites = best_sites(
        graph, nodes, np.zeros(3), np.array([0.1, 0.2, 0.3]), radius_m=RADIUS, k=5,
        candidate_nodes=[50, 50, 51], candidate_offsets=[0.0, 0.0, 0.0],
    )  # fmt: skip
    assert len(sites) == 1  # the other candidates are left with exactly 0, not a rounding residue
    assert sites[0].candidate == 0
    assert sites[0].covered.tolist() == [0, 1, 2]
    assert sites[0].gain == pytest.approx(0.6)


def test_zero_weight_and_zero_k(graph, demand) -> None:
    nodes, offsets, _weights = demand
    assert best_sites(graph, nodes, offsets, np.zeros(nodes.size), radius_m=RADIUS, k=3) == []
    assert best_sites(graph, *demand, radius_m=RADIUS, k=0) == []
    assert best_sites(graph, [], [], [], radius_m=RADIUS, k=3) == []


def test_bad_arguments_are_refused(graph, demand) -> None:
    nodes, offsets, weights = demand
    with pytest.raises(ValueError):
        best_sites(graph, nodes, offsets, -weights, radius_m=RADIUS, k=1)
    with pytest.raises(ValueError):
        best_sites(graph, nodes, offsets, weights, radius_m=RADIUS, k=1, candidate_nodes=[1])
    with pytest.raises(ValueError):
        best_sites(graph, [graph.n_nodes], [0.0], [1.0], radius_m=RADIUS, k=1)
    with pytest.raises(ValueError):
        best_sites(graph, nodes, offsets[:-1], weights, radius_m=RADIUS, k=1)
