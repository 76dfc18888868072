"""The party API, under ``/api/v1/volunteering``:

- ``GET``/``POST /party/organizations``; ``GET /party/organizations/{party_org_id}``;
  ``GET``/``POST /party/organizations/{party_org_id}/members`` (names masked; rostering by ID
  number); ``POST .../members/{member_id}/remove``, ``.../members/{member_id}/retire``;
- ``GET /party/checkins`` (pending first); ``POST /party/checkins/{checkin_id}/decide``,
  ``POST /party/checkins/{checkin_id}/end``;
- ``GET /party/coverage?region=`` (indicator 12);
- the member's own: ``GET /me/party``, ``POST /me/party/check-in``.

Errors as ``core.api``: no permission → 403; outside the jurisdiction → 404; refused → 422.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, not_found, user_with
from shequ.core.masking import mask_name
from shequ.territory.queries import region_in_scope
from shequ.volunteering.actions import party as actions
from shequ.volunteering.models import PartyMemberCheckin, PartyOrganization
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import party as queries
from shequ.volunteering.schemas_party import (
    CheckInIn,
    CheckInOut,
    CoverageOut,
    CoverageRowOut,
    DecideIn,
    MemberIn,
    MemberOut,
    PartyOrgIn,
    PartyOrgOut,
)

router = Router(tags=["volunteering"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = VolunteeringPerm.VIEW
PARTY = VolunteeringPerm.PARTY


@router.get("/party/organizations", response={200: list[PartyOrgOut], **ERRORS})
@paginate(PagePagination)
def list_organizations(
    request: HttpRequest, q: str = Query("", max_length=60)
) -> QuerySet[PartyOrganization]:
    return queries.organizations(user_with(request, VIEW), q)


@router.post("/party/organizations", response={201: PartyOrgOut, **ERRORS})
def create_organization(request: HttpRequest, payload: PartyOrgIn) -> Status[PartyOrganization]:
    user = user_with(request, PARTY)
    try:
        region = region_in_scope(user, payload.region_code, PARTY)
    except Http404:
        raise not_found("region_code", _("找不到该区域，或不在您的管辖范围内。")) from None
    with acting():
        org = actions.create_organization(
            region=region,
            name=payload.name,
            kind=payload.kind,
            workplace=payload.workplace,
            by=user,
        )
    return Status(201, org)


@router.get("/party/organizations/{party_org_id}", response={200: PartyOrgOut, **ERRORS})
def get_organization(request: HttpRequest, party_org_id: int) -> PartyOrganization:
    return queries.organization(user_with(request, VIEW), party_org_id)


def _members(user: Any, org: PartyOrganization) -> list[MemberOut]:
    return [
        MemberOut(
            id=row.member.pk,
            name=mask_name(row.member.resident.name),
            community_code=row.member.community.code if row.visible else "",
            in_service=row.member.in_service,
            checkin_status=row.checkin_status,
        )
        for row in queries.roster(user, org)
    ]


@router.get(
    "/party/organizations/{party_org_id}/members",
    response={200: list[MemberOut], **ERRORS},
    summary="党组织名册：姓名脱敏；居住在辖区外的不给出社区",
)
def list_members(request: HttpRequest, party_org_id: int) -> list[MemberOut]:
    user = user_with(request, VIEW)
    return _members(user, queries.organization(user, party_org_id))


@router.post("/party/organizations/{party_org_id}/members", response={201: MemberOut, **ERRORS})
def add_member(request: HttpRequest, party_org_id: int, payload: MemberIn) -> Status[MemberOut]:
    user = user_with(request, PARTY)
    org = queries.organization(user, party_org_id, PARTY)
    with acting():
        member = actions.add_member(organization=org, id_number=payload.id_number, by=user)
    row = next(m for m in _members(user, org) if m.id == member.pk)
    return Status(201, row)


def _member_step(
    request: HttpRequest, party_org_id: int, member_id: int, act: Any
) -> list[MemberOut]:
    user = user_with(request, PARTY)
    org = queries.organization(user, party_org_id, PARTY)
    member = queries.roster_member(org, member_id)
    with acting():
        act(member=member, by=user)
    return _members(user, org)


@router.post(
    "/party/organizations/{party_org_id}/members/{member_id}/remove",
    response={200: list[MemberOut], **ERRORS},
)
def remove_member(request: HttpRequest, party_org_id: int, member_id: int) -> list[MemberOut]:
    return _member_step(request, party_org_id, member_id, actions.remove_member)


@router.post(
    "/party/organizations/{party_org_id}/members/{member_id}/retire",
    response={200: list[MemberOut], **ERRORS},
)
def retire_member(request: HttpRequest, party_org_id: int, member_id: int) -> list[MemberOut]:
    return _member_step(request, party_org_id, member_id, actions.mark_not_in_service)


@router.get("/party/checkins", response={200: list[CheckInOut], **ERRORS})
@paginate(PagePagination)
def list_checkins(request: HttpRequest, status: str = Query("")) -> QuerySet[PartyMemberCheckin]:
    return queries.checkins(user_with(request, VIEW), status)


@router.post("/party/checkins/{checkin_id}/decide", response={200: CheckInOut, **ERRORS})
def decide_checkin(request: HttpRequest, checkin_id: int, payload: DecideIn) -> PartyMemberCheckin:
    user = user_with(request, PARTY)
    checkin = queries.checkin(user, checkin_id, PARTY)
    with acting():
        return actions.decide_checkin(
            checkin=checkin, approve=payload.approve, by=user, note=payload.note
        )


@router.post("/party/checkins/{checkin_id}/end", response={200: CheckInOut, **ERRORS})
def end_checkin(request: HttpRequest, checkin_id: int, payload: DecideIn) -> PartyMemberCheckin:
    user = user_with(request, PARTY)
    checkin = queries.checkin(user, checkin_id, PARTY)
    with acting():
        return actions.end_checkin(checkin=checkin, by=user, note=payload.note)


def _row(row: queries.CoverageRow) -> CoverageRowOut:
    return CoverageRowOut(
        label=row.label,
        code=row.code,
        members=row.members,
        checked_in=row.checked_in,
        share=row.share,
    )


@router.get(
    "/party/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="在职党员报到覆盖率：按下级区域和党组织；未登记党员的 share 为 null",
)
def get_coverage(request: HttpRequest, region: str = Query("", max_length=12)) -> CoverageOut:
    report = queries.coverage_report(user_with(request, VIEW), region)
    return CoverageOut(
        region_code=report.region.code,
        total=_row(report.total),
        children=[_row(r) for r in report.children],
        organizations=[_row(r) for r in report.organizations],
    )


def _resident(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("仅限居民本人使用。"))
    return user


@router.get("/me/party", response={200: list[CheckInOut], **ERRORS}, summary="本人的报到记录")
def my_checkins(request: HttpRequest) -> list[PartyMemberCheckin]:
    member = actions.own_membership(_resident(request))
    return list(queries.own_checkins(member)[:50]) if member is not None else []


@router.post("/me/party/check-in", response={201: CheckInOut, **ERRORS})
def my_check_in(request: HttpRequest, payload: CheckInIn) -> Status[PartyMemberCheckin]:
    user = _resident(request)
    with acting():
        checkin = actions.check_in(user=user, offer=payload.offer)
    return Status(201, checkin)
