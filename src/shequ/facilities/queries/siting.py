"""Where to build next: for one requirement (circle, category), the sites that would newly cover the most
uncovered households within the circle's radius, picked greedily (maximal covering).

Demand: the estates under the region the latest run found uncovered, weighted by households.
Candidates: the listed vacant premises (``CandidateSite``) in the user's jurisdiction under the region,
or else every street node within the region's estates' extent. Measured along the run's walking network
(``siting.best_sites``); without a network, by straight-line distance × the run's detour factor over
the estates' own positions and the listed premises — labelled as such, like every straight-line figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from shequ.core.scoping import scoped
from shequ.facilities import geo, siting
from shequ.facilities.models import (
    CandidateSite,
    CircleRequirement,
    CoverageRun,
    Method,
    WalkingNetwork,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries.coverage import EstateRow, estate_rows
from shequ.facilities.queries.networks import active_networks, graph_of
from shequ.territory.models import Region

MAX_SITES = 20


@dataclass(frozen=True)
class SuggestedSite:
    rank: int
    lat: float
    lng: float
    households: int
    elderly: int
    estates: list[EstateRow]
    premises: str  # the listed premises' name, "" for a street node


@dataclass(frozen=True)
class Siting:
    sites: list[SuggestedSite]
    uncovered_households: int
    method: str
    used_premises: bool


def _premises(user: Any, region: Region) -> list[CandidateSite]:
    return list(
        scoped(CandidateSite.objects.filter(is_available=True), user, FacilitiesPerm.VIEW)
        .filter(community__path__startswith=region.path)
        .order_by("id")
    )


def suggest_sites(
    user: Any,
    run: CoverageRun,
    region: Region,
    req: CircleRequirement,
    *,
    k: int = 5,
    use_premises: bool = False,
) -> Siting:
    k = max(1, min(int(k), MAX_SITES))
    demand = [row for row in estate_rows(user, run, region, req, gaps_only=True) if row.households]
    premises = _premises(user, region) if use_premises else []
    empty = Siting([], sum(r.households for r in demand), run.method, bool(premises))
    if not demand or (use_premises and not premises):
        return empty
    lat = np.array([r.lat for r in demand])
    lng = np.array([r.lng for r in demand])
    weights = np.array([r.households for r in demand], dtype=np.float64)
    radius = float(req.circle.service_radius_m)
    walking = _network_for(run, demand)
    if walking is not None:
        picks = _on_network(walking, lat, lng, weights, radius, k, premises)
        method = Method.NETWORK
    else:
        picks = _straight_line(run, lat, lng, weights, radius, k, premises)
        method = Method.STRAIGHT_LINE
    sites = []
    for rank, (site_lat, site_lng, covered, name) in enumerate(picks, start=1):
        estates = [demand[i] for i in covered]
        sites.append(
            SuggestedSite(
                rank=rank,
                lat=round(site_lat, 6),
                lng=round(site_lng, 6),
                households=sum(e.households for e in estates),
                elderly=sum(e.elderly for e in estates),
                estates=estates,
                premises=name,
            )
        )
    return Siting(sites, empty.uncovered_households, method, bool(premises))


Pick = tuple[float, float, list[int], str]


def _network_for(run: CoverageRun, demand: list[EstateRow]) -> WalkingNetwork | None:
    """The network every estate in demand was measured on (the deepest active one holding them
    all), or None: then siting is estimated in straight lines, as those estates were."""
    if run.method != Method.NETWORK:
        return None
    for walking in active_networks(run.region):
        if all(row.community_path.startswith(walking.region.path) for row in demand):
            return walking
    return None


def _on_network(
    walking: WalkingNetwork,
    lat: np.ndarray,
    lng: np.ndarray,
    weights: np.ndarray,
    radius: float,
    k: int,
    premises: list[CandidateSite],
) -> list[Pick]:
    graph = graph_of(walking)
    nodes, offsets = graph.snap(lat, lng)
    if premises:
        cand_nodes, cand_offsets = graph.snap([p.lat for p in premises], [p.lng for p in premises])
    else:
        # Street nodes within the demand's extent, widened by the radius: sites stay near the gaps.
        margin = radius / 111_000 * 1.5
        inside = (
            (graph.lat >= lat.min() - margin) & (graph.lat <= lat.max() + margin)
            & (graph.lng >= lng.min() - margin) & (graph.lng <= lng.max() + margin)
        )  # fmt: skip
        cand_nodes = np.flatnonzero(inside)
        cand_offsets = np.zeros(cand_nodes.size)
    picks = siting.best_sites(
        graph, nodes, offsets, weights, radius_m=radius, k=k,
        candidate_nodes=cand_nodes, candidate_offsets=cand_offsets,
    )  # fmt: skip
    result: list[Pick] = []
    for pick in picks:
        if premises:
            chosen = premises[pick.candidate]
            result.append((chosen.lat, chosen.lng, pick.covered.tolist(), chosen.name))
        else:
            node = int(pick.node)
            result.append(
                (float(graph.lat[node]), float(graph.lng[node]), pick.covered.tolist(), "")
            )
    return result


def _straight_line(
    run: CoverageRun,
    lat: np.ndarray,
    lng: np.ndarray,
    weights: np.ndarray,
    radius: float,
    k: int,
    premises: list[CandidateSite],
) -> list[Pick]:
    """Greedy maximal covering by straight-line distance × detour: candidates are the premises, or
    else the uncovered estates' own positions."""
    projection = geo.LocalProjection(float(lat.mean()), float(lng.mean()))
    demand_xy = np.column_stack(projection.forward(lat, lng))
    if premises:
        c_lat = np.array([p.lat for p in premises])
        c_lng = np.array([p.lng for p in premises])
    else:
        c_lat, c_lng = lat, lng
    cand_xy = np.column_stack(projection.forward(c_lat, c_lng))
    reach = cKDTree(demand_xy).query_ball_point(cand_xy, r=radius / run.detour_factor)
    remaining = weights.copy()
    result: list[Pick] = []
    for _ in range(k):
        gains = np.array([remaining[list(near)].sum() if near else 0.0 for near in reach])
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        covered = sorted(i for i in reach[best] if remaining[i] > 0)
        remaining[covered] = 0
        name = premises[best].name if premises else ""
        result.append((float(c_lat[best]), float(c_lng[best]), covered, name))
    return result
