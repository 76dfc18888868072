"""Booking rules through the actions: seats then the waitlist, moving up on a cancellation (with a
notice), ages by kind, rehabilitation for registered patients by staff only, and the bad input the
issue names — two people for the last seat at once, a child outside the age range, a past slot,
cancelling too late, a capacity below the seats booked, the same person twice, a retried request."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import BookableKind, Booking, BookingStatus
from shequ.care.tests.factories_bookings import (
    book,
    elder,
    family_with_child,
    make_service,
    make_slot,
    resident_user,
)
from shequ.core import calendar
from shequ.core.models import AuditEvent, Notification
from shequ.registry import actions as registry_actions
from shequ.registry.models import CareGroup
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
S = BookingStatus


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def test_seats_then_waitlist_and_the_first_waiting_moves_up_when_one_cancels(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=1)
    slot = make_slot(service, by=staff(world), in_days=3)
    first, second = elder(home(world), "王奶奶"), elder(home(world), "李爷爷", age=80)
    user = resident_user(second)

    booked = book(slot, first, by=resident_user(first))
    waiting = book(slot, second, by=user)
    actions.cancel(booking=booked, by=staff(world))

    waiting.refresh_from_db()
    assert (booked.status, waiting.status) == (S.CANCELLED, S.BOOKED)
    assert Notification.objects.filter(recipient=user, subject__contains="候补").exists()
    assert AuditEvent.objects.filter(action="care.booking_promote").count() == 1


def test_the_same_person_twice_is_refused_but_a_retry_with_the_key_lands_once(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    grandma = elder(home(world))
    user = resident_user(grandma)

    one = book(slot, grandma, by=user, request_key="k-1")
    again = book(slot, grandma, by=user, request_key="k-1")
    with pytest.raises(ValidationError) as refused:
        book(slot, grandma, by=user, request_key="k-2")

    assert one.pk == again.pk and Booking.objects.filter(slot=slot).count() == 1
    assert "已经预约了这个场次" in str(refused.value)


def test_a_meal_table_is_for_the_elderly_and_a_child_must_be_in_the_age_range(world: World) -> None:
    meal = make_service(region=home(world), by=staff(world))
    care = make_service(
        region=home(world),
        by=staff(world),
        kind=BookableKind.CHILDCARE_HALF_DAY,
        name="托小班",
        min_age_months=18,
        max_age_months=36,
    )
    parent, child = family_with_child(home(world), child_months=10)
    user = resident_user(parent)

    with pytest.raises(ValidationError) as young:
        book(make_slot(meal), parent, by=user)
    with pytest.raises(ValidationError) as baby:
        book(make_slot(care, starts=time(8, 30), ends=time(12, 0)), child, by=user)

    assert "60周岁及以上" in str(young.value)
    assert "18到36月龄" in str(baby.value) and "resident" in baby.value.message_dict


def test_a_child_in_range_is_booked_by_the_parent(world: World) -> None:
    care = make_service(
        region=home(world),
        by=staff(world),
        kind=BookableKind.CHILDCARE_FULL_DAY,
        name="托大班",
        min_age_months=24,
        max_age_months=36,
    )
    parent, child = family_with_child(home(world), child_months=30)

    made = book(
        make_slot(care, starts=time(8, 0), ends=time(17, 0)), child, by=resident_user(parent)
    )

    assert made.status == S.BOOKED and not made.on_behalf


def test_a_past_or_started_or_cancelled_slot_cannot_be_booked(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world), in_days=1)
    grandma = elder(home(world))
    user = resident_user(grandma)
    moment = actions.starts_at(slot)

    with calendar.frozen_time(moment + timedelta(days=2)), pytest.raises(ValidationError) as past:
        book(slot, grandma, by=user)
    with calendar.frozen_time(moment + timedelta(minutes=5)), pytest.raises(ValidationError) as on:
        book(slot, grandma, by=user)
    actions.cancel_slot(slot=slot, by=staff(world), reason="停水")
    with pytest.raises(ValidationError) as stopped:
        book(slot, grandma, by=user)

    assert "已经过去" in str(past.value)
    assert "已经开始" in str(on.value)
    assert "已停开" in str(stopped.value)


def test_a_slot_cannot_be_opened_in_the_past(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    with pytest.raises(ValidationError) as refused:
        make_slot(service, by=staff(world), in_days=-1)
    assert "date" in refused.value.message_dict


def test_cancelling_too_late_is_refused_with_the_time(world: World) -> None:
    service = make_service(region=home(world), by=staff(world), cancel_hours_before=3)
    slot = make_slot(service, by=staff(world), starts=time(11, 30))
    grandma = elder(home(world))
    user = resident_user(grandma)
    booking = book(slot, grandma, by=user)

    with (
        calendar.frozen_time(actions.starts_at(slot) - timedelta(hours=1)),
        pytest.raises(ValidationError) as late,
    ):
        actions.cancel(booking=booking, by=user)

    assert "08:30" in str(late.value) and "须在" in str(late.value)
    booking.refresh_from_db()
    assert booking.status == S.BOOKED


def test_capacity_never_below_the_seats_booked_and_more_seats_move_the_waitlist(
    world: World,
) -> None:
    service = make_service(region=home(world), by=staff(world), capacity=2)
    slot = make_slot(service, by=staff(world))
    people = [elder(home(world), f"老人{n}") for n in range(3)]
    bookings = [book(slot, p, by=staff(world)) for p in people]

    with pytest.raises(ValidationError) as refused:
        actions.update_slot(slot=slot, by=staff(world), capacity=1)
    actions.update_slot(slot=slot, by=staff(world), capacity=3, menu="饺子、凉拌黄瓜")

    assert "不能少于已预约的2人" in str(refused.value)
    bookings[2].refresh_from_db()
    assert bookings[2].status == S.BOOKED
    assert all(b.on_behalf for b in bookings)


def test_cancelling_a_slot_cancels_its_bookings_and_tells_the_people(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    grandma = elder(home(world))
    user = resident_user(grandma)
    booking = book(slot, grandma, by=user)

    actions.cancel_slot(slot=slot, by=staff(world), reason="厨房检修")

    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    assert Notification.objects.filter(recipient=user, subject__contains="停开").exists()


def test_rehabilitation_is_booked_by_staff_for_registered_patients_only(world: World) -> None:
    rehab = make_service(
        region=home(world),
        by=staff(world),
        kind=BookableKind.REHABILITATION,
        name="康复站",
        capacity=5,
    )
    slot = make_slot(rehab, by=staff(world), starts=time(9, 0), ends=time(11, 0), menu="")
    patient = elder(home(world), "赵某", age=45)
    other = elder(home(world), "钱某", age=45)
    registry_actions.tag_care_group(
        resident=patient, group=CareGroup.SEVERE_MENTAL_DISORDER, start_date=date(2020, 1, 1)
    )

    with pytest.raises(PermissionDenied):
        book(slot, patient, by=resident_user(patient))
    with pytest.raises(ValidationError) as untagged:
        actions.book_for(slot=slot, resident=other, by=staff(world))
    made = actions.book_for(slot=slot, resident=patient, by=staff(world))

    assert "严重精神障碍" in str(untagged.value)
    assert made.on_behalf and made.status == S.BOOKED


def test_a_resident_books_only_for_their_household_and_staff_only_in_their_jurisdiction(
    world: World,
) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    grandma, stranger = elder(home(world)), elder(home(world), "孙奶奶")
    away = elder(world.regions["320303001001"], "周奶奶")

    with pytest.raises(PermissionDenied):
        book(slot, stranger, by=resident_user(grandma))
    with pytest.raises(PermissionDenied):
        actions.book_for(slot=slot, resident=away, by=staff(world))


def test_attendance_only_after_the_start(world: World) -> None:
    service = make_service(region=home(world), by=staff(world))
    slot = make_slot(service, by=staff(world))
    booking = book(slot, elder(home(world)), by=staff(world))

    with pytest.raises(ValidationError):
        actions.mark_attendance(booking=booking, by=staff(world), attended=True)
    with calendar.frozen_time(actions.starts_at(slot) + timedelta(minutes=10)):
        actions.mark_attendance(booking=booking, by=staff(world), attended=False)

    booking.refresh_from_db()
    assert booking.status == S.NO_SHOW


def test_a_service_facility_must_be_in_its_region(world: World) -> None:
    from shequ.facilities.tests.factories import make_facility

    elsewhere = make_facility(community=world.regions["320303001001"])
    with pytest.raises(ValidationError) as refused:
        make_service(region=home(world), by=None, facility=elsewhere)
    assert "facility" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_two_people_for_the_last_seat_at_once_one_booked_one_waitlisted() -> None:
    postgres_only()
    world = build_world()
    service = make_service(region=home(world), by=staff(world), capacity=1)
    slot = make_slot(service, by=staff(world))
    a, b = elder(home(world), "甲奶奶"), elder(home(world), "乙奶奶")
    ua, ub = resident_user(a), resident_user(b)

    results = at_once(
        lambda: actions.book(slot=slot, resident=a, by=ua),
        lambda: actions.book(slot=slot, resident=b, by=ub),
    )

    assert results == ["ok", "ok"]
    statuses = sorted(Booking.objects.filter(slot=slot).values_list("status", flat=True))
    assert statuses == [S.BOOKED, S.WAITLISTED]


@pytest.mark.django_db(transaction=True)
def test_the_same_person_twice_at_once_lands_once() -> None:
    postgres_only()
    world = build_world()
    service = make_service(region=home(world), by=staff(world), capacity=5)
    slot = make_slot(service, by=staff(world))
    a = elder(home(world), "甲奶奶")
    ua = resident_user(a)

    results = at_once(
        lambda: actions.book(slot=slot, resident=a, by=ua),
        lambda: actions.book(slot=slot, resident=a, by=ua),
    )

    assert sorted(r == "ok" for r in results) == [False, True]
    assert Booking.objects.filter(slot=slot).count() == 1
