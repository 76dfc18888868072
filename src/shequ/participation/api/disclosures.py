"""The open-affairs API, under ``/api/v1/participation``:

- ``GET /disclosures`` (``?category=&status=``), ``GET /disclosures/{disclosure_id}``,
  ``GET /disclosures/{disclosure_id}/objections`` — staff with VIEW, scoped (404 outside);
- ``GET /objections/open`` and ``POST /objections/{objection_id}/response`` — the supervision
  committee (SUPERVISE over the community);
- ``GET /me/disclosures``, ``POST /me/disclosures/{disclosure_id}/objections`` (an
  ``Idempotency-Key`` header makes a retry land once) and ``GET /me/objections`` — verified
  residents of the disclosure's community.

Errors as ``core.api``: 403 without the permission or for a resident of another community, 404
outside the jurisdiction, 422 naming the field for bad input (an objection after the deadline too)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, choice, not_found, user_with
from shequ.core.masking import mask_name
from shequ.participation.actions import disclosures as actions
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureCategory,
    DisclosureStatus,
    Objection,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import disclosures as queries
from shequ.participation.schemas_disclosures import (
    AttachmentOut,
    DisclosureOut,
    ObjectionIn,
    ObjectionOut,
    ResponseIn,
)

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {"request_key": "Idempotency-Key"}


def _objection(o: Objection, *, masked: bool = True) -> dict[str, Any]:
    name = o.resident.name
    return {
        "id": o.pk,
        "disclosure_id": o.disclosure_id,
        "objector": mask_name(name) if masked else name,
        "body": o.body,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "created_at": o.created_at,
        "response": o.response,
        "responded_at": o.responded_at,
        "version": o.version,
    }


def _staff_item(user: Any, disclosure_id: int) -> Disclosure:
    try:
        return queries.disclosure(user, disclosure_id)
    except Http404:
        raise not_found("disclosure_id") from None


@router.get(
    "/disclosures", response={200: list[DisclosureOut], **ERRORS}, summary="村(居)务公开（本辖区）"
)
@paginate(PagePagination)
def list_disclosures(
    request: HttpRequest, category: str = Query(""), status: str = Query("")
) -> QuerySet[Disclosure]:
    user = user_with(request, Perm.VIEW)
    filters = queries.Filters(
        category=choice(category, DisclosureCategory, "category"),
        status=choice(status, DisclosureStatus, "status"),
    )
    return queries.disclosures(user, filters)


@router.get("/disclosures/{disclosure_id}", response={200: DisclosureOut, **ERRORS})
def get_disclosure(request: HttpRequest, disclosure_id: int) -> Disclosure:
    return _staff_item(user_with(request, Perm.VIEW), disclosure_id)


@router.get(
    "/disclosures/{disclosure_id}/attachments", response={200: list[AttachmentOut], **ERRORS}
)
def list_attachments(request: HttpRequest, disclosure_id: int) -> list[dict[str, Any]]:
    item = _staff_item(user_with(request, Perm.VIEW), disclosure_id)
    return [
        {
            "id": a.pk,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "url": reverse("participation:disclosure_attachment", args=[a.pk]),
        }
        for a in queries.attachments(item)
    ]


@router.get("/disclosures/{disclosure_id}/objections", response={200: list[ObjectionOut], **ERRORS})
def list_objections(request: HttpRequest, disclosure_id: int) -> list[dict[str, Any]]:
    item = _staff_item(user_with(request, Perm.VIEW), disclosure_id)
    return [_objection(o, masked=False) for o in queries.objections_of(item)]


@router.get("/objections/open", response={200: list[ObjectionOut], **ERRORS})
@paginate(PagePagination)
def open_objections(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_with(request, Perm.SUPERVISE)
    return [_objection(o, masked=False) for o in queries.objection_queue(user)[:500]]


@router.post(
    "/objections/{objection_id}/response",
    response={200: ObjectionOut, **ERRORS},
    summary="监督委员会答复异议（答复公开，提出人姓名隐去）",
)
def respond(request: HttpRequest, objection_id: int, payload: ResponseIn) -> dict[str, Any]:
    user = user_with(request, Perm.SUPERVISE)
    try:
        objection = queries.supervised_objection(user, objection_id)
    except Http404:
        raise not_found("objection_id") from None
    with acting(FIELDS):
        actions.respond(objection=objection, by=user, response=payload.response)
    objection.refresh_from_db()
    return _objection(objection, masked=False)


def _me(request: HttpRequest) -> Any:
    with acting(FIELDS):
        return verified_resident(request.user)


@router.get("/me/disclosures", response={200: list[DisclosureOut], **ERRORS})
@paginate(PagePagination)
def my_community_disclosures(
    request: HttpRequest, category: str = Query("")
) -> QuerySet[Disclosure]:
    me = _me(request)
    filters = queries.Filters(category=choice(category, DisclosureCategory, "category"))
    return queries.published(me.community, filters)


@router.post(
    "/me/disclosures/{disclosure_id}/objections",
    response={200: ObjectionOut, 201: ObjectionOut, **ERRORS},
    summary="居民在异议期内提出异议；带 Idempotency-Key 重试时返回第一次的异议",
)
def create_objection(
    request: HttpRequest,
    disclosure_id: int,
    payload: ObjectionIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("此项操作只能由居民本人进行。"))
    try:
        item = queries.published_disclosure(disclosure_id)
    except Http404:
        raise not_found("disclosure_id") from None
    key = (idempotency_key or "").strip()
    before = Objection.objects.filter(request_key=key).exists() if key else False
    with acting(FIELDS):
        made = actions.file_objection(disclosure=item, by=user, body=payload.body, request_key=key)
    return Status(200 if before else 201, _objection(made))


@router.get("/me/objections", response={200: list[ObjectionOut], **ERRORS})
@paginate(PagePagination)
def my_objections(request: HttpRequest) -> list[dict[str, Any]]:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("此项操作只能由居民本人进行。"))
    return [_objection(o) for o in queries.my_objections(user).select_related("resident")[:500]]
