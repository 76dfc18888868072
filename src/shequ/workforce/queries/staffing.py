"""The staffing table (配备情况): for a place and a date, per child region and in total, the serving
workers, workers per 10,000 urban permanent residents (county and city only), certified social
workers, grids without a full-time grid worker, communities practising the generalist model and
communities without a disaster information officer.

Every figure comes from aggregate queries grouped by the child a row's path lies under (siblings'
paths have one length, as their codes do: ``Substr(path, 1, len(child.path))``), so the table costs
the same handful of queries for a township of 10 communities as for a city of 2,500.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from shequ.core.exports import safe_row
from shequ.territory.models import Grid, Level, Region
from shequ.territory.queries import child_regions, grouped_by_child, region_in_scope
from shequ.workforce.models import (
    CommunityWorker,
    PostKind,
    SocialWorkQualification,
    UrbanPopulation,
    WorkerPost,
)
from shequ.workforce.models.people import SERVING_STATUSES
from shequ.workforce.permissions import WorkforcePerm

PERM = WorkforcePerm.VIEW
# 每万城镇常住人口拥有社区工作者 ≥ 18 (the plan's staffing standard).
WORKERS_PER_10K_STANDARD = Decimal(18)
PER_10K_LEVELS = (Level.COUNTY, Level.CITY)


@dataclass
class StaffingRow:
    region: Region
    workers: int = 0
    certified: int = 0
    grids: int = 0
    grids_without_worker: int = 0
    communities: int = 0
    generalist_communities: int = 0
    communities_without_officer: int = 0
    per_10k: Decimal | None = None
    per_10k_applies: bool = False  # meaningful at county and city only
    population_missing: str = ""  # what is missing when the figure cannot be computed

    @property
    def certified_share(self) -> Decimal | None:
        if not self.workers:
            return None
        return (Decimal(self.certified) * 100 / self.workers).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def below_standard(self) -> bool:
        return self.per_10k is not None and self.per_10k < WORKERS_PER_10K_STANDARD


@dataclass
class StaffingTable:
    region: Region
    on: date
    total: StaffingRow
    rows: list[StaffingRow] = field(default_factory=list)
    workers: list[CommunityWorker] = field(default_factory=list)  # at a community: who serves there
    grids_lacking: list[Grid] = field(default_factory=list)  # at a community: grids without one


def default_region(user: Any) -> Region:
    """The user's top place for workforce.view (the shortest path they hold)."""
    where = user.jurisdiction(PERM)
    tops = sorted([*where.region_paths, *where.grid_community_paths], key=len)
    if not tops:
        raise Http404
    return Region.objects.defer("geometry").get(path=tops[0])


def chosen_region(user: Any, code: str) -> Region:
    return region_in_scope(user, code, PERM) if code else default_region(user)


def _open_on(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


def serving_posts(on: date) -> QuerySet[WorkerPost]:
    """Posts open on ``on`` held by a worker serving then (a status changed after ``on`` does not
    take them out of that day's count)."""
    return WorkerPost.objects.filter(_open_on(on)).filter(
        Q(worker__status__in=SERVING_STATUSES) | Q(worker__status_since__gt=on)
    )


def _by_child(
    queryset: QuerySet[Any], path_field: str, children: list[Region], aggregates: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    rows = grouped_by_child(queryset, path_field, children, **aggregates)
    return {path: row for path, row in rows if path is not None}


def staffing(user: Any, region: Region, on: date) -> StaffingTable:
    """The staffing table of ``region`` (which ``user`` may see) on ``on``."""
    children = child_regions(user, region, PERM)
    total = StaffingRow(region=region)
    rows = {child.path: StaffingRow(region=child) for child in children}

    # Conditions go straight into the aggregates (not through annotations: PostgreSQL cannot filter
    # an aggregate over the subquery Django wraps annotated rows in).
    post_filtered = serving_posts(on).filter(community__path__under=region.path)
    certified = Exists(
        SocialWorkQualification.objects.filter(worker=OuterRef("worker"), obtained_on__lte=on)
    )
    post_counts = {
        "workers": Count("worker", distinct=True),
        "certified": Count("worker", distinct=True, filter=Q(certified)),
    }
    staffed = Exists(serving_posts(on).filter(kind=PostKind.GRID_WORKER, grid=OuterRef("pk")))
    grids = Grid.objects.filter(path__under=region.path, is_micro=False)
    grid_counts = {"grids": Count("id"), "without": Count("id", filter=~Q(staffed))}

    def community_post(kind: str) -> Exists:
        return Exists(serving_posts(on).filter(kind=kind, community=OuterRef("pk")))

    communities = Region.objects.filter(path__under=region.path, level=Level.COMMUNITY)
    community_counts = {
        "communities": Count("id"),
        "generalist": Count("id", filter=Q(community_post(PostKind.GENERALIST))),
        "without_officer": Count("id", filter=~Q(community_post(PostKind.DISASTER_INFORMANT))),
    }

    def fill(target: StaffingRow, posts_row: dict, grids_row: dict, comm_row: dict) -> None:
        target.workers += posts_row.get("workers") or 0
        target.certified += posts_row.get("certified") or 0
        target.grids += grids_row.get("grids") or 0
        target.grids_without_worker += grids_row.get("without") or 0
        target.communities += comm_row.get("communities") or 0
        target.generalist_communities += comm_row.get("generalist") or 0
        target.communities_without_officer += comm_row.get("without_officer") or 0

    # The total: distinct workers over the whole place (one worker may hold posts in two children).
    fill(
        total,
        post_filtered.aggregate(**post_counts),
        grids.aggregate(**grid_counts),
        communities.aggregate(**community_counts),
    )
    if children:
        by_posts = _by_child(post_filtered, "community__path", children, post_counts)
        by_grids = _by_child(grids, "path", children, grid_counts)
        by_comms = _by_child(communities, "path", children, community_counts)
        for path, row in rows.items():
            fill(row, by_posts.get(path, {}), by_grids.get(path, {}), by_comms.get(path, {}))
    _per_10k([total, *rows.values()], on.year)
    table = StaffingTable(region=region, on=on, total=total, rows=list(rows.values()))
    if region.level == Level.COMMUNITY:
        table.workers = community_workers(region, on)
        table.grids_lacking = list(grids.filter(~Q(staffed)).defer("geometry").order_by("code"))
    return table


def _per_10k(rows: list[StaffingRow], year: int) -> None:
    """Workers per 10,000 urban permanent residents of ``year``, for the county and city rows."""
    wanted = [row for row in rows if row.region.level in PER_10K_LEVELS]
    for row in wanted:
        row.per_10k_applies = True
    if not wanted:
        return
    populations = dict(
        UrbanPopulation.objects.filter(
            region_id__in=[row.region.pk for row in wanted], year=year
        ).values_list("region_id", "population")
    )
    for row in wanted:
        population = populations.get(row.region.pk)
        if not population:
            row.population_missing = _("缺少%(region)s %(year)s 年城镇常住人口") % {
                "region": row.region.name,
                "year": year,
            }
            continue
        row.per_10k = (Decimal(row.workers) * 10000 / population).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def community_workers(community: Region, on: date) -> list[CommunityWorker]:
    """The workers serving in ``community`` on ``on``, with their posts there."""
    there = serving_posts(on).filter(community=community)
    return list(
        CommunityWorker.objects.filter(pk__in=there.values("worker"))
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=there.select_related("grid").defer("grid__geometry").order_by("kind"),
                to_attr="posts_here",
            )
        )
        .annotate(certified=Exists(SocialWorkQualification.objects.filter(worker=OuterRef("pk"))))
        .only("pk", "name", "status", "region_id")
        .order_by("name", "pk")
    )


def export_staffing(table: StaffingTable) -> bytes:
    """The table as an .xlsx workbook (no personal data: counts per place)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("配备情况")
    bold = Font(bold=True)
    sheet.append(
        [
            _("%(region)s 社区工作者配备情况（%(on)s）")
            % {"region": table.region.name, "on": table.on.isoformat()}
        ]
    )
    sheet["A1"].font = bold
    header = [
        _("地区"),
        _("在岗社区工作者"),
        _("每万城镇常住人口社区工作者数"),
        _("持证社工"),
        _("持证社工占比（%）"),
        _("网格数"),
        _("无专职网格员的网格"),
        _("村(社区)数"),
        _("推行全科社工模式的村(社区)"),
        _("无灾害信息员的村(社区)"),
    ]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = bold
    for row in [*table.rows, table.total]:
        name = (
            row.region.name
            if row is not table.total
            else _("合计（%(region)s）") % {"region": row.region.name}
        )
        if not row.per_10k_applies:
            per_10k: Any = ""
        elif row.per_10k is None:
            per_10k = row.population_missing
        else:
            per_10k = float(row.per_10k)
        share = row.certified_share
        sheet.append(
            safe_row(
                [
                    name,
                    row.workers,
                    per_10k,
                    row.certified,
                    float(share) if share is not None else "",
                    row.grids,
                    row.grids_without_worker,
                    row.communities,
                    row.generalist_communities,
                    row.communities_without_officer,
                ]
            )
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
