"""Writes about open affairs (村(居)务公开, P2): a disclosure drafted, edited, given attachments and
published by community staff; a correction (更正) as a new draft that supersedes a published one;
residents' objections (异议) within the objection window; the supervision committee's answers.

A published disclosure is never edited or deleted. Publishing and answering are workflow transitions
(a conditional UPDATE on ``version``), so a double click or two people at once cannot both succeed.
Every attachment is checked by its first bytes (PDF, JPEG or PNG only) and images are re-encoded
before anything is written, so a bad file leaves nothing half-written."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, images, notifications
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.participation.content import check_text
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureCategory,
    DisclosureStatus,
    Objection,
    ObjectionStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
DS = DisclosureStatus
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
DEFAULT_OBJECTION_DAYS = 7
MAX_OBJECTION_DAYS = 30
MY_OBJECTIONS_URL = "/participation/me/objections/"
FIELDS = ("category", "title", "body", "period_start", "period_end")
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"

DISCLOSURE_FLOW = Workflow(
    transitions=[
        Transition("publish", (DS.DRAFT,), DS.PUBLISHED, Perm.DISCLOSE, gettext_lazy("公开")),
    ]
)
OBJECTION_FLOW = Workflow(
    transitions=[
        Transition(
            "answer",
            (ObjectionStatus.OPEN,),
            ObjectionStatus.ANSWERED,
            Perm.SUPERVISE,
            gettext_lazy("答复"),
        ),
    ]
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有发布村(居)务公开的权限。")


def require(by: Any, community: Region) -> None:
    """``by`` (None = the system) publishes disclosures over ``community``."""
    require_place(by, Perm.DISCLOSE, community.path, _refusal())


def is_corrected(disclosure: Disclosure) -> bool:
    """A published correction supersedes it."""
    try:
        correction = disclosure.superseded_by
    except Disclosure.DoesNotExist:
        return False
    return correction.status == DS.PUBLISHED


def window_open(disclosure: Disclosure, today: date | None = None) -> bool:
    """Residents may object: published, not corrected, and the deadline not yet passed."""
    if disclosure.status != DS.PUBLISHED or disclosure.objection_deadline is None:
        return False
    return (today or calendar.localdate()) <= disclosure.objection_deadline


# --- The disclosure --------------------------------------------------------------------------------


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    category = str(values.get("category") or "")
    title = str(values.get("title") or "").strip()
    body = str(values.get("body") or "").strip()
    start, end = values.get("period_start"), values.get("period_end")
    if category not in DisclosureCategory.values:
        errors["category"] = _("请选择公开类别。")
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > 100:
        errors["title"] = _("标题最多100个字。")
    if not body:
        errors["body"] = _("请填写公开内容。")
    elif len(body) > 20000:
        errors["body"] = _("公开内容最多20000个字。")
    if not isinstance(start, date):
        errors["period_start"] = _("请填写所属期间的起始日期。")
    if not isinstance(end, date):
        errors["period_end"] = _("请填写所属期间的截止日期。")
    elif isinstance(start, date) and end < start:
        errors["period_end"] = _("所属期间的截止日期不能早于起始日期。")
    if errors:
        raise ValidationError(errors)
    return {
        "category": category,
        "title": title,
        "body": body,
        "period_start": start,
        "period_end": end,
    }


@transaction.atomic
def create_disclosure(
    *,
    by: Any,
    community: Region,
    supersedes: Disclosure | None = None,
    is_synthetic: bool = False,
    author: Any = None,
    **values: Any,
) -> Disclosure:
    """A draft disclosure of ``community`` (``values``: the fields of ``FIELDS``). ``author`` is
    recorded as the drafter when the system (``by=None``: imports, the demo) makes it."""
    require(by, community)
    drafter = by if by is not None else author
    if drafter is None:
        raise ValidationError(_("请指定起草人。"))
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("村(居)务公开须由村(社区)发布。")})
    cleaned = _clean(values)
    disclosure = Disclosure.objects.create(
        community=community,
        created_by=drafter,
        supersedes=supersedes,
        is_synthetic=is_synthetic,
        created_at=calendar.now(),
        **cleaned,
    )
    audit.record("participation.disclosure_create", obj=disclosure, actor=by, fields=list(FIELDS))
    return disclosure


def _draft_only(disclosure: Disclosure) -> None:
    if disclosure.status != DS.DRAFT:
        raise ValidationError(_("已公开的事项不能修改或删除，如有错误请发布更正。"))


@transaction.atomic
def update_disclosure(
    *, disclosure: Disclosure, by: Any, version: int | None = None, **values: Any
) -> Disclosure:
    """Edit a draft; ``version`` as read, so two editors never overwrite each other unseen."""
    require(by, disclosure.community)
    _draft_only(disclosure)
    merged = {f: getattr(disclosure, f) for f in FIELDS}
    merged.update({k: v for k, v in values.items() if k in FIELDS})
    cleaned = _clean(merged)
    current = version if version is not None else disclosure.version
    moved = Disclosure.objects.filter(pk=disclosure.pk, version=current, status=DS.DRAFT).update(
        **cleaned, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(
            {"version": _("该公开事项刚刚已被他人修改或已公开，请刷新页面后重新填写。")}
        )
    before = {f: getattr(disclosure, f) for f in FIELDS}
    disclosure.refresh_from_db()
    audit.record(
        "participation.disclosure_update",
        obj=disclosure,
        actor=by,
        fields=audit.changed_fields(before, {f: getattr(disclosure, f) for f in FIELDS}),
    )
    return disclosure


@transaction.atomic
def delete_disclosure(*, disclosure: Disclosure, by: Any) -> None:
    """Delete a draft and its files (a published disclosure stays for ever)."""
    require(by, disclosure.community)
    _draft_only(disclosure)
    files = list(DisclosureAttachment.objects.filter(disclosure=disclosure))
    audit.record("participation.disclosure_delete", obj=disclosure, actor=by, fields=["status"])
    DisclosureAttachment.objects.filter(disclosure=disclosure).delete()
    deleted, _rows = Disclosure.objects.filter(pk=disclosure.pk, status=DS.DRAFT).delete()
    if not deleted:
        raise ValidationError(_("该公开事项刚刚已被公开或删除，请刷新页面查看最新状态。"))
    names = [f.file.name for f in files]
    storage = files[0].file.storage if files else None
    if storage is not None:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


# --- Attachments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedFile:
    name: str
    content: bytes
    content_type: str
    extension: str


def _kind(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return ""


def _display_name(raw: str) -> str:
    name = os.path.basename(str(raw or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable())
    return name[:200] or _("附件")


def prepare_file(upload: Any) -> PreparedFile:
    """One upload checked by its first bytes (PDF, JPEG, PNG) and size; an image re-encoded (its
    metadata gone). Raises a ``ValidationError`` naming the file."""
    name = _display_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s”太大，每个附件不能超过%(limit)d MB。")
            % {"name": name, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s”太大，每个附件不能超过%(limit)d MB。")
            % {"name": name, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    if not data:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": name})
    kind = _kind(data[:8])
    if not kind:
        raise ValidationError(
            _("“%(name)s”不是PDF、JPEG或PNG文件，只能上传这三种格式的附件。") % {"name": name}
        )
    if kind == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("“%(name)s”不是完整的PDF文件。") % {"name": name})
        return PreparedFile(name, data, PDF, "pdf")
    try:
        photo = images.reencode(io.BytesIO(data), size=len(data), name=name)
    except ValidationError as exc:
        raise ValidationError(_("“%(name)s”不是可识别的图片。") % {"name": name}) from exc
    stem = os.path.splitext(name)[0] or name
    return PreparedFile(f"{stem}.jpg"[:200], photo.content, JPEG, "jpg")


def prepare_files(
    uploads: Sequence[Any],
    *,
    already: int = 0,
    limit: int = MAX_ATTACHMENTS,
    too_many: str = "",
    required: bool = True,
) -> list[PreparedFile]:
    """Every upload checked before anything is written (under ``files``); at most ``limit`` in all
    (``too_many`` says so, with ``%(n)d`` and ``%(have)d``)."""
    uploads = [u for u in uploads if u]
    if required and not uploads:
        raise ValidationError({"files": _("请选择要上传的附件。")})
    if already + len(uploads) > limit:
        message = too_many or _("每项公开最多%(n)d个附件，已有%(have)d个。")
        raise ValidationError({"files": message % {"n": limit, "have": already}})
    prepared = []
    for upload in uploads:
        try:
            prepared.append(prepare_file(upload))
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    return prepared


def _locked(disclosure: Disclosure) -> Disclosure:
    return (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=disclosure.pk)
    )


@transaction.atomic
def attach(
    *, disclosure: Disclosure, by: Any, uploads: Sequence[Any]
) -> list[DisclosureAttachment]:
    """Add files to a draft (the disclosure row is locked while they are counted)."""
    require(by, disclosure.community)
    locked = _locked(disclosure)
    _draft_only(locked)
    have = DisclosureAttachment.objects.filter(disclosure=locked).count()
    prepared = prepare_files(uploads, already=have)
    rows: list[DisclosureAttachment] = []
    try:
        for item in prepared:
            row = DisclosureAttachment(
                disclosure=locked,
                name=item.name,
                content_type=item.content_type,
                size=len(item.content),
            )
            row.file.save(
                f"{secrets.token_hex(16)}.{item.extension}", ContentFile(item.content), save=False
            )
            rows.append(row)
            row.save()
    except Exception:
        for row in rows:
            row.file.storage.delete(row.file.name)
        raise
    audit.record("participation.disclosure_attach", obj=locked, actor=by, fields=["attachments"])
    return rows


@transaction.atomic
def delete_attachment(*, attachment: DisclosureAttachment, by: Any) -> None:
    disclosure = attachment.disclosure
    require(by, disclosure.community)
    locked = _locked(disclosure)
    _draft_only(locked)
    name, storage = attachment.file.name, attachment.file.storage
    DisclosureAttachment.objects.filter(pk=attachment.pk).delete()
    audit.record(
        "participation.disclosure_attachment_delete", obj=locked, actor=by, fields=["attachments"]
    )
    transaction.on_commit(lambda: storage.delete(name))


# --- Publication and correction ---------------------------------------------------------------------


def objection_deadline(published: Any, days: int) -> date:
    """The last day residents may object: ``days`` Chinese working days after publication."""
    return calendar.localtime(calendar.add_working_days(published, days)).date()


@transaction.atomic
def publish(
    *,
    disclosure: Disclosure,
    by: Any,
    objection_days: Any = DEFAULT_OBJECTION_DAYS,
    version: int | None = None,
) -> Disclosure:
    """Publish a draft: its number (GK…), the publication time and the objection deadline
    (``objection_days`` working days later). Publishing a correction marks the one it supersedes as
    corrected (both stay in the archive)."""
    require(by, disclosure.community)
    try:
        days = int(objection_days)
    except (TypeError, ValueError):
        raise ValidationError({"objection_days": _("异议期请填写整数天数。")}) from None
    if not 1 <= days <= MAX_OBJECTION_DAYS:
        raise ValidationError(
            {"objection_days": _("异议期须为1到%(n)d个工作日。") % {"n": MAX_OBJECTION_DAYS}}
        )
    if version is not None and version != disclosure.version:
        raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    if disclosure.supersedes_id is not None:
        old = Disclosure.objects.filter(pk=disclosure.supersedes_id).first()
        if old is None or old.status != DS.PUBLISHED:
            raise ValidationError(_("被更正的公开事项不存在或未公开。"))
    now = calendar.now()
    number = f"GK{calendar.localtime(now):%Y}{disclosure.pk:08d}"
    DISCLOSURE_FLOW.fire(
        disclosure,
        "publish",
        by=by,
        published_at=now,
        number=number,
        objection_deadline=objection_deadline(now, days),
    )
    if disclosure.supersedes_id is not None:
        Disclosure.objects.filter(pk=disclosure.supersedes_id).update(version=F("version") + 1)
        audit.record(
            "participation.disclosure_corrected",
            obj=disclosure.supersedes,
            actor=by,
            fields=["superseded_by"],
        )
    audit.record(
        "participation.disclosure_publish",
        obj=disclosure,
        actor=by,
        fields=["status", "number", "published_at", "objection_deadline"],
    )
    return disclosure


@transaction.atomic
def correct(*, disclosure: Disclosure, by: Any) -> Disclosure:
    """更正: a new draft copying a published disclosure, which it will supersede once published."""
    require(by, disclosure.community)
    if disclosure.status != DS.PUBLISHED:
        raise ValidationError(_("只有已公开的事项才能更正，草稿可以直接修改。"))
    if Disclosure.objects.filter(supersedes=disclosure).exists():
        raise ValidationError(_("该公开事项已有更正（或更正草稿），请在更正上继续修改。"))
    try:
        with transaction.atomic():
            draft = create_disclosure(
                by=by,
                community=disclosure.community,
                supersedes=disclosure,
                is_synthetic=disclosure.is_synthetic,
                author=disclosure.created_by,
                **{f: getattr(disclosure, f) for f in FIELDS},
            )
    except IntegrityError:
        raise ValidationError(_("该公开事项已有更正（或更正草稿），请在更正上继续修改。")) from None
    return draft


# --- Objections ------------------------------------------------------------------------------------


def _clean_key(request_key: Any) -> str:
    key = str(request_key or "").strip()
    if len(key) > 64:
        raise ValidationError({"request_key": _("请求标识过长（最多64个字符）。")})
    return key


@transaction.atomic
def file_objection(
    *, disclosure: Disclosure, by: Any, body: str, request_key: str = ""
) -> Objection:
    """A verified resident of the disclosure's community objects while the window is open. A retry
    with the same ``request_key`` returns the objection already filed."""
    key = _clean_key(request_key)
    if key:
        earlier = Objection.objects.filter(request_key=key).first()
        if earlier is not None:
            if earlier.disclosure_id == disclosure.pk and earlier.user_id == getattr(
                by, "pk", None
            ):
                return earlier
            raise ValidationError(
                {"request_key": _("该请求标识已用于另一条异议，请刷新页面后重试。")}
            )
    disclosure = Disclosure.objects.select_related("community").get(pk=disclosure.pk)
    resident = verified_resident(by, disclosure.community)
    if disclosure.status != DS.PUBLISHED:
        raise ValidationError(_("该事项尚未公开，不能提出异议。"))
    if is_corrected(disclosure):
        raise ValidationError(_("该公开事项已更正，请对更正后的内容提出异议。"))
    deadline = disclosure.objection_deadline
    if deadline is None or calendar.localdate() > deadline:
        raise ValidationError(
            _("异议期已于%(date)s截止，不能再提出异议。")
            % {"date": f"{deadline:%Y-%m-%d}" if deadline else ""}
        )
    text = str(body or "").strip()
    if not text:
        raise ValidationError({"body": _("请填写异议内容。")})
    if len(text) > 2000:
        raise ValidationError({"body": _("异议内容最多2000个字。")})
    check_text(text, community=disclosure.community, field="body")
    try:
        with transaction.atomic():
            objection = Objection.objects.create(
                disclosure=disclosure,
                resident=resident,
                user=by,
                body=text,
                created_at=calendar.now(),
                request_key=key or None,
            )
    except IntegrityError:
        earlier = Objection.objects.filter(request_key=key).first() if key else None
        if earlier is not None and earlier.user_id == by.pk:
            return earlier
        raise ValidationError(_("该异议已经提交过了。")) from None
    audit.record(
        "participation.objection_file",
        obj=objection,
        actor=by,
        fields=["body"],
        region=disclosure.community,
    )
    return objection


@transaction.atomic
def respond(
    *, objection: Objection, by: Any, response: str, version: int | None = None
) -> Objection:
    """The supervision committee answers an open objection; the answer is published under it."""
    disclosure = Disclosure.objects.select_related("community").get(pk=objection.disclosure_id)
    require_place(
        by,
        Perm.SUPERVISE,
        disclosure.community.path,
        _("不在您的管辖范围内，或您不是村(居)务监督委员会成员。"),
    )
    text = str(response or "").strip()
    if not text:
        raise ValidationError({"response": _("请填写答复内容。")})
    if len(text) > 4000:
        raise ValidationError({"response": _("答复内容最多4000个字。")})
    if version is not None and version != objection.version:
        raise ValidationError(_("该异议刚刚已被他人答复，请刷新页面查看。"))
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经答复过了。"))
    try:
        OBJECTION_FLOW.fire(
            objection,
            "answer",
            by=by,
            response=text,
            responded_by=by,
            responded_at=calendar.now(),
        )
    except ValidationError:
        raise ValidationError(_("该异议刚刚已被他人答复，请刷新页面查看。")) from None
    except PermissionDenied:
        raise
    audit.record(
        "participation.objection_answer",
        obj=objection,
        actor=by,
        fields=["status", "response"],
        region=disclosure.community,
    )
    objector = objection.user
    notifications.notify(
        recipients=[objector],
        topic="participation.disclosures",
        subject=gettext_lazy("您的异议已答复"),
        body=gettext_lazy("您对“%(title)s”提出的异议，村(居)务监督委员会已答复。")
        % {"title": disclosure.title},
        url=MY_OBJECTIONS_URL,
    )
    return objection
