"""Reading street data into a ``WalkingGraph``: OpenStreetMap extracts (PBF or XML) and GeoJSON lines.

Which OpenStreetMap ways count as walkable (``is_walkable``):

* ``highway`` is one of ``WALKABLE_HIGHWAYS``: the footpaths (footway, path, pedestrian, steps,
  corridor, bridleway, cycleway, track), the local streets (living_street, residential, service,
  unclassified, road) and the main roads (tertiary, secondary, primary and trunk, with their
  links). Main roads are in because in Chinese cities they carry the pavements people walk on
  (pavements are rarely mapped as separate ways); trunk roads too, since OSM China tags many urban
  arterials ``trunk``. Motorways are out (pedestrians are barred by law), and so is a trunk road
  tagged ``motorroad=yes``, as are ways under construction or only proposed;
* not ``area=yes`` (a pedestrian square drawn as a polygon is not a line to walk along);
* not ``foot=no`` or ``foot=use_sidepath`` (walkers must use a separately mapped pavement);
* not ``access=no`` or ``access=private``, unless ``foot`` is yes, designated or permissive. Roads
  inside gated estates are often ``access=private``: an estate point there snaps to the nearest
  public way, and its snap distance says how far that is.

Ways cut by the edge of a clipped extract keep the stretches between the nodes the file has.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import osmium
from django.utils.translation import gettext as _

from shequ.facilities.network import IntArray, NetworkError, WalkingGraph

WALKABLE_HIGHWAYS = frozenset(
    {
        "footway", "path", "pedestrian", "steps", "corridor", "bridleway", "cycleway", "track",
        "living_street", "residential", "service", "unclassified", "road",
        "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link",
        "trunk", "trunk_link",
    }
)  # fmt: skip
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
_FOOT_BARRED = frozenset({"no", "use_sidepath"})
_ACCESS_BARRED = frozenset({"no", "private"})
_COORDINATE_STEP = 1e7  # GeoJSON vertices equal to 1e-7° (about 1 cm) are the same node


class _Tags(Protocol):
    def get(self, key: str, default: str | None = None) -> str | None: ...


def is_walkable(tags: _Tags) -> bool:
    """Whether a way with these tags is part of the walking network (rules in the module doc)."""
    highway = tags.get("highway")
    if highway not in WALKABLE_HIGHWAYS or tags.get("area") == "yes":
        return False
    foot = tags.get("foot")
    if foot in _FOOT_BARRED:
        return False
    if foot in _FOOT_ALLOWED:
        return True
    if tags.get("motorroad") == "yes":
        return False
    return tags.get("access") not in _ACCESS_BARRED


# --- OpenStreetMap files -------------------------------------------------------------------------


class _Polylines:
    """Vertices of many lines in flat lists; ``joined[i]`` says vertex i continues vertex i − 1."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.lat: list[float] = []
        self.lng: list[float] = []
        self.joined: list[bool] = []

    def add(self, vertices: Iterable[tuple[int, float, float] | None]) -> None:
        """One line; ``None`` marks a missing vertex, which splits the line there."""
        joined = False
        for vertex in vertices:
            if vertex is None:
                joined = False
                continue
            key, lat, lng = vertex
            self.keys.append(key)
            self.lat.append(lat)
            self.lng.append(lng)
            self.joined.append(joined)
            joined = True

    def graph(self) -> WalkingGraph:
        """Vertices with the same key become one node; consecutive joined vertices, an edge."""
        keys = np.asarray(self.keys, dtype=np.int64)
        _unique, first, node = np.unique(keys, return_index=True, return_inverse=True)
        node = node.reshape(-1)
        joined = np.flatnonzero(np.asarray(self.joined, dtype=bool))
        lat = np.asarray(self.lat, dtype=np.float64)[first]
        lng = np.asarray(self.lng, dtype=np.float64)[first]
        return WalkingGraph.from_edges(lat, lng, node[joined - 1], node[joined])


def _way_vertices(way: Any) -> Iterator[tuple[int, float, float] | None]:
    for ref in way.nodes:
        location = ref.location
        yield (int(ref.ref), location.lat, location.lon) if location.valid() else None


def graph_from_pbf(path: str | os.PathLike[str]) -> WalkingGraph:
    """The walking network in an OpenStreetMap file: ``.osm.pbf`` or ``.osm`` (XML), by extension.

    Edges join consecutive nodes of walkable ways, with great-circle lengths. Raises
    ``NetworkError`` when the file cannot be read or holds no walkable way.
    """
    name = Path(path).name
    lines = _Polylines()
    ways = 0
    try:
        processor = osmium.FileProcessor(
            os.fspath(path), osmium.osm.NODE | osmium.osm.WAY
        ).with_locations()
        # Locations are cached from every node before the filters run, so dropping nodes is safe.
        processor = processor.with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        processor = processor.with_filter(osmium.filter.KeyFilter("highway"))
        for way in processor:
            if is_walkable(way.tags):
                ways += 1
                lines.add(_way_vertices(way))
    except RuntimeError as error:
        raise NetworkError(
            _("无法读取路网文件“%(name)s”：它不是有效的 OpenStreetMap 文件（%(error)s）。")
            % {"name": name, "error": error}
        ) from error
    if not any(lines.joined):
        if ways:
            raise NetworkError(
                _(
                    "路网文件“%(name)s”中的 %(ways)d 条可步行道路都缺少节点坐标（文件里可能没有节点）。"
                )
                % {"name": name, "ways": ways}
            )
        raise NetworkError(_("路网文件“%(name)s”中没有可步行的道路。") % {"name": name})
    return lines.graph()


# --- GeoJSON ---------------------------------------------------------------------------------


_LINE_TYPES = ("LineString", "MultiLineString")


def _geometries(data: Any) -> Iterator[Any]:
    """Every geometry in a FeatureCollection, Feature, GeometryCollection or bare geometry."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise NetworkError(_("GeoJSON 的 FeatureCollection 缺少 features 列表。"))
        for feature in features:
            yield from _geometries(feature)
    elif kind == "Feature":
        if data.get("geometry") is not None:
            yield from _geometries(data["geometry"])
    elif kind == "GeometryCollection":
        for geometry in data.get("geometries") or []:
            yield from _geometries(geometry)
    elif isinstance(kind, str):
        yield data
    else:
        raise NetworkError(_("不是 GeoJSON 数据：缺少 type 字段。"))


def _parts(geometry: Any) -> list[Any]:
    """The coordinate lists of a LineString or MultiLineString."""
    coordinates = geometry.get("coordinates")
    parts = [coordinates] if geometry["type"] == "LineString" else coordinates
    if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
        raise NetworkError(_("GeoJSON 线要素的坐标格式不对。"))
    return parts


def _positions(part: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lng) arrays of one line's [lng, lat(, altitude)] positions, checked."""
    try:
        array = np.array([position[:2] for position in part], dtype=np.float64)
    except (TypeError, ValueError, IndexError, KeyError) as error:
        raise NetworkError(_("GeoJSON 线要素的坐标格式不对。")) from error
    if array.size == 0:
        return np.zeros(0), np.zeros(0)
    if array.ndim != 2 or array.shape[1] != 2:
        raise NetworkError(_("GeoJSON 线要素的坐标格式不对。"))
    lng, lat = array[:, 0], array[:, 1]
    ok = np.isfinite(lat) & np.isfinite(lng) & (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
    if not bool(np.all(ok)):
        raise NetworkError(
            _(
                "GeoJSON 中有超出范围的坐标：坐标应为 WGS-84 的 [经度, 纬度]，"
                "请检查坐标系和先后顺序。"
            )
        )
    return lat, lng


def graph_from_geojson(data: dict[str, Any] | bytes | str) -> WalkingGraph:
    """The network drawn by GeoJSON LineStrings / MultiLineStrings in WGS-84 ``[lng, lat]``.

    Vertices at the same position (to 1e-7°) become one node, so lines connect where they share a
    vertex (not where they merely cross). Other geometry types are skipped; when nothing usable is
    left, ``NetworkError`` says what was found instead.
    """
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise NetworkError(_("文件不是有效的 GeoJSON（JSON 格式错误）。")) from error
    lines = _Polylines()
    skipped: set[str] = set()
    for geometry in _geometries(data):
        kind = str(geometry.get("type"))
        if kind not in _LINE_TYPES:
            skipped.add(kind)
            continue
        for part in _parts(geometry):
            lat, lng = _positions(part)
            keys = _position_keys(lat, lng)
            lines.add(zip(keys.tolist(), lat.tolist(), lng.tolist(), strict=True))
    if not any(lines.joined):
        found = "、".join(sorted(skipped)) or _("没有要素")
        raise NetworkError(
            _("GeoJSON 中没有可用的线要素（LineString 或 MultiLineString）；找到的是：%(found)s。")
            % {"found": found}
        )
    return lines.graph()


def _position_keys(lat: np.ndarray, lng: np.ndarray) -> IntArray:
    """One integer per position rounded to 1e-7°, equal exactly when the rounded positions are."""
    row = np.rint((lat + 90.0) * _COORDINATE_STEP).astype(np.int64)
    column = np.rint((lng + 180.0) * _COORDINATE_STEP).astype(np.int64)
    return np.asarray(row * (361 * int(_COORDINATE_STEP)) + column)


def write_geojson(graph: WalkingGraph) -> dict[str, Any]:
    """The graph as a GeoJSON FeatureCollection, one LineString per edge with ``length_m``."""
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [float(graph.lng[u]), float(graph.lat[u])],
                    [float(graph.lng[v]), float(graph.lat[v])],
                ],
            },
            "properties": {"length_m": round(float(metres), 3)},
        }
        for u, v, metres in zip(graph.src, graph.dst, graph.length, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}
