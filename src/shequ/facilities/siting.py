"""Where to build next: greedy maximal covering over the walking network.

Given demand points (estates not yet served, weighted by residents) and candidate sites, pick up to
k sites one at a time, each covering the most not-yet-covered weight within a walking radius. Greedy
is the standard heuristic for the maximal covering location problem (Church & ReVelle 1974) and is
within a factor 1 − 1/e of the optimum; planners also read its order as a priority list.

A demand point i is covered by candidate c when offset_i + network_distance + offset_c ≤ radius.
The pairs are found without a dense demands × nodes matrix: a walk of length ≤ R never leaves the
disc of radius R around its start, because no edge is shorter than the straight line between its
ends (``WalkingGraph.from_edges`` enforces that). So the demand points are grouped into square cells
and each cell's bounded Dijkstra runs only on the nodes within the cell's disc — exact, and the cell
size changes only the speed, never the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from shequ.facilities.geo import FloatArray
from shequ.facilities.network import Index32, IntArray, WalkingGraph

DEFAULT_CELL_M = 1000.0
_BATCH_ROWS = 256  # demand points compared with a cell's candidates at once (bounds memory)
_CHUNK_PAIRS = 1 << 22  # pairs summed at once when computing gains (bounds temporaries)
_SLACK_M = 1.0  # widens each cell's disc so rounding in the KD-tree cannot drop a node on its rim


@dataclass(frozen=True, eq=False)
class Site:
    """One pick: where, how much newly covered weight, and which demand points it newly covers."""

    node: int
    candidate: int  # index into the candidates, or the node when every node was a candidate
    gain: float
    covered: IntArray  # demand indices, ascending


@dataclass(frozen=True, eq=False)
class _Candidates:
    """Candidate sites grouped by node, so the candidates at a set of nodes are found in O(result)."""

    nodes: IntArray
    offsets: FloatArray
    every_node: bool
    by_node: IntArray  # candidate indices sorted by node
    start: IntArray  # by_node[start[v]:start[v + 1]] are the candidates at node v

    @classmethod
    def build(
        cls, n_nodes: int, nodes: npt.ArrayLike | None, offsets: npt.ArrayLike | None
    ) -> _Candidates:
        if (nodes is None) != (offsets is None):
            raise ValueError("give candidate_nodes and candidate_offsets together")
        if nodes is None or offsets is None:
            every = np.arange(n_nodes, dtype=np.int64)
            return cls(every, np.zeros(n_nodes), True, every, np.arange(n_nodes + 1))
        node_a = _nodes_in_range(nodes, n_nodes, "candidate")
        offset_a = _non_negative(offsets, node_a.size, "candidate_offsets")
        start = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(node_a, minlength=n_nodes), out=start[1:])
        return cls(node_a, offset_a, False, np.argsort(node_a, kind="stable"), start)

    def at(self, sub: IntArray) -> tuple[IntArray, IntArray]:
        """(candidate indices, position in ``sub`` of each one's node) for the nodes ``sub``."""
        if self.every_node:
            return sub, np.arange(sub.size)
        counts = self.start[sub + 1] - self.start[sub]
        return self.by_node[_ranges(self.start[sub], counts)], np.repeat(
            np.arange(sub.size), counts
        )


@dataclass(frozen=True, eq=False)
class _Cover:
    """Which candidates cover which demand points, indexed both ways (8 bytes per pair).

    Plain int32 arrays rather than a scipy sparse matrix: a 3 km radius with every node a candidate
    gives tens of millions of pairs, and a matrix would add 8 bytes of data to each for nothing.
    """

    # Demand point i's candidates are candidates_by_demand[demand_start[i]:][:demand_count[i]];
    # candidate c's demand points are demands_by_candidate[candidate_start[c]:candidate_start[c + 1]].
    candidates_by_demand: Index32
    demand_start: IntArray
    demand_count: IntArray
    demands_by_candidate: Index32
    candidate_start: IntArray

    @classmethod
    def from_blocks(
        cls, blocks: list[tuple[Index32, Index32]], n_demand: int, n_candidates: int
    ) -> _Cover:
        """From (demand, candidate) blocks in which each demand point's pairs are contiguous.

        Empties ``blocks`` (peak memory: ~20 bytes per pair while the candidate order is sorted).
        """
        none = np.zeros(0, dtype=np.int32)
        pair_demand = np.concatenate([none, *(b[0] for b in blocks)], dtype=np.int32)
        pair_cand = np.concatenate([none, *(b[1] for b in blocks)], dtype=np.int32)
        blocks.clear()  # the blocks are copied; free them before the sort below needs room
        first = np.flatnonzero(np.diff(pair_demand, prepend=-1))
        demand_start = np.zeros(n_demand, dtype=np.int64)
        demand_count = np.zeros(n_demand, dtype=np.int64)
        demand_start[pair_demand[first]] = first
        demand_count[pair_demand[first]] = np.diff(first, append=pair_demand.size)
        candidate_start = np.zeros(n_candidates + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_cand, minlength=n_candidates), out=candidate_start[1:])
        by_candidate = pair_demand[np.argsort(pair_cand, kind="stable")]
        return cls(pair_cand, demand_start, demand_count, by_candidate, candidate_start)

    def demands_of(self, candidate: int) -> Index32:
        begin, end = self.candidate_start[candidate], self.candidate_start[candidate + 1]
        return self.demands_by_candidate[begin:end]

    def candidates_of(self, demands: IntArray) -> Index32:
        """The candidates covering any of ``demands`` (with repeats)."""
        return self.candidates_by_demand[
            _ranges(self.demand_start[demands], self.demand_count[demands])
        ]

    def gains(self, remaining: FloatArray, which: IntArray) -> FloatArray:
        """Remaining weight each candidate in ``which`` covers, in chunks of bounded size."""
        starts = self.candidate_start[which]
        counts = self.candidate_start[which + 1] - starts
        out = np.zeros(which.size)
        ends = np.cumsum(counts)
        begin = 0
        while begin < which.size:
            # The candidates whose pairs fit in one chunk (at least one candidate).
            done = ends[begin - 1] if begin else 0
            end = max(int(np.searchsorted(ends, done + _CHUNK_PAIRS, side="right")), begin + 1)
            part = slice(begin, end)
            demand = self.demands_by_candidate[_ranges(starts[part], counts[part])]
            label = np.repeat(np.arange(end - begin), counts[part])
            out[part] = np.bincount(label, weights=remaining[demand], minlength=end - begin)
            begin = end
        return out


def best_sites(
    graph: WalkingGraph,
    demand_nodes: npt.ArrayLike,
    demand_offsets: npt.ArrayLike,
    demand_weights: npt.ArrayLike,
    *,
    radius_m: float,
    k: int,
    candidate_nodes: npt.ArrayLike | None = None,
    candidate_offsets: npt.ArrayLike | None = None,
    cell_m: float | None = None,
) -> list[Site]:
    """Up to ``k`` sites, greedily, each covering the most remaining demand weight within the radius.

    Without candidates every node is a candidate (offset 0). Stops early when no candidate adds
    weight. Ties go to the lowest candidate index, so the result is deterministic. ``cell_m`` is
    the side of the demand cells (default: the radius, at least 1 km); it changes only the speed.
    Memory: about 8 bytes per covering (demand, candidate) pair, 20 while building — 5 000 demand
    points with every node of a dense city grid a candidate give ~1.5 M pairs at 1 km but ~35 M
    at 3 km, so pass candidates for rural radii.
    """
    if not radius_m >= 0:
        raise ValueError(f"radius_m must be ≥ 0, not {radius_m!r}")
    if k < 0:
        raise ValueError("k must be ≥ 0")
    nodes = _nodes_in_range(demand_nodes, graph.n_nodes, "demand")
    offsets = _non_negative(demand_offsets, nodes.size, "demand_offsets")
    weights = _non_negative(demand_weights, nodes.size, "demand_weights")
    candidates = _Candidates.build(graph.n_nodes, candidate_nodes, candidate_offsets)
    cover = _coverage(
        graph,
        nodes,
        offsets,
        candidates=candidates,
        radius_m=float(radius_m),
        cell_m=max(float(radius_m), DEFAULT_CELL_M) if cell_m is None else cell_m,
    )
    return _greedy(cover, weights, candidates.nodes, k)


def _coverage(
    graph: WalkingGraph,
    demand_nodes: IntArray,
    demand_offsets: FloatArray,
    *,
    candidates: _Candidates,
    radius_m: float,
    cell_m: float,
) -> _Cover:
    """Every (demand point, candidate) pair within the radius, one cell of demand at a time."""
    if not cell_m > 0:
        raise ValueError("cell_m must be positive")
    blocks: list[tuple[Index32, Index32]] = []
    for members in _cells(graph.xy[demand_nodes], cell_m):
        blocks.extend(
            _cell_pairs(graph, demand_nodes, demand_offsets, members, candidates, radius_m)
        )
    return _Cover.from_blocks(blocks, demand_nodes.size, candidates.nodes.size)


def _cells(xy: FloatArray, cell_m: float) -> list[IntArray]:
    """Indices of the points in each square cell (non-empty cells only)."""
    if xy.shape[0] == 0:
        return []
    cell = np.floor(xy / cell_m).astype(np.int64)
    _keys, label = np.unique(cell, axis=0, return_inverse=True)
    label = label.reshape(-1)
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    return np.split(order, cuts)


def _cell_pairs(
    graph: WalkingGraph,
    demand_nodes: IntArray,
    demand_offsets: FloatArray,
    members: IntArray,
    candidates: _Candidates,
    radius_m: float,
) -> list[tuple[Index32, Index32]]:
    """(demand, candidate) covering pairs for the demand points ``members`` of one cell."""
    offsets = demand_offsets[members]
    limit = radius_m - float(offsets.min())
    if limit < 0:
        return []
    points = graph.xy[demand_nodes[members]]
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    spread = float(np.max(np.hypot(*(points - centre).T)))
    # Every node within walking distance ``limit`` of a member lies in this disc (module docstring).
    sub = np.sort(
        np.asarray(
            graph.tree.query_ball_point(centre, spread + limit * graph.search_scale + _SLACK_M),
            dtype=np.int64,
        )
    )
    sources, source_row = np.unique(demand_nodes[members], return_inverse=True)
    distances = dijkstra(
        _subgraph(graph.csr, sub),
        directed=True,
        indices=np.searchsorted(sub, sources),
        limit=limit,
    )
    cand_index, cand_column = candidates.at(sub)
    cand_offsets = candidates.offsets[cand_index]
    pairs = []
    for begin in range(0, members.size, _BATCH_ROWS):
        batch = slice(begin, begin + _BATCH_ROWS)
        walk = distances[source_row[batch]][:, cand_column]
        total = (offsets[batch, None] + walk) + cand_offsets[None, :]
        row, column = np.nonzero(total <= radius_m)
        pairs.append((members[batch][row].astype(np.int32), cand_index[column].astype(np.int32)))
    return pairs


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenation of arange(s, s + c) for each (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends_before = np.cumsum(counts) - counts
    return np.repeat(starts - ends_before, counts) + np.arange(total)


def _subgraph(matrix: csr_array, sub: IntArray) -> csr_array:
    """The rows and columns ``sub`` (sorted node ids) of a CSR matrix, renumbered 0..len(sub)-1.

    Same result as ``matrix[sub][:, sub]``, but scipy's column indexing allocates arrays as long as
    the whole graph on every call, which dominates when it runs once per cell.
    """
    starts = matrix.indptr[sub].astype(np.int64)
    counts = matrix.indptr[sub + 1] - starts
    position = _ranges(starts, counts)
    neighbour = matrix.indices[position]
    column = np.searchsorted(sub, neighbour)
    inside = sub[np.minimum(column, sub.size - 1)] == neighbour
    row = np.repeat(np.arange(sub.size), counts)[inside]
    indptr = np.zeros(sub.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=sub.size), out=indptr[1:])
    return csr_array(
        (matrix.data[position][inside], column[inside], indptr), shape=(sub.size, sub.size)
    )


def _greedy(cover: _Cover, weights: FloatArray, cand_nodes: IntArray, k: int) -> list[Site]:
    """Pick, k times, the candidate with the most uncovered weight; ties to the lowest index.

    After a pick only the candidates sharing a newly covered demand point change gain. Theirs are
    recomputed from the remaining weights rather than decremented, adding in the same order as the
    first computation, so gains never drift by rounding: a candidate with nothing left has exactly
    0 and equal gains stay equal.
    """
    remaining = weights.astype(np.float64, copy=True)
    uncovered = np.ones(weights.size, dtype=bool)
    gain = cover.gains(remaining, np.arange(cand_nodes.size))
    sites: list[Site] = []
    for _ in range(k):
        best = int(np.argmax(gain)) if gain.size else 0
        if not (gain.size and gain[best] > 0):
            break
        demand = cover.demands_of(best)
        newly = np.sort(demand[uncovered[demand]]).astype(np.int64)
        sites.append(
            Site(node=int(cand_nodes[best]), candidate=best, gain=float(gain[best]), covered=newly)
        )
        uncovered[newly] = False
        remaining[newly] = 0.0
        touched = np.unique(cover.candidates_of(newly)).astype(np.int64)
        gain[touched] = cover.gains(remaining, touched)
    return sites


def _nodes_in_range(values: npt.ArrayLike, n_nodes: int, what: str) -> IntArray:
    nodes = np.asarray(values).reshape(-1)
    if nodes.size and not np.issubdtype(nodes.dtype, np.integer):
        raise TypeError(f"{what} nodes must be integers")
    nodes = nodes.astype(np.int64)
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n_nodes):
        raise ValueError(f"{what} node out of range")
    return nodes


def _non_negative(values: npt.ArrayLike, size: int, what: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size != size:
        raise ValueError(f"{what} has {array.size} values, expected {size}")
    if not bool(np.all(np.isfinite(array) & (array >= 0))):
        raise ValueError(f"{what} must be finite and ≥ 0")
    return array
