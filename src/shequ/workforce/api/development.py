"""The workforce development API, under ``/api/v1/workforce``:

- ``GET /qualifications`` (``region``, ``level``, ``q``) — certified workers with highest level and
  monthly allowance, paged; ``POST /qualifications`` — record a certificate;
- ``GET`` / ``POST /training/courses``; ``GET /training/courses/{course_id}``;
  ``GET`` / ``POST /training/courses/{course_id}/records`` — attendance;
- ``GET /training/coverage`` (``region``, ``year``) — per child region;
- ``GET`` / ``POST /reviews`` — annual reviews (``year``, ``region``, ``grade``);
- ``GET`` / ``POST /reserve``; ``POST /reserve/{reserve_candidate_id}/appoint`` and ``/remove``;
- ``GET`` / ``POST /candidate-reviews``; ``GET /candidate-reviews/{candidate_review_id}``; ``POST
  …/submit``, ``POST …/withdraw``, ``POST …/checks/{check_agency}``.

Errors in the shape of ``core.api``: 403 without the permission (or refused there), 404 outside the
jurisdiction, 422 for bad input (the action's message), 409 for a transition someone else made first.
ID numbers and phones are masked in every answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    invalid_from,
    not_found,
    user_with,
)
from shequ.territory.api import region_path
from shequ.territory.models import Region
from shequ.workforce.actions import development as actions
from shequ.workforce.models import (
    CandidateReview,
    CheckAgency,
    QualificationLevel,
    ReserveStatus,
    ReviewGrade,
    ReviewStatus,
    TrainingLevel,
)
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries import development as queries
from shequ.workforce.schemas_development import (
    AttendanceIn,
    CandidateReviewDetailOut,
    CandidateReviewIn,
    CandidateReviewOut,
    CheckIn,
    CourseIn,
    CourseOut,
    CoverageOut,
    QualificationCreatedOut,
    QualificationIn,
    QualificationOut,
    ReasonIn,
    RecordOut,
    ReserveIn,
    ReserveOut,
    ReviewIn,
    ReviewOut,
    TransitionIn,
)

router = Router(tags=["workforce"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
P = WorkforcePerm


def _refused(exc: ValidationError) -> ApiError | None:
    """An action's refusal not tied to a field (the state moved on) as a 409 without field errors."""
    if hasattr(exc, "error_dict"):
        return None
    return ApiError(409, "conflict", invalid_from(exc).message)


def _conflicting(exc: ValidationError) -> ApiError:
    """Any refusal of a joint review's transition as a 409, with its field errors."""
    found = invalid_from(exc)
    return ApiError(409, "conflict", found.message, found.errors)


def _place(user: Any, code: str, perm: str, field: str) -> Region:
    try:
        return queries.region_in_scope(user, code, perm)
    except Http404:
        raise not_found(field, _("找不到该地区，或不在您的管辖范围内。")) from None


class _Mapped:
    """A queryset whose page is transformed once sliced (the allowance table is read per page)."""

    def __init__(self, queryset: Any, transform: Callable[[Any], list[Any]]) -> None:
        self.queryset, self.transform = queryset, transform

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, window: slice) -> list[Any]:
        return self.transform(self.queryset[window])


# --- Qualifications -------------------------------------------------------------------------------


@router.get(
    "/qualifications",
    response={200: list[QualificationOut], **ERRORS},
    summary="持证社工（本辖区）：最高资格等级及每月津贴",
)
@paginate(PagePagination)
def list_qualifications(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    level: str = Query("", description="最高等级：assistant、intermediate、senior"),
    q: str = Query("", max_length=30),
    on: str = Query("", max_length=10, description="津贴计算日期 YYYY-MM-DD，默认今天"),
) -> Any:
    user = user_with(request, P.VIEW)
    day = None
    if on:
        try:
            day = datetime.date.fromisoformat(on)
        except ValueError:
            raise invalid("on", _("日期格式应为 YYYY-MM-DD。")) from None
    filters = queries.QualificationFilters(
        region_path=region_path(user, region, WorkforcePerm.VIEW),
        level=choice(level, QualificationLevel.values, "level"),
        q=q,
        on=day,
    )
    return _Mapped(
        queries.certified_workers(user, filters), lambda rows: queries.with_allowance(rows, day)
    )


@router.post(
    "/qualifications",
    response={201: QualificationCreatedOut, **ERRORS},
    summary="登记社工职业资格；证书编号重复、取得日期晚于今天、同一等级重复登记均被拒绝",
)
def create_qualification(request: HttpRequest, payload: QualificationIn) -> Status[Any]:
    user = user_with(request, P.EDIT)
    worker = queries.worker(user, payload.worker_id, P.EDIT)
    with acting():
        made = actions.record_qualification(
            worker=worker,
            level=payload.level,
            certificate_number=payload.certificate_number,
            obtained_on=payload.obtained_on,
            by=user,
        )
    return Status(201, made)


# --- Training -------------------------------------------------------------------------------------


@router.get(
    "/training/courses",
    response={200: list[CourseOut], **ERRORS},
    summary="培训课程（本辖区举办的及上级为本辖区举办的）",
)
@paginate(PagePagination)
def list_courses(
    request: HttpRequest,
    year: int | None = Query(None),
    level: str = Query(""),
    region: str = Query("", max_length=12),
) -> Any:
    user = user_with(request, P.VIEW)
    return queries.courses(
        user,
        queries.CourseFilters(
            year=year,
            level=choice(level, TrainingLevel.values, "level"),
            region_path=region_path(user, region, WorkforcePerm.VIEW),
        ),
    )


@router.post("/training/courses", response={201: CourseOut, **ERRORS}, summary="登记培训课程")
def create_course(request: HttpRequest, payload: CourseIn) -> Status[Any]:
    user = user_with(request, P.TRAIN)
    region = _place(user, payload.region_code, P.TRAIN, "region_code")
    values = payload.model_dump(exclude={"region_code"})
    with acting():
        made = actions.register_course(region=region, by=user, **values)
    return Status(201, queries.course(user, made.pk))


@router.get(
    "/training/courses/{course_id}", response={200: CourseOut, **ERRORS}, summary="培训课程"
)
def get_course(request: HttpRequest, course_id: int) -> Any:
    user = user_with(request, P.VIEW)
    return queries.course(user, course_id)


@router.get(
    "/training/courses/{course_id}/records",
    response={200: list[RecordOut], **ERRORS},
    summary="参训名单（本辖区的社区工作者）",
)
@paginate(PagePagination)
def list_records(request: HttpRequest, course_id: int) -> Any:
    user = user_with(request, P.VIEW)
    return queries.course_records(user, queries.course(user, course_id))


@router.post(
    "/training/courses/{course_id}/records",
    response={201: list[RecordOut], **ERRORS},
    summary="登记参训人员：须在课程主办地区范围内工作；学时不超过课程学时",
)
def add_records(request: HttpRequest, course_id: int, payload: AttendanceIn) -> Status[Any]:
    user = user_with(request, P.TRAIN)
    course = queries.course(user, course_id)
    found = {w.pk: w for w in queries.workers_of(user, P.VIEW).filter(pk__in=payload.worker_ids)}
    missing = [str(i) for i in payload.worker_ids if i not in found]
    if missing:
        raise ApiError(
            404, "not_found", _("找不到这些人员，或不在您的管辖范围内：%(ids)s") % {"ids": ", ".join(missing)},
            [{"field": "worker_ids", "message": _("找不到该人员，或不在您的管辖范围内。")}],
        )  # fmt: skip
    with acting():
        made = actions.record_attendance(
            course=course,
            workers=[found[i] for i in payload.worker_ids],
            hours=payload.hours,
            passed=payload.passed,
            by=user,
        )
    return Status(201, made)


@router.get(
    "/training/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="培训覆盖率：各下级地区在岗人数、已培训人数、覆盖率、学时",
)
def get_coverage(
    request: HttpRequest, region: str = Query("", max_length=12), year: int | None = Query(None)
) -> dict[str, Any]:
    user = user_with(request, P.VIEW)
    place = None
    if region.strip():
        try:
            place = queries.region_in_scope(user, region)
        except Http404:
            raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    chosen = year or timezone.localdate().year
    if not 2000 <= chosen <= timezone.localdate().year + 1:
        raise invalid("year", _("年度不正确。"))
    coverage = queries.training_coverage(user, place, chosen)

    def row(item: Any) -> dict[str, Any]:
        return {
            "region_code": item.region.code if item.region else None,
            "region_name": item.label,
            "serving": item.serving,
            "trained": item.trained,
            "share_percent": item.share,
            "hours": item.hours,
            "hours_per_worker": item.hours_per_worker,
        }

    return {
        "year": chosen,
        "total": row(coverage.total),
        "rows": [row(item) for item in coverage.rows],
    }


# --- Reviews --------------------------------------------------------------------------------------


@router.get("/reviews", response={200: list[ReviewOut], **ERRORS}, summary="年度考核结果")
@paginate(PagePagination)
def list_reviews(
    request: HttpRequest,
    year: int | None = Query(None),
    region: str = Query("", max_length=12),
    grade: str = Query(""),
) -> Any:
    user = user_with(request, P.VIEW)
    return queries.reviews(
        user,
        queries.ReviewFilters(
            year=year or timezone.localdate().year - 1,
            region_path=region_path(user, region, WorkforcePerm.VIEW),
            grade=choice(grade, ReviewGrade.values, "grade"),
        ),
    )


@router.post(
    "/reviews",
    response={201: ReviewOut, **ERRORS},
    summary="年度考核评分：按人员所在县区（否则市）的考核方案，每项 0～分值；总分和等次自动计算",
)
def create_review(request: HttpRequest, payload: ReviewIn) -> Status[Any]:
    user = user_with(request, P.REVIEW)
    worker = queries.worker(user, payload.worker_id, P.REVIEW)
    with acting():
        made = actions.review_worker(
            worker=worker,
            year=payload.year,
            scores={key: str(value) for key, value in payload.scores.items()},
            comment=payload.comment,
            by=user,
        )
    return Status(201, made)


# --- The reserve pool -----------------------------------------------------------------------------


@router.get("/reserve", response={200: list[ReserveOut], **ERRORS}, summary="书记后备人才库")
@paginate(PagePagination)
def list_reserve(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    status: str = Query("in_pool", description="in_pool、appointed、removed；空为全部"),
) -> Any:
    user = user_with(request, P.VIEW)
    return queries.reserve(
        user,
        queries.ReserveFilters(
            region_path=region_path(user, region, WorkforcePerm.VIEW),
            status=choice(status, ReserveStatus.values, "status"),
        ),
    )


@router.post("/reserve", response={201: ReserveOut, **ERRORS}, summary="纳入后备人选")
def create_reserve(request: HttpRequest, payload: ReserveIn) -> Status[Any]:
    user = user_with(request, P.REVIEW)
    community = _place(user, payload.community_code, P.REVIEW, "community_code")
    worker = queries.worker(user, payload.worker_id, P.REVIEW) if payload.worker_id else None
    values = payload.model_dump(exclude={"community_code", "worker_id"})
    with acting():
        made = actions.add_reserve_candidate(community=community, worker=worker, by=user, **values)
    return Status(201, made)


def _reserve_change(request: HttpRequest, candidate_id: int, reason: str, appoint: bool) -> Any:
    user = user_with(request, P.REVIEW)
    candidate = queries.reserve_candidate(user, candidate_id, P.REVIEW)
    change = actions.appoint_reserve_candidate if appoint else actions.remove_reserve_candidate
    with acting(as_conflict=_refused):
        change(candidate=candidate, reason=reason, by=user)
    return candidate


@router.post(
    "/reserve/{reserve_candidate_id}/appoint",
    response={200: ReserveOut, 409: ErrorOut, **ERRORS},
    summary="后备人选已任用",
)
def appoint_reserve(request: HttpRequest, reserve_candidate_id: int, payload: ReasonIn) -> Any:
    return _reserve_change(request, reserve_candidate_id, payload.reason, appoint=True)


@router.post(
    "/reserve/{reserve_candidate_id}/remove",
    response={200: ReserveOut, 409: ErrorOut, **ERRORS},
    summary="后备人选出库",
)
def remove_reserve(request: HttpRequest, reserve_candidate_id: int, payload: ReasonIn) -> Any:
    return _reserve_change(request, reserve_candidate_id, payload.reason, appoint=False)


# --- Joint reviews --------------------------------------------------------------------------------


def _detailed(user: Any, review_id: int) -> CandidateReview:
    found = queries.candidate_review(user, review_id)
    found.api_checks = queries.checks_of(found)  # type: ignore[attr-defined]
    return found


@router.get(
    "/candidate-reviews",
    response={200: list[CandidateReviewOut], **ERRORS},
    summary="两委候选人资格联审（身份证号脱敏）",
)
@paginate(PagePagination)
def list_candidate_reviews(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    status: str = Query(""),
    election: str = Query("", max_length=60),
) -> Any:
    user = user_with(request, P.VIEW)
    return queries.candidate_reviews(
        user,
        queries.CandidateFilters(
            region_path=region_path(user, region, WorkforcePerm.VIEW),
            status=choice(status, ReviewStatus.values, "status"),
            election=election,
        ),
    )


@router.post(
    "/candidate-reviews",
    response={201: CandidateReviewDetailOut, **ERRORS},
    summary="提请联审（待提交）；同一届次同一职务的同一候选人不能重复提请",
)
def create_candidate_review(request: HttpRequest, payload: CandidateReviewIn) -> Status[Any]:
    user = user_with(request, P.VET_CANDIDATES)
    community = _place(user, payload.community_code, P.VET_CANDIDATES, "community_code")
    worker = queries.worker(user, payload.worker_id) if payload.worker_id else None
    with acting():
        made = actions.create_candidate_review(
            community=community,
            election=payload.election,
            post=payload.post,
            name=payload.name,
            id_number=payload.id_number,
            worker=worker,
            by=user,
        )
    return Status(201, _detailed(user, made.pk))


@router.get(
    "/candidate-reviews/{candidate_review_id}",
    response={200: CandidateReviewDetailOut, **ERRORS},
    summary="联审详情及各部门意见",
)
def get_candidate_review(request: HttpRequest, candidate_review_id: int) -> Any:
    user = user_with(request, P.VIEW)
    return _detailed(user, candidate_review_id)


def _transition(
    request: HttpRequest, review_id: int, payload: TransitionIn, name: str
) -> CandidateReview:
    user = user_with(request, P.VET_CANDIDATES)
    found = queries.candidate_review(user, review_id, P.VET_CANDIDATES)
    if payload.version is not None and payload.version != found.version:
        raise ApiError(409, "conflict", _("该联审刚刚已被他人处理，请重新读取后再操作。"))
    with acting(as_conflict=_conflicting):
        if name == "submit":
            actions.submit_candidate_review(review=found, by=user)
        else:
            actions.withdraw_candidate_review(review=found, by=user, reason=payload.reason)
    return _detailed(user, review_id)


@router.post(
    "/candidate-reviews/{candidate_review_id}/submit",
    response={200: CandidateReviewDetailOut, 409: ErrorOut, **ERRORS},
    summary="提交联审：为清单中的每个联审部门建立一条待审查意见",
)
def submit_candidate_review(
    request: HttpRequest, candidate_review_id: int, payload: TransitionIn
) -> Any:
    return _transition(request, candidate_review_id, payload, "submit")


@router.post(
    "/candidate-reviews/{candidate_review_id}/withdraw",
    response={200: CandidateReviewDetailOut, 409: ErrorOut, **ERRORS},
    summary="撤回联审（待提交或联审中）",
)
def withdraw_candidate_review(
    request: HttpRequest, candidate_review_id: int, payload: TransitionIn
) -> Any:
    return _transition(request, candidate_review_id, payload, "withdraw")


@router.post(
    "/candidate-reviews/{candidate_review_id}/checks/{check_agency}",
    response={200: CandidateReviewDetailOut, 409: ErrorOut, **ERRORS},
    summary="登记一个联审部门的意见：有问题须写明情形，一项有问题即不通过，全部无问题即通过",
)
def record_check(
    request: HttpRequest, candidate_review_id: int, check_agency: str, payload: CheckIn
) -> Any:
    user = user_with(request, P.VET_CANDIDATES)
    found = queries.candidate_review(user, candidate_review_id, P.VET_CANDIDATES)
    if check_agency not in CheckAgency.values:
        raise invalid("check_agency", _("联审部门不正确。"))
    with acting(as_conflict=_refused):
        actions.record_check(
            review=found, agency=check_agency, result=payload.result, note=payload.note, by=user
        )
    return _detailed(user, candidate_review_id)
