"""Preparedness over HTTP: shelters opened with their occupancy (never above capacity, never opened
twice), the resident's open shelters, supplies and their movements (never below zero, transfers
inside the jurisdiction only, retries land once), drills (never in the future), fire-safety grids and
the disaster information officer of each community."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.emergency.models import (
    Drill,
    FireSafetyGrid,
    OccupancyReport,
    ShelterOpening,
    SupplyMovement,
    SupplyStock,
)
from shequ.emergency.queries.preparedness import low_stock_count, shelter_totals
from shequ.emergency.tests.factories_preparedness import (
    make_drill,
    make_shelter,
    make_stock,
    open_shelter,
)
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.workforce.tests.factories_workers import make_post, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
SIBLING = "320302001201"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def away(world: World) -> Any:
    return world.regions[AWAY]


# --- Shelters --------------------------------------------------------------------------------------


def test_staff_open_a_shelter_report_occupancy_and_close_it(world: World) -> None:
    shelter = make_shelter(community=home(world), name="幸福广场避难场所", capacity=80)
    client = client_for(world.users["community_staff"])

    opened = client.post(reverse("emergency:shelter_open", kwargs={"facility_id": shelter.pk}), {})

    opening = ShelterOpening.objects.get()
    assert opened.status_code == 302
    assert opened.url == reverse("emergency:shelter_detail", kwargs={"opening_id": opening.pk})
    assert opening.capacity == 80 and opening.closed_at is None
    url = reverse("emergency:shelter_occupancy", kwargs={"opening_id": opening.pk})
    client.post(url, {"occupancy": "35"})
    page = html(client.get(opened.url))
    assert "35 / 80" in page and "幸福广场避难场所" in page
    assert list(OccupancyReport.objects.values_list("occupancy", flat=True)) == [35]
    listing = html(client.get(reverse("emergency:shelter_list")))
    assert "开放中" in listing and "35 / 80" in listing
    (total,) = shelter_totals(world.users["county_official"])
    assert (total.shelters, total.capacity, total.open, total.occupancy) == (1, 80, 1, 35)
    assert total.percent == 44

    client.post(reverse("emergency:shelter_close", kwargs={"opening_id": opening.pk}))
    opening.refresh_from_db()
    assert opening.closed_at is not None
    assert AuditEvent.objects.filter(action="emergency.shelter_close").exists()


def test_a_shelter_opened_during_an_alert_is_linked_to_it(world: World) -> None:
    from shequ.emergency.tests.factories_alerts import issue, tagged

    tagged(home(world), "郑奶奶", grid=world.grids[HOME["grid"]])
    alert = issue(world.regions[HOME["township"]], by=world.users["township_staff"])
    shelter = make_shelter(community=home(world))
    client = client_for(world.users["community_staff"])
    listing = html(client.get(reverse("emergency:shelter_list")))
    assert f'<option value="{alert.pk}" selected>{alert.title}</option>' in listing
    url = reverse("emergency:shelter_open", kwargs={"facility_id": shelter.pk})

    refused = client.post(url, {"alert": str(alert.pk + 1000)}, follow=True)
    assert "所选预警不存在或已解除" in html(refused)
    assert not ShelterOpening.objects.exists()

    client.post(url, {"alert": str(alert.pk)})
    opening = ShelterOpening.objects.get()
    assert opening.alert == alert
    assert alert.title in html(client.get(reverse("emergency:shelter_detail", args=[opening.pk])))


def test_occupancy_above_capacity_is_refused_naming_the_capacity(world: World) -> None:
    opening = open_shelter(make_shelter(community=home(world), capacity=50))
    client = client_for(world.users["community_staff"])
    url = reverse("emergency:shelter_occupancy", kwargs={"opening_id": opening.pk})

    response = client.post(url, {"occupancy": "51"}, follow=True)

    assert "超过可容纳人数 50" in html(response)
    opening.refresh_from_db()
    assert opening.occupancy == 0 and not OccupancyReport.objects.exists()


def test_a_second_opening_of_an_open_shelter_is_refused(world: World) -> None:
    shelter = make_shelter(community=home(world))
    open_shelter(shelter)
    client = client_for(world.users["community_staff"])

    response = client.post(
        reverse("emergency:shelter_open", kwargs={"facility_id": shelter.pk}), {}, follow=True
    )

    assert "已开放，请勿重复开放" in html(response)
    assert ShelterOpening.objects.count() == 1


def test_shelters_elsewhere_are_not_listed_and_their_pages_are_404(world: World) -> None:
    make_shelter(community=home(world), name="本社区避难场所")
    there = open_shelter(make_shelter(community=away(world), name="外区避难场所"))
    client = client_for(world.users["county_official"])

    page = html(client.get(reverse("emergency:shelter_list")))

    assert "本社区避难场所" in page and "外区避难场所" not in page
    detail = reverse("emergency:shelter_detail", kwargs={"opening_id": there.pk})
    assert client.get(detail).status_code == 404


def test_shelter_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        shelter = make_shelter(community=home(world), name=f"避难场所{n}")
        if n % 2:
            open_shelter(shelter)
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("emergency:shelter_list")).status_code == 200


def test_a_resident_sees_open_shelters_of_their_area_with_free_places(world: World) -> None:
    opening = open_shelter(
        make_shelter(community=home(world), name="幸福广场避难场所", capacity=60)
    )
    open_shelter(make_shelter(community=away(world), name="外区避难场所"))
    person = people.resident(home(world), "居民甲")
    user = world.users["resident"]
    Resident.objects.filter(pk=person.pk).update(account=user)
    from shequ.emergency.actions.preparedness import report_occupancy

    report_occupancy(opening=opening, occupancy=20, by=None)

    page = html(client_for(user).get(reverse("emergency:open_shelters")))

    assert "幸福广场避难场所" in page and "尚有 40 个空位" in page
    assert "外区避难场所" not in page
    staff = client_for(world.users["community_staff"])
    assert staff.get(reverse("emergency:open_shelters")).status_code == 403


# --- Supplies --------------------------------------------------------------------------------------


def test_staff_register_stock_and_record_movements_with_the_balance(world: World) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(
        reverse("emergency:supply_create"),
        {
            "region": HOME["community"],
            "location": "社区应急仓库",
            "category": "flood_control",
            "item": "沙袋",
            "unit": "袋",
            "quantity": "200",
            "low_threshold": "50",
        },
    )
    stock = SupplyStock.objects.get()
    url = reverse("emergency:supply_detail", kwargs={"stock_id": stock.pk})
    assert response.status_code == 302 and response.url == url

    client.post(url, {"kind": "issued", "quantity": "30", "reason": "防汛"})
    client.post(url, {"kind": "adjusted", "quantity": "160", "reason": "盘点"})

    stock.refresh_from_db()
    assert stock.quantity == 160
    balances = list(SupplyMovement.objects.order_by("pk").values_list("delta", "balance_after"))
    assert balances == [(200, 200), (-30, 170), (-10, 160)]
    page = html(client.get(url))
    assert "盘点调整" in page and "160" in page


def test_a_movement_that_would_make_stock_negative_is_refused_nothing_written(world: World) -> None:
    stock = make_stock(region=home(world), quantity=10)
    client = client_for(world.users["community_staff"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": stock.pk})

    response = client.post(url, {"kind": "issued", "quantity": "11"})

    assert response.status_code == 422
    assert "现有 10 袋" in html(response)
    stock.refresh_from_db()
    assert stock.quantity == 10 and SupplyMovement.objects.count() == 1


def test_a_transfer_moves_stock_both_sides_linked(world: World) -> None:
    township = world.regions[HOME["township"]]
    depot = make_stock(region=township, quantity=100, location="街道应急物资仓库")
    client = client_for(world.users["township_staff"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": depot.pk})

    client.post(
        url,
        {
            "kind": "transfer",
            "quantity": "40",
            "to_region": HOME["community"],
            "to_location": "社区储备点",
        },
    )

    depot.refresh_from_db()
    there = SupplyStock.objects.get(region=home(world))
    assert depot.quantity == 60 and there.quantity == 40
    out = SupplyMovement.objects.get(kind="transfer_out")
    came = SupplyMovement.objects.get(kind="transfer_in")
    assert out.counterpart == came and came.counterpart == out


def test_a_transfer_outside_the_jurisdiction_is_refused(world: World) -> None:
    stock = make_stock(region=home(world), quantity=100)
    from django.core.exceptions import ValidationError

    from shequ.emergency.actions.preparedness import record_movement

    with pytest.raises(ValidationError) as refused:
        record_movement(
            stock=stock,
            kind="transfer",
            quantity=10,
            to_region=away(world),
            to_location="外区仓库",
            by=world.users["community_staff"],
        )
    assert "to_region" in refused.value.message_dict
    # Through the page: a region outside the choices is refused on the field.
    client = client_for(world.users["community_staff"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": stock.pk})
    response = client.post(
        url, {"kind": "transfer", "quantity": "10", "to_region": AWAY, "to_location": "外区仓库"}
    )
    assert response.status_code == 422
    stock.refresh_from_db()
    assert stock.quantity == 100 and not SupplyStock.objects.filter(region=away(world)).exists()


def test_a_retried_movement_lands_once(world: World) -> None:
    stock = make_stock(region=home(world), quantity=100)
    client = client_for(world.users["community_staff"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": stock.pk})
    data = {"kind": "issued", "quantity": "5", "request_key": "retry-1"}

    client.post(url, data)
    client.post(url, data)

    stock.refresh_from_db()
    assert stock.quantity == 95 and SupplyMovement.objects.filter(kind="issued").count() == 1


def test_supply_list_flags_low_stock_totals_and_filters(
    world: World, django_assert_max_num_queries: Any
) -> None:
    make_stock(region=home(world), item="救生衣", unit="件", quantity=5, low_threshold=10)
    make_stock(region=home(world), item="沙袋", quantity=300, low_threshold=50)
    make_stock(
        region=world.regions[HOME["township"]], item="沙袋", quantity=500, location="街道仓库"
    )
    make_stock(region=away(world), item="外区发电机", unit="台", quantity=1)
    client = client_for(world.users["township_staff"])

    with django_assert_max_num_queries(12):
        page = html(client.get(reverse("emergency:supply_list")))

    assert "低库存" in page and "800" in page  # 沙袋 across the township
    assert "外区发电机" not in page
    low = html(client.get(reverse("emergency:supply_list") + "?low=1"))
    assert "救生衣" in low and "街道仓库" not in low
    assert low_stock_count(world.users["community_staff"]) == 1
    assert low_stock_count(world.users["grid_worker"]) == 0  # does not manage supplies
    export = client.get(reverse("emergency:supply_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


def test_out_of_scope_stock_is_404(world: World) -> None:
    there = make_stock(region=away(world))
    client = client_for(world.users["community_staff"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": there.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "received", "quantity": "1"}).status_code == 404


def test_grid_worker_sees_stock_but_cannot_move_it(world: World) -> None:
    stock = make_stock(region=home(world), quantity=10)
    client = client_for(world.users["grid_worker"])
    url = reverse("emergency:supply_detail", kwargs={"stock_id": stock.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "issued", "quantity": "1"}).status_code == 404
    stock.refresh_from_db()
    assert stock.quantity == 10


# --- Drills ----------------------------------------------------------------------------------------


def test_staff_record_a_drill_and_see_this_years_count(world: World) -> None:
    client = client_for(world.users["township_staff"])
    response = client.post(
        reverse("emergency:drill_create"),
        {
            "region": HOME["community"],
            "kind": "fire",
            "title": "高层住宅消防疏散演练",
            "held_on": (calendar.localdate() - timedelta(days=1)).isoformat(),
            "participants": "120",
            "findings": "消防通道堵塞",
            "improvements": "清理通道",
        },
    )
    drill = Drill.objects.get()
    assert response.status_code == 302
    page = html(client.get(reverse("emergency:drill_detail", kwargs={"drill_id": drill.pk})))
    assert "消防通道堵塞" in page
    listing = html(client.get(reverse("emergency:drill_list")))
    assert "高层住宅消防疏散演练" in listing and "120" in listing


@pytest.mark.parametrize(
    ("held_on", "participants", "message"),
    [
        (date(2099, 1, 1), "10", "演练日期不能晚于今天"),
        (date(2024, 1, 1), "0", "参加人数"),
    ],
)
def test_a_drill_in_the_future_or_without_participants_is_refused(
    world: World, held_on: date, participants: str, message: str
) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(
        reverse("emergency:drill_create"),
        {
            "region": HOME["community"],
            "kind": "flood",
            "title": "演练",
            "held_on": held_on.isoformat(),
            "participants": participants,
        },
    )
    assert response.status_code == 200 and message in html(response)
    assert not Drill.objects.exists()


def test_drill_list_is_scoped_and_one_query_per_page(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        make_drill(region=home(world), title=f"本区演练{n}")
    make_drill(region=away(world), title="外区演练")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        page = html(client.get(reverse("emergency:drill_list")))
    assert "本区演练0" in page and "外区演练" not in page


# --- Fire-safety grids and officers ----------------------------------------------------------------


def test_staff_designate_a_fire_safety_grid_with_the_grid_worker_responsible(world: World) -> None:
    client = client_for(world.users["community_staff"])
    worker = world.users["grid_worker"]
    url = reverse("emergency:fire_grid_edit", kwargs={"grid_code": HOME["grid"]})

    response = client.post(
        url,
        {
            "responsible": worker.pk,
            "last_checked_on": calendar.localdate().isoformat(),
            "hazards": "电动车楼道充电",
        },
    )

    assert response.status_code == 302
    fire = FireSafetyGrid.objects.get()
    assert fire.responsible == worker and fire.community == home(world)
    page = html(client.get(reverse("emergency:fire_grid_list")))
    assert "电动车楼道充电" in page and worker.full_name in page
    # The grid worker sees their grid; they may not designate.
    grid_client = client_for(worker)
    assert "电动车楼道充电" in html(grid_client.get(reverse("emergency:fire_grid_list")))
    assert grid_client.get(url).status_code == 403


def test_a_fire_grid_elsewhere_is_404_and_a_future_check_is_refused(world: World) -> None:
    client = client_for(world.users["community_staff"])
    other = reverse("emergency:fire_grid_edit", kwargs={"grid_code": "320303001001001"})
    assert client.get(other).status_code == 404
    url = reverse("emergency:fire_grid_edit", kwargs={"grid_code": HOME["grid"]})
    response = client.post(url, {"last_checked_on": "2099-01-01"})
    assert "检查日期不能晚于今天" in html(response)
    assert not FireSafetyGrid.objects.exists()


def test_informants_per_community_missing_one_and_several(
    world: World, django_assert_max_num_queries: Any
) -> None:
    first = make_worker(region=home(world), name="张信息")
    make_post(worker=first, community=home(world), kind="disaster_informant")
    sibling = world.regions[SIBLING]
    for name, number in (("李信息", 1), ("赵信息", 2)):
        from shequ.workforce.tests.factories_workers import id_number

        worker = make_worker(region=sibling, name=name, id_number=id_number(serial=900 + number))
        make_post(worker=worker, community=sibling, kind="disaster_informant")
    client = client_for(world.users["township_staff"])

    with django_assert_max_num_queries(12):
        page = html(client.get(reverse("emergency:informants")))

    assert "张信息" in page and "李信息" in page and "赵信息" in page
    assert "多于一名" in page
    assert "13912345678" not in page
    # The second township's community has none.
    county = html(client_for(world.users["county_official"]).get(reverse("emergency:informants")))
    assert "缺少" in county
