"""The three lists and micro-renewal API, under ``/api/v1/participation``:

- ``GET /needs`` (``?region=&category=&status=``), ``GET /needs/{need_id}``, ``GET /resources``,
  ``GET /resources/{resource_id}``, ``GET /livelihood-projects``,
  ``GET /livelihood-projects/{livelihood_project_id}``, ``GET /renewals``,
  ``GET /renewals/{renewal_id}`` — staff, scoped;
- staff with ``LISTS`` over the community: ``POST /needs``, ``PATCH /needs/{need_id}`` (with the
  ``version`` read), ``POST /needs/{need_id}/transitions`` (meet, close, reopen),
  ``POST /needs/{need_id}/matches``; ``POST /resources``, ``PATCH /resources/{resource_id}``;
  ``POST /livelihood-projects``, ``PATCH /livelihood-projects/{livelihood_project_id}``;
  ``POST /renewals``, ``PATCH /renewals/{renewal_id}`` (with the ``version`` read),
  ``POST /renewals/{renewal_id}/transitions`` (start, complete),
  ``POST /renewals/{renewal_id}/contributions`` and ``/spendings``;
- ``POST /me/needs`` — a verified resident reports a need of their community; with an
  ``Idempotency-Key`` header a retry answers with the need already reported (200).

A create names its community by ``community_code``; a ``PATCH`` changes only the fields sent
(``null`` clears an optional one).

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; an
action's ``ValidationError`` → 422 naming the field; a change from an older ``version`` → 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    conflict,
    invalid,
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
    NeedIn,
    NeedOut,
    NeedPatchIn,
    NeedReportIn,
    ProjectIn,
    ProjectOut,
    ProjectPatchIn,
    RenewalDetailOut,
    RenewalIn,
    RenewalOut,
    RenewalPatchIn,
    ResourceIn,
    ResourceOut,
    ResourcePatchIn,
    SpendingIn,
    SpendingOut,
    TransitionIn,
)
from shequ.territory.api import region_path
from shequ.territory.models import Region
from shequ.territory.queries import region_in_scope

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {
    "request_key": "Idempotency-Key",
    "resource": "resource_id",
    "project": "project_id",
    "community": "community_code",
    "topic": "topic_id",
}
STALE = {409: ErrorOut}
# Text fields a ``PATCH`` may clear with ``null``; flags it may not.
TEXTS = ("title", "description", "source", "provider", "responsible_party")
FLAGS = ("is_available", "is_published")


def _filters(user: Any, region: str, **values: str) -> queries.ListFilters:
    return queries.ListFilters(community_path=region_path(user, region, Perm.VIEW), **values)


def _community(user: Any, code: str) -> Region:
    """The place a create names, inside the caller's ``LISTS`` jurisdiction (404 otherwise); the
    action refuses a place that is not a community."""
    try:
        return region_in_scope(user, code, Perm.LISTS)
    except Http404:
        raise not_found("community_code") from None


def _created(payload: Schema) -> dict[str, Any]:
    """A create's body as the action takes it."""
    values = payload.model_dump(exclude={"community_code"})
    if "topic_id" in values:
        values["topic"] = values.pop("topic_id")
    return values


def _changes(payload: Schema) -> dict[str, Any]:
    """The fields a ``PATCH`` sent, as the action takes them."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in FLAGS:
        if name in changes and changes[name] is None:
            raise invalid(name, _("该项不能为空。"))
    for name in TEXTS:
        if name in changes and changes[name] is None:
            changes[name] = ""
    if "topic_id" in changes:
        changes["topic"] = changes.pop("topic_id")
    return changes


def _stale(
    current: Callable[[], int], expected: int
) -> Callable[[ValidationError], ApiError | None]:
    """For ``acting``: the action's refusal of a change as a 409 when the record's version moved on
    since the client read it (the action refuses that with a message naming no field)."""

    def check(exc: ValidationError) -> ApiError | None:
        if hasattr(exc, "error_dict") or current() == expected:
            return None
        return conflict("version", exc.messages[0])

    return check


def _transition(name: str, workflow: Any) -> str:
    return choice(name, [t.name for t in workflow.transitions], "transition")


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
    "/needs", response={201: NeedOut, **ERRORS}, summary="登记居民需求（到村(社区)，注明来源）"
)
def create_need(request: HttpRequest, payload: NeedIn) -> Status[NeedItem]:
    user = user_with(request, Perm.LISTS)
    community = _community(user, payload.community_code)
    with acting(FIELDS):
        made = actions.create_need(by=user, community=community, **_created(payload))
    return Status(201, _need(user, made.pk, Perm.LISTS))


@router.patch(
    "/needs/{need_id}",
    response={200: NeedOut, **STALE, **ERRORS},
    summary="修改居民需求：带上读取时的 version；期间有人改过则 409",
)
def update_need(request: HttpRequest, need_id: int, payload: NeedPatchIn) -> NeedItem:
    user = user_with(request, Perm.LISTS)
    need = _need(user, need_id, Perm.LISTS)
    stale = _stale(lambda: _need(user, need_id, Perm.LISTS).version, payload.version)
    with acting(FIELDS, as_conflict=stale):
        actions.update_need(need=need, by=user, version=payload.version, **_changes(payload))
    return _need(user, need_id, Perm.LISTS)


@router.post(
    "/needs/{need_id}/transitions",
    response={200: NeedOut, **ERRORS},
    summary="需求标为已解决（meet）、暂不解决（close）或重新待对接（reopen）",
)
def transition_need(request: HttpRequest, need_id: int, payload: TransitionIn) -> NeedItem:
    user = user_with(request, Perm.LISTS)
    need = _need(user, need_id, Perm.LISTS)
    name = _transition(payload.transition, actions.NEED_WORKFLOW)
    with acting(FIELDS):
        actions.set_need_status(need=need, by=user, transition=name)
    return _need(user, need_id, Perm.LISTS)


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


def _resource(user: Any, resource_id: int, perm: str = Perm.VIEW) -> ResourceItem:
    try:
        return queries.resource_detail(user, resource_id, perm)
    except Http404:
        raise not_found("resource_id") from None


@router.get("/resources/{resource_id}", response={200: ResourceOut, **ERRORS})
def get_resource(request: HttpRequest, resource_id: int) -> ResourceItem:
    return _resource(user_with(request, Perm.VIEW), resource_id)


@router.post("/resources", response={201: ResourceOut, **ERRORS}, summary="登记服务资源")
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status[ResourceItem]:
    user = user_with(request, Perm.LISTS)
    community = _community(user, payload.community_code)
    with acting(FIELDS):
        made = actions.create_resource(by=user, community=community, **_created(payload))
    return Status(201, _resource(user, made.pk, Perm.LISTS))


@router.patch(
    "/resources/{resource_id}",
    response={200: ResourceOut, **ERRORS},
    summary="修改服务资源（含是否可用）",
)
def update_resource(
    request: HttpRequest, resource_id: int, payload: ResourcePatchIn
) -> ResourceItem:
    user = user_with(request, Perm.LISTS)
    resource = _resource(user, resource_id, Perm.LISTS)
    with acting(FIELDS):
        actions.update_resource(resource=resource, by=user, **_changes(payload))
    return _resource(user, resource_id, Perm.LISTS)


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


def _project(user: Any, project_id: int, perm: str = Perm.VIEW) -> LivelihoodProject:
    try:
        return queries.project_detail(user, project_id, perm)
    except Http404:
        raise not_found("livelihood_project_id") from None


@router.get("/livelihood-projects/{livelihood_project_id}", response={200: ProjectOut, **ERRORS})
def get_project(request: HttpRequest, livelihood_project_id: int) -> LivelihoodProject:
    return _project(user_with(request, Perm.VIEW), livelihood_project_id)


@router.post(
    "/livelihood-projects",
    response={201: ProjectOut, **ERRORS},
    summary="登记民生项目（来源议题须为本社区的议题）",
)
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[LivelihoodProject]:
    user = user_with(request, Perm.LISTS)
    community = _community(user, payload.community_code)
    with acting(FIELDS):
        made = actions.create_project(by=user, community=community, **_created(payload))
    return Status(201, _project(user, made.pk, Perm.LISTS))


@router.patch(
    "/livelihood-projects/{livelihood_project_id}",
    response={200: ProjectOut, **ERRORS},
    summary="修改民生项目（含状态）",
)
def update_project(
    request: HttpRequest, livelihood_project_id: int, payload: ProjectPatchIn
) -> LivelihoodProject:
    user = user_with(request, Perm.LISTS)
    project = _project(user, livelihood_project_id, Perm.LISTS)
    with acting(FIELDS):
        actions.update_project(project=project, by=user, **_changes(payload))
    return _project(user, livelihood_project_id, Perm.LISTS)


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
        "topic_id": renewal.topic_id,
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
    "/renewals",
    response={201: RenewalDetailOut, **ERRORS},
    summary="登记微更新项目（总预算大于零，筹资中）",
)
def create_renewal(request: HttpRequest, payload: RenewalIn) -> Status[dict[str, Any]]:
    user = user_with(request, Perm.LISTS)
    community = _community(user, payload.community_code)
    with acting(FIELDS):
        made = actions.create_renewal(by=user, community=community, **_created(payload))
    return Status(201, _detail(_renewal(user, made.pk, Perm.LISTS)))


@router.patch(
    "/renewals/{renewal_id}",
    response={200: RenewalDetailOut, **STALE, **ERRORS},
    summary="修改微更新项目（总预算不少于已到账资金）：带上读取时的 version；期间有人改过则 409",
)
def update_renewal(
    request: HttpRequest, renewal_id: int, payload: RenewalPatchIn
) -> dict[str, Any]:
    user = user_with(request, Perm.LISTS)
    renewal = _renewal(user, renewal_id, Perm.LISTS)
    stale = _stale(lambda: _renewal(user, renewal_id, Perm.LISTS).version, payload.version)
    with acting(FIELDS, as_conflict=stale):
        actions.update_renewal(
            renewal=renewal, by=user, version=payload.version, **_changes(payload)
        )
    return _detail(_renewal(user, renewal_id, Perm.LISTS))


@router.post(
    "/renewals/{renewal_id}/transitions",
    response={200: RenewalDetailOut, **ERRORS},
    summary="微更新项目开始实施（start）或标为已完成（complete）",
)
def transition_renewal(
    request: HttpRequest, renewal_id: int, payload: TransitionIn
) -> dict[str, Any]:
    user = user_with(request, Perm.LISTS)
    renewal = _renewal(user, renewal_id, Perm.LISTS)
    name = _transition(payload.transition, actions.RENEWAL_WORKFLOW)
    with acting(FIELDS):
        actions.transition_renewal(renewal=renewal, by=user, transition=name)
    return _detail(_renewal(user, renewal_id, Perm.LISTS))


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
