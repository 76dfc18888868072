"""/api/v1/facilities over HTTP: the scoped search and detail, registration with GCJ-02 conversion,
changes with a version (409 when stale), closing, community floor areas and candidate sites, each bad
input answered in the project's error shape with nothing written, and lists whose number of queries
does not grow with their length."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.accounts import actions as accounts_actions
from shequ.facilities.models import CandidateSite, CommunityFloorArea, Facility, FacilityStatus
from shequ.facilities.tests.factories import (
    jpeg,
    make_candidate_site,
    make_community,
    make_facility,
)
from shequ.registry.tests.factories import household
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/facilities"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def bearer(user: Any) -> Client:
    """A client that authenticates with the user's API token, as a client system would."""
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    call = getattr(client, method)
    return call(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, str]:
    """The error body's messages by field (several for one field joined by a space)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    found: dict[str, str] = {}
    for item in body["errors"]:
        found[item["field"]] = " ".join(filter(None, [found.get(item["field"]), item["message"]]))
    return found


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def new_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "community_code": HOME["community"],
        "category": "community_service_center",
        "name": "幸福社区党群服务中心",
        "lat": 34.2610,
        "lng": 117.1849,
        "floor_area_m2": "800",
        "activity_area_m2": "560",
        "opening_hours": {"mon": "08:30-12:00, 14:00-18:00", "tue": "09:00-17:00"},
    }
    body.update(overrides)
    return body


# --- Lists and detail -----------------------------------------------------------------------------


def test_the_list_holds_my_territory_only_and_filters(world: World) -> None:
    make_facility(community=home(world), name="甲中心", operator="乐龄社工")
    make_facility(
        community=home(world),
        name="短开中心",
        opening_hours={"mon": "09:00-12:00"},
    )
    make_facility(community=world.regions[AWAY], name="外县中心")
    client = bearer(world.users["community_staff"])

    everything = client.get(API + "/facilities").json()
    brief = client.get(API + "/facilities", {"opens_too_briefly": "true"}).json()
    searched = client.get(API + "/facilities", {"q": "乐龄"}).json()

    assert {f["name"] for f in everything["results"]} == {"甲中心", "短开中心"}
    assert everything["count"] == 2
    assert [f["name"] for f in brief["results"]] == ["短开中心"]
    assert brief["results"][0]["opens_too_briefly"] is True
    assert brief["results"][0]["shortest_day_hours"] == "3.00"
    assert [f["name"] for f in searched["results"]] == ["甲中心"]
    assert {
        f["name"] for f in bearer(world.outsider).get(API + "/facilities").json()["results"]
    } == {"外县中心"}


def test_bad_filters_are_422_and_a_place_elsewhere_is_not_a_filter(world: World) -> None:
    client = bearer(world.users["community_staff"])

    assert "category" in error(client.get(API + "/facilities", {"category": "x"}), 422, "invalid")
    assert "status" in error(client.get(API + "/facilities", {"status": "x"}), 422, "invalid")
    elsewhere = error(client.get(API + "/facilities", {"region": "320303"}), 422, "invalid")
    assert elsewhere["region"] == "找不到该区域，或不在您的管辖范围内。"


def test_the_list_costs_the_same_queries_for_2_and_20_facilities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = bearer(world.users["township_staff"])
    client.get(API + "/facilities")  # the token's first use stamps last_used_at
    for i in range(2):
        make_facility(community=home(world), name=f"设施{i}")
    with CaptureQueriesContext(connection) as two:
        assert client.get(API + "/facilities").json()["count"] == 2
    for i in range(18):
        make_facility(community=world.regions["320302001201"], name=f"更多设施{i}")

    with django_assert_max_num_queries(len(two)):
        response = client.get(API + "/facilities")
    assert response.json()["count"] == 20 and len(response.json()["results"]) == 20


def test_detail_shows_hours_and_photos_and_elsewhere_is_404(world: World) -> None:
    facility = make_facility(community=home(world), photos=[jpeg()], external_code="GL-1")
    away = make_facility(community=world.regions[AWAY], name="外县中心")
    client = bearer(world.users["community_staff"])

    body = client.get(f"{API}/facilities/{facility.pk}").json()

    assert body["opening_hours"]["mon"] == "09:00-17:00" and body["opening_hours"]["sat"] == ""
    assert body["opening_minutes"]["mon"] == [[540, 1020]]
    assert body["external_code"] == "GL-1" and body["community_code"] == HOME["community"]
    photo = facility.photos.get()
    assert body["photos"][0]["url"] == f"/facilities/{facility.pk}/photos/{photo.pk}/"
    assert error(client.get(f"{API}/facilities/{away.pk}"), 404, "not_found") == {}
    assert error(client.get(f"{API}/facilities/999999"), 404, "not_found") == {}


def test_roles_without_the_permission_get_403(world: World) -> None:
    resident = client_for(world.users["resident"])
    grid = bearer(world.users["grid_worker"])

    error(resident.get(API + "/facilities"), 403, "forbidden")
    assert grid.get(API + "/facilities").status_code == 200
    error(send(grid, "post", "/facilities", new_body()), 403, "forbidden")
    assert not Facility.objects.exists()


# --- Registration ---------------------------------------------------------------------------------


def test_a_facility_is_registered_and_gcj02_is_converted(world: World) -> None:
    client = bearer(world.users["community_staff"])

    response = send(client, "post", "/facilities", new_body(coordinate_system="gcj02"))

    assert response.status_code == 201, response.content
    body = response.json()
    facility = Facility.objects.get(pk=body["id"])
    assert facility.lat == pytest.approx(34.26221, abs=1e-4)
    assert facility.lng == pytest.approx(117.17912, abs=1e-4)
    assert body["opening_hours"]["mon"] == "08:30-12:00, 14:00-18:00"
    assert body["opens_too_briefly"] is True and body["floor_area_m2"] == "800.00"
    assert body["version"] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"lat": None, "lng": None}, "lat", "请填写设施的位置（纬度和经度），或在地图上点选。"),
        ({"opening_hours": {"tue": "08:00-12:00, 11:00-13:00"}}, "opening_hours", "重叠"),
        ({"floor_area_m2": "-10"}, "floor_area_m2", "建筑面积不能为负数。"),
        ({"activity_area_m2": "900"}, "activity_area_m2", "不能大于建筑面积"),
        ({"capacity": 10_000_000}, "capacity", "容量应在 0～100000 之间。"),
        ({"coordinate_system": "bd09"}, "coordinate_system", "请选择坐标系：WGS-84 或 GCJ-02。"),
        ({"serves_circle": "no-such-circle"}, "serves_circle", "服务层级“no-such-circle”不存在。"),
        ({"name": "<b>中心</b>"}, "name", "请提交纯文本，不能包含 HTML 标记。"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    client = bearer(world.users["community_staff"])

    errors = error(send(client, "post", "/facilities", new_body(**overrides)), 422, "invalid")

    assert message in errors[field], errors
    assert not Facility.objects.exists()


def test_registering_elsewhere_is_404_and_above_a_community_is_422(world: World) -> None:
    client = bearer(world.users["township_staff"])

    elsewhere = send(client, "post", "/facilities", new_body(community_code=AWAY))
    township = send(client, "post", "/facilities", new_body(community_code="320302001"))

    assert "community_code" in error(elsewhere, 404, "not_found")
    assert "community_code" in error(township, 422, "invalid")
    assert not Facility.objects.exists()


# --- Changes --------------------------------------------------------------------------------------


def test_a_change_needs_the_version_read_and_a_stale_one_is_409(world: World) -> None:
    facility = make_facility(community=home(world))
    client = bearer(world.users["community_staff"])
    path = f"/facilities/{facility.pk}"

    changed = send(client, "patch", path, {"version": 1, "operator": "新运营方", "capacity": None})
    stale = send(client, "patch", path, {"version": 1, "name": "过时的修改"})

    assert changed.status_code == 200, changed.content
    assert changed.json()["operator"] == "新运营方" and changed.json()["capacity"] is None
    assert changed.json()["version"] == 2 and changed.json()["name"] == facility.name
    assert error(stale, 409, "conflict")["version"]
    facility.refresh_from_db()
    assert facility.name != "过时的修改" and facility.version == 2


def test_a_change_of_position_needs_both_coordinates_and_converts_gcj02(world: World) -> None:
    facility = make_facility(community=home(world))
    client = bearer(world.users["community_staff"])
    path = f"/facilities/{facility.pk}"

    half = send(client, "patch", path, {"version": 1, "lat": 34.27})
    lonely_system = send(client, "patch", path, {"version": 1, "coordinate_system": "gcj02"})
    moved = send(
        client,
        "patch",
        path,
        {"version": 1, "lat": 34.2610, "lng": 117.1849, "coordinate_system": "gcj02"},
    )

    assert error(half, 422, "invalid")["lat"] == "请同时提供纬度和经度。"
    assert "coordinate_system" in error(lonely_system, 422, "invalid")
    assert moved.status_code == 200, moved.content
    assert moved.json()["lng"] == pytest.approx(117.17912, abs=1e-4)


def test_a_bad_change_is_422_and_changes_nothing(world: World) -> None:
    facility = make_facility(community=home(world))
    client = bearer(world.users["community_staff"])

    errors = error(
        send(client, "patch", f"/facilities/{facility.pk}", {"version": 1, "floor_area_m2": "100"}),
        422,
        "invalid",
    )

    assert "不能大于建筑面积" in errors["activity_area_m2"]
    facility.refresh_from_db()
    assert facility.floor_area_m2 == Decimal("800.00") and facility.version == 1


def test_closing_a_facility_and_elsewhere_is_404(world: World) -> None:
    facility = make_facility(community=home(world))
    away = make_facility(community=world.regions[AWAY], name="外县中心")
    client = bearer(world.users["community_staff"])

    closed = send(client, "post", f"/facilities/{facility.pk}/close", {"version": 1})
    again = send(client, "post", f"/facilities/{facility.pk}/close", {"version": 1})
    outside = send(client, "post", f"/facilities/{away.pk}/close", {"version": 1})
    patch_outside = send(client, "patch", f"/facilities/{away.pk}", {"version": 1, "name": "x"})

    assert closed.status_code == 200 and closed.json()["status"] == FacilityStatus.CLOSED
    error(again, 409, "conflict")
    error(outside, 404, "not_found")
    error(patch_outside, 404, "not_found")
    away.refresh_from_db()
    assert away.status == FacilityStatus.IN_SERVICE and away.name == "外县中心"


def test_a_grid_worker_may_read_but_not_change(world: World) -> None:
    facility = make_facility(community=home(world))
    client = bearer(world.users["grid_worker"])

    assert client.get(f"{API}/facilities/{facility.pk}").status_code == 200
    error(send(client, "patch", f"/facilities/{facility.pk}", {"version": 1}), 403, "forbidden")


# --- Floor areas ----------------------------------------------------------------------------------


def test_floor_areas_are_put_and_listed_with_the_indicator_inputs(world: World) -> None:
    make_facility(community=home(world), floor_area_m2="800", activity_area_m2="600")
    household(home(world))
    client = bearer(world.users["community_staff"])

    put = send(
        client,
        "put",
        f"/floor-areas/{HOME['community']}/2024",
        {"total_floor_area_m2": "16000", "source": "测绘"},
    )
    listed = client.get(API + "/floor-areas", {"year": 2024}).json()

    assert put.status_code == 200, put.content
    row = put.json()
    assert Decimal(row["total_floor_area_m2"]) == 16000 and row["source"] == "测绘"
    assert Decimal(row["service_floor_area"]) == 800 and row["households"] == 1
    assert Decimal(row["commercial_service_ratio"]) == 5
    assert Decimal(row["service_area_per_100_households"]) == 80000
    assert Decimal(row["activity_ratio"]) == 75
    assert listed["count"] == 1 and listed["results"][0]["community_code"] == HOME["community"]


def test_a_bad_floor_area_is_422_and_elsewhere_is_404(world: World) -> None:
    make_facility(community=home(world), floor_area_m2="800")
    client = bearer(world.users["community_staff"])

    small = send(
        client, "put", f"/floor-areas/{HOME['community']}/2024", {"total_floor_area_m2": "1"}
    )
    away = send(client, "put", f"/floor-areas/{AWAY}/2024", {"total_floor_area_m2": "1000"})
    year = send(
        client, "put", f"/floor-areas/{HOME['community']}/1990", {"total_floor_area_m2": "9"}
    )

    assert "小于本社区在用设施的建筑面积之和" in error(small, 422, "invalid")["total_floor_area_m2"]
    error(away, 404, "not_found")
    assert error(year, 422, "invalid")["year"] == "年度不正确。"
    assert not CommunityFloorArea.objects.exists()


def test_the_floor_area_list_costs_the_same_queries_for_more_communities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = bearer(world.users["township_staff"])
    client.get(API + "/floor-areas")
    with CaptureQueriesContext(connection) as few:
        assert client.get(API + "/floor-areas").json()["count"] == 2
    township = world.regions[HOME["township"]]
    for n in range(15):
        community = make_community(township, 300 + n, f"新社区{n}")
        make_facility(community=community)
        household(community)

    with django_assert_max_num_queries(len(few)):
        response = client.get(API + "/floor-areas")
    assert response.json()["count"] == 17 and len(response.json()["results"]) == 17


# --- Candidate sites ------------------------------------------------------------------------------


def test_candidate_sites_are_listed_in_scope_and_created(world: World) -> None:
    make_candidate_site(community=world.regions[AWAY], name="外县门市")
    client = bearer(world.users["community_staff"])

    created = send(
        client,
        "post",
        "/candidate-sites",
        {"community_code": HOME["community"], "name": "原粮站", "lat": 34.2610, "lng": 117.1849},
    )
    missing = send(
        client, "post", "/candidate-sites", {"community_code": HOME["community"], "name": "无位置"}
    )
    listed = client.get(API + "/candidate-sites").json()

    assert created.status_code == 201, created.content
    assert created.json()["name"] == "原粮站" and created.json()["is_available"] is True
    assert "lat" in error(missing, 422, "invalid")
    assert [s["name"] for s in listed["results"]] == ["原粮站"]
    assert CandidateSite.objects.count() == 2


def test_the_session_api_works_for_a_signed_in_browser(world: World) -> None:
    make_facility(community=home(world))
    client = client_for(world.users["community_staff"])

    assert client.get(API + "/facilities").json()["count"] == 1
