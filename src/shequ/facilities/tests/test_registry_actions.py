"""The registry's actions against bad input: each refusal names the field and the reason, and nothing is
half-written — no facility row without its photos, no edit over a colleague's newer one.

Communities here have centres (the city's bounds come from them), so a position can be outside the
city, or far from its community.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.core.models import AuditEvent
from shequ.facilities import actions, geo
from shequ.facilities.models import CandidateSite, CommunityFloorArea, Facility, FacilityPhoto
from shequ.facilities.tests.factories import (
    facility_values,
    jpeg,
    make_facility,
    not_an_image,
)
from shequ.territory.models import Region
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

CENTRES = {
    "320302001001": (34.2610, 117.1849),
    "320302001201": (34.2400, 117.2300),
    "320302002001": (34.3000, 117.1500),
    "320303001001": (34.2000, 117.3000),
}


@pytest.fixture
def world() -> World:
    built = build_world()
    for code, (lat, lng) in CENTRES.items():
        Region.objects.filter(code=code).update(centre_lat=lat, centre_lng=lng)
        built.regions[code].refresh_from_db()
    return built


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def home(world: World) -> Region:
    return world.regions[HOME["community"]]


def refused(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def register(world: World, by: Any = None, **overrides: Any) -> Facility:
    by = by if by is not None else world.users["community_staff"]
    return make_facility(community=home(world), by=by, **overrides)


# --- Positions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [{"lat": None, "lng": None}, {"lat": ""}, {"lng": None}])
def test_a_facility_without_coordinates_is_refused(world: World, missing: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, **missing)

    assert refused(exc)["lat"] == ["请填写设施的位置（纬度和经度），或在地图上点选。"]
    assert not Facility.objects.exists()


def test_coordinates_outside_the_city_are_refused_with_a_hint_about_gcj02(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, lat=39.9042, lng=116.4074)  # Beijing

    message = refused(exc)["lat"][0]
    assert "不在本市范围内" in message and "GCJ-02" in message and "39.90420" in message
    assert not Facility.objects.exists()


def test_swapped_latitude_and_longitude_are_caught(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, lat=117.1849, lng=34.2610)

    assert "是否把经纬度填反了" in refused(exc)["lat"][0]


def test_a_position_far_from_its_own_community_is_refused(world: World) -> None:
    # Inside the city's box (the community centres, 10 km wider), but 24 km from the community.
    with pytest.raises(ValidationError) as exc:
        register(world, lat=34.39, lng=117.39)

    assert "超过 15 公里" in refused(exc)["lat"][0]


def test_a_gcj02_position_is_converted_by_a_few_hundred_metres(world: World) -> None:
    gcj_lat, gcj_lng = 34.2610, 117.1849

    facility = register(world, lat=gcj_lat, lng=gcj_lng, coordinate_system="gcj02")

    moved = float(geo.haversine_m(gcj_lat, gcj_lng, facility.lat, facility.lng))
    assert 300 < moved < 800
    # Back through the forward formula, the stored WGS-84 point lands on what the picker gave.
    again_lat, again_lng = geo.wgs84_to_gcj02(facility.lat, facility.lng)
    assert float(again_lat) == pytest.approx(gcj_lat, abs=1e-6)
    assert float(again_lng) == pytest.approx(gcj_lng, abs=1e-6)


def test_gcj02_outside_china_and_an_unknown_system_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as abroad:
        register(world, lat=51.5, lng=-0.12, coordinate_system="gcj02")
    with pytest.raises(ValidationError) as unknown:
        register(world, coordinate_system="bd09")

    assert "GCJ-02 坐标只在中国境内使用" in refused(abroad)["lat"][0]
    assert refused(unknown)["coordinate_system"] == ["请选择坐标系：WGS-84 或 GCJ-02。"]
    assert not Facility.objects.exists()


# --- Opening hours --------------------------------------------------------------------------------


def test_overlapping_hours_are_refused_naming_the_day(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, opening_hours={"tue": "08:00-12:00, 11:30-14:00"})

    assert refused(exc)["opening_hours"] == ["星期二的开放时间“08:00-12:00”和“11:30-14:00”重叠。"]
    assert not Facility.objects.exists()


def test_hours_past_midnight_are_split_and_may_overlap_the_next_morning(world: World) -> None:
    facility = register(
        world, category="convenience_shop", floor_area_m2="", activity_area_m2="",
        opening_hours={"fri": "18:00-02:00", "sat": "09:00-21:00"},
    )  # fmt: skip

    assert facility.opening_hours == {"fri": [[1080, 1440]], "sat": [[0, 120], [540, 1260]]}
    with pytest.raises(ValidationError) as exc:
        register(world, opening_hours={"sun": "20:00-03:00", "mon": "02:00-10:00"})
    assert refused(exc)["opening_hours"] == ["星期一的开放时间“20:00-03:00”和“02:00-10:00”重叠。"]


def test_a_centre_open_under_8_hours_a_day_is_flagged(world: World) -> None:
    brief = register(world, opening_hours={"mon": "09:00-17:00", "sat": "09:00-11:30"})
    full = register(world, name="全天中心", opening_hours={"mon": "24小时"})
    shop = register(
        world, category="convenience_shop", floor_area_m2="", activity_area_m2="",
        opening_hours={"mon": "09:00-10:00"},
    )  # fmt: skip

    assert brief.shortest_day_hours == Decimal("2.50") and brief.opens_too_briefly
    assert full.shortest_day_hours == Decimal("24.00") and not full.opens_too_briefly
    assert not shop.opens_too_briefly  # the plan's 8 hours are for community service centres


# --- Areas and capacity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"floor_area_m2": "-1"}, "floor_area_m2", "建筑面积不能为负数。"),
        ({"activity_area_m2": "-0.5"}, "activity_area_m2", "居民服务和活动用房面积不能为负数。"),
        (
            {"floor_area_m2": "2000000"},
            "floor_area_m2",
            "不合常理（超过 100 万平方米），请检查单位。",
        ),
        ({"floor_area_m2": "八百"}, "floor_area_m2", "建筑面积应为数字（平方米）。"),
        ({"activity_area_m2": "900"}, "activity_area_m2", "不能大于建筑面积（800.00）。"),
        ({"commercial_area_m2": "801"}, "commercial_area_m2", "不能大于建筑面积（800.00）。"),
        (
            {"activity_area_m2": "600", "commercial_area_m2": "300"},
            "commercial_area_m2",
            "居民服务和活动用房面积与商业面积之和不能大于建筑面积（800.00）。",
        ),
        ({"floor_area_m2": ""}, "floor_area_m2", "请同时填写建筑面积。"),
        ({"capacity": "-3"}, "capacity", "容量应在 0～100000 之间。"),
        ({"capacity": "许多"}, "capacity", "容量应为整数。"),
        ({"name": "  "}, "name", "请填写设施名称。"),
        ({"category": "casino"}, "category", "请选择设施类别。"),
        ({"status": "open"}, "status", "请选择设施状态。"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, **overrides)

    assert any(message in text for text in refused(exc)[field]), refused(exc)
    assert not Facility.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="facilities.").exists()


def test_a_floor_area_typed_wrong_is_not_reported_as_missing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, floor_area_m2="-800", activity_area_m2="560")

    assert refused(exc)["floor_area_m2"] == ["建筑面积不能为负数。"]


def test_every_problem_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, name="", lat=None, floor_area_m2="-1", opening_hours={"mon": "8-7-6"})

    assert set(refused(exc)) >= {"name", "lat", "floor_area_m2", "opening_hours"}


def test_an_external_code_is_unique_within_the_community(world: World) -> None:
    register(world, external_code="GL-001")

    with pytest.raises(ValidationError) as exc:
        register(world, name="另一个", external_code="GL-001")

    assert refused(exc)["external_code"] == ["本社区已有设施编码为“GL-001”的设施。"]
    assert Facility.objects.count() == 1


# --- Photos ---------------------------------------------------------------------------------------


def test_a_bad_photo_leaves_no_facility_row_and_no_file(world: World, media: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, photos=[jpeg("a.jpg"), not_an_image("b.jpg")])

    assert "“b.jpg”不是可识别的图片" in refused(exc)["photos"][0]
    assert not Facility.objects.exists() and not FacilityPhoto.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_photos_are_stored_re_encoded_and_capped(world: World) -> None:
    facility = register(world, photos=[jpeg("a.jpg", (3000, 1000))])

    photo = facility.photos.get()
    assert (photo.width, photo.height) == (2048, 683)
    with pytest.raises(ValidationError) as exc:
        actions.add_photos(facility=facility, photos=[jpeg(f"{n}.jpg") for n in range(10)], by=None)
    assert "最多 10 张照片" in refused(exc)["photos"][0]
    assert facility.photos.count() == 1


# --- Changes --------------------------------------------------------------------------------------


def test_a_stale_edit_is_refused_and_the_newer_one_kept(world: World) -> None:
    staff = world.users["community_staff"]
    facility = register(world)
    mine = Facility.objects.get(pk=facility.pk)
    colleague = Facility.objects.get(pk=facility.pk)
    actions.update_facility(facility=colleague, by=staff, version=1, name="同事改的名称")

    with pytest.raises(ValidationError) as exc:
        actions.update_facility(facility=mine, by=staff, version=1, name="我改的名称")

    assert exc.value.messages == ["该设施刚刚已被他人修改，请刷新页面后重试。"]
    facility.refresh_from_db()
    assert facility.name == "同事改的名称" and facility.version == 2


def test_an_edit_keeps_the_fields_not_given_and_rechecks_the_whole(world: World) -> None:
    staff = world.users["community_staff"]
    facility = register(world, opening_hours={"mon": "22:00-02:00"}, category="convenience_shop",
                        floor_area_m2="", activity_area_m2="")  # fmt: skip

    changed = actions.update_facility(facility=facility, by=staff, operator="新运营方")

    assert changed.operator == "新运营方" and changed.name == facility.name
    # Stored split at midnight, the hours read back as two days and parse to the same thing.
    assert changed.opening_hours == {"mon": [[1320, 1440]], "tue": [[0, 120]]}
    with pytest.raises(ValidationError) as exc:
        actions.update_facility(
            facility=changed, by=staff, floor_area_m2="10", activity_area_m2="20"
        )
    assert "不能大于建筑面积" in refused(exc)["activity_area_m2"][0]


def test_a_worker_of_another_community_may_not_change_it(world: World) -> None:
    facility = register(world)

    with pytest.raises(PermissionDenied):
        actions.update_facility(facility=facility, by=world.outsider, name="外人改的")
    with pytest.raises(PermissionDenied):
        make_facility(community=home(world), by=world.outsider)
    with pytest.raises(PermissionDenied):
        make_facility(community=home(world), by=world.users["grid_worker"])
    facility.refresh_from_db()
    assert facility.name != "外人改的" and Facility.objects.count() == 1


def test_a_facility_belongs_to_a_community_not_a_township(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.register_facility(
            community=world.regions["320302001"],
            by=world.users["township_staff"],
            **facility_values(home(world)),
        )

    assert refused(exc)["community"] == ["设施应登记到具体的村(社区)。"]


# --- Floor areas and candidate sites --------------------------------------------------------------


def test_a_community_floor_area_is_entered_corrected_and_checked(world: World) -> None:
    staff = world.users["community_staff"]
    register(world, floor_area_m2="800")

    actions.record_floor_area(
        community=home(world), year=2024, total_floor_area_m2="9,000", by=staff
    )
    actions.record_floor_area(
        community=home(world), year=2024, total_floor_area_m2="9500", by=staff
    )

    row = CommunityFloorArea.objects.get()
    assert row.total_floor_area_m2 == Decimal("9500.00")
    events = AuditEvent.objects.filter(action__startswith="facilities.floor_area_m2")
    assert [e.action for e in events.order_by("id")] == [
        "facilities.floor_area_m2.enter",
        "facilities.floor_area_m2.correct",
    ]
    for bad, message in (
        ("700", "小于本社区在用设施的建筑面积之和（800.00）"),
        ("0", "请填写社区总建筑面积（平方米，大于 0）。"),
        ("-5", "社区总建筑面积不能为负数。"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.record_floor_area(
                community=home(world), year=2024, total_floor_area_m2=bad, by=staff
            )
        assert message in refused(exc)["total_floor_area_m2"][0]
    with pytest.raises(ValidationError) as exc:
        actions.record_floor_area(
            community=home(world), year=1999, total_floor_area_m2="1", by=staff
        )
    assert refused(exc)["year"] == ["年度不正确。"]
    assert CommunityFloorArea.objects.get().total_floor_area_m2 == Decimal("9500.00")


def test_a_candidate_site_needs_a_name_and_a_position_in_the_city(world: World) -> None:
    staff = world.users["community_staff"]
    with pytest.raises(ValidationError) as unnamed:
        actions.add_candidate_site(community=home(world), name=" ", lat=34.26, lng=117.18, by=staff)
    with pytest.raises(ValidationError) as abroad:
        actions.add_candidate_site(
            community=home(world), name="门市", lat=31.23, lng=121.47, by=staff
        )

    assert refused(unnamed)["name"] == ["请填写场地名称。"]
    assert "不在本市范围内" in refused(abroad)["lat"][0]
    assert not CandidateSite.objects.exists()
