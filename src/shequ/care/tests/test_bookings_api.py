"""The bookings API: scoped, bounded lists; booking idempotent under ``Idempotency-Key``; the same
person twice without it is a 422 naming the field; cancel and attendance; indicator 11 per county."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Any

import pytest

from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import BookableKind, Booking
from shequ.care.tests.factories_bookings import book, elder, make_service, make_slot, resident_user
from shequ.core import calendar
from shequ.registry import actions as registry_actions
from shequ.registry.models import CareGroup
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/care"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def post(client: Any, url: str, body: dict[str, Any] | None = None, **headers: Any) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def test_services_and_slots_are_scoped_and_bounded(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        make_slot(make_service(region=home(world), by=staff(world), name=f"餐桌{n}"))
    away = make_service(region=world.regions[AWAY], name="外县餐桌")
    client = client_for(staff(world))

    with django_assert_max_num_queries(10):
        listed = client.get(f"{API}/services")
    service_id = listed.json()["results"][0]["id"]
    with django_assert_max_num_queries(10):
        slots = client.get(f"{API}/services/{service_id}/slots")

    names = [row["name"] for row in listed.json()["results"]]
    assert len(names) == 6 and "外县餐桌" not in names
    assert slots.json()["results"][0]["seats_left"] == 2
    assert client.get(f"{API}/services/{away.pk}").status_code == 404
    assert client.get(f"{API}/services?region={AWAY}").status_code == 422


def test_a_resident_books_once_with_the_same_key_and_the_second_person_is_told(
    world: World,
) -> None:
    slot = make_slot(make_service(region=home(world), by=staff(world), capacity=1))
    grandma = elder(home(world))
    client = client_for(resident_user(grandma))
    url = f"{API}/slots/{slot.pk}/bookings"

    first = post(client, url, HTTP_IDEMPOTENCY_KEY="abc-1")
    retry = post(client, url, HTTP_IDEMPOTENCY_KEY="abc-1")
    twice = post(client, url, HTTP_IDEMPOTENCY_KEY="abc-2")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"] and first.json()["status"] == "booked"
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "resident_id"
    assert Booking.objects.filter(slot=slot).count() == 1


def test_staff_book_for_a_resident_then_cancel_and_mark_attendance(world: World) -> None:
    slot = make_slot(make_service(region=home(world), by=staff(world), capacity=1))
    first, second = elder(home(world), "王奶奶"), elder(home(world), "李奶奶")
    away = elder(world.regions[AWAY], "周奶奶")
    client = client_for(staff(world))
    url = f"{API}/slots/{slot.pk}/bookings"

    one = post(client, url, {"resident_id": first.pk}).json()
    two = post(client, url, {"resident_id": second.pk}).json()
    elsewhere = post(client, url, {"resident_id": away.pk})
    cancelled = post(client, f"{API}/bookings/{one['id']}/cancel")
    early = post(client, f"{API}/bookings/{two['id']}/attendance", {"attended": True})
    with calendar.frozen_time(actions.starts_at(slot) + timedelta(minutes=5)):
        came = post(client, f"{API}/bookings/{two['id']}/attendance", {"attended": True})

    assert (one["status"], two["status"], one["on_behalf"]) == ("booked", "waitlisted", True)
    assert elsewhere.status_code == 404
    assert cancelled.json()["status"] == "cancelled"
    assert early.status_code == 422
    assert came.json()["status"] == "attended"


def test_too_late_to_cancel_is_a_422_with_the_time(world: World) -> None:
    slot = make_slot(make_service(region=home(world), by=staff(world)), starts=time(11, 30))
    grandma = elder(home(world))
    user = resident_user(grandma)
    booking = book(slot, grandma, by=user)

    with calendar.frozen_time(actions.starts_at(slot) - timedelta(minutes=30)):
        response = post(client_for(user), f"{API}/bookings/{booking.pk}/cancel")

    assert response.status_code == 422 and "09:30" in response.json()["message"]


def test_rehabilitation_coverage_per_county(world: World) -> None:
    rehab = make_service(
        region=home(world), by=staff(world), kind=BookableKind.REHABILITATION, name="康复站"
    )
    slot = make_slot(rehab, in_days=1, starts=time(9, 0), ends=time(10, 0), menu="")
    patients = [elder(home(world), f"患者{n}", age=40) for n in range(4)]
    for person in patients:
        registry_actions.tag_care_group(
            resident=person, group=CareGroup.SEVERE_MENTAL_DISORDER, start_date=date(2020, 1, 1)
        )
    booking = actions.book_for(slot=slot, resident=patients[0], by=staff(world))
    with calendar.frozen_time(actions.starts_at(slot) + timedelta(minutes=5)):
        actions.mark_attendance(booking=booking, by=staff(world), attended=True)
    day = slot.date.isoformat()
    client = client_for(world.users["city_official"])

    rows = client.get(f"{API}/rehabilitation-coverage?region=320300&from={day}&to={day}").json()
    county = client_for(world.users["county_official"]).get(
        f"{API}/rehabilitation-coverage?region=320303"
    )
    grid = client_for(world.users["grid_worker"]).get(f"{API}/rehabilitation-coverage")

    home_row = next(r for r in rows if r["county_code"] == "320302")
    assert (home_row["registered"], home_row["attended"], home_row["share"]) == (4, 1, 0.25)
    assert county.status_code == 422
    assert grid.status_code == 403
