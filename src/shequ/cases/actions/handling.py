"""Every step of a case after intake: accept, dispatch, sign, return, handle, verify, close; whistle and
report-in; suspension and extension (both approved); merge; urge and supervise; notes.

Each step checks the actor's jurisdiction over the case, fires the declared transition
(``workflow.CASE``, one conditional UPDATE, so concurrent clicks cannot both win), starts the next
stage's clock, writes a timeline line and an audit event in the same transaction, and tells the
requester and the people who must act — messages leave only after the commit.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.models import HandlingUnit
from shequ.accounts.queries import holders
from shequ.cases import deadlines
from shequ.cases.models import (
    ApprovalKind,
    ApprovalStatus,
    Case,
    CaseApproval,
    CaseEvent,
    CaseStatus,
    CaseUnit,
    DeadlineState,
    EventKind,
    UnitRole,
)
from shequ.cases.numbers import grouped
from shequ.cases.permissions import CasesPerm
from shequ.cases.workflow import CASE, MAX_RETURNS
from shequ.core import audit, calendar, notifications
from shequ.core.workflow import Transition

NOTE_MAX = 2000


def clean_text(value: Any, *, field: str, required: bool = False, limit: int = NOTE_MAX) -> str:
    """Plain text from user input: tags removed (pages escape it anyway), trimmed, bounded."""
    text = strip_tags(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field: _("请填写此项。")})
    if len(text) > limit:
        raise ValidationError({field: _("不能超过 %(n)d 个字。") % {"n": limit}})
    return text


def case_path(case: Case) -> str:
    return case.grid.path if case.grid_id is not None and case.grid else case.region.path


def require_case(by: Any, perm: str, case: Case) -> None:
    """``by`` must hold ``perm`` over the case: at its place, or at a unit working on it."""
    if by is None:
        return
    refusal = _("该工单不在您的管辖范围内，或您没有此项权限。")
    if not by.has_permission(perm):
        raise PermissionDenied(refusal)
    jurisdiction = by.jurisdiction(perm)
    if jurisdiction.covers_path(case_path(case)):
        return
    if (
        jurisdiction.unit_ids
        and case.units.filter(unit_id__in=jurisdiction.unit_ids, ended_at__isnull=True).exists()
    ):
        return
    raise PermissionDenied(refusal)


def stage_fields(case: Case, status: str, at: datetime, **changes: Any) -> dict[str, Any]:
    """The stage clock for ``status`` starting ``at``, computed as if ``changes`` were applied."""
    view = copy.copy(case)
    for key, value in changes.items():
        setattr(view, key, value)
    times = deadlines.stage_times(view, status, at)
    return {
        "stage_started_at": times.started,
        "stage_due_at": times.due,
        "stage_warn_at": times.warn,
        "deadline_state": DeadlineState.ON_TIME,
    }


def log(
    case: Case,
    kind: str,
    *,
    by: Any = None,
    at: datetime | None = None,
    action: str = "",
    label: str = "",
    note: str = "",
    unit: HandlingUnit | None = None,
    public: bool = True,
    from_status: str = "",
    to_status: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=at or calendar.now(),
        kind=kind,
        action=action,
        label=label[:100],
        from_status=from_status,
        to_status=to_status,
        actor=by,
        actor_name=(by.full_name or by.get_username())[:100] if by is not None else "",
        unit=unit,
        note=note,
        public=public,
    )


def move(
    case: Case,
    name: str,
    *,
    by: Any,
    note: str = "",
    unit: HandlingUnit | None = None,
    at: datetime | None = None,
    public: bool = True,
    **changes: Any,
) -> Transition:
    """Fire transition ``name``, start the next stage's clock, log it and audit it."""
    at = at or calendar.now()
    transition = CASE.get(name)
    before = case.status
    changes.update(stage_fields(case, transition.target, at, **changes))
    CASE.fire(case, name, by=by, **changes)
    log(
        case,
        EventKind.TRANSITION,
        by=by,
        at=at,
        action=name,
        note=note,
        unit=unit,
        public=public,
        from_status=before,
        to_status=case.status,
    )
    audit.record(f"cases.{name}", obj=case, actor=by, object_repr=case.number)
    return transition


# --- Telling people ----------------------------------------------------------------------------

REQUESTER_MESSAGES = {
    "accept": gettext_lazy("您的诉求已受理"),
    "reject": gettext_lazy("您的诉求未予受理"),
    "dispatch": gettext_lazy("您的诉求已派遣办理"),
    "handle": gettext_lazy("您的诉求已办理完成"),
    "handle_self": gettext_lazy("您的诉求已办理完成"),
    "close": gettext_lazy("您的诉求已办结，请评价"),
    "resolve_on_spot": gettext_lazy("您的诉求已就地解决"),
    "merge": gettext_lazy("您的诉求已与同一问题的工单合并办理"),
    "merged_in": gettext_lazy("其他居民反映的同一问题已并入您的工单一并办理"),
}


def case_url(case: Case) -> str:
    return f"/cases/{case.pk}/"


def tell_requester(case: Case, event: str) -> None:
    """In-app (and SMS) to the requester's account; SMS to a phone given without an account."""
    subject = REQUESTER_MESSAGES.get(event)
    if subject is None or case.anonymous:
        return
    body = gettext_lazy("工单号 %(number)s") % {"number": grouped(case.number)}
    if case.requester_id is not None:
        requester: Any = case.requester
        notifications.notify(
            recipients=[requester],
            topic="cases.progress",
            subject=subject,
            body=body,
            url=f"/cases/mine/{case.pk}/",
            sms=True,
        )
    elif case.requester_phone:
        phone, text = case.requester_phone, f"{subject}：{body}"
        transaction.on_commit(lambda: notifications.send_sms(phone, text, "cases.progress"))


def tell_staff(
    users: Iterable[Any], case: Case, subject: Any, *, sms: bool = False, exclude: Any = None
) -> None:
    recipients = [u for u in users if exclude is None or u.pk != exclude.pk]
    if not recipients:
        return
    notifications.notify(
        recipients=recipients,
        topic="cases.work",
        subject=subject,
        body=gettext_lazy("工单 %(number)s：%(title)s")
        % {"number": grouped(case.number), "title": case.title},
        url=case_url(case),
        sms=sms,
    )


def unit_handlers(units: Sequence[HandlingUnit | None]) -> list[Any]:
    return holders(CasesPerm.HANDLE, units=[u for u in units if u is not None])


def desk_staff(case: Case, perm: str = CasesPerm.ACCEPT) -> list[Any]:
    """Whoever holds ``perm`` at the case's community or township (where cases are accepted)."""
    places: list[int] = [case.region_id]
    if case.region.parent_id is not None:
        places.append(case.region.parent_id)  # the id will do: no need to load the township
    return holders(perm, regions=places)


# --- Acceptance --------------------------------------------------------------------------------


def accept(*, case: Case, by: Any, priority: str = "", note: str = "") -> Case:
    """首问负责: whoever accepts owns the case until it is closed. The whole case's deadline starts."""
    require_case(by, CasesPerm.ACCEPT, case)
    note = clean_text(note, field="note")
    at = calendar.now()
    with transaction.atomic():
        changes: dict[str, Any] = {"owner": by, "accepted_at": at}
        if priority:
            changes["priority"] = priority
        level = priority or case.priority
        changes["due_at"] = deadlines.case_limit(level, case.service_item).due(at)
        move(case, "accept", by=by, note=note, at=at, **changes)
        tell_requester(case, "accept")
    return case


def reject(*, case: Case, by: Any, reason: str) -> Case:
    require_case(by, CasesPerm.ACCEPT, case)
    reason = clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        at = calendar.now()
        move(case, "reject", by=by, note=reason, at=at, rejection_reason=reason, closed_at=at)
        tell_requester(case, "reject")
    return case


# --- Dispatch, signing, returns ------------------------------------------------------------------


def _active_units(case: Case) -> list[CaseUnit]:
    return list(case.units.filter(ended_at__isnull=True).select_related("unit"))


def dispatch(
    *,
    case: Case,
    by: Any,
    lead: HandlingUnit,
    co_units: Sequence[HandlingUnit] = (),
    note: str = "",
) -> Case:
    """派遣: one lead unit and optional co-handling units. Units must serve the case's territory."""
    require_case(by, CasesPerm.DISPATCH, case)
    note = clean_text(note, field="note")
    co = [u for u in co_units if u.pk != lead.pk]
    for unit in (lead, *co):
        if not unit.is_active:
            raise ValidationError({"lead": _("单位“%(unit)s”已停用。") % {"unit": unit.name}})
        if not case.region.path.startswith(unit.region.path):
            raise ValidationError(
                {"lead": _("单位“%(unit)s”不负责该工单所在区域。") % {"unit": unit.name}}
            )
    at = calendar.now()
    with transaction.atomic():
        move(case, "dispatch", by=by, note=note, unit=lead, at=at, lead_unit=lead, dispatched_at=at)
        case.units.filter(ended_at__isnull=True).exclude(role=UnitRole.SUMMONED).update(ended_at=at)
        CaseUnit.objects.bulk_create(
            [CaseUnit(case=case, unit=lead, role=UnitRole.LEAD, assigned_at=at, assigned_by=by)]
            + [
                CaseUnit(case=case, unit=u, role=UnitRole.CO, assigned_at=at, assigned_by=by)
                for u in co
            ]
        )
        tell_staff(unit_handlers([lead, *co]), case, gettext_lazy("有新派遣的工单"), sms=True)
        tell_requester(case, "dispatch")
    return case


def start_self(*, case: Case, by: Any, note: str = "") -> Case:
    """The accepting office handles the case itself instead of dispatching it."""
    require_case(by, CasesPerm.ACCEPT, case)
    with transaction.atomic():
        move(case, "start_self", by=by, note=clean_text(note, field="note"))
    return case


def _unit_of(case: Case, by: Any) -> HandlingUnit | None:
    """The lead unit, when ``by`` works for it (department handlers act for their unit)."""
    if by is None or case.lead_unit_id is None:
        return case.lead_unit
    unit_ids = by.jurisdiction(CasesPerm.HANDLE).unit_ids
    if unit_ids and case.lead_unit_id not in unit_ids:
        raise PermissionDenied(_("只有主办单位可以办理该工单。"))
    return case.lead_unit


def sign(*, case: Case, by: Any) -> Case:
    """签收: the lead unit takes the dispatched case on."""
    require_case(by, CasesPerm.HANDLE, case)
    unit = _unit_of(case, by)
    with transaction.atomic():
        move(case, "sign", by=by, unit=unit)
    return case


def return_case(*, case: Case, by: Any, reason: str) -> Case:
    """退回 (wrong unit): back to the dispatchers with a reason. After ``MAX_RETURNS`` returns the case
    escalates to the township."""
    require_case(by, CasesPerm.HANDLE, case)
    unit = _unit_of(case, by)
    reason = clean_text(reason, field="reason", required=True)
    at = calendar.now()
    with transaction.atomic():
        move(
            case,
            "return",
            by=by,
            note=reason,
            unit=unit,
            at=at,
            lead_unit=None,
            return_count=F("return_count") + 1,
        )
        case.refresh_from_db(fields=["return_count"])
        case.units.filter(ended_at__isnull=True).exclude(role=UnitRole.SUMMONED).update(ended_at=at)
        dispatchers = desk_staff(case, CasesPerm.DISPATCH)
        tell_staff(dispatchers, case, gettext_lazy("工单被退回，请重新派遣"))
        if case.return_count > MAX_RETURNS:
            escalate(case, at=at, reason=_("多次退回"))
    return case


def escalate(case: Case, *, at: datetime, reason: str) -> None:
    """Hand supervision to the level above the case's present one (community → township → county…)."""
    current = case.escalated_to or case.region
    above = current.parent
    if above is None:
        return
    Case.objects.filter(pk=case.pk).update(escalated_to=above, escalated_at=at, supervised=True)
    case.escalated_to, case.escalated_at, case.supervised = above, at, True
    log(case, EventKind.ESCALATE, at=at, label=above.name, note=reason, public=False)
    tell_staff(
        holders(CasesPerm.SUPERVISE, regions=[above]),
        case,
        gettext_lazy("工单已升级由您督办"),
    )


# --- Handling, verification, closing ----------------------------------------------------------------


def handle(*, case: Case, by: Any, result: str, photos: Sequence[Any] = ()) -> Case:
    """办理完成: the result (and photos) go to verification by the grid worker or the requester."""
    from shequ.cases.actions.photos import prepare_photos, store_photos

    self_handled = case.lead_unit_id is None
    perm = CasesPerm.ACCEPT if self_handled else CasesPerm.HANDLE
    require_case(by, perm, case)
    unit = None if self_handled else _unit_of(case, by)
    result = clean_text(result, field="result", required=True)
    prepared = prepare_photos(photos)
    at = calendar.now()
    with transaction.atomic():
        name = "handle_self" if self_handled else "handle"
        move(case, name, by=by, note=result, unit=unit, at=at, result=result, handled_at=at)
        verifiers = holders(CasesPerm.VERIFY, grids=[case.grid_id]) if case.grid_id else []
        tell_staff(
            verifiers or desk_staff(case, CasesPerm.VERIFY), case, gettext_lazy("工单待核查")
        )
        tell_requester(case, "handle")
        store_photos(case, prepared, stage="handled", by=by, at=at)
    return case


def verify(
    *, case: Case, by: Any, passed: bool, note: str = "", photos: Sequence[Any] = ()
) -> Case:
    """核查 by the grid worker (or desk staff). A failed check sends the case back to the handler."""
    from shequ.cases.actions.photos import prepare_photos, store_photos

    require_case(by, CasesPerm.VERIFY, case)
    note = clean_text(note, field="note", required=not passed)
    prepared = prepare_photos(photos)
    at = calendar.now()
    with transaction.atomic():
        move(case, "verify" if passed else "verify_fail", by=by, note=note, at=at)
        if passed:
            owner = [case.owner] if case.owner_id else desk_staff(case)
            tell_staff(owner, case, gettext_lazy("工单已核查，请办结"))
        else:
            handlers = unit_handlers([case.lead_unit]) if case.lead_unit_id else [case.owner]
            tell_staff([u for u in handlers if u], case, gettext_lazy("工单核查未通过"))
        store_photos(case, prepared, stage="verified", by=by, at=at)
    return case


def verify_by_requester(*, case: Case, requester: Any, passed: bool, note: str = "") -> Case:
    """The requester confirms (or disputes) the result instead of a grid worker."""
    _require_requester(case, requester)
    note = clean_text(note, field="note", required=not passed)
    with transaction.atomic():
        move(case, "verify" if passed else "verify_fail", by=None, note=note)
        CaseEvent.objects.filter(pk=case.events.latest("id").pk).update(
            actor=requester if getattr(requester, "pk", None) else None, actor_name=_("申请人")
        )
    return case


def close(*, case: Case, by: Any, note: str = "") -> Case:
    """办结 by the owner (首问负责) or the desk; the requester is asked to rate."""
    require_case(by, CasesPerm.ACCEPT, case)
    at = calendar.now()
    with transaction.atomic():
        move(case, "close", by=by, note=clean_text(note, field="note"), at=at, closed_at=at)
        tell_requester(case, "close")
    return case


def _require_requester(case: Case, requester: Any) -> None:
    """The requester is the account that submitted, or someone who proved the phone (follow code)."""
    if getattr(requester, "follow_case_id", None) == case.pk:
        return
    if case.requester_id is None or getattr(requester, "pk", None) != case.requester_id:
        raise PermissionDenied(_("这不是您的工单。"))


def withdraw(*, case: Case, requester: Any, reason: str = "") -> Case:
    _require_requester(case, requester)
    with transaction.atomic():
        move(case, "withdraw", by=None, note=clean_text(reason, field="reason"))
    return case


# --- Whistle and report-in (街镇吹哨、部门报到) ------------------------------------------------------


def whistle(*, case: Case, by: Any, units: Sequence[HandlingUnit], note: str) -> list[CaseUnit]:
    """Township staff summon departments; each must report in (报到) within ``deadlines.REPORT_IN``."""
    require_case(by, CasesPerm.DISPATCH, case)
    if not case.is_open:
        raise ValidationError(_("工单已结束，不能吹哨。"))
    if not units:
        raise ValidationError({"units": _("请至少选择一个单位。")})
    note = clean_text(note, field="note", required=True)
    at = calendar.now()
    due = deadlines.REPORT_IN.due(at)
    with transaction.atomic():
        already = set(
            case.units.filter(role=UnitRole.SUMMONED, reported_at__isnull=True).values_list(
                "unit_id", flat=True
            )
        )
        fresh = [u for u in units if u.pk not in already]
        if not fresh:
            raise ValidationError({"units": _("所选单位都已被召集，正在等待报到。")})
        links = CaseUnit.objects.bulk_create(
            [
                CaseUnit(
                    case=case,
                    unit=u,
                    role=UnitRole.SUMMONED,
                    assigned_at=at,
                    assigned_by=by,
                    report_due_at=due,
                )
                for u in fresh
            ]
        )
        names = "、".join(u.name for u in fresh)
        log(case, EventKind.WHISTLE, by=by, at=at, label=names, note=note)
        audit.record("cases.whistle", obj=case, actor=by, object_repr=case.number)
        tell_staff(unit_handlers(fresh), case, gettext_lazy("街镇吹哨：请按时报到"), sms=True)
    return links


def report_in(*, case: Case, by: Any, note: str = "") -> CaseUnit:
    """部门报到: a summoned unit reports in; it leaves the list of units still awaited."""
    require_case(by, CasesPerm.HANDLE, case)
    unit_ids = by.jurisdiction(CasesPerm.HANDLE).unit_ids
    at = calendar.now()
    with transaction.atomic():
        link = (
            case.units.select_for_update()
            .filter(role=UnitRole.SUMMONED, reported_at__isnull=True, unit_id__in=unit_ids)
            .select_related("unit")
            .first()
        )
        if link is None:
            raise ValidationError(_("您的单位没有待报到的召集。"))
        updated = CaseUnit.objects.filter(pk=link.pk, reported_at__isnull=True).update(
            reported_at=at, reported_by=by
        )
        if updated != 1:
            raise ValidationError(_("该工单刚刚已被他人处理，请刷新页面查看最新状态。"))
        log(
            case,
            EventKind.REPORT_IN,
            by=by,
            at=at,
            unit=link.unit,
            label=link.unit.name,
            note=clean_text(note, field="note"),
        )
        audit.record("cases.report_in", obj=case, actor=by, object_repr=case.number)
    return link


# --- Suspension and extension (both approved) -------------------------------------------------------


def request_approval(
    *, case: Case, by: Any, kind: str, reason: str, extra_working_days: int = 0
) -> CaseApproval:
    perm = CasesPerm.ACCEPT if case.lead_unit_id is None else CasesPerm.HANDLE
    if by is not None and not by.has_permission(perm):
        perm = CasesPerm.ACCEPT
    require_case(by, perm, case)
    reason = clean_text(reason, field="reason", required=True)
    if kind == ApprovalKind.SUSPENSION and case.status != CaseStatus.IN_PROGRESS:
        raise ValidationError(_("只有办理中的工单可以申请挂起。"))
    if kind == ApprovalKind.EXTENSION:
        if not case.is_open or case.due_at is None:
            raise ValidationError(_("该工单当前不能申请延期。"))
        if not 1 <= extra_working_days <= 30:
            raise ValidationError({"extra_working_days": _("延长天数应在 1 到 30 个工作日之间。")})
    try:
        with transaction.atomic():
            approval = CaseApproval.objects.create(
                case=case,
                kind=kind,
                reason=reason,
                extra_working_days=extra_working_days if kind == ApprovalKind.EXTENSION else 0,
                requested_by=by,
                requested_at=calendar.now(),
            )
            log(case, EventKind(kind), by=by, label=_("申请"), note=reason, public=False)
            tell_staff(desk_staff(case, CasesPerm.APPROVE), case, gettext_lazy("有待审批的申请"))
    except IntegrityError as exc:
        raise ValidationError(_("已有一份同类申请在等待审批。")) from exc
    return approval


def decide_approval(
    *, approval: CaseApproval, by: Any, approve: bool, note: str = ""
) -> CaseApproval:
    case = approval.case
    require_case(by, CasesPerm.APPROVE, case)
    if by is not None and approval.requested_by_id == by.pk:
        raise PermissionDenied(_("不能审批自己提出的申请。"))
    note = clean_text(note, field="note", required=not approve)
    at = calendar.now()
    with transaction.atomic():
        updated = CaseApproval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
            status=ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED,
            decided_by=by,
            decided_at=at,
            decision_note=note,
        )
        if updated != 1:
            raise ValidationError(_("该申请刚刚已被他人审批，请刷新页面查看最新状态。"))
        approval.refresh_from_db()
        label = _("批准") if approve else _("不批准")
        if approve and approval.kind == ApprovalKind.SUSPENSION:
            move(case, "suspend", by=by, note=note or approval.reason, at=at, suspended_at=at)
        elif approve:
            due = calendar.add_working_days(case.due_at or at, approval.extra_working_days)
            Case.objects.filter(pk=case.pk).update(due_at=due)
            case.due_at = due
            if case.status == CaseStatus.IN_PROGRESS:
                fields = stage_fields(
                    case, case.status, calendar.localtime(case.stage_started_at or at)
                )
                Case.objects.filter(pk=case.pk).update(**fields)
            log(case, EventKind.EXTENSION, by=by, at=at, label=label, note=note, public=False)
        else:
            log(case, EventKind(approval.kind), by=by, at=at, label=label, note=note, public=False)
        audit.record(f"cases.{approval.kind}_decided", obj=case, actor=by, object_repr=case.number)
        tell_staff([approval.requested_by], case, gettext_lazy("您的申请已审批"))
    return approval


def resume(*, case: Case, by: Any, note: str = "") -> Case:
    """End a suspension: the time suspended (in working days) is added to the due time."""
    require_case(by, CasesPerm.APPROVE, case)
    at = calendar.now()
    with transaction.atomic():
        changes: dict[str, Any] = {"suspended_at": None}
        if case.due_at is not None and case.suspended_at is not None:
            paused = calendar.working_days_between(case.suspended_at, at)
            changes["due_at"] = (
                calendar.add_working_days(case.due_at, paused) if paused else case.due_at
            )
        move(case, "resume", by=by, note=clean_text(note, field="note"), at=at, **changes)
    return case


# --- Merging duplicates, urging, supervising, notes -------------------------------------------------


def merge(*, case: Case, into: Case, by: Any, note: str = "") -> Case:
    """Merge a duplicate into the case that carries on. Both timelines stay; every requester of the
    duplicate (and of cases merged into it before) is told."""
    require_case(by, CasesPerm.DISPATCH, case)
    require_case(by, CasesPerm.DISPATCH, into)
    if into.pk == case.pk:
        raise ValidationError({"into": _("不能合并到工单本身。")})
    if not into.is_open:
        raise ValidationError({"into": _("目标工单已结束，不能合并。")})
    if into.duplicate_of_id is not None:
        raise ValidationError({"into": _("目标工单已被合并，请选择它所合并到的工单。")})
    note = clean_text(note, field="note")
    at = calendar.now()
    with transaction.atomic():
        move(case, "merge", by=by, note=note, at=at, duplicate_of=into, closed_at=at)
        earlier = list(Case.objects.filter(duplicate_of=case))
        Case.objects.filter(duplicate_of=case).update(duplicate_of=into)
        log(into, EventKind.MERGE, by=by, at=at, label=grouped(case.number), note=note)
        for merged in (case, *earlier):
            tell_requester(merged, "merge")
        tell_requester(into, "merged_in")
    return case


def urge(*, case: Case, by: Any, note: str) -> CaseEvent:
    """催办: a reminder on the timeline and to whoever must act now."""
    require_case(by, CasesPerm.DISPATCH, case)
    return _press(case, by, note, EventKind.URGE, gettext_lazy("工单被催办"))


def supervise(*, case: Case, by: Any, note: str) -> CaseEvent:
    """督办: a superior marks the case as supervised; it stays flagged until closed."""
    require_case(by, CasesPerm.SUPERVISE, case)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(supervised=True)
        case.supervised = True
        return _press(case, by, note, EventKind.SUPERVISE, gettext_lazy("工单被督办"))


def _press(case: Case, by: Any, note: str, kind: str, subject: Any) -> CaseEvent:
    if not case.is_open:
        raise ValidationError(_("工单已结束。"))
    note = clean_text(note, field="note", required=True)
    with transaction.atomic():
        event = log(case, kind, by=by, note=note, public=False)
        audit.record(f"cases.{kind}", obj=case, actor=by, object_repr=case.number)
        tell_staff(responsible(case), case, subject, sms=True, exclude=by)
    return event


def responsible(case: Case) -> list[Any]:
    """Who must act on the case now: the lead unit's handlers once dispatched, else the owner/desk."""
    if case.status in (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS) and case.lead_unit_id:
        return unit_handlers([case.lead_unit])
    if case.owner_id:
        return [case.owner]
    return desk_staff(case)


def add_note(*, case: Case, by: Any, note: str) -> CaseEvent:
    """An internal note on the timeline (staff only)."""
    require_case(by, CasesPerm.VIEW, case)
    note = clean_text(note, field="note", required=True)
    with transaction.atomic():
        event = log(case, EventKind.NOTE, by=by, note=note, public=False)
        audit.record("cases.note", obj=case, actor=by, object_repr=case.number)
    return event


REVEALABLE = ("requester_name", "requester_phone", "address")


def reveal(*, case: Case, by: Any, field: str, reason: str) -> str:
    """The clear value of one of the requester's fields, for staff who must contact them (a callback,
    a home visit), with a reason; every reveal is audited (PIPL: only what the task needs)."""
    if field not in REVEALABLE:
        raise ValidationError(_("不能查看该项信息。"))
    allowed = [
        p for p in (CasesPerm.ACCEPT, CasesPerm.HANDLE, CasesPerm.VERIFY) if by.has_permission(p)
    ]
    if not allowed:
        raise PermissionDenied(_("您没有此项权限。"))
    last: PermissionDenied | None = None
    for perm in allowed:
        try:
            require_case(by, perm, case)
            break
        except PermissionDenied as exc:
            last = exc
    else:
        raise last or PermissionDenied(_("您没有此项权限。"))
    reason = clean_text(reason, field="reason", required=True, limit=200)
    if case.anonymous:
        raise ValidationError(_("匿名诉求没有申请人信息。"))
    audit.record(
        "cases.reveal", obj=case, actor=by, fields=[field], reason=reason, object_repr=case.number
    )
    return str(getattr(case, field) or "")
