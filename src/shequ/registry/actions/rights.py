"""A resident's rights over their personal information (PIPL Arts. 44-48), as a tracked workflow.

A request is submitted by the resident (or by staff at the window on their behalf), accepted by staff
who hold ``registry.handle_rights`` over the resident's place, and then completed with a written answer
or refused with a written reason; while nobody has taken it up yet, the resident may withdraw it. Each
step moves the row with ``RIGHTS_WORKFLOW.fire`` (one conditional UPDATE, so two staff clicking
"accept" at once cannot both succeed), is audited, and tells the resident in their inbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, notifications
from shequ.core.workflow import Transition, Workflow
from shequ.registry.actions import _place_path, _require_place
from shequ.registry.actions.own import CHANNEL_SELF, acting_channel
from shequ.registry.models import (
    ConsentRecord,
    LegalBasis,
    Resident,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
)
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries.own import current_consents, own_data_copy
from shequ.registry.queries.rights import CORRECTABLE_ITEMS, OPEN_STATUSES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# GB/T 35273-2020 §8.7 asks for an answer within 30 days (PIPL Art. 50 says only "promptly"); we
# answer within 15 Chinese working days (about three weeks), counted by ``core.calendar``.
RESPONSE_WORKING_DAYS = 15
MAX_DETAILS = 2000
MAX_RESPONSE = 2000
TOPIC = "registry.rights_request"

# Withdrawing is the resident's own act, not a permission any role holds: no role has this code, so
# ``RIGHTS_WORKFLOW.available`` never offers it to staff; ``withdraw_rights_request`` checks ownership.
OWNER_ONLY = "registry.rights_request_owner"

S = RightsRequestStatus
RIGHTS_WORKFLOW = Workflow(
    transitions=[
        Transition("accept", (S.SUBMITTED,), S.IN_PROGRESS, RegistryPerm.HANDLE_RIGHTS,
                   gettext_lazy("受理")),
        Transition("complete", (S.IN_PROGRESS,), S.COMPLETED, RegistryPerm.HANDLE_RIGHTS,
                   gettext_lazy("办结并答复")),
        Transition("refuse", (S.IN_PROGRESS,), S.REFUSED, RegistryPerm.HANDLE_RIGHTS,
                   gettext_lazy("不予办理"), style="danger"),
        Transition("withdraw", (S.SUBMITTED,), S.WITHDRAWN, OWNER_ONLY,
                   gettext_lazy("撤回"), style="secondary"),
    ]
)  # fmt: skip
# Transitions whose text (the answer or the reason) is required and stored in ``response``.
NEEDS_RESPONSE = frozenset({"complete", "refuse"})


def statutory_refusal_reason() -> str:
    """The lawful answer to a deletion request for data held under a statutory duty."""
    return _(
        "您的户籍和居住信息是村(社区)依法履行人口登记和社区管理职责所必需的（《个人信息保护法》"
        "第十三条第一款第三项），不属于第四十七条规定应当删除的情形，因此不能删除。"
        "您仍可以申请更正不准确的信息，并可随时撤回对可选用途的授权。"
    )


# --- Telling the resident ------------------------------------------------------------------------


def _recipient(rights_request: RightsRequest) -> Any:
    """The resident's account, or (if unlinked since) the resident account that submitted it."""
    account = rights_request.resident.account
    if account is None and getattr(rights_request.submitted_by, "is_resident", False):
        account = rights_request.submitted_by
    return account


def _notify(rights_request: RightsRequest, subject: StrOrPromise, body: StrOrPromise = "") -> None:
    recipient = _recipient(rights_request)
    if recipient is None:
        return
    linked = rights_request.resident.account_id == recipient.pk and not (
        rights_request.kind == RightsRequestKind.DELETION and rights_request.status == S.COMPLETED
    )
    url = (
        reverse("registry:own_request", kwargs={"request_id": rights_request.pk}) if linked else ""
    )
    # The answer itself is not put in the message: it may hold personal data; the page shows it.
    notifications.notify(recipients=[recipient], topic=TOPIC, subject=subject, body=body, url=url)


def _kind_label(rights_request: RightsRequest) -> StrOrPromise:
    return RightsRequestKind(rights_request.kind).label


# --- Submitting ----------------------------------------------------------------------------------


def _submission_channel(resident: Resident, by: Any) -> str:
    return acting_channel(
        resident, by, perm=RegistryPerm.HANDLE_RIGHTS, not_yours=_("只能为您本人提交请求。")
    )


@transaction.atomic
def submit_rights_request(
    *, resident: Resident, kind: str, subject: str = "", details: str = "", by: Any
) -> RightsRequest:
    """A request about the resident's own data, due ``RESPONSE_WORKING_DAYS`` working days later.

    By the resident (their own record only) or by staff who handle rights requests at the resident's
    place, on the resident's behalf. A correction names the item (``CORRECTABLE_ITEMS``) and says what
    is right; an explanation says what the resident wants explained. One open request of each kind at
    a time.
    """
    if kind not in RightsRequestKind.values:
        raise ValidationError({"kind": _("请选择请求类型。")})
    locked = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid", "account")
        .get(pk=resident.pk)
    )
    channel = _submission_channel(locked, by)
    subject = subject.strip()
    details = details.strip()
    if kind == RightsRequestKind.CORRECTION:
        if subject not in CORRECTABLE_ITEMS:
            raise ValidationError({"subject": _("请选择哪一项信息需要更正。")})
        if not details:
            raise ValidationError({"details": _("请写明正确的内容。")})
    else:
        subject = ""
    if kind == RightsRequestKind.EXPLANATION and not details:
        raise ValidationError({"details": _("请写明您想了解的内容。")})
    if len(details) > MAX_DETAILS:
        raise ValidationError(
            {"details": _("内容请不要超过 %(limit)d 个字。") % {"limit": MAX_DETAILS}}
        )
    if RightsRequest.objects.filter(resident=locked, kind=kind, status__in=OPEN_STATUSES).exists():
        raise ValidationError({"kind": _("您已有一项同类请求正在办理，请等待答复后再提交。")})
    submitted_at = calendar.now()
    due = calendar.add_working_days(submitted_at, RESPONSE_WORKING_DAYS)
    rights_request = RightsRequest.objects.create(
        resident=locked,
        kind=kind,
        subject=subject,
        details=details,
        submitted_by=by,
        submitted_at=submitted_at,
        due_on=calendar.localtime(due).date(),
    )
    audit.record(
        "registry.submit_rights_request",
        obj=rights_request,
        actor=by,
        role=channel,
        fields=["kind", "subject", "details"] if subject else ["kind", "details"],
    )
    _notify(
        rights_request,
        format_lazy(gettext_lazy("已收到您的请求：{kind}"), kind=_kind_label(rights_request)),
        format_lazy(
            gettext_lazy("我们将在 {due} 前答复您。"), due=rights_request.due_on.isoformat()
        ),
    )
    return rights_request


# --- Staff handling ------------------------------------------------------------------------------


def _require_handler(rights_request: RightsRequest, by: Any) -> None:
    resident = rights_request.resident
    _require_place(by, RegistryPerm.HANDLE_RIGHTS, _place_path(resident.community, resident.grid))


def _fresh(rights_request: RightsRequest) -> RightsRequest:
    """The request with its resident's place and account loaded, at the version the caller saw."""
    rights_request.resident = Resident.objects.select_related("community", "grid", "account").get(
        pk=rights_request.resident_id
    )
    return rights_request


def _clean_response(text: str, name: str) -> str:
    text = text.strip()
    if not text:
        if name == "refuse":
            raise ValidationError({"response": _("请写明不予办理的理由。")})
        raise ValidationError({"response": _("请填写答复内容。")})
    if len(text) > MAX_RESPONSE:
        raise ValidationError(
            {"response": _("内容请不要超过 %(limit)d 个字。") % {"limit": MAX_RESPONSE}}
        )
    return text


@transaction.atomic
def accept_rights_request(*, rights_request: RightsRequest, by: Any) -> RightsRequest:
    """Staff take the request up (受理): from now on it is theirs to answer."""
    _fresh(rights_request)
    _require_handler(rights_request, by)
    RIGHTS_WORKFLOW.fire(rights_request, "accept", by=by, handled_by=by)
    audit.record("registry.accept_rights_request", obj=rights_request, actor=by, fields=["status"])
    _notify(
        rights_request,
        format_lazy(gettext_lazy("您的请求已受理：{kind}"), kind=_kind_label(rights_request)),
        format_lazy(
            gettext_lazy("工作人员正在办理，将在 {due} 前答复您。"),
            due=rights_request.due_on.isoformat(),
        ),
    )
    return rights_request


@transaction.atomic
def complete_rights_request(
    *, rights_request: RightsRequest, response: str, by: Any
) -> RightsRequest:
    """Staff answer the request and close it (办结). The answer is required.

    A correction is made first on the resident's edit page; this only closes the request. A deletion
    can be completed only for data held on the resident's consent (``erase_optional_data``); data held
    under a statutory duty cannot lawfully be deleted, and such a request is refused instead.
    """
    _fresh(rights_request)
    _require_handler(rights_request, by)
    text = _clean_response(response, "complete")
    resident = rights_request.resident
    is_deletion = rights_request.kind == RightsRequestKind.DELETION
    if is_deletion and resident.legal_basis == LegalBasis.STATUTORY_DUTY:
        raise ValidationError(
            _(
                "该居民信息的处理依据是“履行法定职责”，依法不能删除。"
                "请选择“不予办理”，并向居民说明理由。"
            )
        )
    RIGHTS_WORKFLOW.fire(
        rights_request, "complete", by=by, response=text, closed_at=calendar.now(), handled_by=by
    )
    audit.record(
        "registry.complete_rights_request",
        obj=rights_request,
        actor=by,
        fields=["status", "response"],
    )
    body: StrOrPromise = gettext_lazy("请打开查看答复。")
    if rights_request.kind == RightsRequestKind.COPY:
        body = gettext_lazy("请打开查看答复，并可下载您的个人信息副本。")
    if is_deletion:
        # The account loses sight of the record below, so the answer travels in the message itself.
        body = format_lazy(
            gettext_lazy(
                "您的手机号、备注和各项授权已删除或撤回，账号与居民信息的关联已解除。答复：{response}"
            ),
            response=text,
        )
    _notify(
        rights_request,
        format_lazy(gettext_lazy("您的请求已办结：{kind}"), kind=_kind_label(rights_request)),
        body,
    )
    if is_deletion:
        erase_optional_data(resident=resident, by=by)
    return rights_request


@transaction.atomic
def refuse_rights_request(
    *, rights_request: RightsRequest, response: str, by: Any
) -> RightsRequest:
    """Staff refuse the request (不予办理), with the reason the resident will read."""
    _fresh(rights_request)
    _require_handler(rights_request, by)
    text = _clean_response(response, "refuse")
    RIGHTS_WORKFLOW.fire(
        rights_request, "refuse", by=by, response=text, closed_at=calendar.now(), handled_by=by
    )
    audit.record(
        "registry.refuse_rights_request",
        obj=rights_request,
        actor=by,
        fields=["status", "response"],
    )
    _notify(
        rights_request,
        format_lazy(gettext_lazy("您的请求不予办理：{kind}"), kind=_kind_label(rights_request)),
        gettext_lazy("请打开查看理由。如有异议，可到村(社区)便民服务窗口咨询。"),
    )
    return rights_request


@transaction.atomic
def withdraw_rights_request(*, rights_request: RightsRequest, by: Any) -> RightsRequest:
    """The resident withdraws their own request while nobody has taken it up yet."""
    _fresh(rights_request)
    if not getattr(by, "is_resident", False) or rights_request.resident.account_id != by.pk:
        raise PermissionDenied(_("只有提交请求的居民本人可以撤回。"))
    # The transition's permission is ownership, checked just above; no role holds OWNER_ONLY.
    RIGHTS_WORKFLOW.fire(rights_request, "withdraw", by=None, closed_at=calendar.now())
    audit.record(
        "registry.withdraw_rights_request",
        obj=rights_request,
        actor=by,
        role=CHANNEL_SELF,
        fields=["status"],
    )
    _notify(
        rights_request,
        format_lazy(gettext_lazy("您已撤回请求：{kind}"), kind=_kind_label(rights_request)),
    )
    return rights_request


_HANDLERS = {
    "accept": lambda rights_request, response, by: accept_rights_request(
        rights_request=rights_request, by=by
    ),
    "complete": lambda rights_request, response, by: complete_rights_request(
        rights_request=rights_request, response=response, by=by
    ),
    "refuse": lambda rights_request, response, by: refuse_rights_request(
        rights_request=rights_request, response=response, by=by
    ),
}


def handle_rights_request(
    *, rights_request: RightsRequest, transition: str, response: str = "", by: Any
) -> RightsRequest:
    """Fire the staff transition named ``transition`` (accept, complete or refuse)."""
    handler = _HANDLERS.get(transition)
    if handler is None:
        raise ValidationError(_("未知的操作。"))
    result: RightsRequest = handler(rights_request, response, by)
    return result


def staff_transitions(rights_request: RightsRequest, user: Any) -> list[Transition]:
    """The transitions ``user`` may fire on a request they can see (the page fetched it scoped).

    A deletion of data held under a statutory duty cannot be completed, only refused.
    """
    unlawful_deletion = (
        rights_request.kind == RightsRequestKind.DELETION
        and rights_request.resident.legal_basis == LegalBasis.STATUTORY_DUTY
    )
    return [
        t
        for t in RIGHTS_WORKFLOW.available(rights_request, user)
        if t.name in _HANDLERS and not (unlawful_deletion and t.name == "complete")
    ]


def may_withdraw(rights_request: RightsRequest, user: Any) -> bool:
    return (
        getattr(user, "is_resident", False)
        and rights_request.resident.account_id == user.pk
        and rights_request.status in RIGHTS_WORKFLOW.get("withdraw").sources
    )


def may_download_copy(rights_request: RightsRequest, user: Any) -> bool:
    return (
        getattr(user, "is_resident", False)
        and rights_request.resident.account_id == user.pk
        and rights_request.kind == RightsRequestKind.COPY
        and rights_request.status == S.COMPLETED
    )


# --- Deletion ------------------------------------------------------------------------------------


@transaction.atomic
def erase_optional_data(*, resident: Resident, by: Any) -> Resident:
    """Erase what the community holds only on the resident's consent, keeping what records must keep.

    Erased: the mobile number (and its blind index), the free-text note, every consent still granted
    (a new "withdrawn" record per purpose, so the consent history itself shows the withdrawal), and
    the link to the sign-in account (the account stays the person's own; it no longer sees the record).

    Kept: name, ID number, birth date, sex, residence status, household and membership history, and
    care-group tags. These identify the person in the audit trail, in the household's history and in
    the rights request that asked for this erasure, which the community must be able to show it
    answered (PIPL Art. 54); the ID number's uniqueness also stops the person being registered twice.
    Care-group tags come from statutory rosters (低保, 特困, 残疾 …), each under its own legal duty.
    The household's address is shared with the other members and stays. Nothing is hard-deleted: the
    audit trail names the fields erased, never their values.
    """
    locked = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid")
        .get(pk=resident.pk)
    )
    _require_place(by, RegistryPerm.HANDLE_RIGHTS, _place_path(locked.community, locked.grid))
    if locked.legal_basis != LegalBasis.CONSENT:
        raise ValidationError(_("该居民信息的处理依据是“履行法定职责”，依法不能删除。"))
    now = calendar.now()
    withdrawn = [
        ConsentRecord(
            resident=locked, purpose=purpose, granted=False, recorded_at=now, recorded_by=by
        )
        for purpose, record in current_consents(locked).items()
        if record is not None and record.granted
    ]
    ConsentRecord.objects.bulk_create(withdrawn)
    erased = [name for name in ("phone", "note") if getattr(locked, name)]
    if locked.account_id is not None:
        erased.append("account")
    locked.phone, locked.note, locked.account = "", "", None
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["phone", "phone_index", "note", "account", "version", "updated_at"])
    locked.refresh_from_db()
    audit.record(
        "registry.erase_optional_data",
        obj=locked,
        actor=by,
        fields=[*erased, *(f"consent.{c.purpose}" for c in withdrawn)],
    )
    return locked


# --- The copy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyFile:
    filename: str
    content: bytes
    content_type: str = "application/json; charset=utf-8"


def download_copy(*, rights_request: RightsRequest, by: Any) -> CopyFile:
    """The resident's own data as a JSON file, for a completed copy request — to the resident only.

    The file holds the data as it is at the moment of download, in clear (it is the person's own
    information, PIPL Art. 45), and each download is audited.
    """
    _fresh(rights_request)
    resident = rights_request.resident
    if not getattr(by, "is_resident", False) or resident.account_id != by.pk:
        raise PermissionDenied(_("只有居民本人可以下载自己的个人信息副本。"))
    if not may_download_copy(rights_request, by):
        raise ValidationError(_("只有已办结的查阅、复制请求可以下载副本。"))
    data = own_data_copy(resident)
    with transaction.atomic():
        audit.record(
            "registry.download_copy",
            obj=rights_request,
            actor=by,
            role=CHANNEL_SELF,
            fields=["record", "memberships", "care_groups", "consents", "rights_requests"],
        )
    stamp = calendar.localtime(calendar.now()).strftime("%Y%m%d")
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return CopyFile(filename=f"personal-data-{stamp}.json", content=content)
