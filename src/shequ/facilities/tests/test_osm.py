"""Reading OpenStreetMap files and GeoJSON into walking graphs, and the messages for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest

from shequ.facilities.geo import haversine_m
from shequ.facilities.network import NetworkError, WalkingGraph
from shequ.facilities.osm import graph_from_geojson, graph_from_pbf, is_walkable, write_geojson

# Node id → (lat, lng): a small square of streets near Xuzhou's centre.
NODES = {
    1: (34.2600, 117.1800),
    2: (34.2600, 117.1810),
    3: (34.2600, 117.1820),
    4: (34.2610, 117.1800),
    5: (34.2610, 117.1810),
    6: (34.2610, 117.1820),
    7: (34.2620, 117.1800),
    8: (34.2620, 117.1810),
}
# (way id, node refs, tags); node 99 is missing from the file, as at the edge of a clipped extract.
WAYS = [
    (101, [1, 2, 3], {"highway": "residential", "name": "解放路"}),
    (102, [3, 6, 5, 3], {"building": "yes"}),
    (103, [3, 6], {"highway": "footway", "foot": "no"}),
    (104, [2, 5], {"highway": "service", "access": "private"}),
    (105, [1, 4], {"highway": "service", "access": "private", "foot": "yes"}),
    (106, [4, 5, 8, 7, 4], {"highway": "pedestrian", "area": "yes"}),
    (107, [7, 99, 4, 8], {"highway": "footway"}),
    (108, [5, 6], {"highway": "motorway"}),
    (109, [6, 8], {"highway": "trunk", "motorroad": "yes"}),
    (110, [2, 2], {"highway": "steps"}),
]
EXPECTED_EDGES = {(1, 2), (2, 3), (1, 4), (4, 8)}


def _osm_xml(ways) -> str:
    nodes = "".join(
        f'<node id="{i}" version="1" lat="{lat}" lon="{lng}"/>' for i, (lat, lng) in NODES.items()
    )
    body = ""
    for way_id, refs, tags in ways:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body += f'<way id="{way_id}" version="1">{nds}{tag_xml}</way>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">{nodes}{body}</osm>\n'


def _edges_by_osm_id(graph: WalkingGraph) -> set[tuple[int, int]]:
    """Edges named by the test's node ids (matched on coordinates)."""
    by_position = {pos: i for i, pos in NODES.items()}
    name = [by_position[(float(a), float(b))] for a, b in zip(graph.lat, graph.lng, strict=True)]
    return {
        tuple(sorted((name[u], name[v])))
        for u, v in zip(graph.src.tolist(), graph.dst.tolist(), strict=True)
    }


@pytest.fixture
def xml_file(tmp_path: Path) -> Path:
    path = tmp_path / "streets.osm"
    path.write_text(_osm_xml(WAYS), encoding="utf-8")
    return path


def test_only_walkable_ways_become_edges_and_clipped_ways_keep_their_pieces(xml_file) -> None:
    graph = graph_from_pbf(xml_file)
    assert _edges_by_osm_id(graph) == EXPECTED_EDGES
    assert graph.n_nodes == 5  # 1, 2, 3, 4, 8
    expected = haversine_m(
        graph.lat[graph.src], graph.lng[graph.src], graph.lat[graph.dst], graph.lng[graph.dst]
    )
    np.testing.assert_allclose(graph.length, expected, rtol=1e-12)


def test_pbf_reads_the_same_as_xml(xml_file, tmp_path) -> None:
    pbf = tmp_path / "streets.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml_file)):
            writer.add(obj)
    from_pbf, from_xml = graph_from_pbf(pbf), graph_from_pbf(xml_file)
    assert _edges_by_osm_id(from_pbf) == EXPECTED_EDGES
    np.testing.assert_allclose(np.sort(from_pbf.length), np.sort(from_xml.length), rtol=1e-9)


def test_a_file_with_only_buildings_has_no_walkable_ways(tmp_path) -> None:
    path = tmp_path / "buildings.osm"
    path.write_text(_osm_xml([(1, [1, 2, 5, 4, 1], {"building": "yes"})]), encoding="utf-8")
    with pytest.raises(NetworkError) as caught:
        graph_from_pbf(path)
    assert "没有可步行的道路" in caught.value.message
    assert "buildings.osm" in caught.value.message


def test_ways_without_their_nodes_are_reported(tmp_path) -> None:
    path = tmp_path / "ways-only.osm"
    xml = _osm_xml([(1, [1, 2], {"highway": "residential"})])
    path.write_text(
        xml.replace('<node id="1"', '<node id="91"').replace('<node id="2"', '<node id="92"')
    )
    with pytest.raises(NetworkError) as caught:
        graph_from_pbf(path)
    assert "缺少节点坐标" in caught.value.message


@pytest.mark.parametrize(
    ("name", "content"),
    [("junk.osm.pbf", b"this is not a protobuf"), ("junk.osm", b"not xml"), ("photo.jpg", b"\xff")],
)
def test_files_that_are_not_osm_raise_a_clear_error(tmp_path, name, content) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NetworkError) as caught:
        graph_from_pbf(path)
    assert "不是有效的 OpenStreetMap 文件" in caught.value.message


def test_a_missing_file_raises_network_error(tmp_path) -> None:
    with pytest.raises(NetworkError):
        graph_from_pbf(tmp_path / "absent.osm.pbf")


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "trunk", "motorroad": "yes"}, False),
        ({"highway": "trunk", "motorroad": "yes", "foot": "yes"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "primary", "foot": "use_sidepath"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "no", "foot": "permissive"}, True),
        ({"highway": "service", "access": "destination"}, True),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_walkable_rules(tags, walkable) -> None:
    assert is_walkable(tags) is walkable


# --- GeoJSON ---------------------------------------------------------------------------------


def _line(*points):
    return {"type": "LineString", "coordinates": [[lng, lat] for lat, lng in points]}


def test_geojson_lines_join_where_they_share_a_vertex() -> None:
    a, b, c, d = (34.26, 117.18), (34.26, 117.181), (34.261, 117.181), (34.262, 117.181)
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": _line(a, b), "properties": {}},
            {"type": "Feature", "geometry": _line((34.26, 117.1810000000001), c), "properties": {}},
            {"type": "Feature", "geometry": None, "properties": {}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.18, 34.26]}},
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[c[1], c[0], 30.0], [d[1], d[0], 31.0]]],
                },
            },
        ],
    }
    graph = graph_from_geojson(data)
    assert graph.n_nodes == 4 and graph.n_edges == 3
    assert len(set(graph.components.tolist())) == 1
    total = sum(float(haversine_m(*p, *q)) for p, q in [(a, b), (b, c), (c, d)])
    assert float(graph.length.sum()) == pytest.approx(total, rel=1e-9)


def test_geojson_accepts_bytes_a_feature_or_a_bare_geometry() -> None:
    line = _line((34.26, 117.18), (34.26, 117.181), (34.261, 117.181))
    for data in (
        line,
        {"type": "Feature", "geometry": line, "properties": None},
        json.dumps(line).encode(),
        json.dumps(line),
    ):
        assert graph_from_geojson(data).n_edges == 2


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{not json", "JSON 格式错误"),
        (b"\xff\xfe", "JSON 格式错误"),
        ([1, 2], "缺少 type"),
        ({"type": "Point", "coordinates": [117.18, 34.26]}, "Point"),
        (
            {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
                "type": "Polygon", "coordinates": [[[117.18, 34.26], [117.19, 34.26], [117.18, 34.27],
                                                    [117.18, 34.26]]]}}]},
            "Polygon",
        ),
        ({"type": "FeatureCollection", "features": []}, "没有要素"),
        ({"type": "FeatureCollection"}, "features"),
        ({"type": "LineString", "coordinates": [[34.26, 117.18], [34.27, 117.18]]}, "[经度, 纬度]"),
        ({"type": "LineString", "coordinates": [[117.18], [34.26]]}, "坐标格式不对"),
        ({"type": "LineString", "coordinates": [["a", "b"], [1, 2]]}, "坐标格式不对"),
        ({"type": "LineString", "coordinates": [[117.18, 34.26], [117.18, 34.26]]}, "没有可用的路段"),
    ],
)  # fmt: skip
def test_bad_geojson_says_what_is_wrong(data, words) -> None:
    with pytest.raises(NetworkError) as caught:
        graph_from_geojson(data)
    assert words in caught.value.message


def test_write_geojson_round_trips(xml_file) -> None:
    graph = graph_from_pbf(xml_file)
    exported = write_geojson(graph)
    assert len(exported["features"]) == graph.n_edges
    again = graph_from_geojson(json.dumps(exported))
    assert again.n_nodes == graph.n_nodes and again.n_edges == graph.n_edges
    assert _edges_by_osm_id(again) == EXPECTED_EDGES
    np.testing.assert_allclose(np.sort(again.length), np.sort(graph.length), rtol=1e-9)
