"""Reading the six-standards assessments (六个规范): who may prepare and who may review, the
communities of a region with each one's status for a year, the share meeting all six against the
plan's goal, and the Excel export.

The share is a ratio of sums over the subtree: communities whose assessment for the year is reviewed
with all six standards met, over every non-virtual community there. A community never assessed, or
whose assessment is not yet reviewed, counts as not meeting them — and the pages say how many such
communities there are, never folding them silently into zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core import audit, calendar
from shequ.core.exports import ExportFile, exported_by, stamped_sheet
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.indicators.models import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsEvidence,
    StandardsLine,
)
from shequ.indicators.permissions import IndicatorPerm
from shequ.territory.models import Level, Region
from shequ.territory.queries import child_regions, grouped_by_child, region_in_scope

Perm = IndicatorPerm
S = AssessmentStatus
SIX = len(Standard)
FIRST_YEAR = 2023
# 徐州市三年行动实施方案 §14: 到2025年，全市95%以上城乡社区组织实现“六个规范”.
GOAL_SHARE = Decimal("95")
GOAL_YEAR = 2025
# A list filter's "no assessment yet".
NOT_STARTED = "none"
ALL_MET, NOT_ALL_MET = "all_met", "not_all_met"


def last_year() -> int:
    """The latest year an assessment may be started for: the running one."""
    return calendar.localdate().year


# --- Who does what (ADR 0033) ---------------------------------------------------------------------


def _assess_paths(user: Any) -> tuple[str, ...]:
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    if not user.has_permission(Perm.ASSESS):
        return ()
    return tuple(user.jurisdiction(Perm.ASSESS).region_paths)


def may_prepare(user: Any, community: Region) -> bool:
    """Holds ``indicators.assess`` at the community itself: fills in and submits."""
    return community.path in _assess_paths(user)


def may_review(user: Any, community: Region) -> bool:
    """Holds ``indicators.assess`` at a place above the community (its township or higher):
    decides the lines, returns, completes and reopens."""
    return any(
        community.path.startswith(path) and community.path != path for path in _assess_paths(user)
    )


def _reviewable_q(user: Any) -> Q | None:
    """Assessments of communities strictly below a place where ``user`` holds the permission."""
    condition: Q | None = None
    for path in _assess_paths(user):
        part = Q(community__path__under=path) & ~Q(community__path=path)
        condition = part if condition is None else condition | part
    return condition


def waiting_for_review(user: Any) -> QuerySet[StandardsAssessment]:
    """Submitted assessments ``user`` may review (never their own submissions)."""
    condition = _reviewable_q(user)
    if condition is None:
        return StandardsAssessment.objects.none()
    return (
        StandardsAssessment.objects.filter(condition, status=S.SUBMITTED)
        .exclude(submitted_by=user)
        .order_by("submitted_at", "pk")
    )


def returned_to(user: Any) -> QuerySet[StandardsAssessment]:
    """Returned assessments of the communities ``user`` prepares for."""
    paths = _assess_paths(user)
    if not paths:
        return StandardsAssessment.objects.none()
    # Only a role held at the community itself prepares: its path is the community's own.
    return StandardsAssessment.objects.filter(
        community__path__in=paths, community__level=Level.COMMUNITY, status=S.RETURNED
    )


def assessment_url(assessment: StandardsAssessment) -> str:
    return (
        reverse("indicators:standards_assessment", args=[assessment.community.code])
        + f"?year={assessment.year}"
    )


# --- Places -----------------------------------------------------------------------------------------


def standards_region(user: Any, code: str = "") -> Region:
    """``code`` inside the user's jurisdiction for ``indicators.assess`` (404 outside), or the top
    of that jurisdiction."""
    if code:
        return region_in_scope(user, code, Perm.ASSESS)
    paths = sorted(_assess_paths(user), key=len)
    if not paths:
        raise Http404
    return Region.objects.defer("geometry").get(path=paths[0])


def community_for(user: Any, code: str) -> Region:
    """A non-virtual community in the user's jurisdiction for ``indicators.assess``; 404 for
    anything else."""
    region = region_in_scope(user, code, Perm.ASSESS)
    if region.level != Level.COMMUNITY or region.is_virtual:
        raise Http404
    return region


def communities_under(region: Region) -> QuerySet[Region]:
    """The communities the six standards are counted over: every non-virtual one in the subtree
    (the same set the indicators' facts use)."""
    return Region.objects.filter(
        path__under=region.path, level=Level.COMMUNITY, is_virtual=False
    ).defer("geometry")


def townships_under(user: Any, region: Region) -> list[Region]:
    """The townships a list may be narrowed to: those under ``region`` the user may see."""
    if region.level in (Level.TOWNSHIP, Level.COMMUNITY):
        return []
    return list(
        scoped(
            Region.objects.filter(path__under=region.path, level=Level.TOWNSHIP).defer("geometry"),
            user,
            Perm.ASSESS,
        ).order_by("path")
    )


# --- One assessment ----------------------------------------------------------------------------------


def assessment_of(community: Region, year: int) -> StandardsAssessment | None:
    """The community's assessment for ``year`` with its lines (in the plan's order) and their
    files, or None when nobody has started it. Three queries."""
    found = (
        StandardsAssessment.objects.filter(community=community, year=year)
        .select_related("submitted_by", "returned_by", "reviewed_by")
        .first()
    )
    if found is None:
        return None
    found.community = community
    lines = list(
        StandardsLine.objects.filter(assessment=found)
        .select_related("decided_by", "updated_by")
        .prefetch_related("files")
    )
    lines.sort(key=lambda line: Standard.values.index(line.standard))
    found.ordered_lines = lines  # type: ignore[attr-defined]
    return found


def evidence_for(user: Any, evidence_id: int) -> StandardsEvidence:
    """A file of an assessment in the user's jurisdiction for ``indicators.assess``; 404 else."""
    return get_scoped_or_404(
        StandardsEvidence.objects.select_related("line__assessment__community"),
        user,
        Perm.ASSESS,
        pk=evidence_id,
    )


# --- The share ----------------------------------------------------------------------------------------


def six_standards_share(region: Region, year: int) -> tuple[int, int, int]:
    """``(met, assessed, total)`` for the communities under ``region`` in ``year``: how many meet all
    six standards, how many have a completed review (met or not), and how many communities there
    are. Unassessed communities are ``total - assessed`` and count as not meeting. Two queries."""
    total = communities_under(region).count()
    counts = StandardsAssessment.objects.filter(
        community__path__under=region.path,
        community__level=Level.COMMUNITY,
        community__is_virtual=False,
        year=year,
        status=S.REVIEWED,
    ).aggregate(assessed=Count("pk"), met=Count("pk", filter=Q(met_count=SIX)))
    return counts["met"], counts["assessed"], total


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class ShareRow:
    region: Region
    total: int = 0
    met: int = 0
    assessed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> Decimal | None:
        return percent(self.met, self.total)

    @property
    def unassessed(self) -> int:
        return self.total - self.assessed

    @property
    def not_started(self) -> int:
        return self.total - sum(self.by_status.values())

    @property
    def drafting(self) -> int:
        return self.by_status.get(S.DRAFT, 0)

    @property
    def waiting(self) -> int:
        return self.by_status.get(S.SUBMITTED, 0)

    @property
    def returned(self) -> int:
        return self.by_status.get(S.RETURNED, 0)

    @property
    def goal_met(self) -> bool:
        share = self.share
        return share is not None and share >= GOAL_SHARE


@dataclass
class Summary:
    region: Region
    year: int
    total: ShareRow
    children: list[ShareRow]
    goal_share: Decimal = GOAL_SHARE
    goal_year: int = GOAL_YEAR


def _assessments(region: Region, year: int) -> QuerySet[StandardsAssessment]:
    return StandardsAssessment.objects.filter(
        community__path__under=region.path,
        community__level=Level.COMMUNITY,
        community__is_virtual=False,
        year=year,
    )


def summary(user: Any, region: Region, year: int) -> Summary:
    """The region's share against the goal with the count of each status, and the same per child
    region the user may see (ratio of sums over each subtree). Four queries whatever the size. A
    township's children are its communities, which the list itself shows: no breakdown there."""
    above_township = region.level in (Level.CITY, Level.COUNTY)
    children = child_regions(user, region, Perm.ASSESS) if above_township else []
    total = ShareRow(region)
    rows = {child.path: ShareRow(child) for child in children}
    keys = [*children] if children else [region]
    for path, row in grouped_by_child(communities_under(region), "path", keys, n=Count("pk")):
        total.total += row["n"]
        if children and path in rows:
            rows[path].total += row["n"]
    for path, row in grouped_by_child(
        _assessments(region, year),
        "community__path",
        keys,
        by=["status"],
        n=Count("pk"),
        met=Count("pk", filter=Q(met_count=SIX, status=S.REVIEWED)),
    ):
        targets = [total] + ([rows[path]] if children and path in rows else [])
        for target in targets:
            target.by_status[row["status"]] = target.by_status.get(row["status"], 0) + row["n"]
            target.met += row["met"]
            if row["status"] == S.REVIEWED:
                target.assessed += row["n"]
    return Summary(region=region, year=year, total=total, children=list(rows.values()))


# --- The list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str = ""
    result: str = ""
    township: Region | None = None


def _of_year(year: int, name: str) -> Subquery:
    return Subquery(
        StandardsAssessment.objects.filter(community=OuterRef("pk"), year=year).values(name)[:1]
    )


def _lines(year: int, **conditions: Any) -> Coalesce:
    counted = (
        StandardsLine.objects.filter(
            assessment__community=OuterRef("pk"), assessment__year=year, **conditions
        )
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def community_rows(user: Any, region: Region, year: int, filters: Filters) -> QuerySet[Region]:
    """The communities under ``region`` the user may see, each annotated with its assessment's
    status (``None``: not started), version, how many standards are decided and met so far, and
    ``met_count`` once reviewed; filtered and by path. The page's rows cost one query."""
    rows = scoped(communities_under(region), user, Perm.ASSESS)
    if filters.township is not None:
        rows = rows.filter(path__under=filters.township.path)
    rows = rows.select_related("parent").annotate(
        standards_status=_of_year(year, "status"),
        standards_met_count=_of_year(year, "met_count"),
        standards_submitted_at=_of_year(year, "submitted_at"),
        lines_met=_lines(year, decision=LineDecision.MET),
        lines_decided=_lines(year, decision__in=[LineDecision.MET, LineDecision.NOT_MET]),
    )
    if filters.status == NOT_STARTED:
        rows = rows.filter(standards_status__isnull=True)
    elif filters.status:
        rows = rows.filter(standards_status=filters.status)
    if filters.result == ALL_MET:
        rows = rows.filter(standards_status=S.REVIEWED, standards_met_count=SIX)
    elif filters.result == NOT_ALL_MET:
        rows = rows.filter(standards_status=S.REVIEWED, standards_met_count__lt=SIX)
    return rows.order_by("path")


# --- Export ---------------------------------------------------------------------------------------------

DECISION_MARKS: dict[str, str] = {LineDecision.MET: "✓", LineDecision.NOT_MET: "✗"}


def export(*, user: Any, region: Region, year: int, filters: Filters) -> ExportFile:
    """Every community of the list (all pages) with its status and the decision on each standard,
    stamped and audited. Three queries whatever the number of communities."""
    rows = list(community_rows(user, region, year, filters).select_related("parent__parent"))
    decisions: dict[int, dict[str, str]] = {}
    for community_id, standard, decision in StandardsLine.objects.filter(
        assessment__community__in=[r.pk for r in rows], assessment__year=year
    ).values_list("assessment__community_id", "standard", "decision"):
        decisions.setdefault(community_id, {})[standard] = decision
    now = calendar.localtime(calendar.now())
    statuses = dict(S.choices)
    out = stamped_sheet(
        user,
        _("六个规范评定情况"),
        [
            _("县(市、区)"),
            _("镇(街道)"),
            _("村(社区)"),
            _("区划代码"),
            _("状态"),
            *[str(label) for label in Standard.labels],
            _("达标项数"),
            _("六项全部达标"),
            _("提交时间"),
        ],
        subtitle=_("%(place)s %(year)s年　✓ 达标　✗ 未达标　空白 未评定")
        % {"place": region.name, "year": year},
        note=_("导出人：%(who)s　导出时间：%(when)s　仅限工作使用")
        % {"who": exported_by(user), "when": now.strftime("%Y-%m-%d %H:%M")},
        now=now,
    )
    for row in rows:
        township = row.parent
        county = township.parent if township is not None else None
        status = row.standards_status  # type: ignore[attr-defined]
        mine = decisions.get(row.pk, {})
        if status == S.REVIEWED:
            meets = _("是") if row.standards_met_count == SIX else _("否")  # type: ignore[attr-defined]
        else:
            meets = _("未审核")
        submitted = row.standards_submitted_at  # type: ignore[attr-defined]
        out.append(
            [
                county.name if county is not None else "",
                township.name if township is not None else "",
                row.name,
                row.code,
                str(statuses.get(status, _("未开始"))),
                *[DECISION_MARKS.get(mine.get(code, ""), "") for code in Standard.values],
                row.lines_met,  # type: ignore[attr-defined]
                meets,
                calendar.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "",
            ]
        )
    with transaction.atomic():
        audit.record(
            "indicators.standards_export",
            actor=user,
            object_type="territory.Region",
            object_id=str(region.pk),
            object_repr=f"{region.name} {year}",
            region=region,
        )
    return ExportFile(f"six-standards-{region.code}-{year}.xlsx", out.content(), len(rows))
