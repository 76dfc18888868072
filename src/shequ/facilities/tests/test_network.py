"""The walking graph and its searches, checked against brute-force all-pairs Dijkstra."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from shequ.facilities import network
from shequ.facilities.geo import haversine_m
from shequ.facilities.network import NetworkError, WalkingGraph, nearest, nearest_points
from shequ.facilities.synthetic import synthetic_network

CENTRE = (34.2610, 117.1849)


@pytest.fixture(scope="module")
def small() -> WalkingGraph:
    return synthetic_network(
        centre_lat=CENTRE[0], centre_lng=CENTRE[1], width_m=2400, height_m=1600, spacing_m=100
    )


def _line(n: int, step_deg: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """Points along a parallel, ``step_deg`` apart."""
    return np.full(n, CENTRE[0]), CENTRE[1] + step_deg * np.arange(n)


def _all_pairs(graph: WalkingGraph, nodes: np.ndarray) -> np.ndarray:
    return dijkstra(graph.csr, directed=True, indices=nodes)


# --- Building a graph --------------------------------------------------------------------------


def test_parallel_edges_keep_the_shortest_and_self_loops_go() -> None:
    lat, lng = _line(3)
    chord = float(haversine_m(lat[0], lng[0], lat[1], lng[1]))  # ≈ 92 m
    graph = WalkingGraph.from_edges(
        lat, lng, [0, 1, 0, 1, 2, 1], [1, 0, 1, 2, 2, 1], [150.0, 120.0, 130.0, 200.0, 5.0, 9.0]
    )
    assert graph.n_edges == 2
    assert graph.src.tolist() == [0, 1] and graph.dst.tolist() == [1, 2]
    assert graph.length.tolist() == [120.0, 200.0]
    # The CSR matrix holds the minimum, not the sum (150 + 120 + 130) a duplicate entry would give.
    dense = graph.csr.toarray()
    assert dense[0, 1] == dense[1, 0] == 120.0
    assert graph.csr.nnz == 4
    dist, winner = nearest(graph, [0], [0.0], limit_m=1e9)
    assert dist.tolist() == [0.0, 120.0, 320.0] and winner.tolist() == [0, 0, 0]
    assert chord < 120


def test_lengths_default_to_and_are_never_below_the_straight_line() -> None:
    lat, lng = _line(3)
    chord = haversine_m(lat[:-1], lng[:-1], lat[1:], lng[1:])
    computed = WalkingGraph.from_edges(lat, lng, [0, 1], [1, 2])
    np.testing.assert_allclose(computed.length, chord, rtol=1e-12)
    clamped = WalkingGraph.from_edges(lat, lng, [0, 1], [1, 2], [10.0, 500.0])
    assert clamped.length[0] == pytest.approx(float(chord[0]))
    assert clamped.length[1] == 500.0


def test_coincident_nodes_get_the_minimum_edge_length() -> None:
    graph = WalkingGraph.from_edges([34.0, 34.0, 34.001], [117.0, 117.0, 117.0], [0, 1], [1, 2])
    assert graph.length[0] == network.MIN_EDGE_M
    assert graph.csr.nnz == 4  # the 1 mm edge is stored, both ways


def test_unused_nodes_are_dropped_and_the_rest_renumbered_in_order() -> None:
    lat, lng = _line(5)
    graph = WalkingGraph.from_edges(lat, lng, [1, 4], [3, 3])
    assert graph.n_nodes == 3
    np.testing.assert_array_equal(graph.lng, lng[[1, 3, 4]])
    assert sorted(zip(graph.src.tolist(), graph.dst.tolist(), strict=True)) == [(0, 1), (1, 2)]
    assert graph.src.dtype == np.int32 and graph.lat.dtype == np.float64


@pytest.mark.parametrize(
    ("lat", "src", "dst", "length", "words"),
    [
        ([34.0, np.nan], [0], [1], None, "坐标无效"),
        ([34.0, 95.0], [0], [1], None, "坐标无效"),
        ([34.0, 34.001], [0], [2], None, "不存在的节点"),
        ([34.0, 34.001], [-1], [1], None, "不存在的节点"),
        ([34.0, 34.001], [0], [1], [-5.0], "长度无效"),
        ([34.0, 34.001], [0], [1], [np.inf], "长度无效"),
        ([34.0, 34.001], [0, 1], [0, 1], None, "没有可用的路段"),
        ([34.0, 34.001], [], [], None, "没有可用的路段"),
    ],
)
def test_bad_edge_lists_raise_network_error(lat, src, dst, length, words) -> None:
    with pytest.raises(NetworkError) as caught:
        WalkingGraph.from_edges(lat, [117.0] * len(lat), src, dst, length)
    assert words in caught.value.message
    assert str(caught.value) == caught.value.message


def test_node_ids_must_be_integers() -> None:
    with pytest.raises(TypeError):
        WalkingGraph.from_edges([34.0, 34.001], [117.0, 117.0], [0.0], [1.0])


def test_npz_round_trip_and_corrupt_bytes(small: WalkingGraph) -> None:
    data = small.to_npz_bytes()
    again = WalkingGraph.from_npz_bytes(data)
    for key in ("lat", "lng", "src", "dst", "length"):
        np.testing.assert_array_equal(getattr(again, key), getattr(small, key))
        assert getattr(again, key).dtype == getattr(small, key).dtype
    for bad in (b"", b"not a zip file", data[: len(data) // 2]):
        with pytest.raises(NetworkError):
            WalkingGraph.from_npz_bytes(bad)


def test_npz_with_pickled_objects_is_refused() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, format=np.int64(1), lat=np.array([{"x": 1}], dtype=object))
    with pytest.raises(NetworkError):
        WalkingGraph.from_npz_bytes(buffer.getvalue())


def test_csr_is_symmetric_and_components_label_pieces() -> None:
    lat, lng = _line(4)
    graph = WalkingGraph.from_edges(lat, lng, [0, 2], [1, 3])
    dense = graph.csr.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    labels = graph.components
    assert labels[0] == labels[1] != labels[2] == labels[3]


# --- Snapping ----------------------------------------------------------------------------------


def test_snap_finds_the_nearest_node_and_its_true_distance(small: WalkingGraph) -> None:
    rng = np.random.default_rng(11)
    lat = CENTRE[0] + rng.uniform(-0.006, 0.006, 200)
    lng = CENTRE[1] + rng.uniform(-0.012, 0.012, 200)
    nodes, offsets = small.snap(lat, lng)
    np.testing.assert_allclose(offsets, haversine_m(lat, lng, small.lat[nodes], small.lng[nodes]))
    every = haversine_m(lat[:, None], lng[:, None], small.lat[None, :], small.lng[None, :])
    best = every.min(axis=1)
    assert bool(np.all(offsets <= best * 1.001 + 1e-9))
    assert float(np.mean(offsets == best)) > 0.95
    empty_nodes, empty_offsets = small.snap([], [])
    assert empty_nodes.size == 0 and empty_offsets.size == 0


def test_snap_refuses_bad_coordinates(small: WalkingGraph) -> None:
    with pytest.raises(NetworkError):
        small.snap([np.nan], [117.0])


# --- nearest -----------------------------------------------------------------------------------


def _brute_nearest(graph, nodes, offsets, limit):
    """Minimum over sources of offset + all-pairs distance, inf beyond the limit."""
    total = offsets[:, None] + _all_pairs(graph, nodes)
    best = total.min(axis=0)
    best[best > limit] = np.inf
    return best, total


def test_nearest_with_offsets_matches_brute_force(small: WalkingGraph) -> None:
    rng = np.random.default_rng(5)
    nodes = rng.choice(small.n_nodes, 25, replace=False)
    offsets = rng.uniform(0, 60, 25)
    offsets[:5] = 0.0
    limit = 450.0
    dist, winner = nearest(small, nodes, offsets, limit_m=limit)
    expected, total = _brute_nearest(small, nodes, offsets, limit)
    reached = np.isfinite(expected)
    assert 0.2 < reached.mean() < 0.95  # the limit matters in this case
    np.testing.assert_array_equal(np.isfinite(dist), reached)
    np.testing.assert_allclose(dist[reached], expected[reached], rtol=1e-12)
    assert bool(np.all(winner[~reached] == -1))
    # The winner's own distance is the reported one.
    index = np.flatnonzero(reached)
    np.testing.assert_allclose(total[winner[index], index], dist[index], rtol=1e-12)


def test_zero_offsets_start_at_zero_on_their_node(small: WalkingGraph) -> None:
    dist, winner = nearest(small, [10, 200], [0.0, 0.0], limit_m=300)
    assert dist[10] == 0.0 and winner[10] == 0
    assert dist[200] == 0.0 and winner[200] == 1
    neighbours = small.csr.indices[small.csr.indptr[10] : small.csr.indptr[11]]
    for v in neighbours:
        if winner[v] == 0:
            assert dist[v] == small.csr[10, v]


def test_several_sources_on_one_node_the_closest_wins(small: WalkingGraph) -> None:
    dist, winner = nearest(small, [42, 42, 42], [30.0, 10.0, 20.0], limit_m=500)
    assert dist[42] == 10.0 and winner[42] == 1
    assert set(winner[np.isfinite(dist)].tolist()) == {1}


def test_the_limit_is_inclusive_and_counts_the_offset() -> None:
    lat, lng = _line(3)
    graph = WalkingGraph.from_edges(lat, lng, [0, 1], [1, 2], [100.0, 100.0])
    dist, winner = nearest(graph, [0], [50.0], limit_m=150.0)
    assert dist.tolist() == [50.0, 150.0, np.inf]
    assert winner.tolist() == [0, 0, -1]


def test_no_sources_reach_nothing(small: WalkingGraph) -> None:
    dist, winner = nearest(small, [], [], limit_m=1000)
    assert bool(np.all(np.isinf(dist))) and bool(np.all(winner == -1))
    assert dist.size == small.n_nodes


def test_more_sources_than_the_spare_room_and_the_graph_stays_intact(small: WalkingGraph) -> None:
    before = small.csr.toarray()
    rng = np.random.default_rng(9)
    count = network._SPARE_SOURCES + 500
    nodes = rng.integers(0, small.n_nodes, count)
    offsets = rng.uniform(0, 40, count)
    dist, winner = nearest(small, nodes, offsets, limit_m=200)
    expected, total = _brute_nearest(small, nodes, offsets, 200)
    np.testing.assert_array_equal(np.isfinite(dist), np.isfinite(expected))
    reached = np.flatnonzero(np.isfinite(expected))
    np.testing.assert_allclose(dist[reached], expected[reached], rtol=1e-12)
    np.testing.assert_allclose(total[winner[reached], reached], dist[reached], rtol=1e-12)
    np.testing.assert_array_equal(small.csr.toarray(), before)
    # A later small search still sees only its own sources.
    dist, winner = nearest(small, [0], [0.0], limit_m=0.0)
    assert np.isfinite(dist).sum() == 1 and winner[0] == 0


def test_nearest_checks_its_arguments(small: WalkingGraph) -> None:
    with pytest.raises(ValueError):
        nearest(small, [small.n_nodes], [0.0], limit_m=10)
    with pytest.raises(ValueError):
        nearest(small, [0], [-1.0], limit_m=10)
    with pytest.raises(ValueError):
        nearest(small, [0], [0.0], limit_m=float("nan"))


# --- nearest_points and the straight-line fallback ---------------------------------------------


def test_nearest_points_adds_both_offsets_and_caps_the_total(small: WalkingGraph) -> None:
    rng = np.random.default_rng(21)
    p_lat = CENTRE[0] + rng.uniform(-0.006, 0.006, 300)
    p_lng = CENTRE[1] + rng.uniform(-0.012, 0.012, 300)
    f_lat = CENTRE[0] + rng.uniform(-0.006, 0.006, 12)
    f_lng = CENTRE[1] + rng.uniform(-0.012, 0.012, 12)
    limit = 600.0
    result = nearest_points(small, p_lat, p_lng, f_lat, f_lng, limit_m=limit)
    assert result.method == "network"
    p_nodes, p_off = small.snap(p_lat, p_lng)
    f_nodes, f_off = small.snap(f_lat, f_lng)
    total = p_off[:, None] + _all_pairs(small, p_nodes)[:, f_nodes] + f_off[None, :]
    expected = total.min(axis=1)
    expected[expected > limit] = np.inf
    found = np.isfinite(expected)
    assert 0.2 < found.mean() < 1.0
    np.testing.assert_array_equal(np.isfinite(result.distance_m), found)
    np.testing.assert_allclose(result.distance_m[found], expected[found], rtol=1e-12)
    np.testing.assert_array_equal(result.facility[~found], -1)
    chosen = total[np.flatnonzero(found), result.facility[found]]
    np.testing.assert_allclose(chosen, expected[found], rtol=1e-12)
    np.testing.assert_array_equal(result.snap_m, p_off)
    assert not result.unreachable.any()
    again = nearest_points(
        small, p_lat, p_lng, f_lat, f_lng, limit_m=limit, point_snap=(p_nodes, p_off)
    )
    np.testing.assert_array_equal(again.distance_m, result.distance_m)
    np.testing.assert_array_equal(again.facility, result.facility)


def test_a_disconnected_piece_is_reported_unreachable_not_far() -> None:
    # Two separate streets 1 km apart; the only facility is on the first.
    lat = np.array([34.0, 34.0, 34.0, 34.009, 34.009, 34.009])
    lng = np.array([117.0, 117.001, 117.002, 117.0, 117.001, 117.002])
    graph = WalkingGraph.from_edges(lat, lng, [0, 1, 3, 4], [1, 2, 4, 5])
    result = nearest_points(
        graph, [34.0, 34.009, 34.009], [117.002, 117.002, 117.0], [34.0], [117.0], limit_m=5000
    )
    assert result.unreachable.tolist() == [False, True, True]
    assert np.isfinite(result.distance_m[0]) and result.facility[0] == 0
    assert np.isinf(result.distance_m[1:]).all() and (result.facility[1:] == -1).all()


def test_no_facilities_means_nothing_found_and_nothing_cut_off(small: WalkingGraph) -> None:
    result = nearest_points(small, [CENTRE[0]], [CENTRE[1]], [], [], limit_m=1000)
    assert np.isinf(result.distance_m).all() and result.facility.tolist() == [-1]
    assert result.unreachable.tolist() == [False]
    assert result.snap_m[0] == small.snap([CENTRE[0]], [CENTRE[1]])[1][0]
    line = network.straight_line_points([CENTRE[0]], [CENTRE[1]], [], [], limit_m=1000)
    assert np.isinf(line.distance_m).all() and line.facility.tolist() == [-1]
    assert line.method == "straight_line"


def test_point_snap_must_match_the_points(small: WalkingGraph) -> None:
    snap = small.snap([CENTRE[0]], [CENTRE[1]])
    with pytest.raises(ValueError):
        nearest_points(small, [CENTRE[0]] * 2, [CENTRE[1]] * 2, [34.26], [117.18], limit_m=9,
                       point_snap=snap)  # fmt: skip


def test_straight_line_is_detoured_haversine_to_the_nearest() -> None:
    rng = np.random.default_rng(4)
    p_lat = CENTRE[0] + rng.uniform(-0.05, 0.05, 500)
    p_lng = CENTRE[1] + rng.uniform(-0.05, 0.05, 500)
    f_lat = CENTRE[0] + rng.uniform(-0.05, 0.05, 40)
    f_lng = CENTRE[1] + rng.uniform(-0.05, 0.05, 40)
    limit = 1500.0
    result = network.straight_line_points(p_lat, p_lng, f_lat, f_lng, limit_m=limit, detour=1.3)
    every = 1.3 * haversine_m(p_lat[:, None], p_lng[:, None], f_lat[None, :], f_lng[None, :])
    expected = every.min(axis=1)
    expected[expected > limit] = np.inf
    found = np.isfinite(expected)
    assert 0.2 < found.mean() < 1.0
    np.testing.assert_array_equal(np.isfinite(result.distance_m), found)
    np.testing.assert_allclose(result.distance_m[found], expected[found], rtol=1e-3)
    assert (result.facility[~found] == -1).all()
    assert not result.unreachable.any() and (result.snap_m == 0).all()
    assert result.method == "straight_line"
