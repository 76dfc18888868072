"""Every scoped read of the facilities app. The package root holds the registry's reads (L1):
facilities, their photos, community floor areas with the inputs of the plan's area indicators, and
candidate sites; other features have their own module (``coverage``, ``siting``, ``imports``).

Lists go through ``scoped()`` with the related rows a row shows joined in and the communities'
boundaries left behind (``defer``), so a page costs the same queries whatever its length. A single
object is fetched with ``get_scoped_or_404``: outside the jurisdiction it is a 404, as if it did not
exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.facilities import hours
from shequ.facilities.models import (
    MIN_DAILY_HOURS,
    SERVICE_FACILITY_CATEGORIES,
    SERVING_STATUSES,
    CandidateSite,
    CommunityFloorArea,
    Facility,
    FacilityCategory,
    FacilityPhoto,
    FacilityStatus,
    LivingCircle,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.registry.models import Household
from shequ.territory import queries as territory
from shequ.territory.models import Level, Region

PERM = FacilitiesPerm.VIEW
# The place filter offers the user's own places and two levels below them (a county: its townships
# and communities), as the case inbox does, not every community of a city.
FILTER_LEVELS_BELOW = 2
# 每百户居民拥有社区综合服务设施面积 ≥ 30 m² (the plan's binding indicator #2).
SERVICE_AREA_PER_100_HOUSEHOLDS_MIN = Decimal(30)
MAX_EXPORT_ROWS = 100_000


# --- Facilities -----------------------------------------------------------------------------------


def visible_facilities(user: Any, perm: str = PERM) -> QuerySet[Facility]:
    return scoped(Facility.objects.all(), user, perm)


@dataclass(frozen=True)
class FacilityFilters:
    q: str = ""  # words of the name, address or operator
    category: str = ""
    status: str = ""
    region_path: str = ""  # a place's subtree
    opens_too_briefly: bool = False  # community service centres open under 8 hours on some day


def _rows(facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """What a row shows: the community's name and code (not its boundary) and the circle."""
    return facilities.select_related("community", "serves_circle").defer(
        "community__geometry", "note"
    )


def search_facilities(
    user: Any, filters: FacilityFilters = FacilityFilters()
) -> QuerySet[Facility]:
    """The facilities ``user`` may see that match ``filters``, by place, category and name."""
    found = visible_facilities(user)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    if filters.opens_too_briefly:
        found = found.filter(briefly_open_q())
    q = filters.q.strip()
    if q:
        found = found.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(operator__icontains=q)
        )
    return _rows(found).order_by("community__path", "category", "name", "id")


def briefly_open_q() -> Q:
    """``Facility.opens_too_briefly`` as a filter (the plan: centres open at least 8 hours a day)."""
    return Q(
        category__in=sorted(SERVICE_FACILITY_CATEGORIES),
        shortest_day_hours__lt=MIN_DAILY_HOURS,
    )


def facility_detail(user: Any, facility_id: int, perm: str = PERM) -> Facility:
    """One facility with its community, the community's parent and the circle; 404 outside ``user``'s
    jurisdiction for ``perm``."""
    return get_scoped_or_404(
        Facility.objects.select_related("community", "community__parent", "serves_circle").defer(
            "community__geometry", "community__parent__geometry"
        ),
        user,
        perm,
        pk=facility_id,
    )


def editable_facility(user: Any, facility_id: int) -> Facility:
    """A facility ``user`` may change; one they may only see, like one elsewhere, answers 404."""
    return facility_detail(user, facility_id, FacilitiesPerm.EDIT)


def facility_photos(facility: Facility) -> QuerySet[FacilityPhoto]:
    return facility.photos.order_by("uploaded_at", "id")


def photo_for(user: Any, facility_id: int, photo_id: int, perm: str = PERM) -> FacilityPhoto:
    """A photo of a facility ``user`` may see (for ``perm``); 404 otherwise, exactly as for a photo
    that does not exist."""
    photo = (
        FacilityPhoto.objects.filter(
            pk=photo_id,
            facility_id=facility_id,
            facility__in=visible_facilities(user, perm).values("pk"),
        )
        .select_related("facility")
        .first()
    )
    if photo is None:
        raise Http404
    return photo


def opening_hours_rows(facility: Facility) -> list[tuple[str, str]]:
    """``(weekday label, hours as text)`` for each day, "" for closed."""
    shown = hours.as_text(facility.opening_hours or {})
    return [(str(hours.DAY_LABELS[day]), shown[day]) for day in hours.DAYS]


def circles() -> QuerySet[LivingCircle]:
    """The living-circle circles (the standard is public: not scoped)."""
    return LivingCircle.objects.order_by("order", "service_radius_m", "id")


def circle_by_code(code: str) -> LivingCircle | None:
    return LivingCircle.objects.filter(code=code).first() if code else None


# --- Places ---------------------------------------------------------------------------------------


def filter_regions(user: Any, perm: str = PERM) -> QuerySet[Region]:
    """Places in the user's jurisdiction a list may be narrowed to."""
    return territory.narrowing_regions(user, perm, FILTER_LEVELS_BELOW)


def region_in_scope(user: Any, code: str, perm: str = PERM) -> Region:
    """The region with ``code`` if it lies in ``user``'s jurisdiction for ``perm``; 404 otherwise."""
    return territory.region_in_scope(user, code, perm)


def community_in_scope(user: Any, code: str, perm: str = FacilitiesPerm.EDIT) -> Region:
    """A community (村/社区) in ``user``'s jurisdiction for ``perm``; 404 for any other code."""
    region = region_in_scope(user, code, perm)
    if region.level != Level.COMMUNITY:
        raise Http404
    return region


def editable_communities(user: Any) -> QuerySet[Region]:
    """The communities where ``user`` may register facilities, floor areas and candidate sites."""
    return (
        scoped(Region.objects.filter(level=Level.COMMUNITY), user, FacilitiesPerm.EDIT)
        .defer("geometry")
        .order_by("path")
    )


# --- Community floor areas and the plan's area indicators -----------------------------------------


def _area_sum(field: str, **where: Any) -> Coalesce:
    """A correlated ``SUM(field)`` of the facilities in service of the outer community."""
    summed = (
        Facility.objects.filter(community=OuterRef("pk"), status__in=SERVING_STATUSES, **where)
        .order_by()
        .values("community")
        .annotate(total=Sum(field))
        .values("total")
    )
    money: Any = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(summed, output_field=money), Value(Decimal(0)), output_field=money)


def floor_area_rows(user: Any, year: int, region_path: str = "") -> QuerySet[Region]:
    """The communities ``user`` may see, each with the inputs of the plan's three area indicators,
    in one query (correlated subqueries: a page costs the same whatever its length):

    - ``total_floor_area_m2`` (and ``floor_area_source``): 社区总建筑面积 entered for ``year``, or None;
    - ``service_floor_area``: floor area of community service centres and stations in service
      (社区综合服务设施, indicators #1 and #2);
    - ``activity_area_m2``: their resident service and activity rooms (indicator #3);
    - ``commercial_area_m2``: the commercial area of every other facility in service (indicator #1;
      a centre's own commercial part is already inside its floor area);
    - ``households``: active households in the population registry (indicator #2's denominator).

    The facility figures are today's; the building total is the year's survey.
    """
    communities = scoped(Region.objects.filter(level=Level.COMMUNITY), user, PERM)
    if region_path:
        communities = communities.filter(path__under=region_path)
    return with_area_inputs(communities.defer("geometry"), year).order_by("path")


def with_area_inputs(communities: QuerySet[Region], year: int) -> QuerySet[Region]:
    """``communities`` annotated with the inputs of the plan's three area indicators (see
    ``floor_area_rows``), and ``unmeasured_service`` / ``unmeasured_activity``: how many of their
    service centres in service have no floor area / no activity area entered — counted so that a
    missing entry is named, never summed in as zero. Unscoped: the caller scopes ``communities``."""
    service = sorted(str(category) for category in SERVICE_FACILITY_CATEGORIES)
    entered = CommunityFloorArea.objects.filter(community=OuterRef("pk"), year=year)
    households = (
        Household.objects.filter(community=OuterRef("pk"), is_active=True)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return communities.annotate(
        year=Value(year, output_field=IntegerField()),
        total_floor_area_m2=Subquery(
            entered.values("total_floor_area_m2")[:1],
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
        floor_area_source=Subquery(entered.values("source")[:1]),
        service_floor_area=_area_sum("floor_area_m2", category__in=service),
        activity_area_m2=_area_sum("activity_area_m2", category__in=service),
        commercial_area_m2=_commercial_sum(service),
        household_count=Coalesce(Subquery(households, output_field=IntegerField()), 0),
        unmeasured_service=_unmeasured("floor_area_m2", service),
        unmeasured_activity=_unmeasured("activity_area_m2", service),
    )


def _unmeasured(field: str, service: list[str]) -> Coalesce:
    counted = (
        Facility.objects.filter(
            community=OuterRef("pk"),
            status__in=SERVING_STATUSES,
            category__in=service,
            **{f"{field}__isnull": True},
        )
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _commercial_sum(service: list[str]) -> Coalesce:
    summed = (
        Facility.objects.filter(community=OuterRef("pk"), status__in=SERVING_STATUSES)
        .exclude(category__in=service)
        .order_by()
        .values("community")
        .annotate(total=Sum("commercial_area_m2"))
        .values("total")
    )
    money: Any = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(summed, output_field=money), Value(Decimal(0)), output_field=money)


@dataclass(frozen=True)
class AreaIndicators:
    """The plan's area indicators for one community, where their inputs allow (None otherwise).

    #1 社区商业和综合服务设施面积占社区总建筑面积的比例 (%), #2 每百户居民拥有社区综合服务设施面积
    (m² per 100 households), #3 居民服务和活动空间面积占社区综合服务设施总建筑面积比例 (%)."""

    commercial_service_ratio: Decimal | None
    service_area_per_100_households: Decimal | None
    activity_ratio: Decimal | None

    @property
    def service_area_short(self) -> bool:
        """Below the binding 30 m² per 100 households."""
        per_100 = self.service_area_per_100_households
        return per_100 is not None and per_100 < SERVICE_AREA_PER_100_HOUSEHOLDS_MIN


def area_indicators(row: Any) -> AreaIndicators:
    """The indicators of a row of ``floor_area_rows``."""
    hundredth = Decimal("0.01")
    service = Decimal(row.service_floor_area or 0)
    total = row.total_floor_area_m2
    ratio_1 = (
        ((service + Decimal(row.commercial_area_m2 or 0)) * 100 / total).quantize(hundredth)
        if total
        else None
    )
    per_100 = (
        (service * 100 / row.household_count).quantize(hundredth) if row.household_count else None
    )
    ratio_3 = (
        (Decimal(row.activity_area_m2 or 0) * 100 / service).quantize(hundredth)
        if service
        else None
    )
    return AreaIndicators(ratio_1, per_100, ratio_3)


# --- Candidate sites ------------------------------------------------------------------------------


def candidate_sites(
    user: Any, *, available_only: bool = True, region_path: str = ""
) -> QuerySet[CandidateSite]:
    found = scoped(CandidateSite.objects.all(), user, PERM)
    if available_only:
        found = found.filter(is_available=True)
    if region_path:
        found = found.filter(community__path__under=region_path)
    return (
        found.select_related("community")
        .defer("community__geometry")
        .order_by("community__path", "name", "id")
    )


def candidate_site(user: Any, site_id: int, perm: str = PERM) -> CandidateSite:
    return get_scoped_or_404(
        CandidateSite.objects.select_related("community").defer("community__geometry"),
        user,
        perm,
        pk=site_id,
    )


# --- Export ---------------------------------------------------------------------------------------


def _export_header() -> list[str]:
    return [
        _("村(社区)"),
        _("区划代码"),
        _("设施编码"),
        _("名称"),
        _("设施类别"),
        _("状态"),
        _("地址"),
        _("纬度"),
        _("经度"),
        _("运营方"),
        _("开放单位"),
        _("服务层级"),
        _("建筑面积（平方米）"),
        _("居民服务和活动用房面积（平方米）"),
        _("商业面积（平方米）"),
        _("容量"),
        *(str(hours.DAY_LABELS[day]) for day in hours.DAYS),
        _("开放最短一天的时长（小时）"),
        _("开放不足8小时"),
    ]


def _export_rows(facilities: Iterator[Facility]) -> Iterator[list[Any]]:
    categories = {value: str(label) for value, label in FacilityCategory.choices}
    statuses = {value: str(label) for value, label in FacilityStatus.choices}
    yes = _("是")
    for facility in facilities:
        shown = hours.as_text(facility.opening_hours or {})
        yield [
            facility.community.name,
            facility.community.code,
            facility.external_code,
            facility.name,
            categories.get(facility.category, facility.category),
            statuses.get(facility.status, facility.status),
            facility.address,
            facility.lat,
            facility.lng,
            facility.operator,
            facility.owner_institution,
            facility.serves_circle.label if facility.serves_circle else "",
            facility.floor_area_m2,
            facility.activity_area_m2,
            facility.commercial_area_m2,
            facility.capacity,
            *(shown[day] for day in hours.DAYS),
            facility.shortest_day_hours,
            yes if facility.opens_too_briefly else "",
        ]


def export_facilities(*, user: Any, filters: FacilityFilters) -> ExportFile:
    """The facilities of the list as filtered, as an .xlsx workbook (no personal data: places,
    operators and figures). Written row by row in openpyxl's write-only mode; every export is
    audited, the file stamped with who made it and when."""
    found = search_facilities(user, filters)
    check_export_size(
        found.count(),
        MAX_EXPORT_ROWS,
        _("符合条件的设施有 %(n)s 个，超过单次导出上限 %(max)s 个，请缩小范围后再导出。"),
    )
    out = stamped_sheet(user, _("服务设施清单"), _export_header())
    rows = 0
    for row in _export_rows(found.iterator(chunk_size=2000)):
        out.append(row)
        rows += 1
    with transaction.atomic():
        audit.record(
            "facilities.export",
            actor=user,
            object_type="facilities.Facility",
            object_repr=ngettext("服务设施清单 %(n)s 个", "服务设施清单 %(n)s 个", rows)
            % {"n": rows},
        )
    return ExportFile(
        filename=f"facilities-{out.now:%Y%m%d-%H%M%S}.xlsx", content=out.content(), rows=rows
    )


def map_centre(user: Any) -> tuple[float, float] | None:
    """Where a position picker opens: the first community the user may edit that has a centre."""
    row = (
        editable_communities(user)
        .filter(centre_lat__isnull=False, centre_lng__isnull=False)
        .values_list("centre_lat", "centre_lng")
        .first()
    )
    if row is None or row[0] is None or row[1] is None:
        return None
    return float(row[0]), float(row[1])
