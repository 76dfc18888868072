"""The three lists and micro-renewal API, under ``/api/v1/participation``:

- ``GET /needs`` (``?region=&category=&status=``), ``GET /needs/{need_id}``, ``GET /resources``,
  ``GET /livelihood-projects``, ``GET /renewals``, ``GET /renewals/{renewal_id}`` — staff, scoped;
- ``POST /needs/{need_id}/matches`` — staff with ``LISTS`` over the need's community;
- ``POST /renewals/{renewal_id}/contributions`` and ``/spendings`` — staff with ``LISTS``;
- ``POST /me/needs`` — a verified resident reports a need of their community; with an
  ``Idempotency-Key`` header a retry answers with the need already reported (200).

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; an
action's ``ValidationError`` → 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ErrorOut,
    PagePagination,
    acting,
    choice,
    not_found,
    user_with,
)
from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import (
    LivelihoodProject,
    MicroRenewal,
    NeedCategory,
    NeedItem,
    NeedStatus,
    ProjectStatus,
    RenewalStatus,
    ResourceItem,
    ResourceKind,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import lists as queries
from shequ.participation.schemas_lists import (
    ContributionIn,
    ContributionOut,
    MatchIn,
    MatchOut,
    NeedOut,
    NeedReportIn,
    ProjectOut,
    RenewalDetailOut,
    RenewalOut,
    ResourceOut,
    SpendingIn,
    SpendingOut,
)
from shequ.territory.api import region_path

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {"request_key": "Idempotency-Key", "resource": "resource_id", "project": "project_id"}


def _filters(user: Any, region: str, **values: str) -> queries.ListFilters:
    return queries.ListFilters(community_path=region_path(user, region, Perm.VIEW), **values)


@router.get("/needs", response={200: list[NeedOut], **ERRORS}, summary="居民需求清单（本辖区）")
@paginate(PagePagination)
def list_needs(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    category: str = Query(""),
    status: str = Query(""),
) -> QuerySet[NeedItem]:
    user = user_with(request, Perm.VIEW)
    return queries.needs(
        user,
        _filters(
            user,
            region,
            category=choice(category, NeedCategory, "category"),
            status=choice(status, NeedStatus, "status"),
        ),
    )


def _need(user: Any, need_id: int, perm: str = Perm.VIEW) -> NeedItem:
    try:
        return queries.need_detail(user, need_id, perm)
    except Http404:
        raise not_found("need_id") from None


@router.get("/needs/{need_id}", response={200: NeedOut, **ERRORS})
def get_need(request: HttpRequest, need_id: int) -> NeedItem:
    return _need(user_with(request, Perm.VIEW), need_id)


@router.post(
    "/needs/{need_id}/matches",
    response={201: MatchOut, **ERRORS},
    summary="需求对接服务资源或民生项目（至少一项）",
)
def match_need(request: HttpRequest, need_id: int, payload: MatchIn) -> Status[dict[str, Any]]:
    user = user_with(request, Perm.LISTS)
    need = _need(user, need_id, Perm.LISTS)
    _resources, projects = queries.match_targets(need)
    resource = project = None
    if payload.resource_id is not None:
        resource = ResourceItem.objects.filter(
            pk=payload.resource_id, community_id=need.community_id
        ).first()
        if resource is None:
            raise not_found("resource_id")
    if payload.project_id is not None:
        project = projects.filter(pk=payload.project_id).first()
        if project is None:
            raise not_found("project_id")
    with acting(FIELDS):
        made = actions.match_need(
            need=need, by=user, resource=resource, project=project, note=payload.note
        )
    return Status(
        201,
        {
            "id": made.pk,
            "need_id": need.pk,
            "resource_id": made.resource_id,
            "project_id": made.project_id,
            "note": made.note,
            "at": made.at,
            "need_status": need.status,
        },
    )


@router.post(
    "/me/needs",
    response={200: NeedOut, 201: NeedOut, **ERRORS},
    summary="居民反映需求（本社区）；带 Idempotency-Key 重试时返回第一次的需求",
)
def report_need(
    request: HttpRequest,
    payload: NeedReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[NeedItem]:
    user: Any = request.user
    key = (idempotency_key or "").strip()
    before = NeedItem.objects.filter(request_key=key).exists() if key else False
    with acting(FIELDS):
        made = actions.report_need(
            by=user,
            category=payload.category,
            title=payload.title,
            description=payload.description,
            request_key=key,
        )
    return Status(
        200 if before else 201, NeedItem.objects.select_related("community").get(pk=made.pk)
    )


@router.get("/resources", response={200: list[ResourceOut], **ERRORS}, summary="服务资源清单")
@paginate(PagePagination)
def list_resources(
    request: HttpRequest, region: str = Query("", max_length=12), kind: str = Query("")
) -> QuerySet[ResourceItem]:
    user = user_with(request, Perm.VIEW)
    return queries.resources(user, _filters(user, region, kind=choice(kind, ResourceKind, "kind")))


@router.get(
    "/livelihood-projects", response={200: list[ProjectOut], **ERRORS}, summary="民生项目清单"
)
@paginate(PagePagination)
def list_projects(
    request: HttpRequest, region: str = Query("", max_length=12), status: str = Query("")
) -> QuerySet[LivelihoodProject]:
    user = user_with(request, Perm.VIEW)
    return queries.projects(
        user, _filters(user, region, status=choice(status, ProjectStatus, "status"))
    )


@router.get("/renewals", response={200: list[RenewalOut], **ERRORS}, summary="微更新项目")
@paginate(PagePagination)
def list_renewals(
    request: HttpRequest, region: str = Query("", max_length=12), status: str = Query("")
) -> QuerySet[MicroRenewal]:
    user = user_with(request, Perm.VIEW)
    return queries.renewals(
        user, _filters(user, region, status=choice(status, RenewalStatus, "status"))
    )


def _renewal(user: Any, renewal_id: int, perm: str = Perm.VIEW) -> MicroRenewal:
    try:
        return queries.renewal_detail(user, renewal_id, perm)
    except Http404:
        raise not_found("renewal_id") from None


def _detail(renewal: MicroRenewal) -> dict[str, Any]:
    funding = queries.funding([renewal])[0]
    return {
        "id": renewal.pk,
        "community_code": renewal.community.code,
        "community_name": renewal.community.name,
        "title": renewal.title,
        "description": renewal.description,
        "budget": renewal.budget,
        "status": renewal.status,
        "status_label": str(renewal.get_status_display()),
        "is_published": renewal.is_published,
        "received": funding.received,
        "residents_received": funding.residents,
        "spent": funding.spent,
        "version": renewal.version,
        "balance": funding.balance,
        "residents_share_of_received": funding.residents_share_of_received,
        "residents_share_of_budget": funding.residents_share_of_budget,
        "sources": [
            {"source": s.source, "label": s.label, "amount": s.amount, "households": s.households}
            for s in funding.sources
        ],
        "spendings": [
            {"id": s.pk, "item": s.item, "amount": s.amount, "spent_on": s.spent_on}
            for s in funding.spendings
        ],
    }


@router.get("/renewals/{renewal_id}", response={200: RenewalDetailOut, **ERRORS})
def get_renewal(request: HttpRequest, renewal_id: int) -> dict[str, Any]:
    return _detail(_renewal(user_with(request, Perm.VIEW), renewal_id))


@router.post(
    "/renewals/{renewal_id}/contributions",
    response={201: ContributionOut, **ERRORS},
    summary="登记出资（合计不超过总预算）",
)
def add_contribution(
    request: HttpRequest, renewal_id: int, payload: ContributionIn
) -> Status[dict[str, Any]]:
    user = user_with(request, Perm.LISTS)
    renewal = _renewal(user, renewal_id, Perm.LISTS)
    with acting(FIELDS):
        made = actions.add_contribution(renewal=renewal, by=user, **payload.dict())
    return Status(
        201,
        {
            "id": made.pk,
            "renewal_id": renewal.pk,
            "source": made.source,
            "contributor": made.contributor,
            "households": made.households,
            "amount": made.amount,
            "received_on": made.received_on,
        },
    )


@router.post(
    "/renewals/{renewal_id}/spendings",
    response={201: SpendingOut, **ERRORS},
    summary="登记支出（合计不超过已到账资金）",
)
def add_spending(
    request: HttpRequest, renewal_id: int, payload: SpendingIn
) -> Status[dict[str, Any]]:
    user = user_with(request, Perm.LISTS)
    renewal = _renewal(user, renewal_id, Perm.LISTS)
    with acting(FIELDS):
        made = actions.add_spending(renewal=renewal, by=user, **payload.dict())
    return Status(
        201, {"id": made.pk, "item": made.item, "amount": made.amount, "spent_on": made.spent_on}
    )
