"""Facts per base unit for each of the 13 indicators: set-based, a few queries for every community
(or county) of the city whatever its size, read through the service apps' own queries.

A fact is a numerator and a denominator, or the reasons the unit cannot be counted (``missing``): a
community with no building area entered for the year is not a community with none. Coverage
indicators count a community as 1 of 1 (it qualifies) or 0 of 1.

Stocks are read on ``Scope.on`` — the year's last day, or today while the year is running. Facilities,
households and the party roster are kept as current state only, so for them the rebuild of a running
year is what becomes the year-end snapshot (see ``Indicator.current_state``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_noop

from shequ.care.models.bookings import BookableKind, BookableService, ServiceSlot
from shequ.care.models.homeservices import DELIVERED_STATUSES, HomeServiceOrder
from shequ.care.queries.compliance import hardship_visiting
from shequ.care.queries.homeservices import elderly_condition
from shequ.core import calendar
from shequ.facilities.models import SERVING_STATUSES as FACILITY_SERVING
from shequ.facilities.models import Facility, FacilityCategory
from shequ.facilities.queries import with_area_inputs
from shequ.indicators.reasons import Reason, reason
from shequ.organizations.linkage import Period, evaluate
from shequ.participation.queries.meetings import covered_communities
from shequ.registry.models import Resident
from shequ.territory.models import Level, Region
from shequ.volunteering.queries.party import coverage as party_coverage
from shequ.workforce.models import PostKind, SocialWorkQualification
from shequ.workforce.queries.staffing import serving_posts

ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Fact:
    numerator: Decimal
    denominator: Decimal | None
    missing: tuple[Reason, ...] = ()

    @property
    def is_complete(self) -> bool:
        return not self.missing


def gap(*reasons: Reason) -> Fact:
    return Fact(ZERO, None, tuple(reasons))


def share(qualifies: bool) -> Fact:
    return Fact(ONE if qualifies else ZERO, ONE)


@dataclass
class Scope:
    """The base units a rebuild computes: every non-virtual community (and county) under ``root``."""

    year: int
    root: Region
    communities: dict[int, Region] = field(default_factory=dict)
    counties: dict[int, Region] = field(default_factory=dict)
    # Inputs more than one indicator reads (the three area indicators share one query).
    shared: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    @property
    def on(self) -> date:
        """The day stocks are read: the year's last day, or today while the year runs."""
        return min(self.end, calendar.localdate())

    @classmethod
    def build(cls, year: int, root: Region) -> Scope:
        regions = (
            Region.objects.filter(path__under=root.path, is_virtual=False)
            .filter(level__in=[Level.COMMUNITY, Level.COUNTY])
            .defer("geometry")
        )
        scope = cls(year=year, root=root)
        for region in regions:
            target = scope.communities if region.level == Level.COMMUNITY else scope.counties
            target[region.pk] = region
        return scope


Facts = dict[int, Fact]


# --- 1–3: floor areas ----------------------------------------------------------------------------


def _area_rows(scope: Scope) -> list[Region]:
    if "area_rows" not in scope.shared:
        communities = Region.objects.filter(pk__in=list(scope.communities)).only("pk", "name")
        scope.shared["area_rows"] = list(with_area_inputs(communities, scope.year))
    rows: list[Region] = scope.shared["area_rows"]  # type: ignore[assignment]
    return rows


def commercial_service_area_ratio(scope: Scope) -> Facts:
    facts: Facts = {}
    for row in _area_rows(scope):
        missing = []
        total = row.total_floor_area_m2  # type: ignore[attr-defined]
        if total is None or total <= 0:
            missing.append(reason(gettext_noop("未填报%(year)s年社区总建筑面积"), year=scope.year))
        if row.unmeasured_service:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("有社区综合服务设施未填建筑面积")))
        if missing:
            facts[row.pk] = gap(*missing)
            continue
        area = row.service_floor_area + row.commercial_area_m2  # type: ignore[attr-defined]
        facts[row.pk] = Fact(Decimal(area), Decimal(total))
    return facts


def service_area_per_100_households(scope: Scope) -> Facts:
    facts: Facts = {}
    for row in _area_rows(scope):
        missing = []
        if not row.household_count:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("没有登记在册的居民户")))
        if row.unmeasured_service:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("有社区综合服务设施未填建筑面积")))
        if missing:
            facts[row.pk] = gap(*missing)
            continue
        facts[row.pk] = Fact(
            Decimal(row.service_floor_area),  # type: ignore[attr-defined]
            Decimal(row.household_count),  # type: ignore[attr-defined]
        )
    return facts


def resident_activity_area_ratio(scope: Scope) -> Facts:
    facts: Facts = {}
    for row in _area_rows(scope):
        missing = []
        if row.unmeasured_service:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("有社区综合服务设施未填建筑面积")))
        elif not row.service_floor_area:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("没有在用的社区综合服务设施")))
        if row.unmeasured_activity:  # type: ignore[attr-defined]
            missing.append(reason(gettext_noop("有社区综合服务设施未填居民活动用房面积")))
        if missing:
            facts[row.pk] = gap(*missing)
            continue
        facts[row.pk] = Fact(
            Decimal(row.activity_area_m2),  # type: ignore[attr-defined]
            Decimal(row.service_floor_area),  # type: ignore[attr-defined]
        )
    return facts


# --- 4: self-service terminals in urban communities ------------------------------------------------


def self_service_terminal_coverage(scope: Scope) -> Facts:
    urban = [pk for pk, region in scope.communities.items() if region.is_urban]
    having = set(
        Facility.objects.filter(
            community_id__in=urban,
            category=FacilityCategory.SELF_SERVICE_TERMINAL,
            status__in=FACILITY_SERVING,
        )
        .values_list("community_id", flat=True)
        .distinct()
    )
    return {pk: share(pk in having) for pk in urban}


# --- 5: deliberation bodies -------------------------------------------------------------------------


def deliberation_body_coverage(scope: Scope) -> Facts:
    covered = {c.pk for c in covered_communities(scope.root, scope.start, scope.end)}
    return {pk: share(pk in covered) for pk in scope.communities}


# --- 6–8: the workforce ----------------------------------------------------------------------------


def _primary_posts(scope: Scope) -> dict[int, int]:
    """Each serving worker with a post in scope → the community of their primary post (the earliest
    started, then the first entered), chosen among *all* their posts so that a rebuild of part of
    the city assigns every worker where a full rebuild does."""
    posts = serving_posts(scope.on).filter(community__isnull=False)
    in_scope = posts.filter(community_id__in=list(scope.communities)).values("worker_id")
    primary: dict[int, int] = {}
    for worker_id, community_id in (
        posts.filter(worker_id__in=in_scope)
        .order_by("worker_id", "started_on", "pk")
        .values_list("worker_id", "community_id")
    ):
        primary.setdefault(worker_id, community_id)
    return {w: c for w, c in primary.items() if c in scope.communities}


def _count_by_community(scope: Scope, workers: dict[int, int]) -> Facts:
    counts: dict[int, int] = dict.fromkeys(scope.communities, 0)
    for community_id in workers.values():
        counts[community_id] += 1
    return {pk: Fact(Decimal(n), None) for pk, n in counts.items()}


def certified_social_workers(scope: Scope) -> Facts:
    primary = _primary_posts(scope)
    certified = set(
        SocialWorkQualification.objects.filter(
            worker_id__in=list(primary), obtained_on__lte=scope.on
        ).values_list("worker_id", flat=True)
    )
    return _count_by_community(scope, {w: c for w, c in primary.items() if w in certified})


def community_workers_per_10k_urban(scope: Scope) -> Facts:
    """Workers per community; the denominator (urban permanent population) is entered per county
    and for the city, and joined in by the roll-up (``actions.rebuild``)."""
    return _count_by_community(scope, _primary_posts(scope))


def generalist_service_coverage(scope: Scope) -> Facts:
    having = set(
        serving_posts(scope.on)
        .filter(kind=PostKind.GENERALIST, community_id__in=list(scope.communities))
        .values_list("community_id", flat=True)
        .distinct()
    )
    return {pk: share(pk in having) for pk in scope.communities}


# --- 9–11: care ---------------------------------------------------------------------------------------


def home_service_elderly_share(scope: Scope) -> Facts:
    begins = calendar.start_of_day(scope.start)
    ends = calendar.start_of_day(date(scope.year + 1, 1, 1))
    delivered = HomeServiceOrder.objects.filter(
        resident=OuterRef("pk"),
        status__in=DELIVERED_STATUSES,
        delivered_at__gte=begins,
        delivered_at__lt=ends,
    )
    rows = (
        Resident.objects.filter(elderly_condition(scope.on))
        .filter(community_id__in=list(scope.communities))
        .values("community_id")
        .annotate(elderly=Count("pk"), served=Count("pk", filter=Q(Exists(delivered))))
        .order_by()
    )
    counted = {r["community_id"]: (r["elderly"], r["served"]) for r in rows}
    facts: Facts = {}
    for pk in scope.communities:
        elderly, served = counted.get(pk, (0, 0))
        facts[pk] = (
            Fact(Decimal(served), Decimal(elderly))
            if elderly
            else gap(reason(gettext_noop("没有登记在册的居家老年人")))
        )
    return facts


def hardship_visit_mechanism_rate(scope: Scope) -> Facts:
    """A community counts when its visiting rules are set and, in every month of the year so far,
    every hardship visit due was made (the monthly rule of ``care.queries.compliance``)."""
    ids = list(scope.communities)
    counts = dict.fromkeys(ids, True)
    for month in range(1, scope.on.month + 1):
        for pk, row in hardship_visiting(ids, date(scope.year, month, 1)).items():
            counts[pk] = counts[pk] and row["counts"]
    return {pk: share(ok) for pk, ok in counts.items()}


def mental_rehab_county_coverage(scope: Scope) -> Facts:
    """A county counts when a community rehabilitation service under it held a session in the year
    (no patient data is read)."""
    held = ServiceSlot.objects.filter(
        service=OuterRef("pk"), is_cancelled=False, date__gte=scope.start, date__lte=scope.end
    )
    paths = list(
        BookableService.objects.filter(kind=BookableKind.REHABILITATION)
        .filter(Exists(held))
        .values_list("region__path", flat=True)
    )
    return {
        pk: share(any(path.startswith(county.path) for path in paths))
        for pk, county in scope.counties.items()
    }


# --- 12–13 ------------------------------------------------------------------------------------------


def party_member_checkin_coverage(scope: Scope) -> Facts:
    counted = party_coverage(list(scope.communities))
    facts: Facts = {}
    for pk in scope.communities:
        members, checked = counted.get(pk, (0, 0))
        facts[pk] = (
            Fact(Decimal(checked), Decimal(members))
            if members
            else gap(reason(gettext_noop("没有在册的在职党员")))
        )
    return facts


def five_party_linkage_coverage(scope: Scope) -> Facts:
    period = Period(start=scope.start, end=scope.end, code=str(scope.year))
    linkage = evaluate(list(scope.communities), period)
    return {pk: share(row.covered) for pk, row in linkage.items()}


FACTS: dict[str, Callable[[Scope], Facts]] = {
    "commercial_service_area_ratio": commercial_service_area_ratio,
    "service_area_per_100_households": service_area_per_100_households,
    "resident_activity_area_ratio": resident_activity_area_ratio,
    "self_service_terminal_coverage": self_service_terminal_coverage,
    "deliberation_body_coverage": deliberation_body_coverage,
    "certified_social_workers": certified_social_workers,
    "community_workers_per_10k_urban": community_workers_per_10k_urban,
    "generalist_service_coverage": generalist_service_coverage,
    "home_service_elderly_share": home_service_elderly_share,
    "hardship_visit_mechanism_rate": hardship_visit_mechanism_rate,
    "mental_rehab_county_coverage": mental_rehab_county_coverage,
    "party_member_checkin_coverage": party_member_checkin_coverage,
    "five_party_linkage_coverage": five_party_linkage_coverage,
}
