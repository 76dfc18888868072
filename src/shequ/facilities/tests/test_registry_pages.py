"""The facility registry pages over HTTP: the scoped list with its filters, the 8-hour flag and a
constant number of queries; registering and editing a facility (bad input refused with the reason
and nothing written, a stale edit refused); photos served only through the facility's scope; the
Excel export; community floor areas with the plan's area indicators; candidate sites; and the
position picker with and without map tiles."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.facilities import actions
from shequ.facilities.models import (
    CandidateSite,
    CommunityFloorArea,
    Facility,
    FacilityPhoto,
    FacilityStatus,
)
from shequ.facilities.tests.factories import (
    jpeg,
    make_candidate_site,
    make_community,
    make_facility,
    not_an_image,
)
from shequ.registry.tests.factories import household
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"  # the other county's community
SECOND = "320302002001"  # a community of the home county's other township
LIST = reverse("facilities:facility_list")
NEW = reverse("facilities:facility_new")
FLOOR_AREAS = reverse("facilities:floor_areas")
SITES = reverse("facilities:candidate_sites")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail_url(facility: Facility) -> str:
    return reverse("facilities:facility_detail", kwargs={"facility_id": facility.pk})


def edit_url(facility: Facility) -> str:
    return reverse("facilities:facility_edit", kwargs={"facility_id": facility.pk})


def photo_url(photo: FacilityPhoto) -> str:
    return reverse(
        "facilities:facility_photo",
        kwargs={"facility_id": photo.facility_id, "facility_photo_id": photo.pk},
    )


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    """What a community worker types into the new-facility form."""
    data: dict[str, Any] = {
        "community": HOME["community"],
        "category": "community_service_center",
        "name": "幸福社区党群服务中心",
        "status": "in_service",
        "serves_circle": "",
        "address": "幸福路 1 号",
        "coordinate_system": "wgs84",
        "lat": "34.2610",
        "lng": "117.1849",
        "operator": "幸福社区居委会",
        "floor_area_m2": "800",
        "activity_area_m2": "560",
        "commercial_area_m2": "",
        "capacity": "120",
        "external_code": "",
        "note": "",
        **{
            f"hours_{day}": "08:30-12:00, 14:00-18:00"
            for day in ("mon", "tue", "wed", "thu", "fri")
        },
    }
    data.update(overrides)
    return data


# --- The list -------------------------------------------------------------------------------------


def test_the_list_shows_the_facilities_of_my_territory_only(world: World) -> None:
    make_facility(community=home(world), name="幸福社区党群服务中心")
    make_facility(community=world.regions[AWAY], name="【X320303】外县服务中心")

    body = html(client_for(world.users["community_staff"]).get(LIST))
    county = html(client_for(world.users["county_official"]).get(LIST))
    away = html(client_for(world.outsider).get(LIST))

    assert (
        "幸福社区党群服务中心" in body and "外县服务中心" not in body and "【X320303】" not in body
    )
    assert "幸福社区党群服务中心" in county and "外县服务中心" not in county
    assert "外县服务中心" in away and "幸福社区党群服务中心" not in away


def test_a_grid_worker_sees_the_facilities_of_the_grid_s_community_but_may_not_edit(
    world: World,
) -> None:
    facility = make_facility(community=home(world))
    client = client_for(world.users["grid_worker"])

    assert facility.name in html(client.get(LIST))
    body = html(client.get(detail_url(facility)))
    assert facility.name in body and edit_url(facility) not in body
    assert client.get(edit_url(facility)).status_code == 403
    assert client.get(NEW).status_code == 403


def test_roles_without_the_facilities_permission_are_refused(world: World) -> None:
    for role in ("resident", "unit_handler"):
        assert client_for(world.users[role]).get(LIST).status_code == 403
    assert client_for(world.users["community_staff"]).get(LIST).status_code == 200


def test_search_finds_name_address_and_operator_and_filters_narrow(world: World) -> None:
    make_facility(community=home(world), name="甲中心", address="解放路 9 号", operator="乐龄社工")
    make_facility(
        community=home(world),
        name="乙助餐点",
        category="meal_point",
        floor_area_m2="",
        activity_area_m2="",
    )
    make_facility(
        community=world.regions[SECOND], name="丙站", category="community_service_station"
    )
    make_facility(community=home(world), name="丁室", category="culture", status="planned")
    client = client_for(world.users["county_official"])

    def names(**query: Any) -> set[str]:
        body = html(client.get(LIST, query))
        return {n for n in ("甲中心", "乙助餐点", "丙站", "丁室") if n in body}

    assert names() == {"甲中心", "乙助餐点", "丙站", "丁室"}
    assert names(q="解放路") == {"甲中心"}
    assert names(q="乐龄") == {"甲中心"}
    assert names(category="meal_point") == {"乙助餐点"}
    assert names(status="planned") == {"丁室"}
    assert names(region=SECOND) == {"丙站"}
    assert names(region="320302001") == {"甲中心", "乙助餐点", "丁室"}


def test_a_place_outside_the_jurisdiction_is_not_a_filter_choice(world: World) -> None:
    make_facility(community=home(world), name="甲中心")
    body = html(client_for(world.users["community_staff"]).get(LIST, {"region": "320303"}))

    assert "甲中心" in body  # the bad choice is ignored (and shown), the list stays scoped
    assert "【320303】" not in body


def test_centres_open_under_8_hours_are_flagged_and_can_be_listed_alone(world: World) -> None:
    make_facility(community=home(world), name="长开中心")
    make_facility(
        community=home(world),
        name="短开中心",
        opening_hours={"mon": "09:00-17:00", "sat": "09:00-12:00"},
    )
    make_facility(
        community=home(world),
        name="短开便利店",
        category="convenience_shop",
        floor_area_m2="",
        activity_area_m2="",
        opening_hours={"mon": "09:00-10:00"},
    )
    client = client_for(world.users["community_staff"])

    body = html(client.get(LIST))
    flagged = html(client.get(LIST, {"opens_too_briefly": "on"}))

    assert body.count("开放不足8小时</span>") == 1
    assert "短开中心" in flagged and "长开中心" not in flagged and "短开便利店" not in flagged


def _queries_for(client: Any, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_2_and_20_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["township_staff"])
    for i in range(2):
        make_facility(community=home(world), name=f"设施{i}")
    few = _queries_for(client, LIST)
    for i in range(18):
        make_facility(
            community=world.regions["320302001201"], name=f"更多设施{i}", serves_circle=None
        )

    with django_assert_max_num_queries(few):
        body = html(client.get(LIST))
    assert "共 20 个设施" in body


# --- Registering a facility -----------------------------------------------------------------------


def test_a_community_worker_registers_a_facility_with_its_hours(world: World) -> None:
    client = client_for(world.users["community_staff"])
    assert "hours_mon" in html(client.get(NEW))

    response = client.post(NEW, form_data(world))

    facility = Facility.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(facility)
    assert facility.community == home(world) and facility.floor_area_m2 == Decimal("800.00")
    assert facility.opening_hours["mon"] == [[510, 720], [840, 1080]]
    assert "sat" not in facility.opening_hours
    assert facility.shortest_day_hours == Decimal("7.50") and facility.opens_too_briefly
    body = html(client.get(detail_url(facility)))
    assert "08:30-12:00, 14:00-18:00" in body and "开放不足8小时" in body


def test_a_gcj02_position_from_a_chinese_map_is_converted(world: World) -> None:
    client = client_for(world.users["community_staff"])
    client.post(NEW, form_data(world, coordinate_system="gcj02"))

    facility = Facility.objects.get()
    # GCJ-02 → WGS-84 around Xuzhou: north by about 130 m, west by about 530 m.
    assert facility.lat == pytest.approx(34.26221, abs=1e-4)
    assert facility.lng == pytest.approx(117.17912, abs=1e-4)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lat": "", "lng": ""}, "请填写设施的位置（纬度和经度），或在地图上点选。"),
        ({"lat": "北纬34度"}, "纬度和经度应为数字"),
        (
            {"hours_tue": "08:00-12:00, 11:00-14:00"},
            "星期二的开放时间“08:00-12:00”和“11:00-14:00”重叠。",
        ),
        ({"hours_wed": "早上八点"}, "星期三的开放时间“早上八点”看不懂"),
        ({"floor_area_m2": "-5"}, "建筑面积不能为负数。"),
        ({"floor_area_m2": "5000000"}, "不合常理"),
        ({"activity_area_m2": "900"}, "不能大于建筑面积"),
        ({"name": ""}, "这个字段是必填项。"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(
    world: World, overrides: dict[str, str], message: str
) -> None:
    client = client_for(world.users["community_staff"])

    response = client.post(NEW, form_data(world, **overrides))

    assert response.status_code == 200
    assert message in html(response)
    assert not Facility.objects.exists()


def test_a_position_outside_the_city_is_refused(world: World) -> None:
    home(world).__class__.objects.filter(pk=home(world).pk).update(
        centre_lat=34.26, centre_lng=117.18
    )
    client = client_for(world.users["community_staff"])

    body = html(client.post(NEW, form_data(world, lat="39.9042", lng="116.4074")))

    assert "不在本市范围内" in body and "GCJ-02" in body
    assert not Facility.objects.exists()


def test_a_bad_photo_leaves_no_facility_behind(world: World, media: Any) -> None:
    client = client_for(world.users["community_staff"])
    data = form_data(world)
    data["photos"] = [jpeg("good.jpg"), not_an_image("bad.jpg")]

    body = html(client.post(NEW, data))

    assert "“bad.jpg”不是可识别的图片" in body
    assert not Facility.objects.exists() and not FacilityPhoto.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_facility_can_only_be_registered_in_my_own_communities(world: World) -> None:
    client = client_for(world.users["community_staff"])

    body = html(client.post(NEW, form_data(world, community=AWAY)))

    assert "选择一个有效的选项" in body
    assert not Facility.objects.exists()
    assert "【320303001001】" not in html(client.get(NEW))


# --- Detail, edit and jurisdiction ----------------------------------------------------------------


def test_another_community_s_worker_gets_404_everywhere(world: World) -> None:
    facility = make_facility(community=home(world), photos=[jpeg()])
    photo = facility.photos.get()
    client = client_for(world.outsider)

    assert client.get(detail_url(facility)).status_code == 404
    assert client.get(edit_url(facility)).status_code == 404
    assert client.post(edit_url(facility), {"name": "改名"}).status_code == 404
    assert client.get(photo_url(photo)).status_code == 404
    add = reverse("facilities:facility_photo_add", kwargs={"facility_id": facility.pk})
    assert client.post(add, {"photos": jpeg()}).status_code == 404
    remove = reverse(
        "facilities:facility_photo_remove",
        kwargs={"facility_id": facility.pk, "facility_photo_id": photo.pk},
    )
    assert client.post(remove).status_code == 404
    assert FacilityPhoto.objects.filter(pk=photo.pk).exists()
    assert Facility.objects.get().name == facility.name


def test_an_edit_changes_the_facility_and_a_stale_one_is_refused(world: World) -> None:
    facility = make_facility(community=home(world))
    client = client_for(world.users["community_staff"])
    form = html(client.get(edit_url(facility)))
    assert 'name="version" value="1"' in form and "09:00-17:00" in form
    data = form_data(world, name="新名称", version="1", hours_sat="09:00-12:00")
    del data["community"]

    response = client.post(edit_url(facility), data)

    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.name == "新名称" and facility.version == 2
    assert facility.opening_hours["sat"] == [[540, 720]]

    stale = client.post(edit_url(facility), {**data, "name": "过时的修改", "version": "1"})

    assert "该设施刚刚已被他人修改，请刷新页面后重试。" in html(stale)
    facility.refresh_from_db()
    assert facility.name == "新名称" and facility.version == 2


def test_closing_a_facility_through_the_edit_form(world: World) -> None:
    facility = make_facility(community=home(world))
    client = client_for(world.users["township_staff"])
    data = form_data(world, status="closed", version="1")
    del data["community"]

    client.post(edit_url(facility), data)

    facility.refresh_from_db()
    assert facility.status == FacilityStatus.CLOSED
    assert "已关闭" in html(client.get(LIST))


# --- Photos ---------------------------------------------------------------------------------------


def test_photos_are_added_served_through_the_facility_and_removed(world: World) -> None:
    facility = make_facility(community=home(world))
    client = client_for(world.users["community_staff"])
    add = reverse("facilities:facility_photo_add", kwargs={"facility_id": facility.pk})

    client.post(add, {"photos": [jpeg("a.jpg"), jpeg("b.jpg")]})

    photos = list(facility.photos.order_by("pk"))
    assert len(photos) == 2
    body = html(client.get(detail_url(facility)))
    assert photo_url(photos[0]) in body and "/media/" not in body
    served = client.get(photo_url(photos[0]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, max-age=3600"
    assert served.getvalue()[:2] == b"\xff\xd8"
    # A photo asked for under another facility is a 404, even to someone who may see both.
    other = make_facility(community=home(world), name="另一处")
    wrong = reverse(
        "facilities:facility_photo",
        kwargs={"facility_id": other.pk, "facility_photo_id": photos[0].pk},
    )
    assert client.get(wrong).status_code == 404

    remove = reverse(
        "facilities:facility_photo_remove",
        kwargs={"facility_id": facility.pk, "facility_photo_id": photos[0].pk},
    )
    client.post(remove)
    assert list(facility.photos.all()) == [photos[1]]


def test_a_bad_photo_upload_says_why_and_adds_nothing(world: World) -> None:
    facility = make_facility(community=home(world))
    client = client_for(world.users["community_staff"])
    add = reverse("facilities:facility_photo_add", kwargs={"facility_id": facility.pk})

    response = client.post(add, {"photos": [jpeg("a.jpg"), not_an_image("b.jpg")]}, follow=True)

    assert "“b.jpg”不是可识别的图片" in html(response)
    assert not facility.photos.exists()


# --- Export ---------------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_list_of_my_territory_and_is_audited(world: World) -> None:
    make_facility(community=home(world), name="甲中心", operator="=HYPERLINK(1)")
    make_facility(community=home(world), name="乙助餐点", category="meal_point")
    make_facility(community=world.regions[AWAY], name="外县中心")
    client = client_for(world.users["community_staff"])

    response = client.get(
        reverse("facilities:facility_export"), {"category": "community_service_center"}
    )

    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    names = [row[3] for row in values[3:]]
    assert names == ["甲中心"]
    assert values[3][9] == "'=HYPERLINK(1)"  # a formula typed as text stays text
    assert AuditEvent.objects.filter(action="facilities.export").count() == 1


# --- Community floor areas ------------------------------------------------------------------------


def test_floor_areas_show_the_indicator_inputs_and_are_entered_on_the_page(world: World) -> None:
    community = home(world)
    make_facility(community=community, floor_area_m2="800", activity_area_m2="600")
    make_facility(
        community=community,
        name="便民超市",
        category="convenience_shop",
        floor_area_m2="500",
        activity_area_m2="",
        commercial_area_m2="400",
    )
    for _n in range(2):
        household(community)
    client = client_for(world.users["community_staff"])

    response = client.post(
        FLOOR_AREAS,
        {
            "community": HOME["community"],
            "year": "2024",
            "total_floor_area_m2": "12000",
            "source": "测绘",
        },
    )

    assert response.status_code == 302
    assert CommunityFloorArea.objects.get().total_floor_area_m2 == Decimal("12000.00")
    body = html(client.get(FLOOR_AREAS, {"year": "2024"}))
    # ① (800 + 400) / 12000 = 10 %; ② 800 m² per 2 households = 40000 per 100; ③ 600 / 800 = 75 %.
    assert "12000" in body and "10%" in body and "40000" in body and "75%" in body
    other_year = html(client.get(FLOOR_AREAS, {"year": "2023"}))
    assert "未填报" in other_year


def test_a_floor_area_smaller_than_its_facilities_is_refused(world: World) -> None:
    make_facility(community=home(world), floor_area_m2="800")
    client = client_for(world.users["community_staff"])

    body = html(
        client.post(
            FLOOR_AREAS,
            {"community": HOME["community"], "year": "2024", "total_floor_area_m2": "500"},
        )
    )
    negative = html(
        client.post(
            FLOOR_AREAS,
            {"community": HOME["community"], "year": "2024", "total_floor_area_m2": "-1"},
        )
    )

    assert "小于本社区在用设施的建筑面积之和" in body
    assert "社区总建筑面积不能为负数。" in negative
    assert not CommunityFloorArea.objects.exists()


def test_floor_areas_list_only_my_communities_and_a_grid_worker_may_not_enter(
    world: World,
) -> None:
    actions.record_floor_area(
        community=world.regions[AWAY],
        year=2024,
        total_floor_area_m2="9",
        source="【X320303】",
        by=None,
    )
    staff = html(client_for(world.users["community_staff"]).get(FLOOR_AREAS, {"year": "2024"}))
    grid = client_for(world.users["grid_worker"])

    assert "【320302001001】" in staff and "【320303001001】" not in staff
    assert "【X320303】" not in staff
    assert "填报或更正社区总建筑面积" not in html(grid.get(FLOOR_AREAS))
    posted = grid.post(
        FLOOR_AREAS, {"community": HOME["community"], "year": "2024", "total_floor_area_m2": "1"}
    )
    assert posted.status_code == 403


# --- Candidate sites ------------------------------------------------------------------------------


def test_candidate_sites_are_added_listed_and_withdrawn(world: World) -> None:
    client = client_for(world.users["community_staff"])
    make_candidate_site(community=world.regions[AWAY], name="外县门市")

    response = client.post(
        SITES,
        {
            "community": HOME["community"],
            "name": "原粮站",
            "coordinate_system": "wgs84",
            "lat": "34.2610",
            "lng": "117.1849",
            "floor_area_m2": "300",
        },
    )

    assert response.status_code == 302
    site = CandidateSite.objects.get(name="原粮站")
    body = html(client.get(SITES))
    assert "原粮站" in body and "外县门市" not in body
    withdraw = reverse("facilities:candidate_site_withdraw", kwargs={"candidate_site_id": site.pk})
    assert "已撤下候选场地“原粮站”。" in html(client.post(withdraw, follow=True))
    site.refresh_from_db()
    assert not site.is_available
    assert "原粮站" not in html(client.get(SITES))
    assert "原粮站" in html(client.get(SITES, {"include_withdrawn": "on"}))


def test_a_candidate_site_without_a_position_or_elsewhere_is_refused(world: World) -> None:
    client = client_for(world.users["community_staff"])
    away = make_candidate_site(community=world.regions[AWAY], name="外县门市")

    body = html(client.post(SITES, {"community": HOME["community"], "name": "原粮站"}))
    withdraw = reverse("facilities:candidate_site_withdraw", kwargs={"candidate_site_id": away.pk})

    assert "请填写设施的位置" in body
    assert not CandidateSite.objects.filter(name="原粮站").exists()
    assert client.post(withdraw).status_code == 404
    away.refresh_from_db()
    assert away.is_available


# --- The position picker --------------------------------------------------------------------------


def test_the_picker_needs_no_map_tiles(world: World, settings: Any) -> None:
    client = client_for(world.users["community_staff"])
    settings.SHEQU_MAP_TILE_URL = ""

    plain = html(client.get(NEW))

    assert 'name="lat"' in plain and 'name="lng"' in plain and 'name="coordinate_system"' in plain
    assert "leaflet.js" not in plain and "未配置地图底图，请直接填写纬度和经度。" in plain
    assert "高德地图、腾讯地图的坐标拾取器给出的是 GCJ-02 坐标" in plain

    settings.SHEQU_MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    mapped = html(client.get(NEW))
    assert "leaflet.js" in mapped and "facilities/picker" in mapped
    assert 'data-tiles="https://tiles.example.test/{z}/{x}/{y}.png"' in mapped


def _more_communities(world: World, n: int, first: int = 0) -> list[Any]:
    """``n`` more communities in the home township, each with a facility, a candidate site and a
    floor area (as the division loader would make the places)."""
    township = world.regions[HOME["township"]]
    made = []
    for i in range(first, first + n):
        community = make_community(township, 300 + i, f"新社区{i}")
        make_facility(community=community, name=f"新设施{i}")
        make_candidate_site(community=community, name=f"新场地{i}")
        actions.record_floor_area(
            community=community, year=2024, total_floor_area_m2="9000", by=None
        )
        household(community)
        made.append(community)
    return made


@pytest.mark.parametrize("url", [FLOOR_AREAS + "?year=2024", SITES])
def test_floor_areas_and_candidate_sites_cost_the_same_queries_for_more_rows(
    world: World, django_assert_max_num_queries: Any, url: str
) -> None:
    client = client_for(world.users["township_staff"])
    _more_communities(world, 2)
    few = _queries_for(client, url)
    _more_communities(world, 15, first=2)

    with django_assert_max_num_queries(few):
        body = html(client.get(url))
    assert "新社区16" in body or "新场地16" in body
