"""``/api/v1/cases/cases``: the staff inbox, a case with its timeline, intake, and the workflow steps.

Every read goes through ``cases.queries`` (scoped: a case outside the caller's jurisdiction answers 404,
as one that does not exist), every write through ``cases.actions``. The requester's name, phone and
address leave only masked.

Intake: ``POST /cases`` with an ``Idempotency-Key`` header goes through ``intake.submit_once``, so a
client that retries after a lost answer gets the case made the first time (200 and
``Idempotent-Replayed: true``) instead of a second one; the same key with a different body is refused.

Errors, in the shape of ``core.api``:

- the role lacks the permission anywhere → 403 ``forbidden``;
- the case does not exist or lies outside the caller's jurisdiction → 404 ``not_found``;
- the action refuses the caller on a case they can see (``PermissionDenied``) → 403 ``forbidden``;
- the step does not fit the case's status now, or someone else moved the case between this request's
  read and its write (the workflow's conditional UPDATE found nothing to update) → 409 ``conflict``;
- the action's ``ValidationError`` → 422 ``invalid``, its keys renamed to this API's field names;
  a request for a certificate communities no longer issue → 422 ``certificate_abolished``, the message
  saying where the proof is found instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from shequ.accounts.models import HandlingUnit
from shequ.cases import queries
from shequ.cases.actions import handling
from shequ.cases.actions.intake import (
    STAFF_CHANNELS,
    CertificateAbolished,
    Intake,
    request_fingerprint,
    submit_case,
    submit_once,
)
from shequ.cases.models import (
    Case,
    CaseKind,
    CaseStatus,
    Category,
    Channel,
    DeadlineState,
    Priority,
)
from shequ.cases.numbers import parse
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import cases as case_queries
from shequ.cases.queries.steps import available_steps
from shequ.cases.schemas.cases import CaseDetailOut, CaseIn, CaseOut, TransitionIn, TransitionOut
from shequ.cases.workflow import CASE
from shequ.core.api import ApiError, ErrorOut, PagePagination, invalid, invalid_from, user_with
from shequ.territory import queries as territory_queries

router = Router(tags=["cases"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# The actions' error keys, as this API's body calls them.
FIELD_NAMES = {
    "service_item": "service_code",
    "lead": "lead_unit",
    "idempotency_key": "Idempotency-Key",
}


# --- Shared ---------------------------------------------------------------------------------------


def _viewer(request: HttpRequest, perm: str = CasesPerm.VIEW) -> Any:
    return user_with(request, perm)


def _invalid(field: str, message: str) -> ApiError:
    return invalid(field, message)


def _invalid_from(exc: ValidationError) -> ApiError:
    return invalid_from(exc, FIELD_NAMES)


@contextmanager
def _acting() -> Iterator[None]:
    """An action on a case the caller can see: a refusal is a 403, a ``ValidationError`` a 422 with
    this API's field names."""
    try:
        yield
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or _("您没有执行此操作的权限。")) from None
    except CertificateAbolished as exc:
        raise ApiError(422, "certificate_abolished", exc.messages[0]) from None
    except ValidationError as exc:
        raise _invalid_from(exc) from None


def _find_case(user: Any, number_or_id: str) -> Case:
    """A case by its number (with or without separators; the check digit must hold) or its id."""
    text = (number_or_id or "").strip()
    parsed = parse(text)
    if parsed is not None:
        case = case_queries.case_detail(user, parsed[0])
        if case.number[:6] != parsed[1]:
            raise Http404
        return case
    if text.isdigit() and len(text) <= 12:
        return case_queries.case_detail(user, int(text))
    raise Http404


def _detailed(user: Any, case: Case) -> Case:
    case.api_units = list(case_queries.case_units(case))  # type: ignore[attr-defined]
    case.api_timeline = list(case_queries.timeline(case))  # type: ignore[attr-defined]
    case.api_transitions = available_steps(user, case)  # type: ignore[attr-defined]
    return case


# --- Lists and detail -----------------------------------------------------------------------------


def _filters(
    user: Any, *, status: str, deadline: str, category: str, kind: str, region: str, q: str
) -> case_queries.CaseFilters:
    status = "" if status == "all" else status
    if status and status != "open" and status not in CaseStatus.values:
        raise _invalid("status", _("状态不正确。"))
    if deadline and deadline not in DeadlineState.values:
        raise _invalid("deadline", _("时限状态不正确。"))
    if category and category not in Category.values:
        raise _invalid("category", _("类别不正确。"))
    if kind and kind not in CaseKind.values:
        raise _invalid("kind", _("诉求类型不正确。"))
    region_path = ""
    if region:
        try:
            region_path = territory_queries.region_detail(user, region).path
        except Http404:
            raise _invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    return case_queries.CaseFilters(
        status=status,
        deadline=deadline,
        category=category,
        kind=kind,
        region_path=region_path,
        q=q.strip(),
    )


class InboxPagination(PagePagination):
    """``PagePagination`` that picks the page's ids first (``queries.cases.page_ids``, from an
    index where it can), then reads those rows with their joins.

    Read whole and joined, every case in scope was read to sort it (bench/bench_case_inbox.py: a
    county's open cases, 18,000 rows; all its cases, 183,000). One query more than a plain page; a
    page past the cases with a running stage takes one or two more, whatever its size.
    """

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        ids = case_queries.page_ids(queryset, offset, offset + pagination.page_size)
        return {
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "results": case_queries.rows_for(queryset, ids),
        }


@router.get(
    "",
    response={200: list[CaseOut], **ERRORS},
    summary="工单列表（本辖区，默认只列未办结的，最紧急的在前；申请人信息脱敏）",
)
@paginate(InboxPagination)
def list_cases(
    request: HttpRequest,
    status: str = Query("open", description="状态；open（默认）为所有未办结的，all 为全部"),
    deadline: str = Query("", description="时限状态：on_time、due_soon、overdue"),
    category: str = Query("", description="类别代码"),
    kind: str = Query("", description="request、complaint、suggestion、grid_event、alarm"),
    region: str = Query("", max_length=12, description="区划代码：只看该区域及以下"),
    q: str = Query("", max_length=100, description="工单编号，或标题中的文字"),
) -> QuerySet[Case]:
    user = _viewer(request)
    filters = _filters(
        user, status=status, deadline=deadline, category=category, kind=kind, region=region, q=q
    )
    return case_queries.inbox(user, filters)


@router.get(
    "/{number_or_id}",
    response={200: CaseDetailOut, **ERRORS},
    summary="工单详情：办理记录、承办单位，以及您现在可以进行的操作",
)
def get_case(request: HttpRequest, number_or_id: str) -> Case:
    user = _viewer(request)
    return _detailed(user, _find_case(user, number_or_id))


@router.get(
    "/{case_id}/transitions",
    response={200: list[TransitionOut], **ERRORS},
    summary="您现在可以对该工单进行的操作",
)
def list_transitions(request: HttpRequest, case_id: int) -> list[Any]:
    user = _viewer(request)
    return available_steps(user, case_queries.case_detail(user, case_id))


# --- Intake ---------------------------------------------------------------------------------------


def _channels_of(user: Any) -> tuple[str, ...]:
    """The channels this caller may submit through: a resident online only; staff for the people they
    serve (``cases.intake``) and from patrol (``cases.report``)."""
    if getattr(user, "is_resident", False):
        return (Channel.ONLINE,)
    channels: tuple[str, ...] = ()
    if user.has_permission(CasesPerm.INTAKE):
        channels += tuple(STAFF_CHANNELS)
    if user.has_permission(CasesPerm.REPORT):
        channels += (Channel.GRID_PATROL,)
    return channels


def _intake(user: Any, payload: CaseIn) -> tuple[Intake, Any]:
    """The intake the body describes, and who enters it (``None`` for a resident's own request)."""
    allowed = _channels_of(user)
    if not allowed:
        raise ApiError(403, "forbidden", _("您没有录入诉求的权限。"))
    channel = payload.channel or allowed[0]
    if channel not in allowed:
        names = "、".join(f"{c}（{Channel(c).label}）" for c in allowed)
        raise _invalid("channel", _("您只能通过以下受理渠道提交：%(names)s。") % {"names": names})
    item = None
    if payload.service_code:
        item = queries.admitted_item_by_code(payload.service_code)
        if item is None:
            raise _invalid(
                "service_code",
                _("找不到编码为“%(code)s”的服务事项，或该事项未开放办理。")
                % {"code": payload.service_code},
            )
    region = None
    if payload.community_code:
        try:
            region = queries.community(payload.community_code)
        except Http404:
            raise _invalid(
                "community_code", _("找不到该村(社区)，请使用村(社区)一级的区划代码。")
            ) from None
    grid = None
    if payload.grid_code:
        try:
            grid = territory_queries.grid_detail(user, payload.grid_code)
        except Http404:
            raise _invalid("grid_code", _("找不到该网格，或不在您的管辖范围内。")) from None
    if (payload.latitude is None) != (payload.longitude is None):
        raise _invalid("location", _("请同时提供纬度和经度。"))
    resident = getattr(user, "is_resident", False)
    data = Intake(
        channel=channel,
        description=payload.description,
        kind=payload.kind,
        category=payload.category,
        title=payload.title,
        service_item=item,
        priority=payload.priority,
        region=region,
        grid=grid,
        latitude=payload.latitude,
        longitude=payload.longitude,
        address=payload.address,
        attributes=dict(payload.attributes),
        requester=user if resident else None,
        requester_name=payload.requester_name,
        requester_phone=payload.requester_phone,
        anonymous=payload.anonymous,
        proxy_name=payload.proxy_name,
        is_public=payload.is_public,
    )
    return data, None if resident else user


@router.post(
    "",
    response={200: CaseOut, 201: CaseOut, **ERRORS},
    summary="录入诉求；带 Idempotency-Key 重试时返回第一次创建的工单",
)
def create_case(
    request: HttpRequest,
    payload: CaseIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="客户端生成的唯一键（1–100 个字符）"
    ),
) -> Status[Case]:
    user = request.user
    data, by = _intake(user, payload)
    with _acting():
        if idempotency_key is None:
            return Status(201, submit_case(data, by=by))
        case, created = submit_once(
            data,
            key=idempotency_key,
            owner=f"user:{user.pk}",
            fingerprint=request_fingerprint(payload.model_dump()),
            by=by,
        )
    if created:
        return Status(201, case)
    response["Idempotent-Replayed"] = "true"
    return Status(200, case)


# --- Workflow steps -------------------------------------------------------------------------------


def _unit(case: Case, code: str, field: str) -> HandlingUnit:
    """A handling unit that may serve the case's community (at it or above), by code."""
    unit = (
        queries.units_for(case.region).filter(code=code.strip()).first() if code.strip() else None
    )
    if unit is None:
        raise _invalid(
            field,
            _("找不到编码为“%(code)s”的承办单位，或它不负责该工单所在区域。") % {"code": code},
        )
    return unit


def _target(user: Any, number_or_id: str) -> Case:
    try:
        return _find_case(user, number_or_id)
    except Http404:
        raise _invalid("into", _("找不到要合并到的工单，或它不在您的管辖范围内。")) from None


def _accept(case: Case, by: Any, body: TransitionIn) -> None:
    if body.priority and body.priority not in Priority.values:
        raise _invalid("priority", _("紧急程度不正确。"))
    handling.accept(case=case, by=by, priority=body.priority, note=body.note)


def _dispatch(case: Case, by: Any, body: TransitionIn) -> None:
    if not body.lead_unit.strip():
        raise _invalid("lead_unit", _("请选择主办单位。"))
    lead = _unit(case, body.lead_unit, "lead_unit")
    co = [_unit(case, code, "co_units") for code in body.co_units]
    handling.dispatch(case=case, by=by, lead=lead, co_units=co, note=body.note)


def _whistle(case: Case, by: Any, body: TransitionIn) -> None:
    units = [_unit(case, code, "units") for code in body.units]
    handling.whistle(case=case, by=by, units=units, note=body.note)


def _merge(case: Case, by: Any, body: TransitionIn) -> None:
    if not body.into.strip():
        raise _invalid("into", _("请填写要合并到的工单编号。"))
    handling.merge(case=case, into=_target(by, body.into), by=by, note=body.note)


Fire = Callable[[Case, Any, TransitionIn], Any]

FIRE: dict[str, Fire] = {
    "accept": _accept,
    "reject": lambda c, by, b: handling.reject(case=c, by=by, reason=b.reason),
    "dispatch": _dispatch,
    "start_self": lambda c, by, b: handling.start_self(case=c, by=by, note=b.note),
    "sign": lambda c, by, b: handling.sign(case=c, by=by),
    "return": lambda c, by, b: handling.return_case(case=c, by=by, reason=b.reason),
    "handle": lambda c, by, b: handling.handle(case=c, by=by, result=b.result),
    "verify": lambda c, by, b: handling.verify(case=c, by=by, passed=True, note=b.note),
    "verify_fail": lambda c, by, b: handling.verify(case=c, by=by, passed=False, note=b.note),
    "close": lambda c, by, b: handling.close(case=c, by=by, note=b.note),
    "resume": lambda c, by, b: handling.resume(case=c, by=by, note=b.note),
    "merge": _merge,
    "whistle": _whistle,
    "report_in": lambda c, by, b: handling.report_in(case=c, by=by, note=b.note),
    "urge": lambda c, by, b: handling.urge(case=c, by=by, note=b.note),
    "supervise": lambda c, by, b: handling.supervise(case=c, by=by, note=b.note),
    "note": lambda c, by, b: handling.add_note(case=c, by=by, note=b.note),
}

# Steps that are workflow transitions: their names in ``workflow.CASE`` ("handle" is also
# "handle_self", whose sources are the same).
WORKFLOW_STEPS = {name for name in FIRE if name in {t.name for t in CASE.transitions}}


def _conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message, [{"field": "status", "message": message}])


def _status_conflict(case: Case, name: str) -> ApiError:
    return _conflict(
        _("该工单当前为“%(status)s”，不能进行“%(step)s”，请刷新后查看最新状态。")
        % {"status": case.get_status_display(), "step": CASE.get(name).label}
    )


@router.post(
    "/{case_id}/transitions/{transition}",
    response={200: CaseDetailOut, 409: ErrorOut, **ERRORS},
    summary="对工单进行一项操作：受理、派遣、签收、退回、办理、核查、办结、合并、吹哨、报到、催办、督办、备注等",
)
def fire_transition(
    request: HttpRequest, case_id: int, transition: str, payload: TransitionIn
) -> Case:
    user = _viewer(request)
    case = case_queries.case_detail(user, case_id)
    if transition not in FIRE:
        message = _("未知的操作。")
        raise ApiError(404, "not_found", message, [{"field": "transition", "message": message}])
    if transition in WORKFLOW_STEPS and case.status not in CASE.get(transition).sources:
        raise _status_conflict(case, transition)
    seen = case.version
    try:
        with _acting():
            FIRE[transition](case, user, payload)
    except ApiError as exc:
        # The workflow refuses a stale row with a plain ValidationError, like any other. Which one it
        # was is read from the data, not from the (translated) message: if the case's version moved
        # on since this request read it, someone else's step committed in between — a conflict.
        if exc.status == 422 and transition in WORKFLOW_STEPS:
            current = _current(user, case_id)
            if current is None or current.version != seen:
                raise _conflict(_("该工单刚刚已被他人处理，请刷新后查看最新状态。")) from None
        raise
    return _detailed(user, _current(user, case_id) or case)


def _current(user: Any, case_id: int) -> Case | None:
    try:
        return case_queries.case_detail(user, case_id)
    except Http404:
        return None
