"""Every scoped read of the workforce's development side: qualifications with the allowance they bring,
training courses, attendance and coverage per region, annual reviews, the reserve pool and the joint
reviews of committee candidates.

Lists go through ``scoped()`` with what a row shows joined in, so a page costs the same queries
whatever its length; a single object is fetched with ``get_scoped_or_404`` (404 outside the
jurisdiction, as if it did not exist). Coverage is aggregated per child region by path prefix.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.exports import check_export_size, stamped_sheet
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory import queries as territory
from shequ.territory.models import Level, Region
from shequ.territory.queries import child_regions, grouped_by_child
from shequ.workforce.actions.development import CHECKLIST, county_and_city_codes, scheme_for
from shequ.workforce.models import (
    AllowanceRate,
    CandidateCheck,
    CandidateReview,
    CommunityWorker,
    PerformanceReview,
    QualificationLevel,
    ReserveCandidate,
    ReserveStatus,
    ReviewGrade,
    ReviewScheme,
    ReviewStatus,
    SocialWorkQualification,
    TrainingCourse,
    TrainingRecord,
    WorkerPost,
)
from shequ.workforce.models.people import SERVING_STATUSES
from shequ.workforce.permissions import WorkforcePerm

PERM = WorkforcePerm.VIEW
FILTER_LEVELS_BELOW = 2
MAX_EXPORT_ROWS = 100_000


# --- Places and workers ---------------------------------------------------------------------------


def filter_regions(user: Any, perm: str = PERM) -> QuerySet[Region]:
    """Places in the user's jurisdiction a list may be narrowed to (theirs and two levels below)."""
    return territory.narrowing_regions(user, perm, FILTER_LEVELS_BELOW)


def region_in_scope(user: Any, code: str, perm: str = PERM) -> Region:
    return territory.region_in_scope(user, code, perm)


def communities(user: Any, perm: str) -> QuerySet[Region]:
    return (
        scoped(Region.objects.filter(level=Level.COMMUNITY), user, perm)
        .defer("geometry")
        .order_by("path")
    )


def regions_at(user: Any, perm: str, levels: tuple[str, ...]) -> QuerySet[Region]:
    """Regions of ``levels`` where ``user`` holds ``perm``: where courses, rates or schemes are set."""
    return (
        scoped(Region.objects.filter(level__in=levels), user, perm)
        .defer("geometry")
        .order_by("path")
    )


def workers_of(user: Any, perm: str, region: Region | None = None) -> QuerySet[CommunityWorker]:
    """Workers ``user`` may act on for ``perm`` (within ``region`` when given), by place and name."""
    found = scoped(CommunityWorker.objects.all(), user, perm)
    if region is not None:
        found = found.filter(region__path__under=region.path)
    return (
        found.select_related("region")
        .defer("region__geometry")
        .order_by("region__path", "name", "pk")
    )


def worker(user: Any, worker_id: Any, perm: str = PERM) -> CommunityWorker:
    return get_scoped_or_404(
        CommunityWorker.objects.select_related("region").defer("region__geometry"),
        user,
        perm,
        pk=worker_id,
    )


def serving_q(day: datetime.date) -> Q:
    open_post = WorkerPost.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day), worker=OuterRef("pk"), started_on__lte=day
    )
    # Serving that day: serving now, or until a change of status after it.
    return (Q(status__in=list(SERVING_STATUSES)) | Q(status_since__gt=day)) & Q(Exists(open_post))


# --- Qualifications and allowances ----------------------------------------------------------------


RANK = Case(
    When(level=QualificationLevel.SENIOR, then=Value(3)),
    When(level=QualificationLevel.INTERMEDIATE, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class QualificationFilters:
    region_path: str = ""
    level: str = ""  # the worker's highest level
    q: str = ""
    on: datetime.date | None = None  # the day whose allowance rates apply (today when None)


def certified_workers(user: Any, filters: QualificationFilters = QualificationFilters()) -> Any:
    """Workers in scope with at least one certificate, each with their highest level
    (``top_level``), its certificate number and date, in one query."""
    best = (
        SocialWorkQualification.objects.filter(worker=OuterRef("pk"))
        .annotate(rank=RANK)
        .order_by("-rank", "obtained_on", "pk")
    )
    found = (
        scoped(CommunityWorker.objects.all(), user, PERM)
        .filter(Exists(SocialWorkQualification.objects.filter(worker=OuterRef("pk"))))
        .annotate(
            top_level=Subquery(best.values("level")[:1]),
            top_certificate=Subquery(best.values("certificate_number")[:1]),
            top_obtained_on=Subquery(best.values("obtained_on")[:1]),
        )
    )
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.q.strip():
        found = found.filter(name__icontains=filters.q.strip())
    if filters.level:
        found = found.filter(top_level=filters.level)
    return (
        found.select_related("region")
        .defer("region__geometry", "note")
        .order_by("region__path", "name", "pk")
    )


def level_counts(found: Any) -> list[dict[str, Any]]:
    """Workers per highest level, every level listed (0 included)."""
    counted = {
        row["top_level"]: row["n"]
        for row in found.order_by().values("top_level").annotate(n=Count("pk"))
    }
    return [
        {"level": value, "label": str(label), "n": counted.get(value, 0)}
        for value, label in QualificationLevel.choices
    ]


class AllowanceTable:
    """Every allowance rate, loaded once: the rate in force on a day for a place (its county's, else
    the city's), answered from memory for any number of rows."""

    def __init__(self, regions: list[Region] | None = None) -> None:
        rates = AllowanceRate.objects.select_related("region").defer("region__geometry")
        self.by_code: dict[tuple[str, str], list[AllowanceRate]] = {}
        for rate in rates.order_by("-effective_from", "-pk"):
            self.by_code.setdefault((rate.region.code, rate.level), []).append(rate)

    def rate(self, region: Region, level: str, day: datetime.date) -> AllowanceRate | None:
        county, city = county_and_city_codes(region)
        for code in (county, city):
            for rate in self.by_code.get((code, level), []):
                if rate.effective_from <= day:
                    return rate
        return None

    def amount(self, region: Region, level: str, day: datetime.date) -> Decimal | None:
        rate = self.rate(region, level, day)
        return rate.monthly_amount if rate is not None else None


def with_allowance(rows: Any, day: datetime.date | None = None) -> list[Any]:
    """Rows of ``certified_workers`` with ``allowance`` (monthly, yuan; None without a rate, and
    None for a worker not serving on ``day``) and labels."""
    day = day or timezone.localdate()
    table = AllowanceTable()
    levels = dict(QualificationLevel.choices)
    found: list[Any] = list(rows)
    for row in found:
        row.top_level_label = str(levels.get(row.top_level, ""))
        # Serving on ``day``: serving now, or until a change of status after it.
        serving = row.is_serving or (row.status_since is not None and row.status_since > day)
        row.allowance = table.amount(row.region, row.top_level, day) if serving else None
    return found


def allowance_total(found: Any, day: datetime.date | None = None) -> tuple[int, Decimal]:
    """How many of ``found`` (``certified_workers``) draw an allowance on ``day``, and the monthly
    total: two queries whatever the number of rows."""
    paid = [row.allowance for row in with_allowance(found.iterator(chunk_size=2000), day)]
    amounts = [amount for amount in paid if amount is not None]
    return len(amounts), sum(amounts, Decimal(0))


def qualification(user: Any, qualification_id: Any, perm: str = PERM) -> SocialWorkQualification:
    return get_scoped_or_404(
        SocialWorkQualification.objects.select_related("worker", "worker__region"),
        user,
        perm,
        pk=qualification_id,
    )


def worker_qualifications(worker: CommunityWorker) -> list[SocialWorkQualification]:
    return list(worker.qualifications.order_by("-obtained_on", "pk"))


def allowance_rates(user: Any) -> QuerySet[AllowanceRate]:
    """The rates that apply inside the user's jurisdiction: those of the places they see and of the
    city above them (every county falls back to it)."""
    where = user.jurisdiction(PERM)
    paths = [*where.region_paths, *where.grid_community_paths]
    cities = {p.split("/")[0] for p in paths}
    counties = {p.split("/")[1] for p in paths if p.count("/") >= 2}
    if not paths:
        return AllowanceRate.objects.none()
    found = AllowanceRate.objects.filter(
        Q(region__code__in=cities | counties)
        | Q(pk__in=scoped(AllowanceRate.objects.all(), user, PERM).values("pk"))
    )
    return (
        found.select_related("region")
        .defer("region__geometry")
        .order_by("region__path", "level", "-effective_from")
    )


# --- Training -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseFilters:
    year: int | None = None
    level: str = ""
    region_path: str = ""
    q: str = ""


def _paths_above(user: Any) -> set[str]:
    """The paths of the places above the user's own (the county and city theirs lie in)."""
    where = user.jurisdiction(PERM)
    paths = [*where.region_paths, *where.grid_community_paths]
    return {
        "/".join(p.strip("/").split("/")[:i]) + "/"
        for p in paths
        for i in range(1, p.strip("/").count("/") + 1)
    }


def courses(user: Any, filters: CourseFilters = CourseFilters()) -> QuerySet[TrainingCourse]:
    """Courses the user sees: those run inside their jurisdiction and those run above it for it (a
    county official sees the city's courses; the attendance they see is still their own workers')."""
    above = _paths_above(user)
    found = TrainingCourse.objects.filter(
        Q(pk__in=scoped(TrainingCourse.objects.all(), user, PERM).values("pk"))
        | Q(region__path__in=above)
    )
    if filters.year:
        found = found.filter(starts_on__year=filters.year)
    if filters.level:
        found = found.filter(level=filters.level)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.q.strip():
        found = found.filter(title__icontains=filters.q.strip())
    visible_records = scoped(TrainingRecord.objects.all(), user, PERM)
    return (
        found.select_related("region")
        .defer("region__geometry", "description")
        .annotate(
            attendees=Count(
                "records", filter=Q(records__in=visible_records.values("pk")), distinct=True
            )
        )
        .order_by("-starts_on", "pk")
    )


def course(user: Any, course_id: Any) -> TrainingCourse:
    """A course the user sees (404 otherwise)."""
    try:
        return courses(user).get(pk=course_id)
    except (TrainingCourse.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_train(user: Any, course: TrainingCourse) -> bool:
    """Whether ``user`` may record attendance of the course: its organisers, and places below it that
    hold ``train`` (for their own workers)."""
    if not user.has_permission(WorkforcePerm.TRAIN):
        return False
    where = user.jurisdiction(WorkforcePerm.TRAIN)
    paths = [*where.region_paths, *where.grid_paths]
    return any(course.region.path.startswith(p) or p.startswith(course.region.path) for p in paths)


def course_records(user: Any, course: TrainingCourse) -> QuerySet[TrainingRecord]:
    """The attendance of a course the user may see: their own jurisdiction's workers."""
    return (
        scoped(TrainingRecord.objects.filter(course=course), user, PERM)
        .select_related("worker", "worker__region")
        .defer("worker__region__geometry", "worker__note")
        .order_by("worker__region__path", "worker__name", "pk")
    )


def record(user: Any, course: TrainingCourse, record_id: Any) -> TrainingRecord:
    return get_scoped_or_404(
        TrainingRecord.objects.filter(course=course).select_related(
            "course", "course__region", "worker", "worker__region"
        ),
        user,
        PERM,
        pk=record_id,
    )


def attendance_candidates(
    user: Any, course: TrainingCourse, community: Region
) -> list[CommunityWorker]:
    """Serving workers of ``community`` (inside the course region) who are not yet on the course."""
    if not community.path.startswith(course.region.path):
        return []
    found = (
        scoped(
            CommunityWorker.objects.filter(region__path__under=community.path),
            user,
            WorkforcePerm.TRAIN,
        )
        .filter(status__in=list(SERVING_STATUSES))
        .exclude(training_records__course=course)
        .order_by("name", "pk")
    )
    return list(found)


def worker_training(worker: CommunityWorker) -> list[TrainingRecord]:
    return list(
        worker.training_records.select_related("course", "course__region")
        .defer("course__region__geometry", "course__description")
        .order_by("-course__starts_on", "pk")
    )


@dataclass
class CoverageRow:
    region: Region | None
    label: str
    serving: int = 0
    trained: int = 0
    hours: Decimal = Decimal(0)
    drill: bool = False

    @property
    def share(self) -> Decimal | None:
        if not self.serving:
            return None
        return (Decimal(self.trained) * 100 / self.serving).quantize(Decimal("0.1"))

    @property
    def hours_per_worker(self) -> Decimal | None:
        if not self.serving:
            return None
        return (self.hours / self.serving).quantize(Decimal("0.1"))


@dataclass
class Coverage:
    region: Region | None
    year: int
    total: CoverageRow
    rows: list[CoverageRow] = field(default_factory=list)


def training_coverage(user: Any, region: Region | None, year: int) -> Coverage:
    """Per child region of ``region`` (the user's own places when None): serving workers, those
    trained in ``year`` (a course starting that year), the share, the hours credited and the hours
    per serving worker. Constant queries: one count each, grouped by the child's path prefix."""
    day = timezone.localdate()
    if day.year != year:
        day = min(day, datetime.date(year, 12, 31))
    if region is not None:
        children = child_regions(user, region, PERM) or [region]
    else:
        where = user.jurisdiction(PERM)
        paths = sorted({*where.region_paths, *where.grid_community_paths})
        tops = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
        children = list(Region.objects.filter(path__in=tops).defer("geometry").order_by("path"))
    per_child = {
        c.path: CoverageRow(c, c.name, drill=c.level != Level.COMMUNITY and c != region)
        for c in children
    }
    total = CoverageRow(region, region.name if region else _("合计"))
    workers = scoped(CommunityWorker.objects.all(), user, PERM)
    if region is not None:
        workers = workers.filter(region__path__under=region.path)
    serving = workers.filter(serving_q(day))
    trained_in_year = TrainingRecord.objects.filter(
        worker=OuterRef("pk"), course__starts_on__year=year
    )

    for path, row in grouped_by_child(serving, "region__path", children, n=Count("pk")):
        if path is not None:
            per_child[path].serving += row["n"]
            total.serving += row["n"]
    trained = serving.filter(Exists(trained_in_year))
    for path, row in grouped_by_child(trained, "region__path", children, n=Count("pk")):
        if path is not None:
            per_child[path].trained += row["n"]
            total.trained += row["n"]
    records = TrainingRecord.objects.filter(
        worker__in=serving.values("pk"), course__starts_on__year=year
    )
    for path, row in grouped_by_child(records, "worker__region__path", children, h=Sum("hours")):
        if path is not None and row["h"] is not None:
            per_child[path].hours += row["h"]
            total.hours += row["h"]
    return Coverage(region, year, total, list(per_child.values()))


def export_attendance(user: Any, course: TrainingCourse) -> tuple[str, bytes]:
    """The course's attendance the user may see, as .xlsx (no ID numbers or phones); audited."""
    out = stamped_sheet(
        user,
        course.title,
        (_("序号"), _("姓名"), _("所属单位"), _("区划代码"), _("获得学时"), _("考核结果")),
        sheet_name=_("参训名单"),
        subtitle=_("%(start)s 至 %(end)s，%(hours)s 学时，%(organiser)s")
        % {
            "start": course.starts_on,
            "end": course.ends_on,
            "hours": course.hours,
            "organiser": course.organiser or course.region.name,
        },
    )
    rows = 0
    for number, item in enumerate(course_records(user, course).iterator(), start=1):
        out.append(
            [
                number,
                item.worker.name,
                item.worker.region.name,
                item.worker.region.code,
                item.hours,
                _("合格") if item.passed else _("不合格"),
            ]
        )
        rows += 1
    with transaction.atomic():
        audit.record(
            "workforce.training.export",
            obj=course,
            actor=user,
            object_repr=_("%(course)s 参训名单 %(n)s 人") % {"course": course.title, "n": rows},
            region=course.region,
        )
    return f"training-{course.pk}-{out.now:%Y%m%d-%H%M%S}.xlsx", out.content()


def export_qualifications(user: Any, filters: QualificationFilters) -> tuple[str, bytes]:
    """The certified workers of the list as filtered, with the allowance (no ID numbers); audited."""
    found = certified_workers(user, filters)
    check_export_size(found.count(), MAX_EXPORT_ROWS, _("符合条件的人员过多，请缩小范围后再导出。"))
    out = stamped_sheet(
        user,
        _("持证社会工作者及职业资格津贴"),
        (
            _("姓名"),
            _("所属单位"),
            _("区划代码"),
            _("最高资格等级"),
            _("证书编号"),
            _("取得日期"),
            _("状态"),
            _("每月津贴（元）"),
        ),
        sheet_name=_("持证社工"),
    )
    rows = with_allowance(found, filters.on)
    for row in rows:
        out.append(
            [
                row.name,
                row.region.name,
                row.region.code,
                row.top_level_label,
                row.top_certificate,
                row.top_obtained_on,
                row.get_status_display(),
                row.allowance,
            ]
        )
    with transaction.atomic():
        audit.record(
            "workforce.qualification.export",
            actor=user,
            object_type="workforce.SocialWorkQualification",
            object_repr=_("持证社工 %(n)s 人") % {"n": len(rows)},
        )
    return f"qualifications-{out.now:%Y%m%d-%H%M%S}.xlsx", out.content()


# --- Annual reviews -------------------------------------------------------------------------------


def schemes(user: Any, year: int | None = None) -> QuerySet[ReviewScheme]:
    """Schemes that apply in the user's jurisdiction: set by their places or the city/county above."""
    above = _paths_above(user)
    found = ReviewScheme.objects.filter(
        Q(pk__in=scoped(ReviewScheme.objects.all(), user, PERM).values("pk"))
        | Q(region__path__in=above)
    )
    if year:
        found = found.filter(year=year)
    return (
        found.select_related("region")
        .defer("region__geometry")
        .prefetch_related("indicators")
        .order_by("-year", "region__path")
    )


def scheme_for_worker(worker: CommunityWorker, year: int) -> ReviewScheme | None:
    return scheme_for(worker, year)


@dataclass(frozen=True)
class ReviewFilters:
    year: int
    region_path: str = ""
    grade: str = ""


def reviews(user: Any, filters: ReviewFilters) -> QuerySet[PerformanceReview]:
    found = scoped(PerformanceReview.objects.filter(year=filters.year), user, PERM)
    if filters.region_path:
        found = found.filter(worker__region__path__under=filters.region_path)
    if filters.grade:
        found = found.filter(grade=filters.grade)
    return (
        found.select_related("worker", "worker__region", "scheme")
        .defer("worker__region__geometry", "worker__note", "comment")
        .order_by("worker__region__path", "worker__name", "pk")
    )


def grade_counts(found: QuerySet[PerformanceReview]) -> list[dict[str, Any]]:
    counted = {
        row["grade"]: row["n"] for row in found.order_by().values("grade").annotate(n=Count("pk"))
    }
    return [
        {"grade": value, "label": str(label), "n": counted.get(value, 0)}
        for value, label in ReviewGrade.choices
    ]


def review_detail(user: Any, review_id: Any) -> PerformanceReview:
    return get_scoped_or_404(
        PerformanceReview.objects.select_related("worker", "worker__region", "scheme"),
        user,
        PERM,
        pk=review_id,
    )


def score_rows(review: PerformanceReview) -> list[dict[str, Any]]:
    scores = review.scores or {}
    return [
        {
            "name": indicator.name,
            "max_score": indicator.max_score,
            "score": scores.get(str(indicator.pk), ""),
        }
        for indicator in review.scheme.indicators.order_by("position", "pk")
    ]


def unreviewed_workers(user: Any, year: int, region: Region) -> list[CommunityWorker]:
    """Serving workers of ``region`` the user may review who have no review for ``year``."""
    return list(
        scoped(
            CommunityWorker.objects.filter(region__path__under=region.path),
            user,
            WorkforcePerm.REVIEW,
        )
        .filter(status__in=list(SERVING_STATUSES))
        .exclude(reviews__year=year)
        .order_by("name", "pk")
    )


# --- The reserve pool -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReserveFilters:
    region_path: str = ""
    status: str = ReserveStatus.IN_POOL


def reserve(user: Any, filters: ReserveFilters) -> QuerySet[ReserveCandidate]:
    found = scoped(ReserveCandidate.objects.all(), user, PERM)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.status:
        found = found.filter(status=filters.status)
    return (
        found.select_related("region", "worker")
        .defer("region__geometry", "worker__note")
        .order_by("region__path", "-added_on", "pk")
    )


def reserve_by_community(user: Any, region_path: str = "") -> QuerySet[Region]:
    """Communities in scope with the number of people in their pool (0 included), one query."""
    in_pool = (
        ReserveCandidate.objects.filter(region=OuterRef("pk"), status=ReserveStatus.IN_POOL)
        .order_by()
        .values("region")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = communities(user, PERM)
    if region_path:
        found = found.filter(path__under=region_path)
    return found.annotate(in_pool=Subquery(in_pool, output_field=IntegerField())).order_by("path")


def reserve_candidate(user: Any, candidate_id: Any, perm: str = PERM) -> ReserveCandidate:
    return get_scoped_or_404(
        ReserveCandidate.objects.select_related("region", "worker"), user, perm, pk=candidate_id
    )


def masked_phone(candidate: ReserveCandidate) -> str:
    return mask_phone(candidate.phone or "") if candidate.phone else ""


# --- Joint reviews of committee candidates --------------------------------------------------------


@dataclass(frozen=True)
class CandidateFilters:
    region_path: str = ""
    status: str = ""
    election: str = ""


def candidate_reviews(user: Any, filters: CandidateFilters) -> QuerySet[CandidateReview]:
    found = scoped(CandidateReview.objects.all(), user, PERM)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.election.strip():
        found = found.filter(election__icontains=filters.election.strip())
    return (
        found.select_related("community")
        .defer("community__geometry")
        .annotate(
            cleared=Count("checks", filter=Q(checks__result="clear")),
            pending=Count("checks", filter=Q(checks__result="pending")),
        )
        .order_by("community__path", "-created_at", "pk")
    )


def status_counts_per_community(found: QuerySet[CandidateReview]) -> list[dict[str, Any]]:
    """For each community of ``found``: its name and the number of reviews in each status."""
    per: dict[int, dict[str, Any]] = {}
    rows = (
        found.order_by()
        .values("community_id", "community__name", "community__path", "status")
        .annotate(n=Count("pk", distinct=True))
    )
    for row in rows:
        entry = per.setdefault(
            row["community_id"],
            {
                "name": row["community__name"],
                "path": row["community__path"],
                "counts": dict.fromkeys(ReviewStatus.values, 0),
                "total": 0,
            },
        )
        entry["counts"][row["status"]] += row["n"]
        entry["total"] += row["n"]
    result = sorted(per.values(), key=lambda e: e["path"])
    for entry in result:
        entry["cells"] = [entry["counts"][value] for value in ReviewStatus.values]
    return result


def candidate_review(user: Any, review_id: Any, perm: str = PERM) -> CandidateReview:
    return get_scoped_or_404(
        CandidateReview.objects.select_related("community", "worker").defer("community__geometry"),
        user,
        perm,
        pk=review_id,
    )


def checks_of(review: CandidateReview) -> list[CandidateCheck]:
    order = {agency: i for i, agency in enumerate(CHECKLIST)}
    found = list(review.checks.select_related("checked_by"))
    return sorted(found, key=lambda c: order.get(c.agency, len(order)))


def masked_id(review: CandidateReview) -> str:
    return mask_id_number(review.id_number or "")


# --- The worker page ------------------------------------------------------------------------------


def for_worker(user: Any, worker: Any) -> dict[str, Any]:
    """What a worker's page shows of their qualifications (with the allowance of the highest),
    training records and hours, and annual reviews; and which of them the user may add."""
    today = timezone.localdate()
    qualifications: list[Any] = worker_qualifications(worker)
    levels = dict(QualificationLevel.choices)
    for item in qualifications:
        item.level_label = str(levels.get(item.level, item.level))
    top = max(qualifications, key=lambda q: RANK_OF.get(q.level, 0), default=None)
    allowance = None
    if top is not None and worker.is_serving:
        allowance = AllowanceTable().amount(worker.region, top.level, today)
    training = worker_training(worker)
    year_hours = sum(
        (r.hours for r in training if r.course.starts_on.year == today.year), Decimal(0)
    )
    reviews_found = list(
        worker.reviews.select_related("scheme").defer("comment").order_by("-year", "pk")
    )

    def may(perm: str) -> bool:
        return bool(
            user.has_permission(perm) and user.jurisdiction(perm).covers_path(worker.region.path)
        )

    return {
        "qualifications": qualifications,
        "top_qualification": top,
        "allowance": allowance,
        "training": training,
        "training_hours_total": sum((r.hours for r in training), Decimal(0)),
        "training_hours_this_year": year_hours,
        "this_year": today.year,
        "reviews": reviews_found,
        "may_record_qualification": may(WorkforcePerm.EDIT),
        "may_review": may(WorkforcePerm.REVIEW),
        "levels": QualificationLevel.choices,
    }


RANK_OF: dict[str, int] = {
    QualificationLevel.ASSISTANT: 1,
    QualificationLevel.INTERMEDIATE: 2,
    QualificationLevel.SENIOR: 3,
}
