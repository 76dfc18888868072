"""The workforce API for workers, posts, pay, staffing and figures (W1), mounted at
``/api/v1/workforce``:

- ``GET /workers`` (``q``, ``region``, ``post_kind``, ``status``, ``pay_below_year``), paged;
  ``POST /workers``; ``GET`` / ``PATCH /workers/{worker_id}``;
- ``POST /workers/{worker_id}/status``; ``POST /workers/{worker_id}/posts``;
  ``POST /workers/{worker_id}/posts/{worker_post_id}/end``; ``PUT /workers/{worker_id}/pay/{pay_year}``;
- ``GET /staffing`` (``region``, ``on``);
- ``GET /figures`` (``year``); ``PUT /figures/{figure_region_code}/{figure_year}``.

ID numbers and phones are masked in every answer. Errors in the shape of ``core.api``: no permission
anywhere → 403; the worker, post or place does not exist or lies outside the caller's jurisdiction →
404; the action refuses the caller there → 403; bad input → 422 naming the field, nothing written; a
change that started from an older ``version`` → 409 ``conflict``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
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
    conflict,
    invalid,
    not_found,
    user_with,
)
from shequ.territory.api import region_path
from shequ.territory.models import Grid, Level, Region
from shequ.workforce.actions import workers as actions
from shequ.workforce.models import CommunityWorker, PostKind, WorkerStatus
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries import staffing as staffing_queries
from shequ.workforce.queries import workers as queries
from shequ.workforce.schemas_workers import (
    EndPostIn,
    FigureIn,
    FigureOut,
    PayIn,
    PostIn,
    PostOut,
    StaffingOut,
    StaffingRowOut,
    StatusIn,
    WorkerDetailOut,
    WorkerIn,
    WorkerOut,
    WorkerPatchIn,
    figure_out,
)

router = Router(tags=["workforce"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CONFLICT = {409: ErrorOut}
FIELD_NAMES = {
    "region": "region_code",
    "community": "community_code",
    "grid": "grid_code",
    "value": "urban_population",
}


def _stale(exc: ValidationError) -> ApiError | None:
    """The action's refusal of a stale version (a plain error coded ``conflict``) as a 409."""
    if not hasattr(exc, "error_dict") and any(e.code == "conflict" for e in exc.error_list):
        return conflict("version", actions.conflict_message())
    return None


def _acting(field_names: dict[str, str] | None = None) -> AbstractContextManager[None]:
    return acting({**FIELD_NAMES, **(field_names or {})}, as_conflict=_stale)


def _employer(user: Any, code: str) -> Region:
    region = queries.employing_regions(user).filter(code=code.strip()).first()
    if region is None:
        raise not_found("region_code")
    return region


def _detailed(user: Any, worker_id: int) -> CommunityWorker:
    """A worker with what ``WorkerDetailOut`` shows attached."""
    worker = queries.worker_detail(user, worker_id)
    posts = list(queries.worker_posts(worker))
    worker.open_posts = [p for p in posts if p.ended_on is None]  # type: ignore[attr-defined]
    worker.api_posts = posts  # type: ignore[attr-defined]
    worker.api_history = list(queries.status_history(worker))  # type: ignore[attr-defined]
    worker.api_pay = [  # type: ignore[attr-defined]
        {
            "year": row.year,
            "amount": row.amount,
            "average_wage_previous_year": row.average,
            "below_average": row.below_average,
        }
        for row in queries.pay_rows(worker)
    ]
    return worker


# --- Workers --------------------------------------------------------------------------------------


@router.get(
    "/workers",
    response={200: list[WorkerOut], **ERRORS},
    summary="社区工作者检索（本辖区）：姓名、区域、现任岗位、状态、薪酬低于上年社平工资",
)
@paginate(PagePagination)
def list_workers(
    request: HttpRequest,
    q: str = Query("", max_length=30, description="姓名中的文字"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
    post_kind: str = Query("", description="现任岗位代码"),
    status: str = Query("", description="状态代码"),
    pay_below_year: int | None = Query(
        None, ge=2000, le=2100, description="该年度薪酬低于上年社平工资"
    ),
) -> QuerySet[CommunityWorker]:
    user = user_with(request, WorkforcePerm.VIEW)
    if post_kind and post_kind not in PostKind.values:
        raise invalid("post_kind", _("岗位代码不正确。"))
    if status and status not in WorkerStatus.values:
        raise invalid("status", _("状态代码不正确。"))
    filters = queries.WorkerFilters(
        q=q,
        region_path=region_path(user, region, WorkforcePerm.VIEW),
        post_kind=post_kind,
        status=status,
        pay_below_average_year=pay_below_year,
    )
    return queries.search_workers(user, filters)


@router.post(
    "/workers",
    response={201: WorkerDetailOut, **ERRORS},
    summary="登记社区工作者；身份证号校验并不得重复",
)
def create_worker(request: HttpRequest, payload: WorkerIn) -> Status[CommunityWorker]:
    user = user_with(request, WorkforcePerm.EDIT)
    region = _employer(user, payload.region_code)
    values = payload.model_dump(exclude={"region_code"})
    with _acting():
        worker = actions.register_worker(region=region, by=user, **values)
    return Status(201, (_detailed(user, worker.pk)))


@router.get(
    "/workers/{worker_id}",
    response={200: WorkerDetailOut, **ERRORS},
    summary="社区工作者详情：岗位、状态变更、薪酬（身份证号、手机号已遮蔽）",
)
def get_worker(request: HttpRequest, worker_id: int) -> CommunityWorker:
    user = user_with(request, WorkforcePerm.VIEW)
    return _detailed(user, worker_id)


@router.patch(
    "/workers/{worker_id}",
    response={200: WorkerDetailOut, **CONFLICT, **ERRORS},
    summary="修改社区工作者：带上读取时的 version；期间有人改过则 409",
)
def patch_worker(request: HttpRequest, worker_id: int, payload: WorkerPatchIn) -> CommunityWorker:
    user = user_with(request, WorkforcePerm.EDIT)
    worker = queries.editable_worker(user, worker_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "region_code"})
    for name in ("name", "hiring_method"):
        if name in changes and changes[name] is None:
            raise invalid(name, _("该项不能为空。"))
    changes = {k: ("" if v is None else v) for k, v in changes.items()}
    region = None
    if payload.region_code:
        region = _employer(user, payload.region_code)
    with _acting():
        actions.update_worker(
            worker=worker, by=user, version=payload.version, region=region, **changes
        )
    return _detailed(user, worker_id)


@router.post(
    "/workers/{worker_id}/status",
    response={200: WorkerDetailOut, **CONFLICT, **ERRORS},
    summary="变更状态（离职、退休、解聘时在任岗位于生效日期结束）",
)
def post_status(request: HttpRequest, worker_id: int, payload: StatusIn) -> CommunityWorker:
    user = user_with(request, WorkforcePerm.EDIT)
    worker = queries.editable_worker(user, worker_id)
    with _acting():
        actions.change_status(
            worker=worker,
            to_status=payload.to_status,
            effective_on=payload.effective_on,
            reason=payload.reason,
            version=payload.version,
            by=user,
        )
    return _detailed(user, worker_id)


@router.post(
    "/workers/{worker_id}/posts",
    response={201: PostOut, **ERRORS},
    summary="登记岗位；专职网格员须指定本村(社区)的网格，且同时只能担任一个网格",
)
def create_post(request: HttpRequest, worker_id: int, payload: PostIn) -> Status[Any]:
    user = user_with(request, WorkforcePerm.EDIT)
    worker = queries.editable_worker(user, worker_id)
    try:
        community = queries.region_in_scope(user, payload.community_code, WorkforcePerm.EDIT)
    except Http404:
        raise not_found("community_code") from None
    grid = None
    if payload.grid_code:
        grid = Grid.objects.filter(code=payload.grid_code.strip()).defer("geometry").first()
        if grid is None:
            raise invalid("grid_code", _("网格编码不存在。"))
    if community.level != Level.COMMUNITY:
        raise invalid("community_code", _("岗位应设在具体的村(社区)。"))
    with _acting():
        post = actions.assign_post(
            worker=worker,
            kind=payload.kind,
            community=community,
            grid=grid,
            started_on=payload.started_on,
            ended_on=payload.ended_on,
            note=payload.note,
            by=user,
        )
    return Status(201, queries.post_of(user, worker.pk, post.pk, WorkforcePerm.VIEW))


@router.post(
    "/workers/{worker_id}/posts/{worker_post_id}/end",
    response={200: PostOut, **ERRORS},
    summary="结束岗位",
)
def end_post(request: HttpRequest, worker_id: int, worker_post_id: int, payload: EndPostIn) -> Any:
    user = user_with(request, WorkforcePerm.EDIT)
    post = queries.post_of(user, worker_id, worker_post_id)
    with _acting():
        actions.end_post(post=post, ended_on=payload.ended_on, by=user)
    return queries.post_of(user, worker_id, worker_post_id, WorkforcePerm.VIEW)


@router.put(
    "/workers/{worker_id}/pay/{pay_year}",
    response={200: WorkerDetailOut, **ERRORS},
    summary="登记或更正某年度应发薪酬（元）",
)
def put_pay(request: HttpRequest, worker_id: int, pay_year: int, payload: PayIn) -> CommunityWorker:
    user = user_with(request, WorkforcePerm.MANAGE_PAY)
    worker = queries.worker_detail(user, worker_id, WorkforcePerm.MANAGE_PAY)
    with _acting({"year": "pay_year"}):
        actions.record_pay(worker=worker, year=pay_year, amount=payload.amount, by=user)
    return _detailed(user, worker_id)


# --- Staffing -------------------------------------------------------------------------------------


def _row_out(row: staffing_queries.StaffingRow) -> StaffingRowOut:
    return StaffingRowOut(
        region_code=row.region.code,
        region_name=row.region.name,
        level=row.region.level,
        workers=row.workers,
        workers_per_10k=row.per_10k,
        per_10k_applies=row.per_10k_applies,
        population_missing=row.population_missing,
        below_standard=row.below_standard,
        certified=row.certified,
        certified_share=row.certified_share,
        grids=row.grids,
        grids_without_worker=row.grids_without_worker,
        communities=row.communities,
        generalist_communities=row.generalist_communities,
        communities_without_officer=row.communities_without_officer,
    )


@router.get(
    "/staffing",
    response={200: StaffingOut, **ERRORS},
    summary="配备情况：各下级地区在岗人数、每万城镇常住人口社区工作者数、持证社工、网格和村(社区)配备",
)
def get_staffing(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="区划代码，默认本人辖区"),
    on: date | None = Query(None, description="统计日期，默认今天"),  # noqa: B008
) -> StaffingOut:
    user = user_with(request, WorkforcePerm.VIEW)
    try:
        place = staffing_queries.chosen_region(user, region.strip())
    except Http404:
        raise not_found("region") from None
    day = on or timezone.localdate()
    table = staffing_queries.staffing(user, place, day)
    return StaffingOut(
        region_code=place.code,
        region_name=place.name,
        on=day,
        standard_per_10k=staffing_queries.WORKERS_PER_10K_STANDARD,
        rows=[_row_out(row) for row in table.rows],
        total=_row_out(table.total),
    )


# --- Figures --------------------------------------------------------------------------------------


@router.get(
    "/figures",
    response={200: list[FigureOut], **ERRORS},
    summary="各县(市、区)和全市某年度的城镇常住人口和社会平均工资",
)
def list_figures(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100, description="年度，默认上一年"),
) -> list[FigureOut]:
    user = user_with(request, WorkforcePerm.VIEW)
    chosen = year or timezone.localdate().year - 1
    return [
        figure_out(row.region.code, row.region.name, row.year, row.population, row.wage)
        for row in queries.figure_rows(user, [chosen])
    ]


@router.put(
    "/figures/{figure_region_code}/{figure_year}",
    response={200: FigureOut, **ERRORS},
    summary="填报或替换某县(市、区)或全市某年度的城镇常住人口和（或）社会平均工资",
)
def put_figures(
    request: HttpRequest, figure_region_code: str, figure_year: int, payload: FigureIn
) -> FigureOut:
    user = user_with(request, WorkforcePerm.CONFIGURE)
    region = queries.configurable_regions(user).filter(code=figure_region_code.strip()).first()
    if region is None:
        raise not_found("figure_region_code")
    if payload.urban_population is None and payload.average_wage is None:
        raise invalid("urban_population", _("请至少填写城镇常住人口或社会平均工资之一。"))
    names = {"year": "figure_year", "population": "urban_population", "amount": "average_wage"}
    with _acting(names), transaction.atomic():
        if payload.urban_population is not None:
            actions.record_urban_population(
                    region=region, year=figure_year, population=payload.urban_population,
                    source=payload.urban_population_source, by=user,
                )  # fmt: skip
        if payload.average_wage is not None:
            actions.record_average_wage(
                    region=region, year=figure_year, amount=payload.average_wage,
                    source=payload.average_wage_source, by=user,
                )  # fmt: skip
    row = queries.figure_of(user, region.code, figure_year)
    return figure_out(region.code, region.name, figure_year, row.population, row.wage)
