"""Reads of preparedness (G3): shelters with what is open now, supplies with low-stock flags and totals,
drills, fire-safety grids, and the disaster information officer of each community (read from
``workforce``, never written). Everything goes through ``scoped()``; lists cost a fixed handful of
queries whatever their length."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import RoleAssignment, User, UserKind
from shequ.core import calendar
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.emergency.models import (
    Drill,
    FireSafetyGrid,
    OccupancyReport,
    ShelterOpening,
    SupplyMovement,
    SupplyStock,
)
from shequ.emergency.permissions import EmergencyPerm
from shequ.facilities.models import Facility, FacilityCategory, FacilityStatus
from shequ.registry.models import Resident
from shequ.territory.models import Grid, Level, Region
from shequ.territory.queries import child_regions, grouped_by_child, region_in_scope
from shequ.workforce.models import PostKind, WorkerPost
from shequ.workforce.queries.staffing import serving_posts

VIEW = EmergencyPerm.VIEW
SUPPLIES = EmergencyPerm.MANAGE_SUPPLIES
EXPORT_MAX = 20_000


def region_or_none(user: Any, code: str, perm: str = VIEW) -> Region | None:
    """The region ``code`` inside the jurisdiction (404 outside it), or None without a code."""
    return region_in_scope(user, code, perm) if code else None


def top_region(user: Any, perm: str = VIEW) -> Region:
    where = user.jurisdiction(perm)
    tops = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not tops:
        raise Http404
    return Region.objects.defer("geometry").get(path=tops[0])


# --- Shelters --------------------------------------------------------------------------------------


def _open_openings() -> QuerySet[ShelterOpening]:
    return ShelterOpening.objects.filter(closed_at__isnull=True)


def shelters(user: Any, region: Region | None = None) -> QuerySet[Facility]:
    """Shelter facilities in service in the jurisdiction, with the opening open now (if any)."""
    now_open = _open_openings().filter(facility=OuterRef("pk"))
    found = (
        Facility.objects.filter(category=FacilityCategory.SHELTER, status=FacilityStatus.IN_SERVICE)
        .select_related("community", "community__parent")
        .defer("community__geometry", "community__parent__geometry", "opening_hours", "note")
        .annotate(
            opening_id=Subquery(now_open.values("pk")[:1]),
            open_capacity=Subquery(now_open.values("capacity")[:1]),
            open_occupancy=Subquery(now_open.values("occupancy")[:1]),
        )
        .order_by("community__path", "name", "pk")
    )
    if region is not None:
        found = found.filter(community__path__under=region.path)
    return scoped(found, user, VIEW)


@dataclass
class ShelterTotal:
    name: str
    code: str
    shelters: int = 0
    capacity: int = 0
    open: int = 0
    open_capacity: int = 0
    occupancy: int = 0

    @property
    def percent(self) -> int:
        return round(self.occupancy * 100 / self.open_capacity) if self.open_capacity else 0


def shelter_totals(user: Any, region: Region | None = None) -> list[ShelterTotal]:
    """Per township: shelters, their registered capacity, those open now, open places, occupancy
    (one grouped query)."""
    rows = (
        shelters(user, region)
        .values("community__parent__code", "community__parent__name")
        .annotate(
            n=Count("pk"),
            cap=Coalesce(Sum("capacity"), 0),
        )
        .order_by("community__parent__code")
    )
    opened = (
        scoped(_open_openings(), user, VIEW)
        .filter(**({"region__path__under": region.path} if region else {}))
        .values("region__parent__code")
        .annotate(n=Count("pk"), cap=Sum("capacity"), occ=Sum("occupancy"))
        .order_by()
    )
    by_code = {row["region__parent__code"]: row for row in opened}
    totals = []
    for row in rows:
        code = row["community__parent__code"]
        got = by_code.get(code, {})
        totals.append(
            ShelterTotal(
                name=row["community__parent__name"],
                code=code,
                shelters=row["n"],
                capacity=row["cap"],
                open=got.get("n") or 0,
                open_capacity=got.get("cap") or 0,
                occupancy=got.get("occ") or 0,
            )
        )
    return totals


def shelter(user: Any, facility_id: int, perm: str = VIEW) -> Facility:
    return get_scoped_or_404(
        Facility.objects.filter(category=FacilityCategory.SHELTER).select_related("community"),
        user,
        perm,
        pk=facility_id,
    )


def opening(user: Any, opening_id: int, perm: str = VIEW) -> ShelterOpening:
    return get_scoped_or_404(
        ShelterOpening.objects.select_related("facility", "region", "alert", "opened_by"),
        user,
        perm,
        pk=opening_id,
    )


def openings(user: Any, region: Region | None = None) -> QuerySet[ShelterOpening]:
    found = ShelterOpening.objects.select_related("facility", "region").defer("region__geometry")
    if region is not None:
        found = found.filter(region__path__under=region.path)
    return scoped(found, user, VIEW)


def occupancy_history(opening_: ShelterOpening) -> QuerySet[OccupancyReport]:
    return opening_.reports.select_related("reported_by").order_by("-reported_at", "-pk")


@dataclass
class OpenShelter:
    name: str
    address: str
    community: str
    free: int
    capacity: int
    nearby: bool  # in the resident's own township


def open_shelters_for(resident: Resident | None) -> list[OpenShelter]:
    """For a resident's own page: the shelters open now in their county, their township's first;
    only the facility's public name and address and the free places."""
    if resident is None or resident.community_id is None:
        return []
    community = resident.community
    township = community.parent
    county = township.parent if township is not None else None
    area = county or township or community
    rows = (
        _open_openings()
        .filter(region__path__under=area.path)
        .select_related("facility", "region")
        .only(
            "capacity",
            "occupancy",
            "facility__name",
            "facility__address",
            "region__name",
            "region__path",
        )
        .order_by("facility__name", "pk")
    )
    near = township.path if township is not None else community.path
    found = [
        OpenShelter(
            name=row.facility.name,
            address=row.facility.address,
            community=row.region.name,
            free=max(row.capacity - row.occupancy, 0),
            capacity=row.capacity,
            nearby=row.region.path.startswith(near),
        )
        for row in rows
    ]
    return sorted(found, key=lambda s: (not s.nearby, s.name))


# --- Supplies --------------------------------------------------------------------------------------

LOW = Q(low_threshold__gt=0) & Q(quantity__lte=F("low_threshold"))


def stocks(
    user: Any,
    region: Region | None = None,
    category: str = "",
    low_only: bool = False,
    q: str = "",
    perm: str = VIEW,
) -> QuerySet[SupplyStock]:
    found = (
        SupplyStock.objects.select_related("region")
        .defer("region__geometry")
        .annotate(is_low=ExpressionWrapper(LOW, output_field=BooleanField()))
        .order_by("region__path", "location", "item", "pk")
    )
    if region is not None:
        found = found.filter(region__path__under=region.path)
    if category:
        found = found.filter(category=category)
    if low_only:
        found = found.filter(LOW)
    if q:
        found = found.filter(Q(item__icontains=q) | Q(location__icontains=q))
    return scoped(found, user, perm)


def item_totals(stock_rows: QuerySet[SupplyStock]) -> list[dict[str, Any]]:
    """Per item and unit across the rows: locations, total stock, locations running low."""
    return list(
        stock_rows.order_by()
        .values("item", "unit")
        .annotate(
            locations=Count("pk"),
            total=Sum("quantity"),
            low=Count("pk", filter=LOW),
        )
        .order_by("item", "unit")
    )


def low_stock_count(user: Any) -> int:
    """Stock rows at or below their warning level that ``user`` manages (for the console)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if not user.has_permission(SUPPLIES):
        return 0
    return scoped(SupplyStock.objects.filter(LOW), user, SUPPLIES).count()


def stock(user: Any, stock_id: int, perm: str = VIEW) -> SupplyStock:
    return get_scoped_or_404(
        SupplyStock.objects.select_related("region", "facility").annotate(
            is_low=ExpressionWrapper(LOW, output_field=BooleanField())
        ),
        user,
        perm,
        pk=stock_id,
    )


def movements(stock_: SupplyStock) -> QuerySet[SupplyMovement]:
    return (
        SupplyMovement.objects.filter(stock=stock_)
        .select_related("by", "counterpart__stock__region", "alert")
        .defer("counterpart__stock__region__geometry")
        .order_by("-at", "-pk")
    )


def supply_places(user: Any) -> QuerySet[Region]:
    """Regions where ``user`` may keep supplies (and transfer them to)."""
    return scoped(Region.objects.all(), user, SUPPLIES).defer("geometry").order_by("path")


def export_stocks(user: Any, rows: QuerySet[SupplyStock]) -> ExportFile:
    """The stock list as filtered, as an .xlsx workbook (no personal data)."""
    total = rows.count()
    check_export_size(total, EXPORT_MAX, _("最多导出 %(max)s 行，当前 %(n)s 行，请缩小范围。"))
    sheet = stamped_sheet(
        user,
        _("应急物资库存"),
        [
            _("所属区域"),
            _("区域代码"),
            _("存放地点"),
            _("类别"),
            _("物资名称"),
            _("单位"),
            _("库存"),
            _("预警线"),
            _("低库存"),
            _("更新时间"),
        ],
    )
    for row in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                row.region.name,
                row.region.code,
                row.location,
                str(row.get_category_display()),
                row.item,
                row.unit,
                row.quantity,
                row.low_threshold,
                _("是") if getattr(row, "is_low", False) else "",
                timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    stamp = sheet.now.strftime("%Y%m%d-%H%M")
    return ExportFile(f"emergency-supplies-{stamp}.xlsx", sheet.content(), total)


# --- Drills ----------------------------------------------------------------------------------------


def drills(
    user: Any, region: Region | None = None, kind: str = "", year: int | None = None
) -> QuerySet[Drill]:
    found = Drill.objects.select_related("region").defer("region__geometry")
    if region is not None:
        found = found.filter(region__path__under=region.path)
    if kind:
        found = found.filter(kind=kind)
    if year:
        found = found.filter(held_on__year=year)
    return scoped(found, user, VIEW).order_by("-held_on", "-pk")


def drill(user: Any, drill_id: int) -> Drill:
    return get_scoped_or_404(
        Drill.objects.select_related("region", "recorded_by"), user, VIEW, pk=drill_id
    )


@dataclass
class DrillCount:
    region: Region
    count: int = 0
    participants: int = 0


def drills_per_region(user: Any, region: Region, year: int) -> tuple[DrillCount, list[DrillCount]]:
    """This year's drills in ``region`` in total and per child region (one grouped query each)."""
    found = scoped(
        Drill.objects.filter(region__path__under=region.path, held_on__year=year), user, VIEW
    )
    counts: dict[str, Any] = {"n": Count("pk"), "people": Coalesce(Sum("participants"), 0)}
    overall = found.aggregate(**counts)
    total = DrillCount(region=region, count=overall["n"], participants=overall["people"])
    children = child_regions(user, region, VIEW)
    rows = {child.path: DrillCount(region=child) for child in children}
    for path, row in grouped_by_child(found, "region__path", children, **counts):
        if path is not None:
            rows[path].count, rows[path].participants = row["n"], row["people"]
    return total, list(rows.values())


def drill_places(user: Any) -> QuerySet[Region]:
    return (
        scoped(Region.objects.all(), user, EmergencyPerm.RECORD_DRILLS)
        .defer("geometry")
        .order_by("path")
    )


# --- Fire-safety grids -----------------------------------------------------------------------------


def fire_grids(
    user: Any, region: Region | None = None, only_designated: bool = False
) -> QuerySet[Grid]:
    """Grids (not micro-grids) in the jurisdiction, with their fire-safety designation if any."""
    found = (
        Grid.objects.filter(is_micro=False)
        .select_related("community", "fire_safety", "fire_safety__responsible")
        .defer("geometry", "community__geometry")
        .order_by("path")
    )
    if region is not None:
        found = found.filter(path__under=region.path)
    if only_designated:
        found = found.filter(fire_safety__isnull=False)
    return scoped(found, user, VIEW)


def fire_grid(user: Any, grid_code: str, perm: str = VIEW) -> Grid:
    grid = get_scoped_or_404(
        Grid.objects.select_related("community").defer("geometry", "community__geometry"),
        user,
        perm,
        code=grid_code,
    )
    if grid.is_micro:
        raise Http404
    return grid


def fire_designation(grid: Grid) -> FireSafetyGrid | None:
    return FireSafetyGrid.objects.select_related("responsible").filter(grid=grid).first()


def responsible_choices(grid: Grid) -> QuerySet[User]:
    """Staff who hold a valid role at the grid, its community or a place above it."""
    ancestors = _ancestor_paths(grid.community.path)
    held = (
        RoleAssignment.objects.valid_on(calendar.localdate())
        .filter(Q(grid=grid) | Q(region__path__in=ancestors))
        .values("user")
    )
    return (
        User.objects.filter(pk__in=held, is_active=True)
        .exclude(kind=UserKind.RESIDENT)
        .order_by("full_name", "pk")
    )


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{c}/" for c in parts[: i + 1]) for i in range(len(parts))]


# --- Disaster information officers -----------------------------------------------------------------


@dataclass
class InformantRow:
    community: Region
    posts: list[WorkerPost] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.posts:
            return "missing"
        return "several" if len(self.posts) > 1 else "ok"


@dataclass
class InformantTotal:
    name: str
    code: str
    communities: int = 0
    missing: int = 0
    several: int = 0


def _informant_posts(on: date) -> QuerySet[WorkerPost]:
    return serving_posts(on).filter(kind=PostKind.DISASTER_INFORMANT)


def informant_communities(user: Any, region: Region | None = None) -> QuerySet[Region]:
    """Communities in the jurisdiction, each with its serving disaster information officers
    (``informant_posts``) and their number (``informants``)."""
    on = calendar.localdate()
    posts = _informant_posts(on)
    count = (
        posts.filter(community=OuterRef("pk"))
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = (
        Region.objects.filter(level=Level.COMMUNITY)
        .select_related("parent")
        .defer("geometry", "parent__geometry")
        .annotate(informants=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .prefetch_related(
            Prefetch(
                "worker_posts",
                queryset=posts.select_related("worker").order_by("started_on", "pk"),
                to_attr="informant_posts",
            )
        )
        .order_by("path")
    )
    if region is not None:
        found = found.filter(path__under=region.path)
    return scoped(found, user, VIEW)


def informant_totals(user: Any, region: Region | None = None) -> list[InformantTotal]:
    """Per township: communities, those with no officer, those with more than one (one query)."""
    rows = (
        informant_communities(user, region)
        .prefetch_related(None)
        .values_list("parent__code", "parent__name", "informants")  # type: ignore[misc]
    )
    totals: dict[str, InformantTotal] = {}
    for code, name, n in rows:
        total = totals.setdefault(code, InformantTotal(name=name, code=code))
        total.communities += 1
        total.missing += n == 0
        total.several += n > 1
    return [totals[k] for k in sorted(totals)]


def informant_summary(totals: list[InformantTotal]) -> dict[str, int]:
    summary: dict[str, int] = defaultdict(int)
    for row in totals:
        summary["communities"] += row.communities
        summary["missing"] += row.missing
        summary["several"] += row.several
    return dict(summary)


def check_filters(category: str, kinds: Any) -> str:
    if category and category not in kinds:
        raise ValidationError({"category": _("类别不正确。")})
    return category
