"""Scoped reads of the community workforce (W1): the worker list with its filters (place, post, status,
name, pay below the local average wage), a worker with their posts, status history and pay, the
places a user may register workers and posts in, the figures (urban population, average wage), and
the Excel export (masked, audited).

A list costs the same queries whatever its length: the region is joined in, the open posts come in
one prefetch, and the "pay below average" filter is one condition per county with a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.exports import check_export_size, stamped_sheet
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory import queries as territory
from shequ.territory.models import Grid, Level, Region
from shequ.workforce.models import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    PostKind,
    UrbanPopulation,
    WorkerPost,
    WorkerStatus,
    WorkerStatusChange,
)
from shequ.workforce.permissions import WorkforcePerm

PERM = WorkforcePerm.VIEW
FILTER_LEVELS_BELOW = 2
MAX_EXPORT_ROWS = 100_000
# Region codes are six digits down to the county (GB/T 2260): the city's path is "320300/", a
# county's "320300/320302/".
CITY_PATH_LENGTH = 7
COUNTY_PATH_LENGTH = 14


def county_path(path: str) -> str:
    return path[:COUNTY_PATH_LENGTH] if path.count("/") >= 2 else ""


def city_path(path: str) -> str:
    return path[:CITY_PATH_LENGTH]


# --- Workers ---------------------------------------------------------------------------------------


def visible_workers(user: Any, perm: str = PERM) -> QuerySet[CommunityWorker]:
    return scoped(CommunityWorker.objects.all(), user, perm)


@dataclass(frozen=True)
class WorkerFilters:
    q: str = ""  # words of the name
    region_path: str = ""  # a place's subtree (where the worker is employed)
    post_kind: str = ""  # holds an open post of this kind
    status: str = ""
    pay_below_average_year: int | None = None  # pay of that year below the previous year's average


def open_posts_prefetch() -> Prefetch:
    return Prefetch(
        "posts",
        queryset=WorkerPost.objects.filter(ended_on__isnull=True)
        .select_related("community", "grid")
        .defer("community__geometry", "grid__geometry")
        .order_by("kind", "pk"),
        to_attr="open_posts",
    )


def _rows(workers: QuerySet[CommunityWorker]) -> QuerySet[CommunityWorker]:
    return (
        workers.select_related("region", "region__parent")
        .defer("region__geometry", "region__parent__geometry", "note")
        .prefetch_related(open_posts_prefetch())
    )


def wages_of_year(year: int) -> dict[str, Decimal]:
    """Average wages of ``year`` by the path of their county or city."""
    return {
        path: amount
        for path, amount in AverageWage.objects.filter(year=year).values_list(
            "region__path", "amount"
        )
    }


def average_wage_for(
    path: str, year: int, wages: dict[str, Decimal] | None = None
) -> Decimal | None:
    """The average wage of ``year`` that applies at ``path``: its county's, else its city's."""
    wages = wages_of_year(year) if wages is None else wages
    county = county_path(path)
    if county and county in wages:
        return wages[county]
    return wages.get(city_path(path))


def pay_below_average_q(year: int) -> Q:
    """Workers whose pay of ``year`` is below the average wage of ``year`` − 1 of their county (or,
    where the county has none, of the city). Workers without pay or without a figure do not match."""
    wages = wages_of_year(year - 1)
    counties = {path: amount for path, amount in wages.items() if len(path) == COUNTY_PATH_LENGTH}
    cities = {path: amount for path, amount in wages.items() if len(path) == CITY_PATH_LENGTH}

    def below(amount: Decimal) -> Q:
        return Q(
            Exists(AnnualPay.objects.filter(worker=OuterRef("pk"), year=year, amount__lt=amount))
        )

    condition = Q(pk__in=[])
    for path, amount in counties.items():
        condition |= Q(region__path__under=path) & below(amount)
    for path, amount in cities.items():
        elsewhere = Q(region__path__under=path)
        for county in counties:
            if county.startswith(path):
                elsewhere &= ~Q(region__path__under=county)
        condition |= elsewhere & below(amount)
    return condition


def search_workers(
    user: Any, filters: WorkerFilters = WorkerFilters()
) -> QuerySet[CommunityWorker]:
    """The workers ``user`` may see that match ``filters``."""
    found = visible_workers(user)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.post_kind:
        found = found.filter(
            Exists(
                WorkerPost.objects.filter(
                    worker=OuterRef("pk"), kind=filters.post_kind, ended_on__isnull=True
                )
            )
        )
    if filters.pay_below_average_year:
        found = found.filter(pay_below_average_q(filters.pay_below_average_year))
    q = filters.q.strip()
    if q:
        found = found.filter(name__icontains=q)
    return _rows(found).order_by("region__path", "name", "id")


def worker_detail(user: Any, worker_id: int, perm: str = PERM) -> CommunityWorker:
    """One worker with where they are employed; 404 outside ``user``'s jurisdiction for ``perm``."""
    return get_scoped_or_404(
        CommunityWorker.objects.select_related("region", "region__parent").defer(
            "region__geometry", "region__parent__geometry"
        ),
        user,
        perm,
        pk=worker_id,
    )


def editable_worker(user: Any, worker_id: int, perm: str = WorkforcePerm.EDIT) -> CommunityWorker:
    """A worker ``user`` may change (for ``perm``); one they may only see answers 404."""
    return worker_detail(user, worker_id, perm)


def worker_posts(worker: CommunityWorker) -> QuerySet[WorkerPost]:
    return (
        worker.posts.select_related("community", "grid")
        .defer("community__geometry", "grid__geometry")
        .order_by("ended_on", "-started_on", "pk")
    )


def post_of(user: Any, worker_id: int, post_id: int, perm: str = WorkforcePerm.EDIT) -> WorkerPost:
    """A post of a worker ``user`` may change; 404 otherwise (also for a post of another worker)."""
    post = (
        WorkerPost.objects.filter(
            pk=post_id,
            worker_id=worker_id,
            worker__in=visible_workers(user, perm).values("pk"),
        )
        .select_related("worker", "worker__region", "community", "grid")
        .defer("community__geometry", "grid__geometry", "worker__region__geometry")
        .first()
    )
    if post is None:
        raise Http404
    return post


def status_history(worker: CommunityWorker) -> QuerySet[WorkerStatusChange]:
    return worker.status_changes.select_related("recorded_by").order_by("-effective_on", "-pk")


@dataclass
class PayRow:
    year: int
    amount: Decimal
    average: Decimal | None  # the average wage of year − 1 that applies
    entered_at: Any
    entered_by: str

    @property
    def below_average(self) -> bool:
        return self.average is not None and self.amount < self.average


def pay_rows(worker: CommunityWorker) -> list[PayRow]:
    """The worker's pay by year, each beside the local average wage of the previous year."""
    pays = list(worker.pay.select_related("entered_by").order_by("-year"))
    if not pays:
        return []
    paths = [p for p in (county_path(worker.region.path), city_path(worker.region.path)) if p]
    wages: dict[tuple[int, str], Decimal] = {
        (year, path): amount
        for year, path, amount in AverageWage.objects.filter(
            year__in=[p.year - 1 for p in pays], region__path__in=paths
        ).values_list("year", "region__path", "amount")
    }
    rows = []
    for pay in pays:
        average = next(
            (wages[(pay.year - 1, p)] for p in paths if (pay.year - 1, p) in wages), None
        )
        rows.append(
            PayRow(
                year=pay.year,
                amount=pay.amount,
                average=average,
                entered_at=pay.entered_at,
                entered_by=pay.entered_by.full_name if pay.entered_by else "",
            )
        )
    return rows


def masked(worker: CommunityWorker) -> dict[str, str]:
    return {
        "id_number": mask_id_number(worker.id_number) if worker.id_number else "",
        "phone": mask_phone(worker.phone) if worker.phone else "",
    }


# --- Places ----------------------------------------------------------------------------------------


def filter_regions(user: Any, perm: str = PERM) -> QuerySet[Region]:
    """Places in the user's jurisdiction the list may be narrowed to: their own places and two
    levels below."""
    return territory.narrowing_regions(user, perm, FILTER_LEVELS_BELOW)


def region_in_scope(user: Any, code: str, perm: str = PERM) -> Region:
    """The region with ``code`` inside ``user``'s jurisdiction for ``perm``; 404 otherwise."""
    return territory.region_in_scope(user, code, perm)


def employing_regions(user: Any) -> QuerySet[Region]:
    """Communities and townships where ``user`` may register workers."""
    return (
        scoped(
            Region.objects.filter(level__in=(Level.COMMUNITY, Level.TOWNSHIP)),
            user,
            WorkforcePerm.EDIT,
        )
        .defer("geometry")
        .order_by("path")
    )


def post_communities(user: Any, worker: CommunityWorker) -> QuerySet[Region]:
    """Communities where ``worker`` may get a post from ``user``: their own, or their township's."""
    return (
        scoped(
            Region.objects.filter(level=Level.COMMUNITY, path__under=worker.region.path),
            user,
            WorkforcePerm.EDIT,
        )
        .defer("geometry")
        .order_by("path")
    )


def post_grids(user: Any, worker: CommunityWorker) -> QuerySet[Grid]:
    """The (non-micro) grids of the communities ``post_communities`` offers."""
    return (
        Grid.objects.filter(
            community__in=post_communities(user, worker).values("pk"), is_micro=False
        )
        .select_related("community")
        .defer("geometry", "community__geometry")
        .order_by("path")
    )


# --- Figures ---------------------------------------------------------------------------------------


def figure_regions(user: Any, perm: str = PERM) -> QuerySet[Region]:
    """The counties and the city in ``user``'s jurisdiction (or above it: a county official sees the
    city's figures too)."""
    where = user.jurisdiction(perm)
    tops = [*where.region_paths, *where.grid_community_paths]
    if not tops:
        return Region.objects.none()
    paths: set[str] = set()
    for top in tops:
        paths.add(city_path(top))
        if county_path(top):
            paths.add(county_path(top))
    inside = scoped(Region.objects.filter(level__in=(Level.COUNTY, Level.CITY)), user, perm)
    return (
        Region.objects.filter(Q(path__in=paths) | Q(pk__in=inside.values("pk")))
        .filter(level__in=(Level.COUNTY, Level.CITY))
        .defer("geometry")
        .order_by("path")
    )


def configurable_regions(user: Any) -> QuerySet[Region]:
    """Counties and the city where ``user`` may enter figures."""
    return (
        scoped(
            Region.objects.filter(level__in=(Level.COUNTY, Level.CITY)),
            user,
            WorkforcePerm.CONFIGURE,
        )
        .defer("geometry")
        .order_by("path")
    )


@dataclass
class FigureRow:
    region: Region
    year: int
    population: UrbanPopulation | None = None
    wage: AverageWage | None = None


def figure_rows(user: Any, years: Iterable[int]) -> list[FigureRow]:
    """For each county and city the user sees and each year, the two figures (or None)."""
    regions = list(figure_regions(user))
    years = sorted(set(years), reverse=True)
    ids = [r.pk for r in regions]
    populations = {
        (p.region_id, p.year): p
        for p in UrbanPopulation.objects.filter(region_id__in=ids, year__in=years).select_related(
            "entered_by"
        )
    }
    wages = {
        (w.region_id, w.year): w
        for w in AverageWage.objects.filter(region_id__in=ids, year__in=years).select_related(
            "entered_by"
        )
    }
    return [
        FigureRow(
            region=region,
            year=year,
            population=populations.get((region.pk, year)),
            wage=wages.get((region.pk, year)),
        )
        for year in years
        for region in regions
    ]


def figure_of(user: Any, region_code: str, year: int) -> FigureRow:
    region = figure_regions(user).filter(code=region_code).first()
    if region is None:
        raise Http404
    return FigureRow(
        region=region,
        year=year,
        population=UrbanPopulation.objects.filter(region=region, year=year).first(),
        wage=AverageWage.objects.filter(region=region, year=year).first(),
    )


# --- Export ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int
    extra: dict[str, Any] = field(default_factory=dict)


def _export_header() -> list[str]:
    return [
        _("姓名"),
        _("所属单位"),
        _("上级"),
        _("性别"),
        _("出生日期"),
        _("身份证号（已遮蔽）"),
        _("手机号（已遮蔽）"),
        _("学历"),
        _("政治面貌"),
        _("录用方式"),
        _("入职日期"),
        _("状态"),
        _("现任岗位"),
    ]


def export_workers(*, user: Any, filters: WorkerFilters) -> ExportFile:
    """The workers of the list as filtered, as an .xlsx workbook with ID numbers and phones masked,
    stamped with who made it and when, and audited."""
    found = search_workers(user, filters)
    check_export_size(
        found.count(),
        MAX_EXPORT_ROWS,
        _("符合条件的工作者有 %(n)s 人，超过单次导出上限 %(max)s 人，请缩小范围后再导出。"),
    )
    out = stamped_sheet(user, _("社区工作者名册"), _export_header())
    labels = labels_of()
    rows = 0
    # Chunks of 2,000 with their open posts (prefetch works per chunk with iterator()).
    for worker in found.iterator(chunk_size=2000):
        shown = masked(worker)
        out.append(
            [
                worker.name,
                worker.region.name,
                worker.region.parent.name if worker.region.parent else "",
                labels["sex"].get(worker.sex, ""),
                worker.birth_date.isoformat() if worker.birth_date else "",
                shown["id_number"],
                shown["phone"],
                labels["education"].get(worker.education, ""),
                labels["political_status"].get(worker.political_status, ""),
                labels["hiring_method"].get(worker.hiring_method, ""),
                worker.hired_on.isoformat() if worker.hired_on else "",
                labels["status"].get(worker.status, worker.status),
                "、".join(post_label(post, labels) for post in worker.open_posts),  # type: ignore[attr-defined]
            ]
        )
        rows += 1
    with transaction.atomic():
        audit.record(
            "workforce.export",
            actor=user,
            object_type="workforce.CommunityWorker",
            object_repr=ngettext("社区工作者名册 %(n)s 人", "社区工作者名册 %(n)s 人", rows)
            % {"n": rows},
        )
    return ExportFile(
        filename=f"workers-{out.now:%Y%m%d-%H%M%S}.xlsx", content=out.content(), rows=rows
    )


def labels_of() -> dict[str, dict[str, str]]:
    """Choice labels, each translated once, for rows rendered in bulk."""
    from shequ.workforce.models import Education, HiringMethod, PoliticalStatus

    return {
        "sex": {"male": _("男"), "female": _("女")},
        "education": {v: str(label) for v, label in Education.choices},
        "political_status": {v: str(label) for v, label in PoliticalStatus.choices},
        "hiring_method": {v: str(label) for v, label in HiringMethod.choices},
        "status": {v: str(label) for v, label in WorkerStatus.choices},
        "kind": {v: str(label) for v, label in PostKind.choices},
    }


def post_label(post: WorkerPost, labels: dict[str, dict[str, str]]) -> str:
    text = labels["kind"].get(post.kind, post.kind)
    if post.grid_id and post.grid is not None:
        return f"{text}（{post.grid.name}）"
    return f"{text}（{post.community.name}）"
