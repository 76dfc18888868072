"""Writes of preparedness (G3): shelters opened for an event and their occupancy, emergency supplies
and their movements, drills, and fire-safety grids.

Stock is the sum of its movements and is kept on the stock row: every movement locks the stock rows it
touches in primary-key order (a transfer touches two), refuses a result below zero naming the stock
on hand, and writes the movement(s) with the balance after; the database check
``supply_quantity_not_negative`` is the last line. Occupancy is a conditional update bounded by the
capacity in the WHERE clause (``shelter_occupancy_within_capacity`` behind it); one open opening per
shelter is the partial unique index ``shelter_one_open_opening``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.emergency.models import (
    Alert,
    Drill,
    DrillKind,
    FireSafetyGrid,
    MovementKind,
    OccupancyReport,
    ShelterOpening,
    SupplyCategory,
    SupplyMovement,
    SupplyStock,
)
from shequ.emergency.permissions import EmergencyPerm
from shequ.facilities.models import Facility, FacilityCategory, FacilityStatus
from shequ.territory.models import Grid, Region

SHELTERS = EmergencyPerm.MANAGE_SHELTERS
SUPPLIES = EmergencyPerm.MANAGE_SUPPLIES
DRILLS = EmergencyPerm.RECORD_DRILLS

# What a user records on the stock page; a transfer writes a TRANSFER_OUT here and a TRANSFER_IN there.
TRANSFER = "transfer"
RECORDED_KINDS = (
    MovementKind.RECEIVED,
    MovementKind.ISSUED,
    MovementKind.WRITTEN_OFF,
    MovementKind.ADJUSTED,
    TRANSFER,
)


def _require(by: Any, perm: str, path: str) -> None:
    require_place(by, perm, path, _("不在您的管辖范围内，或您没有此项权限。"))


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _text(value: Any, field: str, label: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > limit:
        raise ValidationError(
            {field: _("%(label)s不能超过%(n)s个字。") % {"label": label, "n": limit}}
        )
    return text


def _whole(value: Any, field: str, label: str, *, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("%(label)s须为整数。") % {"label": label}}) from None
    if number < minimum:
        raise ValidationError(
            {field: _("%(label)s不能小于%(n)s。") % {"label": label, "n": minimum}}
        )
    return number


# --- Shelters --------------------------------------------------------------------------------------


@transaction.atomic
def open_shelter(
    *,
    facility: Facility,
    alert: Alert | None = None,
    capacity: int | None = None,
    by: Any,
) -> ShelterOpening:
    """Open a shelter facility (category ``shelter``, in service) for an event; its capacity is the
    facility's unless told otherwise. A shelter is open at most once at a time."""
    community = facility.community
    _require(by, SHELTERS, community.path)
    if facility.category != FacilityCategory.SHELTER:
        raise ValidationError({"facility": _("该设施不是应急避难场所。")})
    if facility.status != FacilityStatus.IN_SERVICE:
        raise ValidationError({"facility": _("该避难场所未在使用中，不能开放。")})
    chosen = facility.capacity if capacity in (None, "") else capacity
    if chosen in (None, ""):
        raise ValidationError({"capacity": _("该避难场所未登记容量，请填写可容纳人数。")})
    places = _whole(chosen, "capacity", _("可容纳人数"), minimum=1)
    if ShelterOpening.objects.filter(facility=facility, closed_at__isnull=True).exists():
        raise ValidationError({"facility": _("该避难场所已开放，请勿重复开放。")})
    now = calendar.now()
    try:
        with transaction.atomic():
            opening = ShelterOpening.objects.create(
                facility=facility,
                region=community,
                alert=alert,
                capacity=places,
                opened_at=now,
                updated_at=now,
                opened_by=_actor(by),
                is_synthetic=facility.is_synthetic,
            )
    except IntegrityError:
        # Someone opened it at the same moment: the partial unique index decided.
        raise ValidationError({"facility": _("该避难场所已开放，请勿重复开放。")}) from None
    audit.record(
        "emergency.shelter_open", obj=opening, actor=by, fields=["capacity"], region=community
    )
    return opening


@transaction.atomic
def report_occupancy(*, opening: ShelterOpening, occupancy: Any, by: Any) -> ShelterOpening:
    """The number of people in an open shelter now (0 up to its capacity); each report is kept."""
    _require(by, SHELTERS, opening.region.path)
    count = _whole(occupancy, "occupancy", _("安置人数"))
    now = calendar.now()
    updated = ShelterOpening.objects.filter(
        pk=opening.pk, closed_at__isnull=True, capacity__gte=count
    ).update(occupancy=count, updated_at=now, version=F("version") + 1)
    if not updated:
        current = ShelterOpening.objects.filter(pk=opening.pk).first()
        if current is None or current.closed_at is not None:
            raise ValidationError({"occupancy": _("该避难场所已关闭，不能再报告安置人数。")})
        raise ValidationError(
            {
                "occupancy": _("安置人数 %(n)s 超过可容纳人数 %(capacity)s。")
                % {"n": count, "capacity": current.capacity}
            }
        )
    OccupancyReport.objects.create(
        opening=opening, occupancy=count, reported_by=_actor(by), reported_at=now
    )
    opening.refresh_from_db()
    audit.record("emergency.shelter_occupancy", obj=opening, actor=by, fields=["occupancy"])
    return opening


@transaction.atomic
def close_shelter(*, opening: ShelterOpening, by: Any) -> ShelterOpening:
    _require(by, SHELTERS, opening.region.path)
    now = calendar.now()
    closed = ShelterOpening.objects.filter(pk=opening.pk, closed_at__isnull=True).update(
        closed_at=now, updated_at=now, version=F("version") + 1
    )
    if not closed:
        raise ValidationError(_("该避难场所已关闭。"))
    opening.refresh_from_db()
    audit.record("emergency.shelter_close", obj=opening, actor=by, fields=["closed_at"])
    return opening


# --- Supplies --------------------------------------------------------------------------------------


def _clean_stock(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {
        "location": _text(values.get("location"), "location", _("存放地点"), 100, required=True),
        "item": _text(values.get("item"), "item", _("物资名称"), 60, required=True),
        "unit": _text(values.get("unit"), "unit", _("单位"), 10, required=True),
        "low_threshold": _whole(values.get("low_threshold") or 0, "low_threshold", _("预警线")),
    }
    category = values.get("category")
    if category not in SupplyCategory.values:
        raise ValidationError({"category": _("请选择物资类别。")})
    cleaned["category"] = category
    return cleaned


@transaction.atomic
def create_stock(
    *,
    region: Region,
    location: str,
    category: str,
    item: str,
    unit: str,
    low_threshold: int = 0,
    quantity: int = 0,
    facility: Facility | None = None,
    by: Any,
    is_synthetic: bool = False,
) -> SupplyStock:
    """A new item at a location of ``region``, with its opening stock received (if any)."""
    _require(by, SUPPLIES, region.path)
    cleaned = _clean_stock(
        {
            "location": location,
            "category": category,
            "item": item,
            "unit": unit,
            "low_threshold": low_threshold,
        }
    )
    opening_stock = _whole(quantity or 0, "quantity", _("初始库存"))
    if facility is not None and not facility.community.path.startswith(region.path):
        raise ValidationError({"facility": _("设施不在所选区域内。")})
    clash = SupplyStock.objects.filter(
        region=region, location=cleaned["location"], item=cleaned["item"], unit=cleaned["unit"]
    )
    if clash.exists():
        raise ValidationError({"item": _("该地点已登记同名同单位的物资，请在原记录上登记入库。")})
    try:
        with transaction.atomic():
            stock = SupplyStock.objects.create(
                region=region,
                facility=facility,
                is_synthetic=is_synthetic,
                updated_at=calendar.now(),
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError(
            {"item": _("该地点已登记同名同单位的物资，请在原记录上登记入库。")}
        ) from None
    audit.record("emergency.supply_create", obj=stock, actor=by, fields=sorted(cleaned))
    if opening_stock:
        _post(stock, MovementKind.RECEIVED, opening_stock, _("初始库存"), by=by)
    return stock


def _post(
    stock: SupplyStock,
    kind: str,
    delta: int,
    reason: str,
    *,
    by: Any,
    alert: Alert | None = None,
    request_key: str | None = None,
    counterpart: SupplyMovement | None = None,
) -> SupplyMovement:
    """Apply ``delta`` to a stock row the caller has locked, and write its movement."""
    balance = stock.quantity + delta
    if balance < 0:
        raise ValidationError(
            {
                "quantity": _(
                    "库存不足：%(item)s（%(location)s）现有 %(n)s %(unit)s，不能减少 %(want)s %(unit)s。"
                )
                % {
                    "item": stock.item,
                    "location": stock.location,
                    "n": stock.quantity,
                    "unit": stock.unit,
                    "want": -delta,
                }
            }
        )
    now = calendar.now()
    SupplyStock.objects.filter(pk=stock.pk).update(
        quantity=balance, updated_at=now, version=F("version") + 1
    )
    stock.quantity = balance
    stock.updated_at = now
    stock.version += 1
    return SupplyMovement.objects.create(
        stock=stock,
        kind=kind,
        delta=delta,
        balance_after=balance,
        reason=reason,
        alert=alert,
        counterpart=counterpart,
        by=_actor(by),
        at=now,
        request_key=request_key,
    )


def _destination(source: SupplyStock, region: Region | None, location: str, by: Any) -> SupplyStock:
    """The same item at another location (made when it is not there yet)."""
    if region is None:
        raise ValidationError({"to_region": _("请选择调入区域。")})
    place = _text(location, "to_location", _("调入地点"), 100, required=True)
    try:
        _require(by, SUPPLIES, region.path)
    except PermissionDenied:
        raise ValidationError(
            {"to_region": _("调入区域不在您的管辖范围内，只能在本辖区内调拨。")}
        ) from None
    if region.pk == source.region_id and place == source.location:
        raise ValidationError({"to_location": _("调入地点不能与调出地点相同。")})
    found = SupplyStock.objects.filter(
        region=region, location=place, item=source.item, unit=source.unit
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            made = SupplyStock.objects.create(
                region=region,
                location=place,
                category=source.category,
                item=source.item,
                unit=source.unit,
                low_threshold=source.low_threshold,
                is_synthetic=source.is_synthetic,
                updated_at=calendar.now(),
            )
    except IntegrityError:
        return SupplyStock.objects.get(
            region=region, location=place, item=source.item, unit=source.unit
        )
    audit.record("emergency.supply_create", obj=made, actor=by, fields=["location", "item"])
    return made


@transaction.atomic
def record_movement(
    *,
    stock: SupplyStock,
    kind: str,
    quantity: Any,
    reason: str = "",
    to_region: Region | None = None,
    to_location: str = "",
    alert: Alert | None = None,
    request_key: str | None = None,
    by: Any,
) -> SupplyMovement:
    """Record a movement of ``stock``: received, issued or written off (``quantity`` units), adjusted
    to a counted ``quantity``, or a transfer of ``quantity`` units to ``to_location`` in
    ``to_region`` (both sides in this transaction, linked). Nothing is written when the stock would
    go below zero. A retry with the same ``request_key`` returns the movement already recorded."""
    _require(by, SUPPLIES, stock.region.path)
    key = (request_key or "").strip()[:64] or None
    if key:
        done = SupplyMovement.objects.filter(request_key=key).first()
        if done is not None:
            if done.stock_id != stock.pk:
                raise ValidationError({"request_key": _("该请求编号已用于其他物资。")})
            return done
    if kind not in RECORDED_KINDS:
        raise ValidationError({"kind": _("请选择登记类型。")})
    amount = _whole(
        quantity, "quantity", _("数量"), minimum=0 if kind == MovementKind.ADJUSTED else 1
    )
    reason = _text(reason, "reason", _("事由"), 200)
    if kind in (MovementKind.WRITTEN_OFF, MovementKind.ADJUSTED) and not reason:
        raise ValidationError({"reason": _("报损和盘点调整须填写事由。")})
    target = _destination(stock, to_region, to_location, by) if kind == TRANSFER else None
    # Lock every stock row touched, in primary-key order, so two transfers never deadlock.
    pks = sorted({stock.pk, *([target.pk] if target else [])})
    locked = {
        s.pk: s for s in SupplyStock.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    source = locked[stock.pk]
    if key and SupplyMovement.objects.filter(request_key=key).exists():
        return SupplyMovement.objects.get(request_key=key)  # the same retry, committed meanwhile
    try:
        with transaction.atomic():
            movement = _apply(source, kind, amount, reason, locked, target, alert, key, by)
    except IntegrityError:
        if key and SupplyMovement.objects.filter(request_key=key).exists():
            return SupplyMovement.objects.get(request_key=key)
        raise ValidationError(
            {
                "quantity": _("库存不足：%(item)s 现有 %(n)s %(unit)s。")
                % {"item": source.item, "n": source.quantity, "unit": source.unit}
            }
        ) from None
    stock.quantity, stock.version = source.quantity, source.version
    audit.record(
        f"emergency.supply_{movement.kind}",
        obj=source,
        actor=by,
        fields=["quantity"],
    )
    return movement


def _apply(
    source: SupplyStock,
    kind: str,
    amount: int,
    reason: str,
    locked: dict[int, SupplyStock],
    target: SupplyStock | None,
    alert: Alert | None,
    key: str | None,
    by: Any,
) -> SupplyMovement:
    if kind == MovementKind.RECEIVED:
        return _post(source, kind, amount, reason, by=by, alert=alert, request_key=key)
    if kind in (MovementKind.ISSUED, MovementKind.WRITTEN_OFF):
        return _post(source, kind, -amount, reason, by=by, alert=alert, request_key=key)
    if kind == MovementKind.ADJUSTED:
        delta = amount - source.quantity
        return _post(source, kind, delta, reason, by=by, alert=alert, request_key=key)
    assert target is not None
    there = locked[target.pk]
    out = _post(
        source, MovementKind.TRANSFER_OUT, -amount, reason, by=by, alert=alert, request_key=key
    )
    came = _post(
        there, MovementKind.TRANSFER_IN, amount, reason, by=by, alert=alert, counterpart=out
    )
    SupplyMovement.objects.filter(pk=out.pk).update(counterpart=came)
    out.counterpart = came
    audit.record("emergency.supply_transfer_in", obj=there, actor=by, fields=["quantity"])
    return out


@transaction.atomic
def set_low_threshold(*, stock: SupplyStock, low_threshold: Any, by: Any) -> SupplyStock:
    _require(by, SUPPLIES, stock.region.path)
    value = _whole(low_threshold, "low_threshold", _("预警线"))
    SupplyStock.objects.filter(pk=stock.pk).update(
        low_threshold=value, updated_at=calendar.now(), version=F("version") + 1
    )
    stock.refresh_from_db()
    audit.record("emergency.supply_threshold", obj=stock, actor=by, fields=["low_threshold"])
    return stock


# --- Drills ----------------------------------------------------------------------------------------


@transaction.atomic
def record_drill(
    *,
    region: Region,
    kind: str,
    title: str,
    held_on: date | None,
    participants: Any,
    location: str = "",
    organisers: str = "",
    findings: str = "",
    improvements: str = "",
    by: Any,
    is_synthetic: bool = False,
) -> Drill:
    """A drill held in ``region``: not dated in the future, with at least one participant."""
    _require(by, DRILLS, region.path)
    if kind not in DrillKind.values:
        raise ValidationError({"kind": _("请选择演练类型。")})
    values = {
        "title": _text(title, "title", _("演练名称"), 100, required=True),
        "location": _text(location, "location", _("地点"), 100),
        "organisers": _text(organisers, "organisers", _("参与单位"), 300),
        "findings": _text(findings, "findings", _("发现的问题"), 2000),
        "improvements": _text(improvements, "improvements", _("整改措施"), 2000),
    }
    if held_on is None:
        raise ValidationError({"held_on": _("请填写演练日期。")})
    if held_on > calendar.localdate():
        raise ValidationError({"held_on": _("演练日期不能晚于今天。")})
    people = _whole(participants, "participants", _("参加人数"), minimum=1)
    drill = Drill.objects.create(
        region=region,
        kind=kind,
        held_on=held_on,
        participants=people,
        recorded_by=_actor(by),
        recorded_at=calendar.now(),
        is_synthetic=is_synthetic,
        **values,
    )
    audit.record("emergency.drill_record", obj=drill, actor=by, fields=["kind", "held_on"])
    return drill


# --- Fire-safety grids -----------------------------------------------------------------------------


@transaction.atomic
def designate_fire_grid(
    *,
    grid: Grid,
    responsible: Any = None,
    last_checked_on: date | None = None,
    hazards: str = "",
    by: Any,
    is_synthetic: bool = False,
) -> FireSafetyGrid:
    """Designate ``grid`` a fire-safety grid (or edit it): its responsible person (staff holding a
    role at the grid, its community or above), its last check (not in the future), its hazards."""
    _require(by, DRILLS, grid.path)
    if grid.is_micro:
        raise ValidationError({"grid": _("消防安全网格须为网格，不能是微网格。")})
    if last_checked_on is not None and last_checked_on > calendar.localdate():
        raise ValidationError({"last_checked_on": _("检查日期不能晚于今天。")})
    if responsible is not None:
        if getattr(responsible, "is_resident", False) or not responsible.is_active:
            raise ValidationError({"responsible": _("责任人须为在岗工作人员。")})
        where = responsible.jurisdiction()
        if not (where.covers_path(grid.path) or grid.community.path in where.grid_community_paths):
            raise ValidationError({"responsible": _("责任人须在该网格或其所在社区任职。")})
    values = {
        "community": grid.community,
        "responsible": responsible,
        "last_checked_on": last_checked_on,
        "hazards": _text(hazards, "hazards", _("重点隐患"), 300),
        "updated_at": calendar.now(),
    }
    fire_grid, created = FireSafetyGrid.objects.select_for_update().update_or_create(
        grid=grid, defaults=values, create_defaults={**values, "is_synthetic": is_synthetic}
    )
    audit.record(
        "emergency.fire_grid_designate" if created else "emergency.fire_grid_update",
        obj=fire_grid,
        actor=by,
        fields=["responsible", "last_checked_on", "hazards"],
    )
    return fire_grid


__all__ = [
    "RECORDED_KINDS",
    "TRANSFER",
    "close_shelter",
    "create_stock",
    "designate_fire_grid",
    "open_shelter",
    "record_drill",
    "record_movement",
    "report_occupancy",
    "set_low_threshold",
]
