"""Geodesy for the walking-network engine: distances, a local flat projection, the GCJ-02 offset.

Everything is vectorised with numpy: pass arrays (or scalars) of degrees, get arrays of metres. The
engine measures true distances with the haversine formula on a sphere of the mean Earth radius; the
flat projection is only used to find neighbours quickly (KD-trees), never to report a distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG R1). On a walking scale the sphere is within 0.5 % of the ellipsoid."""


def haversine_m(
    lat1: npt.ArrayLike, lng1: npt.ArrayLike, lat2: npt.ArrayLike, lng2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in metres between points given in degrees (broadcasting like numpy)."""
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lng2, dtype=np.float64) - np.asarray(lng1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    # Rounding can push ``a`` a hair above 1 for antipodal points; arcsin would return NaN.
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0))))


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection about an origin: x east, y north, in metres.

    North-south distances are exact; east-west ones are scaled by cos(origin_lat) / cos(lat), so the
    error grows with the distance north or south of the origin: about tan(origin_lat) × Δlat, i.e.
    0.07 % per 10 km at Xuzhou's latitude (0.35 % 50 km away). Good enough to rank neighbours for
    a KD-tree; ``max_scale`` gives the bound that radius searches must allow for.
    """

    origin_lat: float
    origin_lng: float

    @property
    def _x_scale(self) -> float:
        return EARTH_RADIUS_M * float(np.cos(np.radians(self.origin_lat)))

    def forward(self, lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(x, y) in metres of points in degrees."""
        x = np.radians(np.asarray(lng, dtype=np.float64) - self.origin_lng) * self._x_scale
        y = np.radians(np.asarray(lat, dtype=np.float64) - self.origin_lat) * EARTH_RADIUS_M
        return np.asarray(x), np.asarray(y)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(lat, lng) in degrees of projected points; the exact inverse of ``forward``."""
        lat = self.origin_lat + np.degrees(np.asarray(y, dtype=np.float64) / EARTH_RADIUS_M)
        lng = self.origin_lng + np.degrees(np.asarray(x, dtype=np.float64) / self._x_scale)
        return np.asarray(lat), np.asarray(lng)

    def max_scale(self, min_lat: float, max_lat: float) -> float:
        """Largest factor by which a projected distance can exceed the true one between latitudes.

        Any path of true length L between two points in the band projects to a curve of length at
        most L × max_scale, so a projected search radius of R × max_scale finds every point within
        true distance R (the siting search relies on this to stay exact).
        """
        widest = max(abs(min_lat), abs(max_lat))
        ratio = np.cos(np.radians(self.origin_lat)) / np.cos(np.radians(min(widest, 89.9)))
        return float(max(1.0, ratio))


def within_bounds(lat: float, lng: float, bounds: tuple[float, float, float, float]) -> bool:
    """Whether a point lies in ``(min_lat, min_lng, max_lat, max_lng)``, edges included."""
    min_lat, min_lng, max_lat, max_lng = bounds
    return bool(min_lat <= lat <= max_lat and min_lng <= lng <= max_lng)


# --- GCJ-02 ------------------------------------------------------------------------------------
# Chinese web maps (Amap, Tencent, Baidu before its own BD-09 step) show GCJ-02 coordinates: WGS-84
# plus a deliberate, smooth offset of a few hundred metres. A point picked on such a map must be
# shifted back before it is compared with OpenStreetMap data. The offset is a published polynomial-
# plus-sines formula on the Krasovsky 1940 ellipsoid; it is only applied inside a rough box around
# China, as every map provider does.

_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.00669342162296594323
_CHINA_BOX = (0.8293, 72.004, 55.8271, 137.8347)  # min_lat, min_lng, max_lat, max_lng


def in_china(lat: npt.ArrayLike, lng: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether GCJ-02 applies: the usual rough bounding box of China (it includes some neighbours)."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lng_a = np.asarray(lng, dtype=np.float64)
    min_lat, min_lng, max_lat, max_lng = _CHINA_BOX
    return np.asarray(
        (lat_a >= min_lat) & (lat_a <= max_lat) & (lng_a >= min_lng) & (lng_a <= max_lng)
    )


def _ripple(x: FloatArray) -> FloatArray:
    """The sine terms both shifts share: (20 sin 6πx + 20 sin 2πx) × 2/3."""
    return np.asarray((20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0)


def _waves(t: FloatArray, a: float, b: float, c: float, d: float) -> FloatArray:
    """(a sin πt + b sin πt/3) × 2/3 + (c sin πt/12 + d sin πt/30) × 2/3."""
    pi = np.pi
    short = (a * np.sin(pi * t) + b * np.sin(pi / 3.0 * t)) * 2.0 / 3.0
    long = (c * np.sin(pi / 12.0 * t) + d * np.sin(pi / 30.0 * t)) * 2.0 / 3.0
    return np.asarray(short + long)


def _offset_degrees(lat: FloatArray, lng: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift (dlat, dlng) in degrees at WGS-84 points (not masked to China)."""
    x = lng - 105.0
    y = lat - 35.0
    root = np.sqrt(np.abs(x))
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root
    north = north + _ripple(x) + _waves(y, 20.0, 40.0, 160.0, 320.0)
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root
    east = east + _ripple(x) + _waves(x, 20.0, 40.0, 150.0, 300.0)
    phi = np.radians(lat)
    w = 1.0 - _KRASOVSKY_EE * np.sin(phi) ** 2
    sqrt_w = np.sqrt(w)
    # Metres to degrees with the ellipsoid's meridian and prime-vertical radii of curvature.
    meridian = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w * sqrt_w)
    prime_vertical = _KRASOVSKY_A / sqrt_w
    dlat = north * 180.0 / (meridian * np.pi)
    dlng = east * 180.0 / (prime_vertical * np.cos(phi) * np.pi)
    return np.asarray(dlat), np.asarray(dlng)


def wgs84_to_gcj02(lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 → GCJ-02 in degrees; points outside China are returned unchanged."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lng_a = np.asarray(lng, dtype=np.float64)
    dlat, dlng = _offset_degrees(lat_a, lng_a)
    inside = in_china(lat_a, lng_a)
    return (
        np.asarray(np.where(inside, lat_a + dlat, lat_a)),
        np.asarray(np.where(inside, lng_a + dlng, lng_a)),
    )


_INVERSE_TOLERANCE_DEG = 1e-10  # ≈ 0.01 mm; the brief asks < 1e-7°, this costs two more rounds
_INVERSE_MAX_ROUNDS = 30


def gcj02_to_wgs84(lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS-84 in degrees, by fixed-point iteration on the forward formula.

    The offset changes by well under 1 % per kilometre, so w ← w − (f(w) − g) contracts fast: about
    three decimal digits per round; a handful of rounds reach 1e-10°.
    """
    g_lat = np.asarray(lat, dtype=np.float64)
    g_lng = np.asarray(lng, dtype=np.float64)
    w_lat, w_lng = g_lat.copy(), g_lng.copy()
    for _ in range(_INVERSE_MAX_ROUNDS):
        f_lat, f_lng = wgs84_to_gcj02(w_lat, w_lng)
        err_lat = f_lat - g_lat
        err_lng = f_lng - g_lng
        w_lat = w_lat - err_lat
        w_lng = w_lng - err_lng
        if float(np.max(np.abs(err_lat), initial=0.0)) < _INVERSE_TOLERANCE_DEG and (
            float(np.max(np.abs(err_lng), initial=0.0)) < _INVERSE_TOLERANCE_DEG
        ):
            break
    return np.asarray(w_lat), np.asarray(w_lng)
