"""The elections API, under ``/api/v1/participation``:

- ``GET /elections`` (``?status=``), ``GET /elections/{election_id}``,
  ``GET /elections/{election_id}/roll``, ``GET /elections/{election_id}/roll/removed``,
  ``GET /elections/{election_id}/registrations``, ``GET /elections/{election_id}/objections`` —
  staff with VIEW, scoped, paged (names and groups only, never an ID number);
- ``POST /elections/{election_id}/registrations`` — a verified resident of the community applies;
- ``POST /elections/{election_id}/objections`` — a verified resident of the community (or staff
  managing elections there) objects to the published roll before the deadline;
- staff managing elections (ELECTIONS), each object fetched through the scoped query, each step one
  action, as the pages do: ``POST /elections`` (create), ``POST /elections/{election_id}/build``
  (build the roll from the registry), ``POST /elections/{election_id}/roll`` (add someone by hand,
  with the reason), ``POST /elections/entries/{roll_entry_id}/remove`` (with the reason),
  ``POST /elections/registrations/{registration_id}/decision``,
  ``POST /elections/{election_id}/publish``, ``POST /elections/objections/{roll_objection_id}/decision``,
  ``POST /elections/{election_id}/finalise``, and ``POST /elections/{election_id}/export`` — the
  final roll as the page's file (XLSX or CSV, ID numbers masked to the last four), the reason audited.

Errors as ``core.api``: no permission → 403; outside the jurisdiction or unknown → 404; the action's
refusal → 403 or 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
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
    not_found,
    user_with,
)
from shequ.participation.actions import elections as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.models.elections import (
    Election,
    ElectionStatus,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import elections as queries
from shequ.participation.queries import residents as people
from shequ.participation.schemas_elections import (
    ElectionIn,
    ElectionOut,
    ExportIn,
    ObjectionDecisionIn,
    ObjectionDetailOut,
    ObjectionIn,
    ObjectionOut,
    PublishIn,
    RegistrationDecisionIn,
    RegistrationDetailOut,
    RegistrationIn,
    RegistrationOut,
    RemovedEntryOut,
    RollAddIn,
    RollBuildOut,
    RollEntryOut,
    RollRemoveIn,
    VersionIn,
)
from shequ.registry.models import Resident

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm


def _election(user: Any, election_id: int) -> Election:
    try:
        return queries.election_detail(user, election_id)
    except Http404:
        raise not_found("election_id") from None


def _for_resident_or_staff(user: Any, election_id: int) -> Election:
    if getattr(user, "is_resident", False):
        me = own_resident(user)
        if me is None:
            raise not_found("election_id")
        try:
            return queries.resident_election(me, election_id)
        except Http404:
            raise not_found("election_id") from None
    if not user.has_permission(Perm.VIEW):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    return _election(user, election_id)


@router.get("/elections", response={200: list[ElectionOut], **ERRORS}, summary="换届选举（本辖区）")
@paginate(PagePagination)
def list_elections(request: HttpRequest, status: str = Query("")) -> QuerySet[Election]:
    user = user_with(request, Perm.VIEW)
    return queries.elections(user, choice(status, ElectionStatus, "status"))


@router.get("/elections/{election_id}", response={200: ElectionOut, **ERRORS})
def get_election(request: HttpRequest, election_id: int) -> Election:
    return _election(user_with(request, Perm.VIEW), election_id)


@router.get(
    "/elections/{election_id}/roll",
    response={200: list[RollEntryOut], **ERRORS},
    summary="选民名单（姓名、村民小组/网格、登记依据）",
)
@paginate(PagePagination)
def get_roll(request: HttpRequest, election_id: int) -> QuerySet[RollEntry]:
    return queries.roll(_election(user_with(request, Perm.VIEW), election_id))


@router.get(
    "/elections/{election_id}/roll/removed",
    response={200: list[RemovedEntryOut], **ERRORS},
    summary="已除名的人员及除名原因",
)
@paginate(PagePagination)
def get_removed(request: HttpRequest, election_id: int) -> QuerySet[RollEntry]:
    return queries.removed(_election(user_with(request, Perm.VIEW), election_id))


@router.get(
    "/elections/{election_id}/registrations",
    response={200: list[RegistrationDetailOut], **ERRORS},
    summary="选民登记申请（待审核在前）",
)
@paginate(PagePagination)
def list_registrations(request: HttpRequest, election_id: int) -> QuerySet[VoterRegistration]:
    return queries.requests(_election(user_with(request, Perm.VIEW), election_id))


@router.get(
    "/elections/{election_id}/objections",
    response={200: list[ObjectionDetailOut], **ERRORS},
    summary="对选民名单的异议（待处理在前）",
)
@paginate(PagePagination)
def list_objections(request: HttpRequest, election_id: int) -> QuerySet[RollObjection]:
    return queries.objections(_election(user_with(request, Perm.VIEW), election_id))


@router.post(
    "/elections/{election_id}/registrations",
    response={201: RegistrationOut, **ERRORS},
    summary="居民申请选民登记（登记截止日期前）",
)
def apply(request: HttpRequest, election_id: int, payload: RegistrationIn) -> Status[Any]:
    user: Any = request.user
    election = _for_resident_or_staff(user, election_id)
    with acting():
        made = actions.apply(
            election=election, by=user, reason=payload.reason, years_resident=payload.years_resident
        )
    return Status(201, made)


@router.post(
    "/elections/{election_id}/objections",
    response={201: ObjectionOut, **ERRORS},
    summary="对公示的选民名单提出异议（异议截止日期前）",
)
def object_to_roll(request: HttpRequest, election_id: int, payload: ObjectionIn) -> Status[Any]:
    user: Any = request.user
    election = _for_resident_or_staff(user, election_id)
    subject = Resident.objects.filter(pk=payload.subject_id, community=election.community).first()
    if subject is None:
        raise not_found("subject_id")
    with acting({"subject": "subject_id"}):
        made = actions.file_objection(
            election=election, by=user, kind=payload.kind, subject=subject, body=payload.body
        )
    return Status(201, made)


# --- Staff managing elections ---------------------------------------------------------------------

DECISIONS = ("approve", "reject")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _approve(decision: str) -> bool:
    if decision not in DECISIONS:
        raise invalid("decision", _("请选择处理结果：approve 或 reject。"))
    return decision == "approve"


@router.post(
    "/elections",
    response={201: ElectionOut, **ERRORS},
    summary="新建换届选举（本辖区的村(社区)）",
)
def create_election(request: HttpRequest, payload: ElectionIn) -> Status[Any]:
    user = user_with(request, Perm.ELECTIONS)
    community = (
        queries.manageable_communities(user).filter(code=payload.community_code.strip()).first()
    )
    if community is None:
        raise not_found("community_code")
    values = payload.dict(exclude={"community_code"})
    with acting({"community": "community_code"}):
        made = actions.create_election(by=user, community=community, **values)
    return Status(201, queries.election_detail(user, made.pk))


@router.post(
    "/elections/{election_id}/build",
    response={200: RollBuildOut, **ERRORS},
    summary="按户籍信息生成（或重新生成）选民名单",
)
def build_roll(request: HttpRequest, election_id: int) -> dict[str, Any]:
    user = user_with(request, Perm.ELECTIONS)
    election = _election(user, election_id)
    with acting():
        counts = actions.build_roll(election=election, by=user)
    return {**counts, "election": queries.election_detail(user, election.pk)}


@router.post(
    "/elections/{election_id}/roll",
    response={201: RollEntryOut, **ERRORS},
    summary="工作人员补登选民（须填写补登原因）",
)
def add_entry(request: HttpRequest, election_id: int, payload: RollAddIn) -> Status[Any]:
    user = user_with(request, Perm.ELECTIONS)
    election = _election(user, election_id)
    try:
        resident = people.community_resident(
            user, election.community, payload.resident_id, Perm.ELECTIONS
        )
    except Http404:
        raise not_found("resident_id") from None
    with acting({"resident": "resident_id"}):
        entry = actions.add_entry(
            election=election, resident=resident, by=user, reason=payload.reason
        )
    return Status(201, queries.entry_detail(user, entry.pk))


@router.post(
    "/elections/entries/{roll_entry_id}/remove",
    response={200: RemovedEntryOut, **ERRORS},
    summary="将选民除名（须填写除名原因）",
)
def remove_entry(request: HttpRequest, roll_entry_id: int, payload: RollRemoveIn) -> RollEntry:
    user = user_with(request, Perm.ELECTIONS)
    try:
        entry = queries.entry_detail(user, roll_entry_id)
    except Http404:
        raise not_found("roll_entry_id") from None
    with acting():
        actions.remove_entry(entry=entry, by=user, reason=payload.reason)
    return queries.entry_detail(user, entry.pk)


@router.post(
    "/elections/registrations/{registration_id}/decision",
    response={200: RegistrationDetailOut, **ERRORS},
    summary="审核选民登记申请（通过即登记为选民）",
)
def decide_registration(
    request: HttpRequest, registration_id: int, payload: RegistrationDecisionIn
) -> VoterRegistration:
    user = user_with(request, Perm.ELECTIONS)
    try:
        made = queries.request_detail(user, registration_id)
    except Http404:
        raise not_found("registration_id") from None
    approve = _approve(payload.decision)
    with acting():
        actions.decide_registration(
            request=made, by=user, approve=approve, note=payload.note, version=payload.version
        )
    return queries.request_detail(user, made.pk)


@router.post(
    "/elections/{election_id}/publish",
    response={200: ElectionOut, **ERRORS},
    summary="公示选民名单（设定异议截止日期）",
)
def publish(request: HttpRequest, election_id: int, payload: PublishIn) -> Election:
    user = user_with(request, Perm.ELECTIONS)
    election = _election(user, election_id)
    with acting():
        actions.publish(
            election=election,
            by=user,
            objection_deadline=payload.objection_deadline,
            version=payload.version,
        )
    return queries.election_detail(user, election.pk)


@router.post(
    "/elections/objections/{roll_objection_id}/decision",
    response={200: ObjectionDetailOut, **ERRORS},
    summary="处理对选民名单的异议（成立即更正名单）",
)
def decide_objection(
    request: HttpRequest, roll_objection_id: int, payload: ObjectionDecisionIn
) -> RollObjection:
    user = user_with(request, Perm.ELECTIONS)
    try:
        objection = queries.objection_detail(user, roll_objection_id)
    except Http404:
        raise not_found("roll_objection_id") from None
    approve = _approve(payload.decision)
    with acting():
        actions.decide_objection(
            objection=objection,
            by=user,
            approve=approve,
            response=payload.response,
            version=payload.version,
        )
    return queries.objection_detail(user, objection.pk)


@router.post(
    "/elections/{election_id}/finalise",
    response={200: ElectionOut, **ERRORS},
    summary="确定选民名单（异议期满、无待处理事项后）",
)
def finalise(request: HttpRequest, election_id: int, payload: VersionIn) -> Election:
    user = user_with(request, Perm.ELECTIONS)
    election = _election(user, election_id)
    with acting():
        actions.finalise(election=election, by=user, version=payload.version)
    return queries.election_detail(user, election.pk)


@router.post(
    "/elections/{election_id}/export",
    response=ERRORS,
    summary="导出确定后的选民名单（XLSX 或 CSV 文件，证件号码仅显示后四位，事由记入审计）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as the page's export gives it.",
                "content": {
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def export_roll(request: HttpRequest, election_id: int, payload: ExportIn) -> HttpResponse:
    user = user_with(request, Perm.ELECTIONS)
    election = _election(user, election_id)
    with acting():
        made = queries.export_roll(
            user=user, election=election, reason=payload.reason, fmt=payload.fmt
        )
    kind = "text/csv; charset=utf-8" if made.filename.endswith(".csv") else XLSX
    response = HttpResponse(made.content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response["Cache-Control"] = "no-store"
    return response
