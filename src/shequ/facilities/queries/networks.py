"""The walking networks coverage and siting measure on: which one serves an estate, and its graph."""

from __future__ import annotations

from shequ.facilities import network
from shequ.facilities.models import WalkingNetwork
from shequ.territory.models import Region

_GRAPHS: dict[tuple[int, str], network.WalkingGraph] = {}


def graph_of(walking: WalkingNetwork) -> network.WalkingGraph:
    """The network's graph, decoded once per process (keyed by id and import time)."""
    key = (walking.pk, walking.imported_at.isoformat())
    graph = _GRAPHS.get(key)
    if graph is None:
        data = WalkingNetwork.objects.filter(pk=walking.pk).values_list("data", flat=True).first()
        graph = network.WalkingGraph.from_npz_bytes(bytes(data or b""))
        _GRAPHS.clear()  # keep one decoded graph per process: they are large
        _GRAPHS[key] = graph
    return graph


def active_networks(root: Region) -> list[WalkingNetwork]:
    """Active networks inside the city, the deepest (most specific) first."""
    found = (
        WalkingNetwork.objects.filter(region__path__under=root.path, is_active=True)
        .select_related("region")
        .defer("data", "region__geometry")
    )
    return sorted(found, key=lambda n: (-n.region.depth, -n.imported_at.timestamp()))
