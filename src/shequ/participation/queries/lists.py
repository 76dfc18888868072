"""Reads of the three lists and micro-renewal: scoped staff lists with filters, the overview per
community (and per child region for a township or county, set-based), a resident's view of their
own community's lists, and the published micro-renewal projects with their funding and spending."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.http import Http404

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.models.deliberation import Topic
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    LivelihoodProject,
    MicroRenewal,
    NeedItem,
    NeedMatch,
    NeedStatus,
    ResourceItem,
    Spending,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
MONEY: Any = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


def manageable_communities(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.LISTS).order_by("path")


def visible_communities(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.VIEW).order_by("path")


# --- Staff lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    community_path: str = ""
    category: str = ""
    kind: str = ""
    status: str = ""
    q: str = ""


def needs(user: Any, filters: ListFilters | None = None) -> QuerySet[NeedItem]:
    f = filters or ListFilters()
    found = scoped(NeedItem.objects.all(), user, Perm.VIEW)
    if f.community_path:
        found = found.filter(community__path__startswith=f.community_path)
    if f.category:
        found = found.filter(category=f.category)
    if f.status:
        found = found.filter(status=f.status)
    if f.q:
        found = found.filter(Q(title__icontains=f.q) | Q(description__icontains=f.q))
    return (
        found.select_related("community")
        .annotate(match_count=Count("matches"))
        .order_by("-created_at", "-pk")
    )


def need_detail(user: Any, need_id: int, perm: str = Perm.VIEW) -> NeedItem:
    return get_scoped_or_404(NeedItem.objects.select_related("community"), user, perm, pk=need_id)


def need_matches(need: NeedItem) -> QuerySet[NeedMatch]:
    return need.matches.select_related("resource", "project", "by").order_by("at", "pk")


def resources(user: Any, filters: ListFilters | None = None) -> QuerySet[ResourceItem]:
    f = filters or ListFilters()
    found = scoped(ResourceItem.objects.all(), user, Perm.VIEW)
    if f.community_path:
        found = found.filter(community__path__startswith=f.community_path)
    if f.kind:
        found = found.filter(kind=f.kind)
    if f.status in ("1", "0"):
        found = found.filter(is_available=f.status == "1")
    if f.q:
        found = found.filter(Q(title__icontains=f.q) | Q(provider__icontains=f.q))
    return found.select_related("community")


def resource_detail(user: Any, resource_id: int, perm: str = Perm.VIEW) -> ResourceItem:
    return get_scoped_or_404(
        ResourceItem.objects.select_related("community"), user, perm, pk=resource_id
    )


def projects(user: Any, filters: ListFilters | None = None) -> QuerySet[LivelihoodProject]:
    f = filters or ListFilters()
    found = scoped(LivelihoodProject.objects.all(), user, Perm.VIEW)
    if f.community_path:
        found = found.filter(community__path__startswith=f.community_path)
    if f.status:
        found = found.filter(status=f.status)
    if f.q:
        found = found.filter(Q(title__icontains=f.q) | Q(responsible_party__icontains=f.q))
    return found.select_related("community", "topic")


def project_detail(user: Any, project_id: int, perm: str = Perm.VIEW) -> LivelihoodProject:
    return get_scoped_or_404(
        LivelihoodProject.objects.select_related("community", "topic"), user, perm, pk=project_id
    )


def match_targets(
    need: NeedItem,
) -> tuple[QuerySet[ResourceItem], QuerySet[LivelihoodProject]]:
    """What a need may be matched to: its community's available resources and its projects."""
    return (
        ResourceItem.objects.filter(community_id=need.community_id, is_available=True),
        LivelihoodProject.objects.filter(community_id=need.community_id).order_by("title", "pk"),
    )


def community_topics(user: Any) -> QuerySet[Topic]:
    """Topics a project or renewal may come from (the action checks the community)."""
    return scoped(Topic.objects.all(), user, Perm.LISTS).select_related("community").order_by("-pk")


# --- Overview ------------------------------------------------------------------------------------


@dataclass
class Figures:
    region: Region
    needs: int = 0
    matched: int = 0
    met: int = 0
    closed: int = 0
    resources: int = 0
    projects: int = 0
    renewals: int = 0

    @property
    def open(self) -> int:
        return self.needs - self.matched - self.met - self.closed

    @property
    def matched_or_met_share(self) -> float | None:
        return (self.matched + self.met) / self.needs if self.needs else None

    @property
    def share_text(self) -> str:
        return _percent(self.matched_or_met_share)


def _grouped(
    queryset: QuerySet[Any], regions: list[Region], extra: str = ""
) -> dict[tuple[str, str], int]:
    """Counts of ``queryset`` per region of ``regions`` (by path prefix) and ``extra`` field."""
    out: dict[tuple[str, str], int] = {}
    for length in sorted({len(r.path) for r in regions}):
        paths = [r.path for r in regions if len(r.path) == length]
        rows = (
            queryset.annotate(region_path=Substr("community__path", 1, length))
            .filter(region_path__in=paths)
            .values("region_path", *([extra] if extra else []))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            key = (row["region_path"], str(row[extra]) if extra else "")
            out[key] = out.get(key, 0) + row["n"]
    return out


def figures(user: Any, regions: Iterable[Region]) -> list[Figures]:
    """Counts per list for each region of ``regions`` (inside the user's view): four grouped
    queries whatever the number of regions."""
    rows = list(regions)
    need_rows = _grouped(scoped(NeedItem.objects.all(), user, Perm.VIEW), rows, "status")
    resource_rows = _grouped(scoped(ResourceItem.objects.all(), user, Perm.VIEW), rows)
    project_rows = _grouped(scoped(LivelihoodProject.objects.all(), user, Perm.VIEW), rows)
    renewal_rows = _grouped(scoped(MicroRenewal.objects.all(), user, Perm.VIEW), rows)
    out = []
    for region in rows:
        p = region.path
        by_status = {s: need_rows.get((p, s), 0) for s in NeedStatus.values}
        out.append(
            Figures(
                region=region,
                needs=sum(by_status.values()),
                matched=by_status[NeedStatus.MATCHED],
                met=by_status[NeedStatus.MET],
                closed=by_status[NeedStatus.CLOSED],
                resources=resource_rows.get((p, ""), 0),
                projects=project_rows.get((p, ""), 0),
                renewals=renewal_rows.get((p, ""), 0),
            )
        )
    return out


def overview_region(user: Any, code: str) -> Region:
    """The region the overview is about: ``code`` if the user may see it, else the top of the
    user's view (404 when none)."""
    visible = scoped(Region.objects.all(), user, Perm.VIEW)
    if code:
        region = visible.filter(code=code).first()
    else:
        region = visible.order_by("depth", "path").first()
    if region is None:
        raise Http404
    return region


def child_regions(region: Region) -> list[Region]:
    if region.level == Level.COMMUNITY:
        return []
    return list(Region.objects.filter(parent=region).order_by("path"))


def unmatched_needs(user: Any, region: Region, limit: int = 20) -> QuerySet[NeedItem]:
    """Open needs under ``region``, oldest first."""
    return (
        scoped(NeedItem.objects.filter(status=NeedStatus.OPEN), user, Perm.VIEW)
        .filter(community__path__startswith=region.path)
        .select_related("community")
        .order_by("created_at", "pk")[:limit]
    )


# --- Micro-renewal -------------------------------------------------------------------------------


def _sum(model: Any, **where: Any) -> Coalesce:
    found = (
        model.objects.filter(project=OuterRef("pk"), **where)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(found, output_field=MONEY), Value(ZERO, output_field=MONEY))


def with_money(found: QuerySet[MicroRenewal]) -> QuerySet[MicroRenewal]:
    """Each project with ``received``, ``residents_received`` and ``spent`` in the same statement."""
    return found.annotate(
        received=_sum(Contribution),
        residents_received=_sum(Contribution, source=FundSource.RESIDENTS),
        spent=_sum(Spending),
    )


def renewals(user: Any, filters: ListFilters | None = None) -> QuerySet[MicroRenewal]:
    f = filters or ListFilters()
    found = scoped(MicroRenewal.objects.all(), user, Perm.VIEW)
    if f.community_path:
        found = found.filter(community__path__startswith=f.community_path)
    if f.status:
        found = found.filter(status=f.status)
    if f.q:
        found = found.filter(title__icontains=f.q)
    return with_money(found.select_related("community"))


def renewal_detail(user: Any, renewal_id: int, perm: str = Perm.VIEW) -> MicroRenewal:
    return get_scoped_or_404(
        with_money(MicroRenewal.objects.select_related("community", "topic")),
        user,
        perm,
        pk=renewal_id,
    )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


@dataclass
class SourceLine:
    source: str
    label: str
    amount: Decimal
    households: int
    count: int


@dataclass
class Funding:
    renewal: MicroRenewal
    sources: list[SourceLine] = field(default_factory=list)
    received: Decimal = ZERO
    residents: Decimal = ZERO
    spent: Decimal = ZERO
    spendings: list[Spending] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.received - self.spent

    @property
    def residents_share_of_received(self) -> float | None:
        return float(self.residents / self.received) if self.received else None

    @property
    def residents_share_of_budget(self) -> float | None:
        budget = self.renewal.budget
        return float(self.residents / budget) if budget else None

    @property
    def received_share_text(self) -> str:
        return _percent(self.residents_share_of_received)

    @property
    def budget_share_text(self) -> str:
        return _percent(self.residents_share_of_budget)

    @property
    def residents_households(self) -> int:
        return next(s.households for s in self.sources if s.source == FundSource.RESIDENTS)

    @property
    def still_needed(self) -> Decimal:
        return max(self.renewal.budget - self.received, ZERO)


def funding(items: Iterable[MicroRenewal]) -> list[Funding]:
    """Funds by source (aggregated: no resident's name) and spending lines for each project: two
    queries whatever the number of projects."""
    rows = list(items)
    ids = [r.pk for r in rows]
    by_project: dict[int, Funding] = {r.pk: Funding(renewal=r) for r in rows}
    grouped = (
        Contribution.objects.filter(project_id__in=ids)
        .values("project_id", "source")
        .annotate(total=Sum("amount"), homes=Sum("households"), n=Count("pk"))
        .order_by()
    )
    table: dict[tuple[int, str], dict[str, Any]] = {
        (g["project_id"], g["source"]): g for g in grouped
    }
    for spending in Spending.objects.filter(project_id__in=ids).order_by("spent_on", "pk"):
        by_project[spending.project_id].spendings.append(spending)
    for pk, made in by_project.items():
        for source, label in FundSource.choices:
            g = table.get((pk, source))
            amount = Decimal(g["total"]) if g else ZERO
            made.sources.append(
                SourceLine(
                    source=source,
                    label=str(label),
                    amount=amount,
                    households=int(g["homes"] or 0) if g else 0,
                    count=int(g["n"]) if g else 0,
                )
            )
        made.received = sum((s.amount for s in made.sources), ZERO)
        made.residents = next(s.amount for s in made.sources if s.source == FundSource.RESIDENTS)
        made.spent = sum((s.amount for s in made.spendings), ZERO)
    return [by_project[r.pk] for r in rows]


def contributions(renewal: MicroRenewal) -> QuerySet[Contribution]:
    """Every contribution with its contributor (staff pages only)."""
    return renewal.contributions.select_related("recorded_by").order_by("received_on", "pk")


# --- Residents and the public ---------------------------------------------------------------------


def community_needs(community: Region) -> QuerySet[NeedItem]:
    return NeedItem.objects.filter(community=community).order_by("-created_at", "-pk")


def community_resources(community: Region) -> QuerySet[ResourceItem]:
    return ResourceItem.objects.filter(community=community, is_available=True)


def community_projects(community: Region) -> QuerySet[LivelihoodProject]:
    return LivelihoodProject.objects.filter(community=community).order_by("-created_at", "-pk")


def published_renewals(community: Region) -> QuerySet[MicroRenewal]:
    return with_money(
        MicroRenewal.objects.filter(community=community, is_published=True).select_related(
            "community"
        )
    )


def published_renewal(community: Region, renewal_id: int) -> MicroRenewal:
    found = published_renewals(community).filter(pk=renewal_id).first()
    if found is None:
        raise Http404
    return found
