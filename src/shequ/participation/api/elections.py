"""The elections API, under ``/api/v1/participation``:

- ``GET /elections`` (``?status=``), ``GET /elections/{election_id}``,
  ``GET /elections/{election_id}/roll`` — staff with VIEW, scoped (names and groups only);
- ``POST /elections/{election_id}/registrations`` — a verified resident of the community applies;
- ``POST /elections/{election_id}/objections`` — a verified resident of the community (or staff
  managing elections there) objects to the published roll before the deadline.

Errors as ``core.api``: no permission → 403; outside the jurisdiction or unknown → 404; the action's
refusal → 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, choice, not_found, user_with
from shequ.participation.actions import elections as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.models.elections import Election, ElectionStatus, RollEntry
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import elections as queries
from shequ.participation.schemas_elections import (
    ElectionOut,
    ObjectionIn,
    ObjectionOut,
    RegistrationIn,
    RegistrationOut,
    RollEntryOut,
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
def get_roll(request: HttpRequest, election_id: int) -> list[dict[str, Any]]:
    election = _election(user_with(request, Perm.VIEW), election_id)
    entries: QuerySet[RollEntry] = queries.roll(election)
    return [
        {
            "id": e.pk,
            "resident_id": e.resident_id,
            "name": e.resident.name,
            "group": queries.group_of(e),
            "basis": e.basis,
            "basis_label": str(e.get_basis_display()),
        }
        for e in entries
    ]


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
