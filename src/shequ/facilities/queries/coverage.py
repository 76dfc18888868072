"""Reading living-circle coverage: the latest run, summaries per region, estates for the map, gaps.

Everything is read from the newest finished ``CoverageRun`` of the user's city and limited to the
user's jurisdiction (``CoverageEstate`` is scoped by its community). Shares are ratios of sums —
households covered ÷ households the requirement applies to — never averages of ratios, so a region's
figure is its estates' households, not its communities' average.

A community's **living-circle score** is the household-weighted share of (estate, requirement) pairs
met, over every requirement that applies to the estate: 100 when every household reaches every
facility its circles require, 0 when none does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from shequ.core.exports import safe_row
from shequ.core.scoping import scoped
from shequ.facilities.models import (
    CircleRequirement,
    CoverageEstate,
    CoverageRun,
    EstateAccess,
    Facility,
    FacilityCategory,
    RunStatus,
    WalkingNetwork,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.territory.models import Region
from shequ.territory.queries import Crumb, breadcrumbs, child_regions, grouped_by_child

PERM = FacilitiesPerm.VIEW
# The coverage search stops here (``actions.coverage.SEARCH_LIMIT_M``); farther is "more than 5 km".
SEARCH_LIMIT_KM = 5


def root_of(region: Region) -> Region:
    return Region.objects.defer("geometry").get(path=region.path.split("/", 1)[0] + "/")


def latest_run(region: Region) -> CoverageRun | None:
    """The newest finished run of the city ``region`` lies in."""
    root = root_of(region)
    return (
        CoverageRun.objects.filter(region=root, status=RunStatus.DONE)
        .select_related("network")
        .defer("network__data")
        .order_by("-finished_at", "-id")
        .first()
    )


# A run still "running" after this long lost its worker; the next request starts another.
STALE_AFTER = timedelta(minutes=30)


def pending_run(region: Region) -> CoverageRun | None:
    """A run of the city waiting or being computed (not one whose worker died)."""
    root = root_of(region)
    alive = Q(status=RunStatus.QUEUED) | Q(
        status=RunStatus.RUNNING, started_at__gte=timezone.now() - STALE_AFTER
    )
    return CoverageRun.objects.filter(alive, region=root).order_by("requested_at").first()


def last_failure(region: Region, after: CoverageRun | None) -> CoverageRun | None:
    found = CoverageRun.objects.filter(region=root_of(region), status=RunStatus.FAILED)
    if after is not None and after.finished_at is not None:
        found = found.filter(finished_at__gt=after.finished_at)
    return found.order_by("-finished_at").first()


def requirements() -> list[CircleRequirement]:
    return list(CircleRequirement.objects.select_related("circle"))


def requirement(circle_id: int, category: str) -> CircleRequirement:
    found = (
        CircleRequirement.objects.select_related("circle")
        .filter(circle_id=circle_id, category=category)
        .first()
    )
    if found is None:
        raise Http404
    return found


def place(user: Any, code: str | None) -> Region:
    """The region the page is about: ``code`` if the user may see it, else the user's widest place."""
    visible = scoped(Region.objects.defer("geometry"), user, PERM)
    if code:
        region = visible.filter(code=code).first()
        if region is None:
            raise Http404
        return region
    top = visible.order_by("depth", "path").first()
    if top is None:
        raise Http404
    return top


def _estates(user: Any, run: CoverageRun, region: Region) -> QuerySet[CoverageEstate]:
    return scoped(CoverageEstate.objects.filter(run=run), user, PERM).filter(
        community__path__under=region.path
    )


# --- Summaries -----------------------------------------------------------------------------------


@dataclass
class Share:
    households: int = 0
    covered_households: int = 0
    elderly: int = 0
    covered_elderly: int = 0
    estates: int = 0
    covered_estates: int = 0

    @property
    def household_share(self) -> float | None:
        return self.covered_households / self.households if self.households else None

    @property
    def elderly_share(self) -> float | None:
        return self.covered_elderly / self.elderly if self.elderly else None

    def add(self, other: Share) -> None:
        self.households += other.households
        self.covered_households += other.covered_households
        self.elderly += other.elderly
        self.covered_elderly += other.covered_elderly
        self.estates += other.estates
        self.covered_estates += other.covered_estates


@dataclass
class RegionCoverage:
    region: Region
    by_requirement: dict[tuple[int, str], Share] = field(default_factory=dict)
    overall: Share = field(default_factory=Share)

    @property
    def score(self) -> float | None:
        """The living-circle score (0–100), household-weighted over every applicable requirement."""
        share = self.overall.household_share
        return None if share is None else round(share * 100, 1)


def _share(row: dict[str, Any]) -> Share:
    return Share(
        households=row["households"] or 0,
        covered_households=row["covered_households"] or 0,
        elderly=row["elderly"] or 0,
        covered_elderly=row["covered_elderly"] or 0,
        estates=row["estates"],
        covered_estates=row["covered_estates"],
    )


SHARE_SUMS = {
    "households": Sum("estate__households"),
    "covered_households": Sum("estate__households", filter=Q(covered=True)),
    "elderly": Sum("estate__elderly"),
    "covered_elderly": Sum("estate__elderly", filter=Q(covered=True)),
    "estates": Count("id"),
    "covered_estates": Count("id", filter=Q(covered=True)),
}


def summary(
    user: Any, region: Region, run: CoverageRun
) -> tuple[RegionCoverage, list[RegionCoverage]]:
    """Coverage of ``region`` and of each of its children, per requirement and overall: one grouped
    query, by the child each estate's community lies in (a child's path is the first characters of
    its communities' paths; siblings' paths have one length, as their codes do)."""
    children = child_regions(user, region, PERM)
    total = RegionCoverage(region=region)
    per_child = {child.path: RegionCoverage(region=child) for child in children}
    found = EstateAccess.objects.filter(
        run=run, circle__isnull=False, estate__in=_estates(user, run, region)
    )
    for child_path, row in grouped_by_child(
        found, "estate__community__path", children, by=("circle_id", "category"), **SHARE_SUMS
    ):
        share = _share(row)
        key = (row["circle_id"], row["category"])
        targets = [total]
        if child_path is not None:
            targets.append(per_child[child_path])
        for target in targets:
            target.by_requirement.setdefault(key, Share()).add(share)
            target.overall.add(share)
    return total, list(per_child.values())


# --- Estates for the map and the table -----------------------------------------------------------


@dataclass(frozen=True)
class EstateRow:
    estate_id: int
    name: str
    community: str
    community_code: str
    lat: float | None
    lng: float | None
    households: int
    elderly: int
    distance_m: float | None
    covered: bool
    unreachable: bool
    facility: str
    facility_id: int | None
    community_path: str = ""


def estate_rows(
    user: Any, run: CoverageRun, region: Region, req: CircleRequirement, *, gaps_only: bool = False
) -> list[EstateRow]:
    """Every estate under ``region`` the requirement applies to, with its distance; one query."""
    found = EstateAccess.objects.filter(
        run=run,
        circle=req.circle,
        category=req.category,
        estate__in=_estates(user, run, region),
    )
    if gaps_only:
        found = found.filter(covered=False)
    values = found.order_by("-estate__households", "estate__estate__name").values_list(
        "estate__estate_id", "estate__estate__name", "estate__community__name",
        "estate__community__code",
        "estate__estate__centre_lat", "estate__estate__centre_lng", "estate__households",
        "estate__elderly", "distance_m", "covered", "unreachable", "facility__name", "facility_id",
        "facility__community__path", "estate__community__path",
    )  # fmt: skip
    sees = _sees(user)
    outside = gettext("辖区外的设施")
    return [
        EstateRow(
            *row[:11],
            facility=(row[11] or "") if row[12] is None or sees(row[13]) else outside,
            facility_id=row[12] if row[12] is None or sees(row[13]) else None,
            community_path=row[14],
        )
        for row in values
    ]


def _sees(user: Any) -> Any:
    """Whether ``user`` may see a facility at this community path: the nearest facility of an estate
    may lie across the border of the user's jurisdiction, and is then named only as such."""
    where = user.jurisdiction(PERM)
    return lambda path: where.covers_path(path) or path in where.grid_community_paths


def facilities_on_map(user: Any, region: Region, category: str) -> list[dict[str, Any]]:
    """Facilities of ``category`` in the user's jurisdiction under ``region``, for the map."""
    found = scoped(Facility.objects.all(), user, PERM).filter(
        community__path__under=region.path, category=category
    )
    return [
        {"id": pk, "name": name, "lat": lat, "lng": lng, "status": status}
        for pk, name, lat, lng, status in found.values_list("id", "name", "lat", "lng", "status")
    ]


def category_label(category: str) -> str:
    return str(FacilityCategory(category).label)


def networks(user: Any) -> QuerySet[WalkingNetwork]:
    return (
        scoped(WalkingNetwork.objects.all(), user, FacilitiesPerm.ANALYSE)
        .select_related("region", "imported_by")
        .defer("data", "region__geometry")
    )


def crumbs(user: Any, region: Region) -> list[Crumb]:
    return breadcrumbs(region, user)


def analysable_regions(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.defer("geometry"), user, FacilitiesPerm.ANALYSE)


# --- Excel ---------------------------------------------------------------------------------------


def export_workbook(user: Any, run: CoverageRun, region: Region) -> tuple[bytes, str]:
    """One row per estate under ``region``: its households and elderly residents, then for each
    requirement the distance and whether it is met, and for each category the nearest facility."""
    reqs = requirements()
    categories = list(FacilityCategory.values)
    estates = list(
        _estates(user, run, region)
        .order_by("community__path", "estate__name")
        .values_list("id", "estate__name", "community__name", "community__code", "households",
                     "elderly", "is_rural")
    )  # fmt: skip
    access: dict[int, dict[tuple[int | None, str], tuple[Any, ...]]] = {}
    sees = _sees(user)
    outside = gettext("辖区外的设施")
    for estate_id, circle_id, category, distance, covered, unreachable, facility, where in (
        EstateAccess.objects.filter(run=run, estate__in=_estates(user, run, region))
        .values_list("estate_id", "circle_id", "category", "distance_m", "covered", "unreachable",
                     "facility__name", "facility__community__path")
        .iterator(chunk_size=5000)
    ):  # fmt: skip
        shown = facility if facility is None or sees(where) else outside
        access.setdefault(estate_id, {})[(circle_id, category)] = (
            distance, covered, unreachable, shown,
        )  # fmt: skip
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("生活圈覆盖"))
    sheet.append(safe_row(_export_header(run, region)))
    header = [gettext("小区"), gettext("村(社区)"), gettext("区划代码"), gettext("户数"),
              gettext("60岁以上老人"), gettext("城乡")]  # fmt: skip
    for req in reqs:
        label = f"{req.circle.label}·{req.get_category_display()}"
        header += [
            gettext("%(r)s 距离（米）") % {"r": label},
            gettext("%(r)s 是否达标") % {"r": label},
        ]
    for category in categories:
        label = str(FacilityCategory(category).label)
        header += [
            gettext("最近的%(c)s（米）") % {"c": label},
            gettext("最近的%(c)s") % {"c": label},
        ]
    sheet.append(header)
    for estate_id, name, community, code, households, elderly, rural in estates:
        mine = access.get(estate_id, {})
        row: list[Any] = [name, community, code, households, elderly,
                          gettext("农村") if rural else gettext("城镇")]  # fmt: skip
        for req in reqs:
            found = mine.get((req.circle_id, req.category))
            row += _export_cells(found, met=True) if found else [gettext("不适用"), ""]
        for category in categories:
            found = mine.get((None, category))
            row += _export_cells(found, met=False) if found else ["", ""]
        sheet.append(safe_row(row))
    out = io.BytesIO()
    workbook.save(out)
    stamp = timezone.localtime(run.finished_at or timezone.now()).strftime("%Y%m%d")
    return out.getvalue(), f"coverage-{region.code}-{stamp}.xlsx"


def _export_header(run: CoverageRun, region: Region) -> list[str]:
    finished = (
        timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M") if run.finished_at else ""
    )
    return [
        gettext("%(region)s 生活圈覆盖，计算于 %(when)s；距离口径：%(method)s")
        % {"region": region.name, "when": finished, "method": run.get_method_display()}
    ]


def _export_cells(found: tuple[Any, ...], *, met: bool) -> list[Any]:
    distance, covered, unreachable, facility = found
    if unreachable:
        shown: Any = gettext("路网不连通")
    elif distance is None:
        shown = gettext("超过 %(km)d 公里") % {"km": SEARCH_LIMIT_KM}
    else:
        shown = round(distance)
    if met:
        return [shown, gettext("是") if covered else gettext("否")]
    return [shown, facility or ""]


def failures_for(user: Any) -> int:
    """Cities of the user's places whose newest run failed after their newest finished one (0 or 1
    for anyone below the city)."""
    roots = {
        path.split("/", 1)[0] + "/"
        for path in user.jurisdiction(FacilitiesPerm.ANALYSE).region_paths
    }
    failed = 0
    for root in Region.objects.filter(path__in=roots).defer("geometry"):
        if last_failure(root, latest_run(root)) is not None:
            failed += 1
    return failed
