"""Demo bookable services in the home community: a meal table (at the community's meal point or
day-care centre when the demo has one) with the next 14 days' lunches and some seats booked, a
childcare service with places by age, a venue open by time slot, and a rehabilitation service with
sessions of the past four weeks that registered patients attended.

Everything goes through ``care.actions.bookings`` as the system (``by=None``); the past sessions are
made with the platform clock set back (``core.calendar.frozen_time``). The demo resident account's
own household is never booked, so the journey can book a seat itself. Deterministic for a seed;
rows marked ``is_synthetic``; loading twice adds nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import BookableKind, BookableService, Booking, ServiceSlot
from shequ.core import calendar
from shequ.facilities.models import Facility, FacilityCategory
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.territory.models import Level, Region

DAYS = 14
MENUS = [
    "红烧肉、清炒时蔬、番茄蛋汤、米饭",
    "清蒸鲈鱼、蒜蓉西兰花、紫菜蛋花汤、米饭",
    "土豆炖牛肉、醋溜白菜、冬瓜排骨汤、花卷",
    "宫保鸡丁、香菇油菜、小米粥、馒头",
    "猪肉白菜水饺、凉拌黄瓜、饺子汤",
    "红烧鸡块、麻婆豆腐（少辣）、丝瓜蛋汤、米饭",
    "鱼香肉丝、清炒山药、银耳莲子羹、米饭",
]
FACILITY_KINDS = {
    BookableKind.MEAL_TABLE: (FacilityCategory.MEAL_POINT, FacilityCategory.ELDERLY_DAY_CARE),
    BookableKind.CHILDCARE_HALF_DAY: (FacilityCategory.CHILDCARE,),
    BookableKind.VENUE: (FacilityCategory.SHARED_SPORTS, FacilityCategory.SPORTS),
}


def _community(county: Region, community: Region | None) -> Region | None:
    if community is not None:
        return community
    found = (
        Resident.objects.filter(is_synthetic=True, community__path__startswith=county.path)
        .values_list("community", flat=True)
        .order_by("community__path")
        .first()
    )
    if found is None:
        return None
    return Region.objects.defer("geometry").get(pk=found, level=Level.COMMUNITY)


def _facility(community: Region, kind: str) -> Facility | None:
    categories = FACILITY_KINDS.get(kind, ())
    for category in categories:
        found = (
            Facility.objects.filter(community=community, category=category).order_by("pk").first()
        )
        if found is not None:
            return found
    return None


def _born_between(oldest: int, youngest: int, today: date) -> Q:
    def years_before(years: int) -> date:
        return today.replace(year=today.year - years, day=min(today.day, 28))

    return Q(birth_date__lte=years_before(youngest), birth_date__gt=years_before(oldest))


def _try_book(slot: ServiceSlot, resident: Resident) -> bool:
    try:
        actions.book(slot=slot, resident=resident, by=None, is_synthetic=True)
    except (ValidationError, PermissionDenied):
        return False
    return True


def _at(day: date, moment: time) -> datetime:
    return calendar.localtime().replace(
        year=day.year,
        month=day.month,
        day=day.day,
        hour=moment.hour,
        minute=moment.minute,
        second=0,
        microsecond=0,
    )


def load_demo_bookings(
    *,
    county: Region,
    seed: int,
    community: Region | None = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    """Services, slots and bookings in ``community`` (default: the first community of ``county``
    with demo residents). ``users`` (role code → User) marks the demo resident's household, which is
    left unbooked."""
    counts = {"bookable_services": 0, "service_slots": 0, "bookings": 0}
    home = _community(county, community)
    if home is None or BookableService.objects.filter(is_synthetic=True, region=home).exists():
        return counts
    rng = random.Random(f"{seed}-bookings")  # noqa: S311 (demo data)
    today = calendar.localdate()
    resident_user = (users or {}).get("resident")
    spared: set[int] = set()
    if resident_user is not None:
        own = Resident.objects.filter(account=resident_user).first()
        if own is not None:
            spared = (
                set(
                    Resident.objects.filter(household_id=own.household_id).values_list(
                        "pk", flat=True
                    )
                )
                if own.household_id
                else {own.pk}
            )
    people = (
        Resident.objects.filter(community=home, status=LifeStatus.ACTIVE)
        .exclude(pk__in=spared)
        .exclude(account__isnull=False)
    )
    with transaction.atomic():
        meal = actions.create_service(
            by=None,
            region=home,
            kind=BookableKind.MEAL_TABLE,
            name=f"{home.name}老年餐桌",
            description="为60周岁及以上老人提供午餐，高龄、独居老人优先。",
            facility=_facility(home, BookableKind.MEAL_TABLE),
            default_capacity=30,
            price="每餐12元，80周岁以上8元",
            cancel_hours_before=2,
            is_synthetic=True,
        )
        lunches = actions.create_slot_run(
            service=meal,
            by=None,
            date_from=today,
            date_to=today + timedelta(days=DAYS - 1),
            weekdays=range(7),
            starts_at=time(11, 30),
            ends_at=time(12, 30),
            menus={today + timedelta(days=n): MENUS[(n + seed) % len(MENUS)] for n in range(DAYS)},
        )
        elders = list(people.filter(_born_between(100, 60, today)).order_by("pk")[:60])
        for slot in lunches:
            for person in rng.sample(elders, min(len(elders), rng.randint(6, 14))):
                counts["bookings"] += _try_book(slot, person)
        counts["service_slots"] += len(lunches)

        nursery = actions.create_service(
            by=None,
            region=home,
            kind=BookableKind.CHILDCARE_HALF_DAY,
            name=f"{home.name}托育点（托小班）",
            description="18至36个月婴幼儿半日托，含上午点心。",
            facility=_facility(home, BookableKind.CHILDCARE_HALF_DAY),
            default_capacity=12,
            min_age_months=18,
            max_age_months=36,
            price="每次40元",
            is_synthetic=True,
        )
        mornings = actions.create_slot_run(
            service=nursery,
            by=None,
            date_from=today,
            date_to=today + timedelta(days=DAYS - 1),
            weekdays=range(5),
            starts_at=time(8, 30),
            ends_at=time(11, 30),
        )
        toddlers = list(people.filter(_born_between(4, 1, today)).order_by("pk")[:20])
        for slot in mornings:
            for child in rng.sample(toddlers, min(len(toddlers), rng.randint(2, 6))):
                counts["bookings"] += _try_book(slot, child)
        counts["service_slots"] += len(mornings)

        venue = actions.create_service(
            by=None,
            region=home,
            kind=BookableKind.VENUE,
            name=f"{home.name}共享运动场",
            description="驻区单位开放的篮球场，每场两小时，请爱护设施。",
            facility=_facility(home, BookableKind.VENUE),
            default_capacity=10,
            price="免费",
            is_synthetic=True,
        )
        adults = list(people.filter(_born_between(60, 18, today)).order_by("pk")[:40])
        for start, end in ((time(9, 0), time(11, 0)), (time(19, 0), time(21, 0))):
            evenings = actions.create_slot_run(
                service=venue,
                by=None,
                date_from=today,
                date_to=today + timedelta(days=6),
                weekdays=range(7),
                starts_at=start,
                ends_at=end,
            )
            for slot in evenings:
                for person in rng.sample(adults, min(len(adults), rng.randint(0, 5))):
                    counts["bookings"] += _try_book(slot, person)
            counts["service_slots"] += len(evenings)

        rehab = actions.create_service(
            by=None,
            region=home,
            kind=BookableKind.REHABILITATION,
            name=f"{home.name}精神康复站",
            description="严重精神障碍患者社区康复：工疗、娱疗和社交技能训练，由社区工作人员预约。",
            default_capacity=10,
            is_synthetic=True,
        )
        patients = list(people.filter(_patients(today)).order_by("pk")[:10])
        for weeks in range(4, 0, -1):
            day = today - timedelta(days=7 * weeks)
            with calendar.frozen_time(_at(day, time(8, 0)) - timedelta(days=1)):
                slot = actions.create_slot(
                    service=rehab, by=None, date=day, starts_at=time(9, 0), ends_at=time(11, 0)
                )
                booked = [p for p in patients if _try_book(slot, p)]
            with calendar.frozen_time(_at(day, time(11, 30))):
                for booking in Booking.objects.filter(slot=slot, resident__in=booked):
                    came = rng.random() < 0.8
                    actions.mark_attendance(booking=booking, by=None, attended=came)
            counts["bookings"] += len(booked)
            counts["service_slots"] += 1
        for weeks in range(0, 2):
            day = today + timedelta(days=7 * weeks + 1)
            actions.create_slot(
                service=rehab, by=None, date=day, starts_at=time(9, 0), ends_at=time(11, 0)
            )
            counts["service_slots"] += 1
        counts["bookable_services"] = 4
    return counts


def _patients(today: date) -> Q:
    """Residents with a current severe-mental-disorder registration."""
    current = CareGroupTag.objects.filter(
        group=CareGroup.SEVERE_MENTAL_DISORDER, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return Q(pk__in=current.values("resident"))


def delete_demo_bookings() -> dict[str, int]:
    """Remove the demo's bookings, slots and services (their audit events stay)."""
    services = BookableService.objects.filter(is_synthetic=True)
    bookings, _ = Booking.objects.filter(
        Q(is_synthetic=True) | Q(slot__service__in=services)
    ).delete()
    slots, _ = ServiceSlot.objects.filter(service__in=services).delete()
    made, _ = services.delete()
    return {"bookings": bookings, "service_slots": slots, "bookable_services": made}
