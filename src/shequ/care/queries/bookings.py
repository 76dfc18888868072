"""Reads about bookable services: the scoped service list and detail with seat counts per slot, a
slot's roster, the services near a resident and their bookings, the statistics per kind and
indicator 11 (community rehabilitation coverage of registered severe-mental-disorder patients)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr

from shequ.care.actions.bookings import SEAT_STATUSES, household_of, resident_path
from shequ.care.models.bookings import (
    BookableKind,
    BookableService,
    Booking,
    BookingStatus,
    ServiceSlot,
)
from shequ.care.permissions import CarePerm
from shequ.core import calendar
from shequ.core.masking import mask_name
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.facilities.models import Facility
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.registry.queries import query_condition
from shequ.territory.models import Level, Region

S = BookingStatus
Perm = CarePerm
UPCOMING_DAYS = 14


def _count(status: Iterable[str]) -> Coalesce:
    counted = (
        Booking.objects.filter(slot=OuterRef("pk"), status__in=list(status))
        .order_by()
        .values("slot")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(slots: QuerySet[ServiceSlot]) -> QuerySet[ServiceSlot]:
    """Each slot with ``booked`` (seats held) and ``waitlisted``, in the same statement."""
    return slots.annotate(booked=_count(SEAT_STATUSES), waitlisted=_count([S.WAITLISTED]))


# --- Staff -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFilters:
    kind: str = ""
    region_path: str = ""
    active: str = ""  # "", "1", "0"


def services(user: Any, filters: ServiceFilters | None = None) -> QuerySet[BookableService]:
    filters = filters or ServiceFilters()
    found = scoped(BookableService.objects.all(), user, Perm.VIEW)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.active in ("1", "0"):
        found = found.filter(is_active=filters.active == "1")
    today = calendar.localdate()
    upcoming = (
        ServiceSlot.objects.filter(
            service=OuterRef("pk"), date__gte=today, date__lt=today + timedelta(days=UPCOMING_DAYS)
        )
        .filter(is_cancelled=False)
        .order_by()
        .values("service")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return found.select_related("region", "facility").annotate(
        upcoming_slots=Coalesce(Subquery(upcoming, output_field=IntegerField()), Value(0))
    )


def service_detail(user: Any, service_id: int, perm: str = Perm.VIEW) -> BookableService:
    return get_scoped_or_404(
        BookableService.objects.select_related("region", "facility", "provider"),
        user,
        perm,
        pk=service_id,
    )


def service_slots(service: BookableService, *, past_days: int = 7) -> QuerySet[ServiceSlot]:
    """The service's slots from a week ago on, with their counts (the service was read in scope)."""
    since = calendar.localdate() - timedelta(days=past_days)
    return with_counts(service.slots.filter(date__gte=since)).order_by("date", "starts_at")


def slot_detail(user: Any, slot_id: int, perm: str = Perm.VIEW) -> ServiceSlot:
    return get_scoped_or_404(
        with_counts(ServiceSlot.objects.select_related("service__region", "service__facility")),
        user,
        perm,
        pk=slot_id,
    )


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


@dataclass(frozen=True)
class RosterRow:
    booking: Booking
    name: str
    age: int | None
    in_my_area: bool


def roster(user: Any, slot: ServiceSlot) -> list[RosterRow]:
    """Who holds a seat or waits on ``slot``, which the caller has read through the service's scope
    (``slot_detail``).

    A booking is filed under the resident's community (that is where the person belongs), so
    ``scoped(Booking)`` would hide from a township's meal-table staff the diners who come from the
    township's other communities — the very people they must serve. The roster is therefore read
    through the slot, which the caller may see: running a service means knowing who is coming to it,
    as a paper sign-up sheet at the door does. It is not a leak because it discloses only the seat
    (that the person booked this service), and what identifies them is cut down to what the door
    needs: a resident living inside the viewer's own jurisdiction is named as the registry names them
    to that viewer; anyone else appears with the name masked (``张*``) and no age, phone, ID number
    or address. One query whatever the size of the roster."""
    where = user.jurisdiction(Perm.VIEW)
    today = calendar.localdate()
    rows = []
    bookings = (
        Booking.objects.filter(slot=slot)
        .select_related("resident__community", "resident__grid", "booked_by")
        .order_by("status", "booked_at", "pk")
    )
    for booking in bookings:
        resident = booking.resident
        inside = where.covers_path(resident_path(resident)) or (
            resident.grid_id is None and resident.community.path in where.grid_community_paths
        )
        rows.append(
            RosterRow(
                booking=booking,
                name=resident.name if inside else mask_name(resident.name),
                age=resident.age_on(today) if inside else None,
                in_my_area=inside,
            )
        )
    order: dict[str, int] = {
        S.BOOKED: 0,
        S.ATTENDED: 0,
        S.NO_SHOW: 0,
        S.WAITLISTED: 1,
        S.CANCELLED: 2,
    }
    rows.sort(key=lambda r: (order.get(r.booking.status, 3), r.booking.booked_at, r.booking.pk))
    return rows


def booking_on(user: Any, slot: ServiceSlot, booking_id: int) -> Booking:
    """A booking of ``slot`` (read in scope); 404 otherwise."""
    found = Booking.objects.filter(slot=slot, pk=booking_id).select_related("slot__service").first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


def staff_booking(user: Any, booking_id: int) -> Booking | None:
    """A booking staff may act on: of a service they oversee, or of a resident in their
    jurisdiction (a grid worker cancelling for someone of their grid); ``None`` otherwise."""
    services = scoped(BookableService.objects.all(), user, Perm.VIEW).values("pk")
    residents = scoped(Booking.objects.all(), user, Perm.BOOKINGS).values("pk")
    return (
        Booking.objects.filter(pk=booking_id)
        .filter(Q(slot__service__in=services) | Q(pk__in=residents))
        .select_related("slot__service__region", "resident__community", "resident__grid")
        .first()
    )


def bookable_residents(user: Any, q: str, limit: int = 10) -> list[Resident]:
    """Residents in the user's jurisdiction matching ``q`` (name, pinyin, ID number or phone)."""
    text = (q or "").strip()
    if not text:
        return []
    found = scoped(Resident.objects.filter(status=LifeStatus.ACTIVE), user, Perm.BOOKINGS)
    return list(
        found.filter(query_condition(text))
        .select_related("community", "grid")
        .order_by("name", "pk")[:limit]
    )


def resident_for_booking(user: Any, resident_id: int) -> Resident:
    return get_scoped_or_404(
        Resident.objects.select_related("community", "grid").filter(status=LifeStatus.ACTIVE),
        user,
        Perm.BOOKINGS,
        pk=resident_id,
    )


def manageable_regions(user: Any) -> QuerySet[Region]:
    """Communities and townships where the user may open a service."""
    return scoped(
        Region.objects.filter(level__in=[Level.COMMUNITY, Level.TOWNSHIP]), user, Perm.BOOKINGS
    ).order_by("path")


def facilities_for(user: Any) -> QuerySet[Facility]:
    return (
        scoped(Facility.objects.all(), user, Perm.BOOKINGS)
        .select_related("community")
        .order_by("community__path", "name")
    )


# --- Residents -------------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def nearby_services(resident: Resident, kind: str = "") -> QuerySet[BookableService]:
    """Open services of the resident's community and of the places above it (township …) that a
    resident may book themself (rehabilitation is arranged by staff)."""
    found = BookableService.objects.filter(
        is_active=True, region__path__in=_ancestor_paths(resident.community.path)
    ).exclude(kind=BookableKind.REHABILITATION)
    if kind:
        found = found.filter(kind=kind)
    return found.select_related("region", "facility").order_by("kind", "name", "pk")


def nearby_service(resident: Resident, service_id: int) -> BookableService:
    found = nearby_services(resident).filter(pk=service_id).first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


def upcoming_slots(service: BookableService, days: int = UPCOMING_DAYS) -> list[ServiceSlot]:
    """The next ``days`` days' open slots that have not started, with their counts."""
    now = calendar.localtime()
    today = now.date()
    slots = with_counts(
        service.slots.filter(
            is_cancelled=False, date__gte=today, date__lt=today + timedelta(days=days)
        )
    ).order_by("date", "starts_at")
    return [s for s in slots if s.date > today or s.starts_at > now.time()]


def my_bookings(user: Any) -> QuerySet[Booking]:
    """Bookings for the resident or their household, or that they made."""
    members = [r.pk for r in household_of(user)]
    return (
        Booking.objects.filter(Q(resident_id__in=members) | Q(booked_by=user))
        .select_related("slot__service__facility", "slot__service__region", "resident")
        .order_by("-slot__date", "-slot__starts_at", "pk")
    )


def my_booking(user: Any, booking_id: int) -> Booking:
    found = my_bookings(user).filter(pk=booking_id).first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


# --- Statistics and indicator 11 ------------------------------------------------------------------


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    bookings: int
    attended: int
    no_show: int
    cancelled: int
    waitlisted: int

    @property
    def attendance_rate(self) -> float | None:
        done = self.attended + self.no_show
        return self.attended / done if done else None

    @property
    def no_show_rate(self) -> float | None:
        done = self.attended + self.no_show
        return self.no_show / done if done else None


def figures_by_kind(user: Any, period_start: date, period_end: date) -> list[KindFigures]:
    """Bookings on slots in the period of the services the user oversees, per kind: one query."""
    visible = scoped(BookableService.objects.all(), user, Perm.VIEW)
    rows = (
        Booking.objects.filter(
            slot__service__in=visible.values("pk"),
            slot__date__gte=period_start,
            slot__date__lte=period_end,
        )
        .values("slot__service__kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["slot__service__kind"], {})[row["status"]] = row["n"]
    out = []
    for kind, label in BookableKind.choices:
        counts = table.get(kind, {})
        out.append(
            KindFigures(
                kind=kind,
                label=str(label),
                bookings=sum(counts.values()),
                attended=counts.get(S.ATTENDED, 0),
                no_show=counts.get(S.NO_SHOW, 0),
                cancelled=counts.get(S.CANCELLED, 0),
                waitlisted=counts.get(S.WAITLISTED, 0),
            )
        )
    return out


@dataclass(frozen=True)
class CoverageRow:
    county: Region
    registered: int
    attended: int

    @property
    def share(self) -> float | None:
        return self.attended / self.registered if self.registered else None


def rehabilitation_coverage(
    county_ids: Sequence[int], period_start: date, period_end: date
) -> list[CoverageRow]:
    """Indicator 11 per county: residents registered with a current ``severe_mental_disorder`` tag
    (current on ``period_end``, living in the county and active in the registry) and how many of them
    attended community rehabilitation (a rehabilitation booking marked attended on a slot in the
    period). Two grouped queries per length of county path (one, in practice), whatever the number
    of counties."""
    counties = list(Region.objects.filter(pk__in=list(county_ids)).order_by("path"))
    by_path = {c.path: c for c in counties}
    registered: dict[str, int] = {}
    attended: dict[str, int] = {}
    for length in sorted({len(c.path) for c in counties}):
        paths = [c.path for c in counties if len(c.path) == length]
        tagged = (
            CareGroupTag.objects.filter(
                group=CareGroup.SEVERE_MENTAL_DISORDER,
                start_date__lte=period_end,
                resident__status=LifeStatus.ACTIVE,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period_end))
            .annotate(county_path=Substr("resident__community__path", 1, length))
            .filter(county_path__in=paths)
        )
        for row in (
            tagged.values("county_path").annotate(n=Count("resident", distinct=True)).order_by()
        ):
            registered[row["county_path"]] = row["n"]
        came = (
            Booking.objects.filter(
                status=S.ATTENDED,
                slot__service__kind=BookableKind.REHABILITATION,
                slot__date__gte=period_start,
                slot__date__lte=period_end,
                resident__in=tagged.values("resident"),
            )
            .annotate(county_path=Substr("resident__community__path", 1, length))
            .filter(county_path__in=paths)
        )
        for row in (
            came.values("county_path").annotate(n=Count("resident", distinct=True)).order_by()
        ):
            attended[row["county_path"]] = row["n"]
    return [
        CoverageRow(county=by_path[p], registered=registered.get(p, 0), attended=attended.get(p, 0))
        for p in sorted(by_path)
    ]


def statistics_counties(user: Any, region_path: str = "") -> list[int]:
    """The counties whose whole territory the user oversees for statistics (under ``region_path``,
    or containing it when it is below a county)."""
    if not user.has_permission(Perm.STATISTICS):
        return []
    where = user.jurisdiction(Perm.STATISTICS)
    counties = Region.objects.filter(level=Level.COUNTY)
    if region_path:
        prefixes = _ancestor_paths(region_path)
        counties = counties.filter(Q(path__under=region_path) | Q(path__in=prefixes))
    return [c.pk for c in counties.order_by("path") if where.covers_path(c.path)]
