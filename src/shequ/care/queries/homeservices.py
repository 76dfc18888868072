"""Reads of home services: the staff list (scoped), an order, the resident's own and their household's
orders, the providers that may serve an order, residents staff may ask for, and indicator 9.

Indicator 9 (居家养老服务覆盖率): the share of home-dwelling elderly people who received a home
service in the period. *Home-dwelling elderly* are registry records that are alive and registered
(``LifeStatus.ACTIVE`` today), aged 60 or over on the period's last day, and members of an active
household (户) in a community of the region — the definition ``actions.homeservices`` applies to
whom it serves. *Served*: at least one order for them delivered in the period (status delivered or
confirmed, ``delivered_at`` inside it). Counted per child region by path prefix, one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.care.actions.homeservices import (
    ELDERLY_AGE,
    SERVING_KINDS,
    is_at_home,
    own_resident,
    same_household,
)
from shequ.care.models.homeservices import DELIVERED_STATUSES, HomeServiceOrder, HomeServiceStatus
from shequ.care.permissions import CarePerm
from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.organizations.models import Provider
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import query_condition
from shequ.territory.models import Level, Region
from shequ.territory.queries import grouped_by_child

VIEW = CarePerm.VIEW
HOME_SERVICES = CarePerm.HOME_SERVICES
# Delivered this many days ago and still not confirmed: staff call the resident back.
CALLBACK_AFTER_DAYS = 7


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


# --- Staff -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    kind: str = ""
    provider_id: int | None = None
    region_path: str = ""
    month: date | None = None  # the first day of the month the order was requested in
    callback: bool = False


def visible_orders(user: Any, perm: str = VIEW) -> QuerySet[HomeServiceOrder]:
    return scoped(HomeServiceOrder.objects.all(), user, perm)


def callback_due_before() -> datetime:
    return calendar.now() - timedelta(days=CALLBACK_AFTER_DAYS)


def order_list(user: Any, filters: OrderFilters) -> QuerySet[HomeServiceOrder]:
    orders = visible_orders(user)
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.kind:
        orders = orders.filter(kind=filters.kind)
    if filters.provider_id:
        orders = orders.filter(provider_id=filters.provider_id)
    if filters.region_path:
        orders = orders.filter(community__path__under=filters.region_path)
    if filters.month is not None:
        start = filters.month.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        orders = orders.filter(requested_at__gte=_start_of(start), requested_at__lt=_start_of(end))
    if filters.callback:
        orders = orders.filter(
            status=HomeServiceStatus.DELIVERED, delivered_at__lt=callback_due_before()
        )
    return orders.select_related("resident", "community", "provider").defer("community__geometry")


def order(user: Any, order_id: int, perm: str = VIEW) -> HomeServiceOrder:
    return get_scoped_or_404(
        HomeServiceOrder.objects.select_related(
            "resident__household", "community", "provider", "requested_by", "scheduled_by"
        ).defer("community__geometry"),
        user,
        perm,
        pk=order_id,
    )


def may_handle(user: Any, found: HomeServiceOrder) -> bool:
    return bool(
        user.has_permission(HOME_SERVICES)
        and user.jurisdiction(HOME_SERVICES).covers_path(found.community.path)
    )


def providers_for(community: Region) -> QuerySet[Provider]:
    """Active elderly-care and housekeeping providers registered at the community or above it."""
    parts = community.path.strip("/").split("/")
    ancestors = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return (
        Provider.objects.filter(is_active=True, kind__in=SERVING_KINDS, region__path__in=ancestors)
        .select_related("region")
        .defer("region__geometry")
        .order_by("kind", "name", "pk")
    )


def filter_providers(user: Any) -> QuerySet[Provider]:
    """Providers for the list's filter: serving kinds, registered in or above the user's places."""
    where = user.jurisdiction(VIEW)
    tops = [*where.region_paths, *where.grid_community_paths]
    ancestors: set[str] = set()
    below = Q()
    for top in tops:
        parts = top.strip("/").split("/")
        ancestors.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
        below |= Q(region__path__under=top)
    if not tops:
        return Provider.objects.none()
    return (
        Provider.objects.filter(kind__in=SERVING_KINDS)
        .filter(Q(region__path__in=ancestors) | below)
        .order_by("kind", "name", "pk")[:300]
    )


def elderly_condition(day: date) -> Q:
    """Home-dwelling elderly (see the module's docstring), as a filter on ``Resident``."""
    return Q(
        status=LifeStatus.ACTIVE,
        birth_date__lte=years_before(day, ELDERLY_AGE),
        household__isnull=False,
        household__is_active=True,
        community__level=Level.COMMUNITY,
    )


def residents_to_serve(user: Any, q: str) -> QuerySet[Resident]:
    """Staff looking for the person to serve: by name, pinyin, ID or phone number (as the registry
    searches), within their jurisdiction for home services; home-dwelling elderly only."""
    if not (q or "").strip():
        return Resident.objects.none()
    return (
        scoped(Resident.objects.all(), user, HOME_SERVICES)
        .filter(query_condition(q))
        .filter(elderly_condition(calendar.localdate()))
        .select_related("community", "household")
        .defer("community__geometry")
        .order_by("name_keys", "pk")[:20]
    )


def resident_to_serve(user: Any, resident_id: int) -> Resident:
    return get_scoped_or_404(
        Resident.objects.select_related("community", "household", "grid"),
        user,
        HOME_SERVICES,
        pk=resident_id,
    )


# --- The resident's own ---------------------------------------------------------------------------


def own_orders(resident: Resident) -> QuerySet[HomeServiceOrder]:
    """Orders for the resident and for the members of their household."""
    who = Q(resident=resident)
    if resident.household_id is not None:
        who |= Q(resident__household_id=resident.household_id)
    return (
        HomeServiceOrder.objects.filter(who)
        .select_related("resident", "provider")
        .order_by("-requested_at", "-pk")
    )


def own_order(user: Any, order_id: int) -> HomeServiceOrder:
    mine = own_resident(user)
    if mine is None:
        raise Http404
    found = (
        HomeServiceOrder.objects.select_related("resident__household", "provider")
        .filter(pk=order_id)
        .first()
    )
    if found is None or not same_household(mine, found.resident):
        raise Http404
    return found


def elderly_in_household(resident: Resident) -> list[Resident]:
    """Who the resident may ask a service for: themself and their household's home-dwelling
    elderly, the resident first."""
    today = calendar.localdate()
    if resident.household_id is None:
        candidates = [resident]
    else:
        candidates = list(
            Resident.objects.filter(household_id=resident.household_id)
            .filter(elderly_condition(today))
            .select_related("community", "household")
            .order_by("pk")
        )
        if resident.pk not in {c.pk for c in candidates}:
            candidates.insert(0, resident)
    result = []
    for person in candidates:
        age = person.age_on(today)
        if age is not None and age >= ELDERLY_AGE and is_at_home(person):
            result.append(person)
    result.sort(key=lambda p: p.pk != resident.pk)
    return result


# --- Indicator 9 -----------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    region: Region | None
    elderly: int = 0
    served: int = 0

    @property
    def share(self) -> float | None:
        return self.served / self.elderly if self.elderly else None


@dataclass
class Coverage:
    region: Region
    period_start: date
    period_end: date
    total: CoverageRow
    children: list[CoverageRow] = field(default_factory=list)


def home_service_coverage(
    region: Region, period_start: date, period_end: date, children: list[Region] | None = None
) -> Coverage:
    """Indicator 9 for ``region`` and each of its children (the regions given, or all of them) in
    the period (both days included). One grouped query, plus one for the children."""
    if children is None:
        children = (
            []
            if region.level == Level.COMMUNITY
            else list(Region.objects.filter(parent=region).defer("geometry").order_by("code"))
        )
    start, end = _start_of(period_start), _start_of(period_end + timedelta(days=1))
    delivered = HomeServiceOrder.objects.filter(
        resident=OuterRef("pk"),
        status__in=DELIVERED_STATUSES,
        delivered_at__gte=start,
        delivered_at__lt=end,
    )
    elderly = (
        Resident.objects.filter(community__path__under=region.path)
        .filter(elderly_condition(period_end))
        .annotate(was_served=Exists(delivered))
    )
    total = CoverageRow(region=region)
    by_path: dict[str, CoverageRow] = {c.path: CoverageRow(region=c) for c in children}
    target = children or [region]
    for path, row in grouped_by_child(
        elderly,
        "community__path",
        target,
        elderly=Count("pk"),
        served=Count("pk", filter=Q(was_served=True)),
    ):
        total.elderly += row["elderly"]
        total.served += row["served"]
        if path is not None and path in by_path:
            by_path[path].elderly += row["elderly"]
            by_path[path].served += row["served"]
    return Coverage(
        region=region,
        period_start=period_start,
        period_end=period_end,
        total=total,
        children=[by_path[c.path] for c in children],
    )
