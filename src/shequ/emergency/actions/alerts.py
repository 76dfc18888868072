"""Writes of the alerts feature (G3): issue an alert, close it, confirm a vulnerable resident reached
(or escalate), and reveal a resident's phone for the call.

Issuing is one transaction: the ``Alert``, a ``ReachItem`` for every vulnerable resident it reaches
(``queries.alerts.vulnerable_rows``: one SELECT, written with ``bulk_create`` in chunks — never one
query per resident), the ``AlertDispatch`` batches (per community, ``BATCH`` residents each, by id
range), the counts and the audit event. After commit one ``send_alert_batch`` task per batch is
enqueued, and the grid workers of the grids with items get one inbox message each. An alert that
reaches nobody is refused and nothing is written. A ``request_key`` (the form's hidden key, the API's
``Idempotency-Key``) makes a double click land once.

Escalating an item only marks it (the board shows it, the community follows up); it opens no case by
itself, because what to open depends on what the grid worker found.

Confirmations are conditional updates on (status, version): of two grid workers at once, one wins and
the other is told who confirmed it and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from shequ.core import audit, calendar, notifications, tasks
from shequ.core.scoping import require_place
from shequ.emergency.models import (
    Alert,
    AlertDispatch,
    AlertKind,
    AlertStatus,
    DispatchStatus,
    ReachItem,
    ReachStatus,
    Severity,
)
from shequ.emergency.permissions import EmergencyPerm
from shequ.emergency.queries import alerts as queries
from shequ.registry.models import Resident
from shequ.territory.geometry import validate_geojson
from shequ.territory.models import Region

ISSUE = EmergencyPerm.ISSUE_ALERTS
CONFIRM = EmergencyPerm.CONFIRM_REACH
BATCH = 1000  # residents per dispatch batch (one task each)
CHUNK = 2000  # reach items per INSERT
TOPIC = "emergency.alert"
CHECKLIST_URL = "/emergency/checklist/"
RESIDENT_URL = "/emergency/me/alerts/"
REVEAL_REASON = "应急联系：预警期间确认重点人员安全"
CONFIRM_TO: dict[str, tuple[str, ...]] = {
    ReachStatus.REACHED_PHONE: (ReachStatus.PENDING, ReachStatus.ESCALATED),
    ReachStatus.REACHED_IN_PERSON: (ReachStatus.PENDING, ReachStatus.ESCALATED),
    ReachStatus.ESCALATED: (ReachStatus.PENDING,),
}
REFUSE_ISSUE = _l("您没有在该区域发布预警的权限。")
REFUSE_CONFIRM = _l("您没有确认该人员联系情况的权限。")


def _clean(value: Any, field: str, limit: int, missing: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > limit:
        raise ValidationError({field: _("不能超过 %(n)d 个字。") % {"n": limit}})
    return text


def _check_targets(
    region: Region, target_regions: Sequence[Region], area: Any
) -> tuple[list[Region], dict[str, Any] | None]:
    errors: dict[str, str] = {}
    targets = list(target_regions)
    outside = [t for t in targets if not t.path.startswith(region.path)]
    if outside:
        errors["target_regions"] = _("发布范围超出您的辖区：%(names)s。") % {
            "names": "、".join(t.name for t in outside[:5])
        }
    elif any(t.level not in queries.TARGET_LEVELS for t in targets):
        errors["target_regions"] = _("发布范围只能选择区县、镇街或村(社区)。")
    geometry: dict[str, Any] | None = None
    if area not in (None, "", {}):
        try:
            geometry = validate_geojson(area)
        except ValidationError as exc:
            errors["area"] = _("划定范围有误：%(reason)s") % {"reason": " ".join(exc.messages)}
    if not errors and not targets and geometry is None:
        errors["target_regions"] = _("请选择发布范围，或划定一个区域。")
    if errors:
        raise ValidationError(errors)
    return targets, geometry


def preview_alert(
    *, region: Region, target_regions: Sequence[Region] = (), area: Any = None, by: Any
) -> queries.Preview:
    """What ``issue_alert`` with these targets would reach (residents, vulnerable residents), with
    the same checks and messages; writes nothing. The issue page shows it before issuing."""
    _check_issuer(by, region)
    targets, geometry = _check_targets(region, target_regions, area)
    return queries.preview(queries.targets_for(region, targets, geometry))


def _existing(request_key: str | None) -> Alert | None:
    if not request_key:
        return None
    return Alert.objects.filter(request_key=request_key).first()


def _check_issuer(by: Any, region: Region) -> None:
    if region.level not in queries.ISSUING_LEVELS:
        raise PermissionDenied(_("预警须由镇(街道)及以上发布，村(社区)不能发布预警。"))
    require_place(by, ISSUE, region.path, str(REFUSE_ISSUE))


@transaction.atomic
def issue_alert(
    *,
    region: Region,
    kind: str,
    severity: str,
    title: str,
    instructions: str,
    target_regions: Sequence[Region] = (),
    area: Any = None,
    request_key: str | None = None,
    by: Any,
    is_synthetic: bool = False,
    send: bool = True,
) -> Alert:
    """Issue an alert from ``region`` (where the issuer's role is held: township or above) to
    ``target_regions`` (in its subtree) and/or a drawn ``area`` (GeoJSON Polygon/MultiPolygon).

    The same ``request_key`` again returns the alert already issued. ``send=False`` writes the alert,
    checklist and batches but enqueues no message (the demo's past alert: nobody is told today)."""
    _check_issuer(by, region)
    key = (request_key or "").strip()[:64] or None
    found = _existing(key)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _issue(region, kind, severity, title, instructions, target_regions, area, key,
                          by, is_synthetic, send)  # fmt: skip
    except IntegrityError:
        # Two submissions with one key at once: the other one committed first.
        found = _existing(key)
        if found is None:
            raise
        return found


def _issue(
    region: Region,
    kind: str,
    severity: str,
    title: str,
    instructions: str,
    target_regions: Sequence[Region],
    area: Any,
    key: str | None,
    by: Any,
    is_synthetic: bool,
    send: bool,
) -> Alert:
    errors: dict[str, str] = {}
    if kind not in AlertKind.values:
        errors["kind"] = _("请选择预警类型。")
    if severity not in Severity.values:
        errors["severity"] = _("请选择预警级别。")
    for name, value, limit, missing in (
        ("title", title, 100, _("请填写标题。")),
        ("instructions", instructions, 2000, _("请填写防范指引。")),
    ):
        try:
            _clean(value, name, limit, missing)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        targets, geometry = _check_targets(region, target_regions, area)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    resolved = queries.targets_for(region, targets, geometry)
    reached = queries.reached_residents(resolved)
    ids = list(reached.order_by("community_id", "pk").values_list("community_id", "pk"))
    if not ids:
        field = "area" if geometry is not None and not targets else "target_regions"
        raise ValidationError(
            {field: _("发布范围内没有在册居民，预警不会送达任何人，未发布。请调整发布范围。")}
        )
    now = calendar.now()
    alert = Alert.objects.create(
        number=f"T{uuid.uuid4().hex[:22]}",
        region=region,
        kind=kind,
        severity=severity,
        title=str(title).strip(),
        instructions=str(instructions).strip(),
        area=geometry,
        issued_by=by,
        issued_at=now,
        request_key=key,
        is_synthetic=is_synthetic,
    )
    alert.number = f"YJ{calendar.localtime(now):%Y%m%d}{alert.pk:06d}"
    if targets:
        alert.target_regions.set(targets)

    checklist = _write_checklist(alert, resolved)
    dispatches = _write_dispatches(alert, ids)
    Alert.objects.filter(pk=alert.pk).update(
        number=alert.number, resident_count=len(ids), checklist_count=checklist
    )
    alert.resident_count, alert.checklist_count = len(ids), checklist
    audit.record(
        "emergency.issue_alert",
        obj=alert,
        actor=by,
        fields=["kind", "severity", "title", "instructions", "target_regions", "area"],
        object_repr=f"{alert.number} {alert.title} ({len(ids)}/{checklist})",
    )
    if send:
        for dispatch_id in dispatches:
            tasks.enqueue(_send_task(), dispatch_id)
        _tell_grid_workers(alert)
    return alert


def _send_task() -> Any:
    from shequ.emergency.tasks import send_alert_batch

    return send_alert_batch


def _write_checklist(alert: Alert, targets: queries.Targets) -> int:
    rows = queries.vulnerable_rows(targets).values_list(  # type: ignore[misc]
        "pk", "community_id", "grid_id", "care", "disabled", "members"
    )
    written = 0
    chunk: list[ReachItem] = []
    for pk, community_id, grid_id, care, disabled, members in rows.iterator(chunk_size=CHUNK):
        chunk.append(
            ReachItem(
                alert_id=alert.pk,
                resident_id=pk,
                community_id=community_id,
                grid_id=grid_id,
                reasons=queries.reasons_of(care, disabled, members == 1),
            )
        )
        if len(chunk) >= CHUNK:
            ReachItem.objects.bulk_create(chunk)
            written += len(chunk)
            chunk = []
    if chunk:
        ReachItem.objects.bulk_create(chunk)
        written += len(chunk)
    return written


def _write_dispatches(alert: Alert, ids: Sequence[tuple[int, int]]) -> list[int]:
    """Batches per community of at most ``BATCH`` residents, as id ranges (``ids`` are ordered)."""
    batches: list[AlertDispatch] = []
    start = 0
    while start < len(ids):
        community_id = ids[start][0]
        end = start
        while end < len(ids) and end - start < BATCH and ids[end][0] == community_id:
            end += 1
        batches.append(
            AlertDispatch(
                alert_id=alert.pk,
                community_id=community_id,
                first_resident_id=ids[start][1],
                last_resident_id=ids[end - 1][1],
                resident_count=end - start,
            )
        )
        start = end
    made = AlertDispatch.objects.bulk_create(batches, batch_size=500)
    if made and made[0].pk is None:  # a backend that does not return ids
        return list(AlertDispatch.objects.filter(alert=alert).values_list("pk", flat=True))
    return [d.pk for d in made]


def _tell_grid_workers(alert: Alert) -> None:
    from shequ.accounts.queries import holders

    grid_ids = list(
        ReachItem.objects.filter(alert=alert, grid__isnull=False)
        .order_by()
        .values_list("grid_id", flat=True)
        .distinct()
    )
    community_ids = list(
        ReachItem.objects.filter(alert=alert, grid__isnull=True)
        .order_by()
        .values_list("community_id", flat=True)
        .distinct()
    )
    recipients = holders(CONFIRM, grids=grid_ids) if grid_ids else []
    if community_ids:
        # Items without a grid fall to whoever confirms reach at the community itself.
        recipients += holders(CONFIRM, regions=community_ids)
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic=TOPIC,
            subject=_l("预警：请逐一确认网格内的重点人员"),
            body=f"{alert.get_severity_display()} {alert.title}",
            url=CHECKLIST_URL,
        )


# --- Sending one batch (the body of ``tasks.send_alert_batch``) ---------------------------------------


def send_batch(dispatch_id: int) -> int:
    """Tell the residents of one batch: an inbox message and an SMS to those with an account, an SMS
    to the others with a phone (decrypted only here). Idempotent: a batch no longer queued is left
    alone. Returns how many residents were told."""
    with transaction.atomic():
        dispatch = (
            AlertDispatch.objects.select_for_update()
            .select_related("alert__region")
            .filter(pk=dispatch_id)
            .first()
        )
        if dispatch is None or dispatch.status != DispatchStatus.QUEUED:
            return 0
        alert = dispatch.alert
        residents = (
            queries.reached_residents(queries.targets_of(alert))
            .filter(
                community_id=dispatch.community_id,
                pk__gte=dispatch.first_resident_id,
                pk__lte=dispatch.last_resident_id,
            )
            .select_related("account")
            .order_by("pk")
        )
        text = f"【{alert.get_severity_display()}】{alert.title}：{alert.instructions}"
        accounts: list[Any] = []
        told = 0
        for resident in residents.iterator(chunk_size=BATCH):
            account = resident.account
            if account is not None and account.is_active:
                accounts.append(account)
                told += 1
            elif resident.phone_index:
                notifications.send_sms(resident.phone, text, TOPIC)
                told += 1
        if accounts:
            notifications.notify(
                recipients=accounts,
                topic=TOPIC,
                subject=f"【{alert.get_severity_display()}】{alert.title}",
                body=alert.instructions,
                url=RESIDENT_URL,
                sms=True,
            )
        now = calendar.now()
        AlertDispatch.objects.filter(pk=dispatch.pk, status=DispatchStatus.QUEUED).update(
            status=DispatchStatus.SENT, sent_count=told, sent_at=now
        )
        Alert.objects.filter(pk=alert.pk).update(notified_count=F("notified_count") + told)
    return told


# --- Closing ------------------------------------------------------------------------------------------


@transaction.atomic
def close_alert(*, alert: Alert, reason: str, by: Any) -> Alert:
    """解除预警: by someone who may issue alerts where it was filed, with a reason."""
    require_place(by, ISSUE, alert.region.path, str(REFUSE_ISSUE))
    reason = _clean(reason, "reason", 300, _("请填写解除原因。"))
    if alert.status != AlertStatus.ACTIVE:
        raise ValidationError(_("该预警已解除。"))
    now = calendar.now()
    moved = Alert.objects.filter(
        pk=alert.pk, status=AlertStatus.ACTIVE, version=alert.version
    ).update(
        status=AlertStatus.CLOSED,
        closed_at=now,
        closed_by=by,
        version=F("version") + 1,
    )
    if moved != 1:
        raise ValidationError(_("该预警刚刚已被他人解除或修改，请刷新页面。"))
    alert.status, alert.closed_at, alert.closed_by = AlertStatus.CLOSED, now, by
    alert.version += 1
    audit.record("emergency.close_alert", obj=alert, actor=by, fields=["status"], reason=reason)
    return alert


# --- Confirming reach ---------------------------------------------------------------------------------


def _item_path(item: ReachItem) -> str:
    return item.grid.path if item.grid_id and item.grid else item.community.path


def _who_when(item: ReachItem) -> str:
    who = str(item.confirmed_by) if item.confirmed_by else _("系统")
    when = calendar.localtime(item.confirmed_at) if item.confirmed_at else None
    return _("该人员已由 %(who)s 于 %(when)s 标记为“%(status)s”。") % {
        "who": who,
        "when": f"{when:%m-%d %H:%M}" if when else "—",
        "status": item.get_status_display(),
    }


@transaction.atomic
def confirm_reach(*, item: ReachItem, status: str, note: str = "", by: Any) -> ReachItem:
    """Mark a vulnerable resident reached by phone or in person, or escalated (could not be reached,
    or needs help). Conditional on the item's status and version."""
    require_place(by, CONFIRM, _item_path(item), str(REFUSE_CONFIRM))
    if status not in CONFIRM_TO:
        raise ValidationError({"status": _("请选择联系结果：已电话联系、已上门确认或上报。")})
    note = str(note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("情况说明不能超过 300 个字。")})
    if status == ReachStatus.ESCALATED and not note:
        raise ValidationError({"note": _("上报时请说明情况，例如联系不上或需要救助。")})
    alert_status = Alert.objects.filter(pk=item.alert_id).values_list("status", flat=True).first()
    if alert_status != AlertStatus.ACTIVE:
        raise ValidationError(_("该预警已解除，不能再确认联系情况。"))
    sources = CONFIRM_TO[status]
    now = calendar.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    moved = ReachItem.objects.filter(pk=item.pk, version=item.version, status__in=sources).update(
        status=status,
        confirmed_by=actor,
        confirmed_at=now,
        note=note,
        version=F("version") + 1,
    )
    if moved != 1:
        fresh = ReachItem.objects.select_related("confirmed_by").get(pk=item.pk)
        if fresh.status == ReachStatus.PENDING:
            raise ValidationError(_("该人员的记录刚刚有变动，请刷新页面后重试。"))
        raise ValidationError(_who_when(fresh))
    item.status, item.confirmed_by, item.confirmed_at, item.note = status, actor, now, note
    item.version += 1
    audit.record(
        "emergency.confirm_reach",
        obj=item,
        actor=by,
        fields=["status", "note"] if note else ["status"],
        object_repr=f"{item.alert_id}#{item.pk}",
    )
    return item


def reveal_phone(*, item: ReachItem, by: Any) -> str:
    """The resident's phone in clear for the call, for whoever confirms this item, while the alert is
    active. Recorded as a reveal with the reason "emergency contact" (never the number)."""
    if item.alert.status != AlertStatus.ACTIVE:
        raise ValidationError(_("该预警已解除，不能再查看联系电话。"))
    resident: Resident = item.resident
    return audit.reveal(
        resident,
        "phone",
        reason=REVEAL_REASON,
        allowed=("phone",),
        action="emergency.reveal_phone",
        actor=by,
        require=lambda: require_place(by, CONFIRM, _item_path(item), str(REFUSE_CONFIRM)),
    )
