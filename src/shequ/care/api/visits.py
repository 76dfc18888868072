"""The visit API, under ``/api/v1/care``: ``GET /visit-rules``, ``GET /visit-plans`` (``month``
YYYY-MM, ``region``, ``group``, ``status``, ``overdue``, ``visitor``; scoped, paged),
``POST /visit-plans/{plan_id}/visits`` (JSON; the ``Idempotency-Key`` header or ``request_key``
makes a retry land once: the same visit, 200 instead of 201), ``GET /visits``,
``GET /visits/{visit_id}``. Errors as ``core.api``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.care.actions import visits as actions
from shequ.care.models import Visit, VisitPlan, VisitPlanStatus, VisitRule
from shequ.care.permissions import CarePerm
from shequ.care.queries import visits as queries
from shequ.care.schemas_visits import PlanOut, RuleOut, VisitIn, VisitOut
from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.registry.models import CareGroup
from shequ.territory.api import region_path

router = Router(tags=["care"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
VIEW = CarePerm.VIEW
VISIT = CarePerm.VISIT


@router.get("/visit-rules", response={200: list[RuleOut], **ERRORS}, summary="探访规则")
@paginate(PagePagination)
def list_rules(request: HttpRequest) -> QuerySet[VisitRule]:
    return queries.visible_rules(user_with(request, VIEW))


def _month(value: str) -> date | None:
    if not value:
        return None
    try:
        year, month = (int(x) for x in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise invalid("month", _("月份格式应为 年-月，例如 2026-05。")) from None


@router.get("/visit-plans", response={200: list[PlanOut], **ERRORS}, summary="探访计划（本辖区）")
@paginate(PagePagination)
def list_plans(
    request: HttpRequest,
    month: str = Query(""),
    region: str = Query("", max_length=12),
    group: str = Query(""),
    status: str = Query(""),
    overdue: bool = Query(False),
    visitor: str = Query("", max_length=12),
) -> QuerySet[VisitPlan]:
    user = user_with(request, VIEW)
    if visitor and visitor != "none" and not visitor.isdigit():
        raise invalid("visitor", _("探访人应为用户编号或 none。"))
    filters = queries.PlanFilters(
        month=_month(month),
        region_path=region_path(user, region, VIEW),
        group=choice(group, CareGroup, "group"),
        status=choice(status, VisitPlanStatus, "status"),
        overdue=overdue,
        visitor=visitor,
    )
    return queries.plans(user, filters)


def _shown(user: Any, visit: Visit) -> Visit:
    visit.shown_note = visit.note if queries.may_read_note(user, visit) else None  # type: ignore[attr-defined]
    return visit


@router.post(
    "/visit-plans/{plan_id}/visits",
    response={200: VisitOut, 201: VisitOut, **ERRORS},
    summary="记录探访（计划内）",
)
def record(request: HttpRequest, plan_id: int, payload: VisitIn) -> Status[Visit]:
    user: Any = request.user
    try:
        plan = queries.plan_to_record(user, plan_id)
    except Http404:
        raise not_found(
            "plan_id", _("找不到该探访计划，或该居民不在您负责的网格或辖区内。")
        ) from None
    key = (request.headers.get("Idempotency-Key") or payload.request_key or "").strip()
    if len(key) > 64:
        raise invalid("request_key", _("Idempotency-Key 应为 1 到 64 个字符。"))
    before = Visit.objects.filter(request_key=key).exists() if key else False
    data = actions.VisitInput(
        mode=payload.mode,
        visited_at=payload.visited_at,
        answers=payload.answers,
        findings=payload.findings,
        note=payload.note,
        latitude=payload.latitude,
        longitude=payload.longitude,
        located_at=payload.located_at,
        request_key=key,
    )
    with acting(as_conflict=_conflict):
        visit = actions.record_visit(by=user, data=data, plan=plan)
    return Status(200 if before else 201, _shown(user, visit))


def _conflict(exc: Any) -> ApiError | None:
    if hasattr(exc, "error_dict") and "plan" in exc.error_dict:
        return ApiError(
            409,
            "conflict",
            exc.message_dict["plan"][0],
            [{"field": "plan", "message": exc.message_dict["plan"][0]}],
        )
    return None


@router.get("/visits", response={200: list[VisitOut], **ERRORS}, summary="探访记录（本辖区）")
@paginate(PagePagination)
def list_visits(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    resident_id: int | None = Query(None),
) -> list[Visit]:
    user = user_with(request, VIEW)
    path = region_path(user, region, VIEW)
    found = queries.visits(user, resident_id=resident_id)
    if path:
        found = found.filter(community__path__under=path)
    return _NoteShown(found, user)  # type: ignore[return-value]


class _NoteShown:
    """The page of visits with each note shown or hidden for the reader, sliced lazily."""

    def __init__(self, found: QuerySet[Visit], user: Any) -> None:
        self.found, self.user = found, user

    def count(self) -> int:
        return self.found.count()

    def __getitem__(self, item: slice) -> list[Visit]:
        return [_shown(self.user, v) for v in self.found[item]]


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS}, summary="探访记录")
def get_visit(request: HttpRequest, visit_id: int) -> Visit:
    user: Any = request.user
    try:
        return _shown(user, queries.visit(user, visit_id))
    except Http404:
        raise not_found("visit_id") from None
