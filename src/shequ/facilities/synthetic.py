"""A made-up street network: a jittered lattice with gaps and diagonal shortcuts.

For the demo (no real street data ships for Xuzhou) and for the benchmarks, which need a city-sized
network (250 000 nodes, about a million directed CSR entries) built in a second or two.
"""

from __future__ import annotations

import numpy as np

from shequ.facilities.geo import LocalProjection, haversine_m
from shequ.facilities.network import IntArray, WalkingGraph

_JITTER_SHARE = 0.2  # nodes move up to ±20 % of the spacing, so streets are not ruler-straight
_MAX_BEND = 0.15  # a street is up to 15 % longer than the straight line between its ends


def synthetic_network(
    *,
    centre_lat: float,
    centre_lng: float,
    width_m: float,
    height_m: float,
    spacing_m: float = 80,
    seed: int = 0,
    drop_share: float = 0.08,
    diagonal_share: float = 0.3,
) -> WalkingGraph:
    """A street lattice over a ``width_m`` × ``height_m`` rectangle centred on the point.

    Nodes every ``spacing_m`` (jittered); ``drop_share`` of the lattice streets removed (blocks
    merge, a few corners end up cut off, as in a real city); in ``diagonal_share`` of the blocks one
    diagonal shortcut. Lengths are the straight line × U(1, 1.15). The same arguments give the
    same network.
    """
    if not (spacing_m > 0 and width_m >= 0 and height_m >= 0):
        raise ValueError("spacing must be positive and the extent non-negative")
    if not (0 <= drop_share < 1 and 0 <= diagonal_share <= 1):
        raise ValueError("drop_share must be in [0, 1) and diagonal_share in [0, 1]")
    rng = np.random.default_rng(seed)
    columns = int(width_m // spacing_m) + 1
    rows = int(height_m // spacing_m) + 1
    grid = np.arange(rows * columns, dtype=np.int64).reshape(rows, columns)
    x = (np.arange(columns) * spacing_m - (columns - 1) * spacing_m / 2)[None, :]
    y = (np.arange(rows) * spacing_m - (rows - 1) * spacing_m / 2)[:, None]
    jitter = _JITTER_SHARE * spacing_m
    px = (x + rng.uniform(-jitter, jitter, grid.shape)).ravel()
    py = (y + rng.uniform(-jitter, jitter, grid.shape)).ravel()
    lat, lng = LocalProjection(centre_lat, centre_lng).inverse(px, py)

    src, dst = _lattice_streets(grid, rng, drop_share)
    d_src, d_dst = _diagonals(grid, rng, diagonal_share)
    src, dst = np.concatenate([src, d_src]), np.concatenate([dst, d_dst])
    straight = haversine_m(lat[src], lng[src], lat[dst], lng[dst])
    length = straight * rng.uniform(1.0, 1.0 + _MAX_BEND, src.size)
    return WalkingGraph.from_edges(lat, lng, src, dst, length)


def _lattice_streets(
    grid: IntArray, rng: np.random.Generator, drop_share: float
) -> tuple[IntArray, IntArray]:
    """East-west and north-south neighbours, with ``drop_share`` of them left out at random."""
    src = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    dst = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    keep = rng.random(src.size) >= drop_share
    return src[keep], dst[keep]


def _diagonals(grid: IntArray, rng: np.random.Generator, share: float) -> tuple[IntArray, IntArray]:
    """One diagonal (either way, at random) across ``share`` of the blocks."""
    lower_left, lower_right = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    upper_left, upper_right = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    chosen = rng.random(lower_left.size) < share
    rising = rng.random(lower_left.size) < 0.5
    src = np.where(rising, lower_left, lower_right)[chosen]
    dst = np.where(rising, upper_right, upper_left)[chosen]
    return src, dst
