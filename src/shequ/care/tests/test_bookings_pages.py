"""Bookings over HTTP. Residents: services near them by kind, a service's next 14 days with seats
left, booking for themself or a household member (a retried form lands once), the waitlist, my
bookings and cancelling. Staff: the scoped list in a bounded number of queries, opening a service
and a run of slots, the roster with names masked outside the viewer's own jurisdiction, attendance
and booking for a resident without a phone; the statistics with indicator 11."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import (
    BookableKind,
    BookableService,
    Booking,
    BookingStatus,
    ServiceSlot,
)
from shequ.care.tests.factories_bookings import (
    book,
    elder,
    make_service,
    make_slot,
    resident_user,
)
from shequ.core import calendar
from shequ.registry import actions as registry_actions
from shequ.registry.models import CareGroup, Relation
from shequ.registry.tests import factories as registry
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
S = BookingStatus
BROWSE = reverse("care:bookable_browse")
MINE = reverse("care:my_bookings")
LIST = reverse("care:service_list")
NEW = reverse("care:service_create")
STATS = reverse("care:booking_statistics")
AWAY = "320303001001"
SIBLING = "320302001201"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def detail_url(service: BookableService) -> str:
    return reverse("care:bookable_detail", kwargs={"service_id": service.pk})


def slot_url(slot: ServiceSlot) -> str:
    return reverse("care:slot_detail", kwargs={"slot_id": slot.pk})


def elderly_couple(world: World) -> tuple[Any, Any, Any]:
    """A household of a 58-year-old head (with the account) and her 82-year-old mother."""
    today = calendar.localdate()
    household = registry.household(
        home(world),
        [
            registry.member(
                "陈女士", Relation.HEAD, born=date(today.year - 58, 2, 3), sex="female"
            ),
            registry.member(
                "陈老太", Relation.PARENT, born=date(today.year - 82, 5, 6), sex="female"
            ),
        ],
    )
    head, mother = registry.members_of(household)
    return head, mother, resident_user(head)


def test_a_resident_books_a_seat_for_an_elderly_household_member_and_sees_it(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=5)
    make_service(region=world.regions[AWAY], name="外县餐桌")
    slot = make_slot(service, by=staff(world), menu="红烧肉、清炒时蔬、番茄蛋汤")
    _head, mother, user = elderly_couple(world)
    client = client_for(user)

    browse = html(client.get(BROWSE))
    page = html(client.get(detail_url(service)))
    key = re.findall(rf'name="request_key" value="([^"]*-{slot.pk})"', page)[0]
    data = {"slot": slot.pk, "resident": mother.pk, "request_key": key}
    done = client.post(detail_url(service), data, follow=True)
    client.post(detail_url(service), data)  # the form sent twice: one booking
    mine = html(client.get(MINE))

    assert "幸福里老年餐桌" in browse and "外县餐桌" not in browse
    assert "红烧肉" in page and "剩余 5 个名额" in page and "陈老太" in page
    assert "预约成功" in html(done)
    assert "陈老太" in mine and "已预约" in mine and "取消预约" in mine
    assert Booking.objects.filter(slot=slot, resident=mother).count() == 1


def test_a_full_slot_offers_the_waitlist_and_a_cancellation_moves_it_up(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=1)
    slot = make_slot(service, by=staff(world))
    first = elder(home(world), "王奶奶")
    first_user = resident_user(first)
    taken = book(slot, first, by=first_user)
    _head, mother, user = elderly_couple(world)
    client = client_for(user)

    page = html(client.get(detail_url(service)))
    client.post(detail_url(service), {"slot": slot.pk, "resident": mother.pk, "request_key": "w1"})
    cancel = client_for(first_user).post(
        reverse("care:cancel_booking", kwargs={"booking_id": taken.pk}), follow=True
    )

    assert "排队候补" in page
    assert "已取消预约" in html(cancel)
    assert Booking.objects.get(slot=slot, resident=mother).status == S.BOOKED


def test_a_young_resident_is_told_why_and_nothing_is_booked(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    head, _mother, user = elderly_couple(world)

    shown = client_for(user).post(
        detail_url(service),
        {"slot": slot.pk, "resident": head.pk, "request_key": "y1"},
        follow=True,
    )

    assert "60周岁及以上" in html(shown)
    assert not Booking.objects.filter(slot=slot).exists()


def test_cancelling_someone_elses_booking_is_not_found(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    theirs = book(slot, elder(home(world), "王奶奶"), by=staff(world))
    _head, _mother, user = elderly_couple(world)

    response = client_for(user).post(
        reverse("care:cancel_booking", kwargs={"booking_id": theirs.pk})
    )

    assert response.status_code == 404


def test_a_service_of_another_community_is_not_found_for_a_resident(world: World) -> None:
    away = make_service(region=world.regions[AWAY], name="外县餐桌")
    _head, _mother, user = elderly_couple(world)

    assert client_for(user).get(detail_url(away)).status_code == 404


# --- Staff -----------------------------------------------------------------------------------------


def test_the_list_shows_my_territory_only_in_bounded_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        service = make_service(region=home(world), by=staff(world), name=f"餐桌{n}")
        make_slot(service, by=staff(world))
    make_service(region=world.regions[AWAY], name="外县餐桌")
    client = client_for(staff(world))
    client.get(LIST)

    with django_assert_max_num_queries(12):
        body = html(client.get(LIST))

    assert "餐桌7" in body and "外县餐桌" not in body


def test_staff_open_a_service_and_a_run_of_slots(world: World) -> None:
    client = client_for(staff(world))
    created = client.post(
        NEW,
        {
            "region": home(world).pk,
            "kind": BookableKind.MEAL_TABLE,
            "name": "长者食堂午餐",
            "default_capacity": "20",
            "cancel_hours_before": "2",
        },
    )
    service = BookableService.objects.get(name="长者食堂午餐")
    monday = calendar.localdate() + timedelta(days=7 - calendar.localdate().weekday())
    client.post(
        reverse("care:service_detail", kwargs={"service_id": service.pk}),
        {
            "do": "run",
            "date_from": monday.isoformat(),
            "date_to": (monday + timedelta(days=13)).isoformat(),
            "weekdays": ["0", "2", "4"],
            "starts_at": "11:30",
            "ends_at": "13:00",
            "menu": "米饭、红烧肉",
        },
    )
    page = html(client.get(reverse("care:service_detail", kwargs={"service_id": service.pk})))

    assert created.status_code == 302 and service.min_age_years == 60
    assert ServiceSlot.objects.filter(service=service).count() == 6
    assert "0 / 20" in page


def test_a_bad_run_names_the_field(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    today = calendar.localdate()
    body = html(
        client_for(staff(world)).post(
            reverse("care:service_detail", kwargs={"service_id": service.pk}),
            {
                "do": "run",
                "date_from": (today + timedelta(days=5)).isoformat(),
                "date_to": (today + timedelta(days=1)).isoformat(),
                "weekdays": ["0"],
                "starts_at": "11:30",
                "ends_at": "13:00",
            },
        )
    )
    assert "截止日期不能早于起始日期" in body


def test_a_service_elsewhere_is_not_found_for_staff(world: World) -> None:
    away = make_service(region=world.regions[AWAY], name="外县餐桌")
    slot = make_slot(away)
    client = client_for(staff(world))

    assert (
        client.get(reverse("care:service_detail", kwargs={"service_id": away.pk})).status_code
        == 404
    )
    assert client.get(slot_url(slot)).status_code == 404


def test_the_roster_masks_residents_outside_the_viewers_own_jurisdiction(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), name="长者食堂", capacity=5)
    slot = make_slot(service, by=staff(world))
    mine, other = world.grids[HOME["grid"]], world.grids["320302001001002"]
    book(slot, elder(home(world), "王秀英", grid=mine))
    book(slot, elder(home(world), "李桂兰", grid=other))

    grid_view = html(client_for(world.users["grid_worker"]).get(slot_url(slot)))
    community_view = html(client_for(staff(world)).get(slot_url(slot)))

    assert "王秀英" in grid_view and "李桂兰" not in grid_view and "李**" in grid_view
    assert "王秀英" in community_view and "李桂兰" in community_view


def test_a_township_service_shows_its_whole_roster_to_township_staff(world: World) -> None:
    service = make_service(region=world.regions[HOME["township"]], name="街道长者食堂", capacity=5)
    slot = make_slot(service)
    book(slot, elder(home(world), "王秀英"))
    book(slot, elder(world.regions[SIBLING], "李桂兰"))

    township_view = html(client_for(world.users["township_staff"]).get(slot_url(slot)))

    assert "王秀英" in township_view and "李桂兰" in township_view
    assert client_for(staff(world)).get(slot_url(slot)).status_code == 404


def test_staff_book_for_a_resident_and_mark_attendance(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=3)
    slot = make_slot(service, by=staff(world))
    grandma = elder(home(world), "周奶奶")
    client = client_for(staff(world))

    found = html(client.get(slot_url(slot) + "?q=周奶奶"))
    client.post(slot_url(slot), {"do": "book_for", "resident": grandma.pk, "request_key": "bf-1"})
    booking = Booking.objects.get(slot=slot, resident=grandma)
    with calendar.frozen_time(actions.starts_at(slot) + timedelta(minutes=30)):
        client.post(slot_url(slot), {"do": "attended", "booking": booking.pk})
        roster = html(client.get(slot_url(slot)))

    booking.refresh_from_db()
    assert "为其预约" in found
    assert booking.on_behalf and booking.status == S.ATTENDED
    assert "已到场" in roster


def test_the_roster_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=20)
    slot = make_slot(service, by=staff(world))
    for n in range(10):
        book(slot, elder(home(world), f"老人{n}"))
    client = client_for(staff(world))
    client.get(slot_url(slot))

    with django_assert_max_num_queries(14):
        body = html(client.get(slot_url(slot)))
    assert "老人9" in body


def test_lowering_capacity_below_the_booked_is_explained(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=3)
    slot = make_slot(service, by=staff(world))
    for n in range(2):
        book(slot, elder(home(world), f"老人{n}"))

    shown = client_for(staff(world)).post(
        slot_url(slot),
        {"do": "edit", "capacity": "1", "menu": "", "version": slot.version},
        follow=True,
    )

    assert "不能少于已预约的2人" in html(shown)
    slot.refresh_from_db()
    assert slot.capacity == 3


def test_statistics_show_rates_per_kind_and_indicator_11(world: World) -> None:
    rehab = make_service(
        region=home(world),
        by=staff(world),
        kind=BookableKind.REHABILITATION,
        name="康复站",
        capacity=5,
    )
    slot = make_slot(rehab, by=staff(world), in_days=0, starts=time(0, 1), ends=time(0, 2), menu="")
    patients = []
    for n in range(2):
        person = elder(home(world), f"患者{n}", age=40)
        registry_actions.tag_care_group(
            resident=person, group=CareGroup.SEVERE_MENTAL_DISORDER, start_date=date(2020, 1, 1)
        )
        patients.append(person)
    with calendar.frozen_time(actions.starts_at(slot) - timedelta(minutes=1)):
        booking = actions.book_for(slot=slot, resident=patients[0], by=staff(world))
    with calendar.frozen_time(actions.starts_at(slot) + timedelta(minutes=1)):
        actions.mark_attendance(booking=booking, by=staff(world), attended=True)

    body = html(client_for(world.users["county_official"]).get(STATS))

    assert "指标11" in body
    assert re.search(
        r"<td>[^<]*320302[^<]*</td><td class=\"text-end\">2</td><td class=\"text-end\">1</td><td class=\"text-end\">50%",
        body,
    )
