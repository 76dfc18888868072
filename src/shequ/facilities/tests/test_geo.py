"""Geodesy helpers: haversine, the local projection, GCJ-02 both ways, bounds."""

from __future__ import annotations

import numpy as np
import pytest

from shequ.facilities import geo

XUZHOU = (34.2610, 117.1849)

# Published WGS-84 → GCJ-02 reference pairs (the fixtures shared by the eviltransform ports).
GCJ_VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


def test_one_degree_of_latitude_is_r_times_pi_over_180() -> None:
    assert float(geo.haversine_m(0.0, 0.0, 1.0, 0.0)) == pytest.approx(111_195.0797, abs=1e-3)
    assert float(geo.haversine_m(34.0, 117.0, 35.0, 117.0)) == pytest.approx(111_195.0797, abs=1e-3)


def test_haversine_broadcasts_is_symmetric_and_survives_antipodes() -> None:
    lat = np.array([34.0, 34.1, 34.2])
    lng = np.array([117.0, 117.1, 117.2])
    forward = geo.haversine_m(lat, lng, XUZHOU[0], XUZHOU[1])
    backward = geo.haversine_m(XUZHOU[0], XUZHOU[1], lat, lng)
    assert forward.shape == (3,)
    np.testing.assert_array_equal(forward, backward)
    assert float(geo.haversine_m(0.0, 0.0, 0.0, 180.0)) == pytest.approx(np.pi * geo.EARTH_RADIUS_M)


def test_projection_inverts_and_is_close_to_true_distances_across_a_city() -> None:
    projection = geo.LocalProjection(*XUZHOU)
    rng = np.random.default_rng(7)
    lat = XUZHOU[0] + rng.uniform(-0.45, 0.45, 400)  # ±50 km north-south
    lng = XUZHOU[1] + rng.uniform(-0.55, 0.55, 400)  # ±50 km east-west
    x, y = projection.forward(lat, lng)
    back_lat, back_lng = projection.inverse(x, y)
    np.testing.assert_allclose(back_lat, lat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(back_lng, lng, rtol=0, atol=1e-12)
    # Short hops anywhere in the square: projected / true within the documented bound.
    hop_lat, hop_lng = lat + 0.01, lng + 0.01
    hx, hy = projection.forward(hop_lat, hop_lng)
    ratio = np.hypot(hx - x, hy - y) / geo.haversine_m(lat, lng, hop_lat, hop_lng)
    scale = projection.max_scale(float(lat.min()) - 0.01, float(lat.max()) + 0.01)
    assert 1.0 < scale < 1.006
    assert float(ratio.max()) <= scale
    assert float(np.abs(ratio - 1).max()) < 0.006
    # Within 10 km of the origin the error is under 0.1 %.
    near = np.abs(lat - XUZHOU[0]) < 0.09
    assert float(np.abs(ratio[near] - 1).max()) < 0.001


@pytest.mark.parametrize(("wgs", "gcj"), GCJ_VECTORS)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj) -> None:
    lat, lng = geo.wgs84_to_gcj02(*wgs)
    assert float(lat) == pytest.approx(gcj[0], abs=1e-9)
    assert float(lng) == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), GCJ_VECTORS)
def test_gcj02_to_wgs84_inverts_published_vectors(wgs, gcj) -> None:
    lat, lng = geo.gcj02_to_wgs84(*gcj)
    assert float(geo.haversine_m(lat, lng, *wgs)) < 0.01


def test_gcj02_round_trip_is_within_a_centimetre_across_china() -> None:
    rng = np.random.default_rng(3)
    lat = rng.uniform(18.0, 53.0, 2000)
    lng = rng.uniform(74.0, 134.0, 2000)
    g_lat, g_lng = geo.wgs84_to_gcj02(lat, lng)
    w_lat, w_lng = geo.gcj02_to_wgs84(g_lat, g_lng)
    assert float(geo.haversine_m(lat, lng, w_lat, w_lng).max()) < 0.01
    assert float(np.abs(w_lat - lat).max()) < 1e-7
    assert float(np.abs(w_lng - lng).max()) < 1e-7


def test_xuzhou_shifts_by_a_few_hundred_metres_and_abroad_not_at_all() -> None:
    lat, lng = geo.wgs84_to_gcj02(*XUZHOU)
    shift = float(geo.haversine_m(*XUZHOU, lat, lng))
    assert 300 < shift < 800
    assert float(lng) > XUZHOU[1]  # the offset runs mostly east here
    helsinki = (60.17, 24.94)
    assert tuple(map(float, geo.wgs84_to_gcj02(*helsinki))) == helsinki
    assert tuple(map(float, geo.gcj02_to_wgs84(*helsinki))) == helsinki


def test_in_china_is_the_rough_box() -> None:
    inside = geo.in_china([34.26, 60.17, 34.26, 0.5], [117.18, 24.94, 140.0, 100.0])
    assert inside.tolist() == [True, False, False, False]
    assert bool(geo.in_china(*XUZHOU))


def test_within_bounds_includes_edges() -> None:
    bounds = (33.7, 116.3, 34.9, 118.7)
    assert geo.within_bounds(*XUZHOU, bounds)
    assert geo.within_bounds(33.7, 118.7, bounds)
    assert not geo.within_bounds(35.0, 117.0, bounds)
    assert not geo.within_bounds(34.0, 116.2, bounds)
