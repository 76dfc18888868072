"""Living-circle coverage (L2) end to end: a run over a street network, what the map page and the
table say, gaps and siting, a facility added and the coverage updated, networks imported, the standard
edited, the export — over HTTP, on the shared test world with positions added.

The home community's estates lie on a north–south line through its centre, on a synthetic street
lattice that covers the home county; the village and the other county have no network (straight-line
fallback). Positions (metres north of the home centre): E001 at 0, E002 at 1,400.
"""

from __future__ import annotations

import io
import json
import math
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.facilities import network, synthetic
from shequ.facilities.actions import coverage as computing
from shequ.facilities.actions import networks as network_actions
from shequ.facilities.actions import register_facility, update_facility
from shequ.facilities.models import (
    CircleRequirement,
    CoverageRun,
    EstateAccess,
    FacilityCategory,
    LivingCircle,
    Method,
    NetworkSource,
    RunStatus,
    WalkingNetwork,
)
from shequ.facilities.queries.networks import graph_of
from shequ.registry.tests.factories import household, member, years_ago
from shequ.territory.models import Estate
from tests.pages import client_for, html
from tests.world import HOME, World, build_world, token

pytestmark = pytest.mark.django_db

LAT0, LNG0 = 34.2600, 117.1800
M_PER_DEG = 111_195.0
MAP = reverse("facilities:coverage")
TABLE = reverse("facilities:coverage_table")
EXPORT = reverse("facilities:coverage_export")
NETWORKS = reverse("facilities:networks")
STANDARD = reverse("facilities:standard")
VILLAGE = "320302001201"
OTHER_COUNTY_COMMUNITY = "320303001001"


def north(metres: float, east: float = 0.0) -> tuple[float, float]:
    return (
        LAT0 + metres / M_PER_DEG,
        LNG0 + east / (M_PER_DEG * math.cos(math.radians(LAT0))),
    )


def _position(world: World) -> dict[str, Estate]:
    """Centres for every region and estate: the home community at the origin, the others around."""
    offsets = {
        "320300": (0, 0), "320302": (0, 0), "320302001": (0, 0), HOME["community"]: (0, 0),
        VILLAGE: (-3000, 2000), "320302002": (2500, -2500), "320302002001": (2500, -2500),
        "320303": (0, 9000), "320303001": (0, 9000), OTHER_COUNTY_COMMUNITY: (0, 9000),
    }  # fmt: skip
    for code, (n, e) in offsets.items():
        region = world.regions[code]
        region.centre_lat, region.centre_lng = north(n, e)
        region.save(update_fields=["centre_lat", "centre_lng"])
    estates = {}
    for estate in Estate.objects.select_related("grid", "community"):
        base_n, base_e = offsets[estate.community.code]
        step = 0 if estate.grid.code.endswith("001") else 1400
        estate.centre_lat, estate.centre_lng = north(base_n + step, base_e)
        estate.save(update_fields=["centre_lat", "centre_lng"])
        estates[estate.grid.code] = estate
    return estates


def _households(world: World, estate: Estate, count: int, *, elderly: int = 0) -> None:
    for i in range(count):
        born = years_ago(70) if i < elderly else years_ago(35)
        household(
            estate.community,
            [member(f"住户{estate.pk}{i}", born=born)],
            grid=estate.grid,
            estate=estate,
        )


def _lattice() -> network.WalkingGraph:
    """A lattice 8 km × 8 km around the home centre, 100 m apart, nothing dropped: walking distance
    along it is predictable."""
    return synthetic.synthetic_network(
        centre_lat=LAT0, centre_lng=LNG0, width_m=8000, height_m=8000, spacing_m=100,
        seed=1, drop_share=0.0, diagonal_share=0.0,
    )  # fmt: skip


def _compute(world: World) -> CoverageRun:
    (run,) = computing.request_refresh(reason="test", region=world.regions["320300"], enqueue=False)
    done = computing.run_coverage(run_id=run.pk)
    assert done is not None and done.status == RunStatus.DONE
    return done


def _day_care_circle() -> CircleRequirement:
    return CircleRequirement.objects.select_related("circle").get(
        circle__code="elderly_quarter_hour", category=FacilityCategory.ELDERLY_DAY_CARE
    )


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def town(world: World) -> dict[str, Any]:
    """Positions, households (E001: 3 households, 2 elderly; E002: 5 households, 1 elderly), the home
    county's street network, and a day-care centre 150 m east of E001."""
    estates = _position(world)
    home_e1 = estates[HOME["community"] + "001"]
    home_e2 = estates[HOME["community"] + "002"]
    _households(world, home_e1, 3, elderly=2)
    _households(world, home_e2, 5, elderly=1)
    network_actions.save_network(
        region=world.regions["320302"], graph=_lattice(), name="测试路网",
        source=NetworkSource.GEOJSON, by=None,
    )  # fmt: skip
    lat, lng = north(0, 150)
    centre = register_facility(
        community=world.regions[HOME["community"]], by=None, category=FacilityCategory.ELDERLY_DAY_CARE,
        name="万通日间照料中心", lat=lat, lng=lng, opening_hours={"mon": "08:00-18:00"},
    )  # fmt: skip
    return {"e1": home_e1, "e2": home_e2, "centre": centre, "estates": estates}


def _access(run: CoverageRun, estate: Estate, req: CircleRequirement) -> EstateAccess:
    return EstateAccess.objects.get(
        run=run, estate__estate=estate, category=req.category, circle=req.circle
    )


# --- The computation -----------------------------------------------------------------------------


def test_a_run_measures_each_estate_along_the_network_and_flags_the_rest_as_straight_line(
    world: World, town: dict[str, Any]
) -> None:
    run = _compute(world)
    req = _day_care_circle()
    near, far = _access(run, town["e1"], req), _access(run, town["e2"], req)
    assert run.method == Method.NETWORK
    # E001 → the centre 150 m east: along the lattice, never shorter than the straight line.
    assert near.covered and near.facility_id == town["centre"].pk
    assert 150 <= near.distance_m <= 150 * 1.2 + 60
    # E002 is 1.4 km north and 150 m west of it: beyond the 1,000 m circle.
    assert not far.covered and far.distance_m > 1400
    # The same figure as the engine gives on the same graph, snapping included.
    graph = graph_of(WalkingNetwork.objects.get(is_active=True))
    expected = network.nearest_points(
        graph, [town["e2"].centre_lat], [town["e2"].centre_lng],
        [town["centre"].lat], [town["centre"].lng], limit_m=5000,
    ).distance_m[0]  # fmt: skip
    assert far.distance_m == pytest.approx(expected, abs=0.1)
    # The other county has no network: measured in straight lines, and the run says so.
    assert (
        run.off_network_estates
        == Estate.objects.exclude(community__path__startswith="320300/320302/").count()
    )


def test_an_upper_circle_facility_does_not_meet_a_lower_circle_requirement(
    world: World, town: dict[str, Any]
) -> None:
    five = LivingCircle.objects.get(code="five_minute")
    fifteen = LivingCircle.objects.get(code="fifteen_minute")
    update_facility(facility=town["centre"], by=None, serves_circle=fifteen.pk)
    run = _compute(world)
    at_five = EstateAccess.objects.get(
        run=run, estate__estate=town["e1"], category=FacilityCategory.ELDERLY_DAY_CARE, circle=five
    )
    any_level = EstateAccess.objects.get(
        run=run, estate__estate=town["e1"], category=FacilityCategory.ELDERLY_DAY_CARE, circle=None
    )
    assert any_level.facility_id == town["centre"].pk and any_level.distance_m < 300
    assert at_five.facility_id is None and not at_five.covered


def test_a_disconnected_network_reports_estates_as_unreachable_not_far(
    world: World, town: dict[str, Any]
) -> None:
    """Two street pieces that do not meet: E002's piece has no day-care centre at all."""

    def line(a: float, b: float) -> list[list[float]]:
        return [[north(n)[1], north(n)[0]] for n in np.arange(a, b + 1, 100.0)]

    pieces = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [*line(-500, 500), [north(0, 150)[1], north(0, 150)[0]]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": line(1200, 1800)}},
    ]}  # fmt: skip
    from shequ.facilities import osm

    network_actions.save_network(
        region=world.regions["320302"], graph=osm.graph_from_geojson(json.dumps(pieces).encode()),
        name="断开的路网", source=NetworkSource.GEOJSON, by=None,
    )  # fmt: skip
    run = _compute(world)
    cut_off = _access(run, town["e2"], _day_care_circle())
    assert cut_off.unreachable and cut_off.distance_m is None and not cut_off.covered
    assert not _access(run, town["e1"], _day_care_circle()).unreachable


def test_shares_are_household_weighted_over_the_region(world: World, town: dict[str, Any]) -> None:
    _compute(world)
    client = client_for(world.users["county_official"])
    req = _day_care_circle()
    body = html(
        client.get(MAP, {"region": "320302", "requirement": f"{req.circle_id}:{req.category}"})
    )
    # 3 of the 8 households of the home community's estates are covered (not 1 of 2 estates = 50 %).
    # The county's other estates (other township, village) have no households: they add none.
    assert "3 / 8 户" in body
    assert "37.5%" in body
    assert "2 / 3 人" in body  # elderly: E001's two of the three


# --- The pages -----------------------------------------------------------------------------------


def test_the_done_when_story_gaps_siting_a_new_facility_and_the_coverage_updates(
    world: World, town: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _compute(world)
    req = _day_care_circle()
    client = client_for(world.users["county_official"])
    query = {"region": "320302", "requirement": f"{req.circle_id}:{req.category}"}
    body = html(client.get(MAP, query))
    assert token(HOME["community"] + "002E") in body  # E002 is listed among the gaps
    assert 'id="gaps-table"' in body and "5 户" in body

    body = html(client.get(MAP, {**query, "sites": 1}))
    assert 'id="sites-table"' in body
    data = json.loads(
        body.split('id="coverage-data" type="application/json">', 1)[1].split("</script>")[0]
    )
    ((_rank, site_lat, site_lng, households, _premises),) = data["sites"]
    assert households == 5  # the site covers E002's five households

    with django_capture_on_commit_callbacks(execute=True):
        register_facility(
            community=world.regions[HOME["community"]], by=world.users["community_staff"],
            category=FacilityCategory.ELDERLY_DAY_CARE, name="新建日间照料中心",
            lat=site_lat, lng=site_lng,
        )  # fmt: skip
    latest = CoverageRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at").first()
    assert latest is not None
    assert _access(latest, town["e2"], req).covered
    body = html(client.get(MAP, {**query, "region": HOME["community"]}))
    assert "8 / 8 户" in body and "本区域的小区全部达标" in body


def test_people_see_only_their_own_places(world: World, town: dict[str, Any]) -> None:
    _compute(world)
    req = _day_care_circle()
    outsider = client_for(world.outsider)
    body = html(outsider.get(MAP, {"requirement": f"{req.circle_id}:{req.category}"}))
    assert token(HOME["community"] + "002E") not in body
    assert outsider.get(MAP, {"region": "320302"}).status_code == 404
    assert outsider.get(TABLE, {"region": HOME["community"]}).status_code == 404
    assert outsider.get(EXPORT, {"region": "320302"}).status_code == 404


def test_the_map_page_costs_the_same_queries_whatever_the_number_of_estates(
    world: World, town: dict[str, Any]
) -> None:
    req = _day_care_circle()
    client = client_for(world.users["county_official"])
    query = {"region": "320302", "requirement": f"{req.circle_id}:{req.category}"}

    def count() -> int:
        _compute(world)
        client.get(MAP, query)  # the first request of a session also saves the session
        with CaptureQueriesContext(connection) as seen:
            assert client.get(MAP, query).status_code == 200
        return len(seen)

    before = count()
    for i in range(6):
        lat, lng = north(300 * i, 700)
        Estate.objects.create(
            community=world.regions[HOME["community"]], grid=town["e1"].grid, name=f"新小区{i}",
            centre_lat=lat, centre_lng=lng,
        )  # fmt: skip
    assert count() == before


def test_the_table_lists_gaps_and_the_export_has_every_estate(
    world: World, town: dict[str, Any]
) -> None:
    _compute(world)
    req = _day_care_circle()
    client = client_for(world.users["township_staff"])
    body = html(
        client.get(
            TABLE,
            {"region": "320302001", "requirement": f"{req.circle_id}:{req.category}", "gaps": "1"},
        )
    )
    assert token(HOME["community"] + "002E") in body
    assert token(HOME["community"] + "001E") not in body
    response = client.get(EXPORT, {"region": "320302001"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    names = {row[0] for row in rows[2:]}
    assert token(HOME["community"] + "001E") + "小区" in names
    assert token("320302002001001E") + "小区" not in names  # another township's estate


# --- Networks and the standard -------------------------------------------------------------------


def test_a_network_is_imported_from_geojson_and_bad_files_are_refused(
    world: World, town: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.users["county_official"])
    lines = {
        "type": "LineString",
        "coordinates": [[LNG0, LAT0], [LNG0 + 0.01, LAT0], [LNG0 + 0.01, LAT0 + 0.01]],
    }
    upload = io.BytesIO(json.dumps(lines).encode())
    upload.name = "roads.geojson"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NETWORKS, {"region": "320302", "name": "鼓楼路网", "file": upload})
    assert response.status_code == 302
    stored = WalkingNetwork.objects.get(name="鼓楼路网")
    assert stored.is_active and stored.node_count == 3 and stored.edge_count == 2
    assert not WalkingNetwork.objects.get(name="测试路网").is_active
    assert CoverageRun.objects.get(status=RunStatus.DONE).network == stored

    picture = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    picture.name = "roads.osm.pbf"
    response = client.post(NETWORKS, {"region": "320302", "file": picture})
    assert response.status_code == 400
    assert "不是可识别的路网文件" in html(response)
    points = io.BytesIO(json.dumps({"type": "Point", "coordinates": [LNG0, LAT0]}).encode())
    points.name = "points.geojson"
    response = client.post(NETWORKS, {"region": "320302", "file": points})
    assert response.status_code == 400
    assert WalkingNetwork.objects.filter(is_active=True).count() == 1


def test_an_osm_file_without_walkable_ways_is_refused(world: World) -> None:
    client = client_for(world.users["county_official"])
    osm_xml = io.BytesIO(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>"
        b"<node id='1' lat='34.26' lon='117.18'/><node id='2' lat='34.261' lon='117.18'/>"
        b"<node id='3' lat='34.261' lon='117.181'/>"
        b"<way id='10'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='1'/><tag k='building' v='yes'/></way>"
        b"</osm>"
    )
    osm_xml.name = "buildings.osm"
    response = client.post(NETWORKS, {"region": "320302", "file": osm_xml})
    assert response.status_code == 400
    assert not WalkingNetwork.objects.exists()


def test_only_a_city_official_edits_the_standard(world: World) -> None:
    circle = LivingCircle.objects.get(code="elderly_quarter_hour")
    edit = reverse("facilities:circle_edit", args=[circle.pk])
    assert client_for(world.users["county_official"]).get(edit).status_code == 403
    city = client_for(world.users["city_official"])
    values = {"name": circle.name, "service_radius_m": 800, "applies_to": "all",
              "categories": [FacilityCategory.ELDERLY_DAY_CARE]}  # fmt: skip
    assert city.post(edit, values).status_code == 302
    circle.refresh_from_db()
    assert circle.service_radius_m == 800
    assert list(circle.requirements.values_list("category", flat=True)) == ["elderly_day_care"]
    response = city.post(edit, {**values, "service_radius_m": 20})
    assert response.status_code == 400
    circle.refresh_from_db()
    assert circle.service_radius_m == 800
    assert "50" in html(city.get(STANDARD)) or circle.name in html(city.get(STANDARD))


# --- The API -------------------------------------------------------------------------------------

API = "/api/v1/facilities/coverage"


def _req_params(req: CircleRequirement) -> dict[str, Any]:
    return {"circle": req.circle_id, "category": req.category}


def test_the_api_gives_shares_per_region_estates_gaps_and_sites(
    world: World, town: dict[str, Any]
) -> None:
    req = _day_care_circle()
    client = client_for(world.users["county_official"])
    assert client.get(API, {"region": "320302"}).json()["code"] == "not_computed"
    _compute(world)
    body = client.get(API, {"region": "320302"}).json()
    assert body["method"] == Method.NETWORK
    (share,) = [
        s for s in body["region"]["requirements"]
        if s["circle"] == "elderly_quarter_hour" and s["category"] == req.category
    ]  # fmt: skip
    assert (share["covered_households"], share["households"]) == (3, 8)
    assert share["household_share"] == pytest.approx(0.375)
    assert {c["code"] for c in body["children"]} == {"320302001", "320302002"}

    estates = client.get(f"{API}/estates", {"region": HOME["community"], **_req_params(req)}).json()
    assert estates["count"] == 2
    gaps = client.get(f"{API}/gaps", {"region": HOME["community"], **_req_params(req)}).json()
    assert [g["estate_id"] for g in gaps["results"]] == [town["e2"].pk]
    assert gaps["results"][0]["households"] == 5

    sites = client.get(
        f"{API}/siting", {"region": HOME["community"], "k": 2, **_req_params(req)}
    ).json()
    assert sites["uncovered_households"] == 5
    assert sites["sites"][0]["households"] == 5 and sites["sites"][0]["estate_ids"] == [
        town["e2"].pk
    ]


def test_the_api_refuses_outsiders_unknown_requirements_and_siting_without_the_right(
    world: World, town: dict[str, Any]
) -> None:
    _compute(world)
    req = _day_care_circle()
    outsider = client_for(world.outsider)
    assert outsider.get(API, {"region": "320302"}).status_code == 404
    assert (
        outsider.get(f"{API}/gaps", {"region": HOME["community"], **_req_params(req)}).status_code
        == 404
    )
    staff = client_for(world.users["community_staff"])
    assert staff.get(f"{API}/siting", _req_params(req)).status_code == 403
    bad = staff.get(f"{API}/gaps", {"circle": req.circle_id, "category": "no_such"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"


def test_the_console_points_at_centres_open_too_briefly(world: World, town: dict[str, Any]) -> None:
    lat, lng = north(100, 100)
    register_facility(
        community=world.regions[HOME["community"]], by=None,
        category=FacilityCategory.COMMUNITY_SERVICE_STATION, name="短时开放的服务站",
        lat=lat, lng=lng, opening_hours={"mon": "09:00-12:00", "tue": "08:00-18:00"},
    )  # fmt: skip
    body = html(client_for(world.users["community_staff"]).get("/"))
    assert "每天开放不足8小时的社区综合服务设施" in body
    assert "每天开放不足8小时的社区综合服务设施" not in html(client_for(world.outsider).get("/"))


def test_the_requirement_shown_is_the_one_selected(world: World, town: dict[str, Any]) -> None:
    _compute(world)
    req = _day_care_circle()
    body = html(client_for(world.users["county_official"]).get(MAP))
    assert f'<option value="{req.circle_id}:{req.category}" selected>' in body


def test_a_failed_run_keeps_the_last_results_and_tells_the_analysts(
    world: World, town: dict[str, Any]
) -> None:
    first = _compute(world)
    # A damaged network (re-imported, so no process has it decoded already).
    WalkingNetwork.objects.filter(is_active=True).update(
        data=b"not a network", imported_at=timezone.now()
    )
    (run,) = computing.request_refresh(reason="test", region=world.regions["320300"], enqueue=False)
    assert computing.run_coverage(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert EstateAccess.objects.filter(run=run).count() == 0  # nothing half-written
    official = client_for(world.users["county_official"])
    body = html(official.get(MAP, {"region": "320302"}))
    assert "的重新计算失败，本页仍显示上一次的结果" in body
    assert first.finished_at is not None
    assert timezone.localtime(first.finished_at).strftime("%Y-%m-%d %H:%M") in body
    assert "生活圈覆盖重新计算失败" in html(official.get("/"))
    assert computing.run_coverage(run_id=run.pk) is None  # a finished run is never taken again


def test_a_nearest_facility_across_the_border_is_not_named(
    world: World, town: dict[str, Any]
) -> None:
    """E001's nearest meal point belongs to the other county: the home township sees that there is
    one and how far, not whose it is; the city sees its name."""
    lat, lng = north(0, 300)
    register_facility(
        community=world.regions[OTHER_COUNTY_COMMUNITY], by=None,
        category=FacilityCategory.MEAL_POINT, name="邻县长者食堂", lat=lat, lng=lng,
    )  # fmt: skip
    _compute(world)
    req = CircleRequirement.objects.get(circle__code="elderly_quarter_hour", category="meal_point")
    query = {"region": HOME["community"], "requirement": f"{req.circle_id}:{req.category}"}
    township = client_for(world.users["township_staff"])
    for url in (MAP, TABLE):
        body = html(township.get(url, query))
        assert "邻县长者食堂" not in body and "辖区外的设施" in body
    exported = township.get(EXPORT, {"region": HOME["community"]}).content
    sheet = load_workbook(io.BytesIO(exported)).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert "邻县长者食堂" not in cells and "辖区外的设施" in cells
    api = township.get(
        f"{API}/estates", {**query, "circle": req.circle_id, "category": req.category}
    )
    assert "邻县长者食堂" not in api.content.decode("unicode_escape")
    assert "邻县长者食堂" in html(client_for(world.users["city_official"]).get(TABLE, query))


def test_siting_without_a_network_uses_straight_lines_and_says_so(
    world: World, town: dict[str, Any]
) -> None:
    """The other county has no street network: its estates are measured, and sites suggested, in
    straight lines × the detour factor, and the page says so."""
    other = town["estates"][OTHER_COUNTY_COMMUNITY + "001"]
    _households(world, other, 4)
    _compute(world)
    req = _day_care_circle()
    city = client_for(world.users["city_official"])
    query = {"region": "320303", "requirement": f"{req.circle_id}:{req.category}", "sites": 1}
    body = html(city.get(MAP, query))
    assert "没有步行路网，按直线距离估算" in body
    data = json.loads(
        body.split('id="coverage-data" type="application/json">', 1)[1].split("</script>")[0]
    )
    ((_rank, lat, lng, households, _premises),) = data["sites"]
    assert households == 4
    assert (lat, lng) == (round(other.centre_lat, 6), round(other.centre_lng, 6))


def test_the_nightly_job_recomputes_with_the_registry_as_it_is_now(
    world: World, town: dict[str, Any]
) -> None:
    from shequ.facilities.tasks import refresh_coverage

    _compute(world)
    _households(world, town["e1"], 2)  # two more households move in; no facility changes
    refresh_coverage()
    latest = CoverageRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at").first()
    assert latest is not None
    assert latest.estates.get(estate=town["e1"]).households == 5


def test_a_run_whose_worker_died_is_not_shown_as_running(
    world: World, town: dict[str, Any]
) -> None:
    _compute(world)
    (run,) = computing.request_refresh(reason="test", region=world.regions["320300"], enqueue=False)
    client = client_for(world.users["county_official"])
    assert "正在重新计算" in html(client.get(MAP))
    CoverageRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    assert "正在重新计算" not in html(client.get(MAP))
