"""The open-affairs API, under ``/api/v1/participation``:

- ``GET /disclosures`` (``?category=&status=``), ``GET /disclosures/{disclosure_id}``,
  ``GET /disclosures/{disclosure_id}/attachments``, ``GET /disclosures/{disclosure_id}/objections``
  — staff with VIEW, scoped (404 outside);
- ``POST /disclosures`` (a draft of a community in the caller's jurisdiction),
  ``PATCH /disclosures/{disclosure_id}`` (a draft; ``version`` as read, someone else's edit since is
  a 409), ``DELETE /disclosures/{disclosure_id}`` (a draft),
  ``POST /disclosures/{disclosure_id}/attachments`` (multipart ``files``: PDF, JPEG or PNG, each at
  most 10 MB, at most 10 per disclosure), ``DELETE /disclosures/files/{attachment_id}``,
  ``POST /disclosures/{disclosure_id}/publish`` and ``POST /disclosures/{disclosure_id}/correction``
  (更正: a new draft that supersedes the published one once published) — staff with DISCLOSE over
  the disclosure's community (404 outside);
- ``GET /objections/open`` and ``POST /objections/{objection_id}/response`` — the supervision
  committee (SUPERVISE over the community);
- ``GET /me/disclosures``, ``POST /me/disclosures/{disclosure_id}/objections`` (an
  ``Idempotency-Key`` header makes a retry land once) and ``GET /me/objections`` — verified
  residents of the disclosure's community.

Errors as ``core.api``: 403 without the permission or for a resident of another community, 404
outside the jurisdiction, 422 naming the field for bad input (an objection after the deadline too,
editing, deleting or attaching to a published disclosure, a file of another type or too large), 409
for an edit or publication over a version someone else changed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    conflict,
    not_found,
    user_with,
)
from shequ.core.masking import mask_name
from shequ.participation.actions import disclosures as actions
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureCategory,
    DisclosureStatus,
    Objection,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import disclosures as queries
from shequ.participation.schemas_disclosures import (
    AttachmentOut,
    DisclosureIn,
    DisclosureOut,
    DisclosurePatchIn,
    ObjectionIn,
    ObjectionOut,
    PublishIn,
    ResponseIn,
)
from shequ.territory.queries import region_in_scope

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
FIELDS = {"request_key": "Idempotency-Key", "community": "community_code"}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut}


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


def _staff_item(user: Any, disclosure_id: int, perm: str = Perm.VIEW) -> Disclosure:
    try:
        return queries.disclosure(user, disclosure_id, perm)
    except Http404:
        raise not_found("disclosure_id") from None


def _attachment(a: DisclosureAttachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "url": reverse("participation:disclosure_attachment", args=[a.pk]),
    }


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
    return [_attachment(a) for a in queries.attachments(item)]


@router.get("/disclosures/{disclosure_id}/objections", response={200: list[ObjectionOut], **ERRORS})
def list_objections(request: HttpRequest, disclosure_id: int) -> list[dict[str, Any]]:
    item = _staff_item(user_with(request, Perm.VIEW), disclosure_id)
    return [_objection(o, masked=False) for o in queries.objections_of(item)]


# --- Staff: drafting, attachments, publication and correction -------------------------------------


def _version_conflict(exc: ValidationError) -> ApiError | None:
    """The action names ``version`` when someone else saved or published the draft in between."""
    if hasattr(exc, "error_dict") and "version" in exc.error_dict:
        return conflict("version", str(exc.message_dict["version"][0]))
    return None


@router.post(
    "/disclosures",
    response={201: DisclosureOut, **ERRORS},
    summary="起草村(居)务公开事项（草稿，可上传附件后公开）",
)
def create_disclosure(request: HttpRequest, payload: DisclosureIn) -> Status[Disclosure]:
    user = user_with(request, Perm.DISCLOSE)
    try:
        community = region_in_scope(user, payload.community_code, Perm.DISCLOSE)
    except Http404:
        raise not_found("community_code") from None
    with acting(FIELDS):
        made = actions.create_disclosure(
            by=user, community=community, **payload.model_dump(exclude={"community_code"})
        )
    return Status(201, _staff_item(user, made.pk, Perm.DISCLOSE))


@router.patch(
    "/disclosures/{disclosure_id}",
    response={200: DisclosureOut, **WRITE_ERRORS},
    summary="修改草稿：只改提交的字段，带上读取时的 version；期间有人改过或已公开则 409",
)
def update_disclosure(
    request: HttpRequest, disclosure_id: int, payload: DisclosurePatchIn
) -> Disclosure:
    user = user_with(request, Perm.DISCLOSE)
    item = _staff_item(user, disclosure_id, Perm.DISCLOSE)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    with acting(FIELDS, as_conflict=_version_conflict):
        actions.update_disclosure(disclosure=item, by=user, version=payload.version, **changes)
    return _staff_item(user, disclosure_id, Perm.DISCLOSE)


@router.delete(
    "/disclosures/{disclosure_id}",
    response={204: None, **ERRORS},
    summary="删除草稿及其附件（已公开的事项永久保留，不能删除）",
)
def delete_disclosure(request: HttpRequest, disclosure_id: int) -> Status[None]:
    user = user_with(request, Perm.DISCLOSE)
    item = _staff_item(user, disclosure_id, Perm.DISCLOSE)
    with acting(FIELDS):
        actions.delete_disclosure(disclosure=item, by=user)
    return Status(204, None)


@router.post(
    "/disclosures/{disclosure_id}/attachments",
    response={201: list[AttachmentOut], **ERRORS},
    summary="为草稿上传附件（multipart，字段 files，可多个）：PDF、JPEG或PNG，每个不超过10 MB，最多10个",
)
def attach(
    request: HttpRequest,
    disclosure_id: int,
    files: File[list[UploadedFile] | None] = None,
) -> Status[list[dict[str, Any]]]:
    user = user_with(request, Perm.DISCLOSE)
    item = _staff_item(user, disclosure_id, Perm.DISCLOSE)
    # None sent: the action names ``files`` in its message, as the page does.
    with acting(FIELDS):
        made = actions.attach(disclosure=item, by=user, uploads=files or [])
    return Status(201, [_attachment(a) for a in made])


@router.delete(
    "/disclosures/files/{attachment_id}",
    response={204: None, **ERRORS},
    summary="删除草稿的一个附件",
)
def delete_attachment(request: HttpRequest, attachment_id: int) -> Status[None]:
    user = user_with(request, Perm.DISCLOSE)
    try:
        found = queries.attachment_for(user, attachment_id)
        queries.disclosure(user, found.disclosure_id, Perm.DISCLOSE)
    except Http404:
        raise not_found("attachment_id") from None
    with acting(FIELDS):
        actions.delete_attachment(attachment=found, by=user)
    return Status(204, None)


@router.post(
    "/disclosures/{disclosure_id}/publish",
    response={200: DisclosureOut, **WRITE_ERRORS},
    summary="公开草稿：编号、公开时间和异议截止日期（异议期按工作日计）；公开更正时原事项标为已更正",
)
def publish(request: HttpRequest, disclosure_id: int, payload: PublishIn) -> Disclosure:
    user = user_with(request, Perm.DISCLOSE)
    item = _staff_item(user, disclosure_id, Perm.DISCLOSE)
    read = payload.version

    def stale(exc: ValidationError) -> ApiError | None:
        # The action refuses a stale version with a plain message; which one it was is read from
        # the data: the version moved on since the caller read it.
        if read is not None and read != item.version and not hasattr(exc, "error_dict"):
            return conflict("version", str(exc.messages[0]))
        return None

    with acting(FIELDS, as_conflict=stale):
        actions.publish(
            disclosure=item, by=user, objection_days=payload.objection_days, version=read
        )
    return _staff_item(user, disclosure_id, Perm.DISCLOSE)


@router.post(
    "/disclosures/{disclosure_id}/correction",
    response={201: DisclosureOut, **ERRORS},
    summary="更正已公开的事项：生成一份更正草稿，修改并公开后取代原事项（两者都保留在档案中）",
)
def correct(request: HttpRequest, disclosure_id: int) -> Status[Disclosure]:
    user = user_with(request, Perm.DISCLOSE)
    item = _staff_item(user, disclosure_id, Perm.DISCLOSE)
    with acting(FIELDS):
        made = actions.correct(disclosure=item, by=user)
    return Status(201, _staff_item(user, made.pk, Perm.DISCLOSE))


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
        actions.respond(
            objection=objection, by=user, response=payload.response, version=payload.version
        )
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
