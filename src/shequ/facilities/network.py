"""The walking network and the searches over it: snapping, nearest facility, straight-line fallback.

A ``WalkingGraph`` is an undirected street graph held as plain numpy arrays (node coordinates, each
edge once with its length in metres). Derived structures — the symmetric CSR matrix scipy's Dijkstra
needs, a KD-tree for snapping, the connected components — are built on first use and cached on the
instance, so a graph loaded once per process serves every request.

The one search the app needs is "for every estate, how far is the nearest facility of category k":
one bounded multi-source Dijkstra per category (``nearest``), every facility a source. Facilities
rarely sit exactly on a street node, so each source starts at its own offset (the straight-line
distance from the facility to the node it snapped to); see ``nearest`` for how that stays exact.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from shequ.facilities.geo import FloatArray, LocalProjection, haversine_m

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Index32 = npt.NDArray[np.int32]

MIN_EDGE_M = 0.001
"""Shortest edge kept (1 mm). Two OSM nodes can share a position; a zero-length edge would be an
explicit zero in the CSR matrix, which some scipy operations silently drop (so the edge vanishes)."""

_NPZ_FORMAT = 1
_NPZ_KEYS = ("lat", "lng", "src", "dst", "length")
_SPARE_SOURCES = 4096  # room for virtual source rows kept after the CSR arrays (see ``nearest``)


class NetworkError(Exception):
    """Street data that cannot be used, with a message for the person who supplied it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- The graph ---------------------------------------------------------------------------------


def _float_array(values: npt.ArrayLike) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)


def _id_array(values: npt.ArrayLike) -> IntArray:
    array = np.asarray(values).reshape(-1)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"node ids must be integers, not {array.dtype}")
    return array.astype(np.int64)


def check_coordinates(lat: FloatArray, lng: FloatArray) -> None:
    """Raise ``NetworkError`` unless every point is a finite WGS-84 latitude/longitude."""
    if lat.shape != lng.shape:
        raise ValueError("latitude and longitude arrays differ in length")
    ok = np.isfinite(lat) & np.isfinite(lng) & (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
    if not bool(np.all(ok)):
        raise NetworkError(_("坐标无效：纬度须在 −90 到 90 之间，经度须在 −180 到 180 之间。"))


@dataclass(frozen=True, eq=False)
class WalkingGraph:
    """An undirected walking network: node coordinates and each edge once, with its length.

    Build it with ``from_edges`` (or ``from_npz_bytes``), which cleans and validates the arrays; the
    plain constructor trusts its caller. Invariants: ``src < dst`` for every edge, no two edges join
    the same pair, every node is used by an edge, every length is ≥ both ``MIN_EDGE_M`` and the
    great-circle distance between its ends (the siting search depends on the last one).
    """

    lat: FloatArray
    lng: FloatArray
    src: Index32
    dst: Index32
    length: FloatArray

    def __post_init__(self) -> None:
        if self.lat.shape != self.lng.shape or not (
            self.src.shape == self.dst.shape == self.length.shape
        ):
            raise ValueError("WalkingGraph arrays differ in length")

    @classmethod
    def from_edges(
        cls,
        lat: npt.ArrayLike,
        lng: npt.ArrayLike,
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        length: npt.ArrayLike | None = None,
    ) -> WalkingGraph:
        """Clean an edge list into a graph.

        Drops self-loops, keeps the shortest of parallel edges (building a CSR matrix from
        duplicates would *add* their lengths), fills missing lengths with the great-circle distance,
        raises shorter given lengths up to it (a street is never shorter than the straight line
        between its ends — the siting search's disc bound needs that), drops nodes no edge uses
        (renumbering the rest in order) and raises ``NetworkError`` when nothing is left.
        """
        lat_a, lng_a = _float_array(lat), _float_array(lng)
        check_coordinates(lat_a, lng_a)
        u, v = _id_array(src), _id_array(dst)
        if u.shape != v.shape:
            raise ValueError("src and dst differ in length")
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= lat_a.size):
            raise NetworkError(_("路段引用了不存在的节点。"))
        given = None if length is None else _float_array(length)
        if given is not None:
            if given.shape != u.shape:
                raise ValueError("length and src differ in length")
            if not bool(np.all(np.isfinite(given) & (given >= 0))):
                raise NetworkError(_("路段长度无效：须为非负的有限数（米）。"))
        loop = u == v
        u, v = np.minimum(u, v)[~loop], np.maximum(u, v)[~loop]
        chord = haversine_m(lat_a[u], lng_a[u], lat_a[v], lng_a[v])
        metres = chord if given is None else np.maximum(given[~loop], chord)
        u, v, metres = _shortest_of_parallel(u, v, np.maximum(metres, MIN_EDGE_M), lat_a.size)
        if u.size == 0:
            raise NetworkError(_("路网中没有可用的路段。"))
        used = np.zeros(lat_a.size, dtype=bool)
        used[u] = used[v] = True
        renumber = np.cumsum(used) - 1  # order-preserving, so src < dst still holds
        return cls(
            lat=lat_a[used],
            lng=lng_a[used],
            src=renumber[u].astype(np.int32),
            dst=renumber[v].astype(np.int32),
            length=metres,
        )

    @property
    def n_nodes(self) -> int:
        return int(self.lat.size)

    @property
    def n_edges(self) -> int:
        """Undirected edges; the CSR matrix holds twice as many entries."""
        return int(self.src.size)

    # --- Derived data, built once per graph ---------------------------------------------------

    @cached_property
    def _buffers(self) -> _CsrBuffers:
        return _CsrBuffers.for_graph(self)

    @cached_property
    def csr(self) -> csr_array:
        """Symmetric adjacency (both directions explicit, float64 metres, int32 indices).

        Pass it to scipy with ``directed=True``: scipy's docs warn against ``directed=False``.
        """
        return self._buffers.matrix(0)

    @cached_property
    def projection(self) -> LocalProjection:
        return LocalProjection(float(self.lat.mean()), float(self.lng.mean()))

    @cached_property
    def xy(self) -> FloatArray:
        """Projected node coordinates, shape (n, 2), metres."""
        x, y = self.projection.forward(self.lat, self.lng)
        return np.column_stack([x, y])

    @cached_property
    def tree(self) -> cKDTree:
        return cKDTree(self.xy)

    @cached_property
    def components(self) -> Index32:
        """Connected-component label of every node."""
        _count, labels = connected_components(self.csr, directed=True, connection="weak")
        return np.asarray(labels, dtype=np.int32)

    @cached_property
    def search_scale(self) -> float:
        """Projected/true distance bound over the graph's latitudes (``LocalProjection.max_scale``),
        with a margin for searches that reach a little beyond the graph."""
        margin = 0.5  # degrees of latitude, ≈ 55 km
        return self.projection.max_scale(
            float(self.lat.min()) - margin, float(self.lat.max()) + margin
        )

    # --- Snapping and storage -----------------------------------------------------------------

    def snap(self, lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Nearest node of each point and the great-circle distance to it in metres.

        The neighbour is found on projected coordinates, so of two nodes whose distances differ by
        less than the projection's error (well under 0.5 %) either may be chosen; the offset is
        always the true distance to the node returned.
        """
        lat_a, lng_a = _float_array(lat), _float_array(lng)
        check_coordinates(lat_a, lng_a)
        if lat_a.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        x, y = self.projection.forward(lat_a, lng_a)
        _d, index = self.tree.query(np.column_stack([x, y]))
        nodes = np.asarray(index, dtype=np.int64)
        return nodes, haversine_m(lat_a, lng_a, self.lat[nodes], self.lng[nodes])

    def to_npz_bytes(self) -> bytes:
        """The arrays as a compressed ``.npz`` (no pickled objects), for caching a parsed network."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            format=np.int64(_NPZ_FORMAT),
            **{key: getattr(self, key) for key in _NPZ_KEYS},
        )
        return buffer.getvalue()

    @classmethod
    def from_npz_bytes(cls, data: bytes) -> WalkingGraph:
        """Read ``to_npz_bytes`` output back, re-validating it with ``from_edges``."""
        corrupt = NetworkError(_("路网缓存文件已损坏或不是本系统生成的。"))
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                if int(archive["format"]) != _NPZ_FORMAT:
                    raise corrupt
                arrays = {key: archive[key] for key in _NPZ_KEYS}
        except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise corrupt from error
        return cls.from_edges(
            arrays["lat"], arrays["lng"], arrays["src"], arrays["dst"], arrays["length"]
        )


def _shortest_of_parallel(
    u: IntArray, v: IntArray, metres: FloatArray, n_nodes: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """One edge per node pair (u < v), the shortest; sorted by (u, v)."""
    key = u * n_nodes + v
    order = np.lexsort((metres, key))
    key_sorted = key[order]
    first = np.ones(key_sorted.size, dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    keep = order[first]
    return u[keep], v[keep], metres[keep]


class _CsrBuffers:
    """The CSR arrays of a graph with spare room after them for virtual source rows.

    ``nearest`` gives every source its own starting offset by appending one row per source (a
    virtual node with a single edge to the source's node). Writing those rows into spare space
    after the real ones costs O(sources) per search instead of copying the whole matrix; the lock
    keeps two threads from writing the spare space at once.
    """

    def __init__(self, data: FloatArray, indices: Index32, indptr: Index32, n_nodes: int) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.n_nodes = n_nodes
        self.nnz = int(indptr[n_nodes])
        self.lock = threading.Lock()

    @classmethod
    def for_graph(cls, graph: WalkingGraph, spare: int = _SPARE_SOURCES) -> _CsrBuffers:
        n, m = graph.n_nodes, graph.n_edges
        rows = np.concatenate([graph.src, graph.dst])
        cols = np.concatenate([graph.dst, graph.src])
        order = np.argsort(rows, kind="stable")
        data = np.empty(2 * m + spare, dtype=np.float64)
        indices = np.empty(2 * m + spare, dtype=np.int32)
        indptr = np.zeros(n + 1 + spare, dtype=np.int32)
        data[: 2 * m] = np.concatenate([graph.length, graph.length])[order]
        indices[: 2 * m] = cols[order]
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1 : n + 1])
        return cls(data, indices, indptr, n)

    @property
    def spare(self) -> int:
        return int(self.data.size) - self.nnz

    def grow(self, needed: int) -> None:
        """Make room for ``needed`` virtual rows (callers hold the lock)."""
        if needed <= self.spare:
            return
        extra = 2 * needed
        self.data = np.concatenate([self.data[: self.nnz], np.empty(extra)])
        self.indices = np.concatenate([self.indices[: self.nnz], np.empty(extra, dtype=np.int32)])
        self.indptr = np.concatenate(
            [self.indptr[: self.n_nodes + 1], np.zeros(extra, dtype=np.int32)]
        )

    def matrix(self, k: int) -> csr_array:
        """The graph plus its first ``k`` virtual rows, sharing memory with the buffers."""
        n, end = self.n_nodes + k, self.nnz + k
        return csr_array(
            (self.data[:end], self.indices[:end], self.indptr[: n + 1]), shape=(n, n), copy=False
        )

    def with_sources(self, nodes: IntArray, offsets: FloatArray) -> csr_array:
        """Write one virtual row per source (callers hold the lock)."""
        k = nodes.size
        self.grow(k)
        self.data[self.nnz : self.nnz + k] = offsets
        self.indices[self.nnz : self.nnz + k] = nodes
        self.indptr[self.n_nodes + 1 : self.n_nodes + 1 + k] = self.nnz + np.arange(1, k + 1)
        return self.matrix(k)


# --- Searches ----------------------------------------------------------------------------------


def _check_limit(limit_m: float) -> float:
    limit = float(limit_m)
    if not limit >= 0:  # also rejects NaN
        raise ValueError(f"limit_m must be ≥ 0, not {limit_m!r}")
    return limit


def nearest(
    graph: WalkingGraph,
    source_nodes: npt.ArrayLike,
    source_offsets: npt.ArrayLike,
    *,
    limit_m: float,
) -> tuple[FloatArray, IntArray]:
    """Distance from every node to its nearest source, and which source (an index) that is.

    A source starts at its own offset: facility j, ``source_offsets[j]`` metres from node
    ``source_nodes[j]``, reaches node v at offset + network distance. Exact, via one virtual node
    per source whose only edge (weight = offset, an explicit zero when the offset is 0 — scipy's
    Dijkstra keeps explicit zeros as edges) leads to the source's node; one bounded multi-source
    Dijkstra from the virtual nodes then reports, per node, the distance and the winning virtual
    node. Nodes farther than ``limit_m`` get ``inf`` and source -1. Several sources may share a
    node; of two sources at exactly the same distance either may win.
    """
    limit = _check_limit(limit_m)
    nodes = _id_array(source_nodes)
    offsets = _float_array(source_offsets)
    n = graph.n_nodes
    if nodes.shape != offsets.shape:
        raise ValueError("source_nodes and source_offsets differ in length")
    if nodes.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    if nodes.min() < 0 or nodes.max() >= n:
        raise ValueError("source node out of range")
    if not bool(np.all(np.isfinite(offsets) & (offsets >= 0))):
        raise ValueError("source offsets must be finite and ≥ 0")
    buffers = graph._buffers
    with buffers.lock:
        matrix = buffers.with_sources(nodes, offsets)
        dist, _pred, sources = dijkstra(
            matrix,
            directed=True,
            indices=np.arange(n, n + nodes.size),
            limit=limit,
            min_only=True,
            return_predecessors=True,
        )
    winner = np.asarray(sources[:n], dtype=np.int64) - n
    winner[winner < 0] = -1  # scipy marks unreached nodes with -9999
    return np.asarray(dist[:n]), winner


@dataclass(frozen=True, eq=False)
class NearestResult:
    """Per point: distance to the nearest facility of one set, which one, and how it was measured.

    ``distance_m`` is ``inf`` and ``facility`` -1 when no facility lies within the limit.
    ``unreachable`` marks points whose part of the network holds none of the set's facilities at
    all (report "not connected", not "far"); it is False for every point when the set is empty,
    since there is nothing to be cut off from. ``snap_m`` is the point's distance to the network
    node it was attached to (already included in ``distance_m``).
    """

    distance_m: FloatArray
    facility: IntArray
    unreachable: BoolArray
    snap_m: FloatArray
    method: str

    @classmethod
    def nothing_found(cls, snap_m: FloatArray, method: str) -> NearestResult:
        n = snap_m.size
        return cls(
            distance_m=np.full(n, np.inf),
            facility=np.full(n, -1, dtype=np.int64),
            unreachable=np.zeros(n, dtype=bool),
            snap_m=snap_m,
            method=method,
        )


def _cap_at_limit(distance: FloatArray, facility: IntArray, limit: float) -> None:
    """Points whose total distance exceeds the limit have found nothing (in place)."""
    beyond = ~(distance <= limit)
    distance[beyond] = np.inf
    facility[beyond] = -1


def nearest_points(
    graph: WalkingGraph,
    point_lat: npt.ArrayLike,
    point_lng: npt.ArrayLike,
    fac_lat: npt.ArrayLike,
    fac_lng: npt.ArrayLike,
    *,
    limit_m: float,
    point_snap: tuple[IntArray, FloatArray] | None = None,
) -> NearestResult:
    """Walking distance from each point (estate) to the nearest facility of one set.

    The distance is point→node offset + network distance + node→facility offset, and the limit
    applies to that total. Snap the points once with ``graph.snap`` and pass ``point_snap`` when
    the same points are measured against several facility sets (the coordinates are then only
    used for their count).
    """
    limit = _check_limit(limit_m)
    if point_snap is None:
        point_snap = graph.snap(point_lat, point_lng)
    point_nodes, point_offsets = point_snap
    if point_nodes.size != np.size(point_lat):
        raise ValueError("point_snap does not match the points")
    fac_nodes, fac_offsets = graph.snap(fac_lat, fac_lng)
    if fac_nodes.size == 0 or point_nodes.size == 0:
        return NearestResult.nothing_found(point_offsets, "network")
    dist, winner = nearest(graph, fac_nodes, fac_offsets, limit_m=limit)
    distance = point_offsets + dist[point_nodes]
    facility = winner[point_nodes]
    _cap_at_limit(distance, facility, limit)
    labels = graph.components
    has_facility = np.zeros(int(labels.max()) + 1, dtype=bool)
    has_facility[labels[fac_nodes]] = True
    return NearestResult(
        distance_m=distance,
        facility=facility,
        unreachable=~has_facility[labels[point_nodes]],
        snap_m=point_offsets,
        method="network",
    )


def straight_line_points(
    point_lat: npt.ArrayLike,
    point_lng: npt.ArrayLike,
    fac_lat: npt.ArrayLike,
    fac_lng: npt.ArrayLike,
    *,
    limit_m: float,
    detour: float = 1.3,
) -> NearestResult:
    """The fallback when no street network is loaded: straight-line distance × ``detour``.

    1.3 is a common planning ratio of street to straight-line distance in a street grid; it is an
    estimate, which is why the result says ``method="straight_line"``. ``unreachable`` is always
    False and ``snap_m`` 0.
    """
    limit = _check_limit(limit_m)
    if not detour >= 1:
        raise ValueError(f"detour must be ≥ 1, not {detour!r}")
    p_lat, p_lng = _float_array(point_lat), _float_array(point_lng)
    f_lat, f_lng = _float_array(fac_lat), _float_array(fac_lng)
    check_coordinates(p_lat, p_lng)
    check_coordinates(f_lat, f_lng)
    if f_lat.size == 0 or p_lat.size == 0:
        return NearestResult.nothing_found(np.zeros(p_lat.size), "straight_line")
    all_lat = np.concatenate([p_lat, f_lat])
    projection = LocalProjection(float(all_lat.mean()), float(np.mean(np.r_[p_lng, f_lng])))
    scale = projection.max_scale(float(all_lat.min()), float(all_lat.max()))
    tree = cKDTree(np.column_stack(projection.forward(f_lat, f_lng)))
    _d, index = tree.query(
        np.column_stack(projection.forward(p_lat, p_lng)),
        distance_upper_bound=limit / detour * scale,
    )
    found = index < f_lat.size
    facility = np.where(found, index, -1).astype(np.int64)
    distance = np.full(p_lat.size, np.inf)
    hit = facility[found]
    distance[found] = detour * haversine_m(p_lat[found], p_lng[found], f_lat[hit], f_lng[hit])
    _cap_at_limit(distance, facility, limit)
    return NearestResult(
        distance_m=distance,
        facility=facility,
        unreachable=np.zeros(p_lat.size, dtype=bool),
        snap_m=np.zeros(p_lat.size),
        method="straight_line",
    )
