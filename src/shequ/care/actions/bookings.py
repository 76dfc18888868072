"""Writes about bookable services (S3): the service, its slots (one or a run of weekdays, with the
day's menu and capacity), booking a seat or a waiting place, cancelling (the first waiting moves up),
attendance, and staff booking for a resident without a phone.

Seats are counted under a row lock on the slot (``select_for_update``): two people taking the last
seat at once leave one booked and one waitlisted, never more booked than the capacity. A retry of a
booking with the same ``request_key`` answers with the booking already made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.care.models.bookings import (
    CHILDCARE_KINDS,
    LIVE_BOOKING_STATUSES,
    BookableKind,
    BookableService,
    Booking,
    BookingStatus,
    ServiceSlot,
)
from shequ.care.permissions import CarePerm
from shequ.core import audit, calendar, notifications
from shequ.core.scoping import require_place
from shequ.facilities.models import Facility
from shequ.organizations.models import Provider
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.registry.queries import own_resident as own_resident
from shequ.territory.models import Level, Region

Perm = CarePerm
S = BookingStatus
MEAL_TABLE_MIN_AGE = 60
# Seats are held by these: a seat taken stays taken once the slot has started.
SEAT_STATUSES = (S.BOOKED, S.ATTENDED, S.NO_SHOW)
LONGEST_RUN_DAYS = 92
MAX_CAPACITY = 1000
MY_BOOKINGS_URL = "/care/me/bookings/"
SERVICE_FIELDS = (
    "kind",
    "name",
    "description",
    "facility",
    "provider",
    "default_capacity",
    "min_age_months",
    "max_age_months",
    "min_age_years",
    "price",
    "cancel_hours_before",
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有管理预约服务的权限。")


def require(by: Any, region: Region) -> None:
    """``by`` (None = the system) manages bookings over ``region``."""
    require_place(by, Perm.BOOKINGS, region.path, _refusal())


def resident_path(resident: Resident) -> str:
    """Where the resident lives, as deep as the registry knows (their grid, else their community)."""
    return resident.grid.path if resident.grid_id and resident.grid else resident.community.path


def serves(service: BookableService, community: Region) -> bool:
    """The service is open to residents of ``community``: offered by it or by a place above it (the
    township's day-care centre serves every community of the township)."""
    return community.path.startswith(service.region.path)


def household_of(user: Any) -> list[Resident]:
    """Who a resident may book for: themself and the active members of their household."""
    me = own_resident(user)
    if me is None:
        return []
    if me.household_id is None:
        return [me]
    members = list(
        Resident.objects.select_related("community", "grid")
        .filter(household_id=me.household_id, status=LifeStatus.ACTIVE)
        .order_by("pk")
    )
    members.sort(key=lambda r: r.pk != me.pk)
    return members


def starts_at(slot: ServiceSlot) -> datetime:
    """The slot's start as an aware local time."""
    return calendar.localtime(calendar.now()).replace(
        year=slot.date.year,
        month=slot.date.month,
        day=slot.date.day,
        hour=slot.starts_at.hour,
        minute=slot.starts_at.minute,
        second=0,
        microsecond=0,
    )


def cancel_deadline(slot: ServiceSlot) -> datetime:
    return starts_at(slot) - timedelta(hours=slot.service.cancel_hours_before)


def age_in_months(born: date, day: date) -> int:
    months = (day.year - born.year) * 12 + (day.month - born.month)
    if day.day < born.day:
        months -= 1
    return months


# --- The service -----------------------------------------------------------------------------------


def _number(value: Any, field: str, *, low: int, high: int, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写此项。")})
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("请填写整数。")}) from None
    if not low <= number <= high:
        raise ValidationError(
            {field: _("须在%(low)d到%(high)d之间。") % {"low": low, "high": high}}
        )
    return number


def _clean_service(values: Mapping[str, Any], region: Region) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    name = str(values.get("name") or "").strip()
    if kind not in BookableKind.values:
        errors["kind"] = _("请选择服务类型。")
    if not name:
        errors["name"] = _("请填写服务名称。")
    facility = values.get("facility")
    if facility is not None and not (
        isinstance(facility, Facility) and facility.community.path.startswith(region.path)
    ):
        errors["facility"] = _("服务场所须为开设单位所在区域内登记的设施。")
    cleaned: dict[str, Any] = {}
    for field, low, high, required in (
        ("default_capacity", 1, MAX_CAPACITY, True),
        ("min_age_months", 0, 240, False),
        ("max_age_months", 0, 240, False),
        ("min_age_years", 0, 120, False),
        ("cancel_hours_before", 0, 168, False),
    ):
        try:
            cleaned[field] = _number(
                values.get(field), field, low=low, high=high, required=required
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    low_m, high_m = cleaned.get("min_age_months"), cleaned.get("max_age_months")
    if (
        kind in CHILDCARE_KINDS
        and "min_age_months" not in errors
        and "max_age_months" not in errors
    ):
        if low_m is None or high_m is None:
            errors["max_age_months"] = _("托育服务须填写招收的月龄范围。")
        elif high_m < low_m:
            errors["max_age_months"] = _("最大月龄不能小于最小月龄。")
    if errors:
        raise ValidationError(errors)
    if kind == BookableKind.MEAL_TABLE and cleaned["min_age_years"] is None:
        cleaned["min_age_years"] = MEAL_TABLE_MIN_AGE
    if cleaned["cancel_hours_before"] is None:
        cleaned["cancel_hours_before"] = 2
    provider = values.get("provider")
    return {
        "kind": kind,
        "name": name[:100],
        "description": str(values.get("description") or "").strip()[:1000],
        "facility": facility,
        "provider": provider if isinstance(provider, Provider) else None,
        "price": str(values.get("price") or "").strip()[:100],
        **cleaned,
    }


def _check_region(region: Region) -> None:
    if region.level not in (Level.COMMUNITY, Level.TOWNSHIP):
        raise ValidationError({"region": _("预约服务须由村(社区)或镇(街道)开设。")})


@transaction.atomic
def create_service(
    *, by: Any, region: Region, is_synthetic: bool = False, **values: Any
) -> BookableService:
    """A bookable service of a community or township (``values``: the fields of ``SERVICE_FIELDS``).
    A meal table admits people aged 60 and over unless told otherwise; childcare needs its age range
    in months."""
    require(by, region)
    _check_region(region)
    cleaned = _clean_service(values, region)
    service = BookableService.objects.create(
        region=region, created_by=by, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("care.service_create", obj=service, actor=by, fields=list(cleaned))
    return service


@transaction.atomic
def update_service(
    *, service: BookableService, by: Any, version: int | None = None, **values: Any
) -> BookableService:
    """Edit the service (the place and kind stay); ``version`` as read, so two editors never
    overwrite each other unseen."""
    require(by, service.region)
    merged = {f: getattr(service, f) for f in SERVICE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in SERVICE_FIELDS})
    merged["kind"] = service.kind
    cleaned = _clean_service(merged, service.region)
    current = version if version is not None else service.version
    moved = BookableService.objects.filter(pk=service.pk, version=current).update(
        **cleaned, version=F("version") + 1
    )
    if not moved:
        raise ValidationError({"version": _("该服务刚刚已被他人修改，请刷新页面后重新填写。")})
    before = {f: getattr(service, f) for f in SERVICE_FIELDS}
    service.refresh_from_db()
    audit.record(
        "care.service_update",
        obj=service,
        actor=by,
        fields=audit.changed_fields(before, {f: getattr(service, f) for f in SERVICE_FIELDS}),
    )
    return service


@transaction.atomic
def set_service_open(*, service: BookableService, by: Any, is_active: bool) -> BookableService:
    """Close the service to new bookings (bookings made stay), or open it again."""
    require(by, service.region)
    moved = BookableService.objects.filter(pk=service.pk, is_active=not is_active).update(
        is_active=is_active, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(
            _("该服务已经开放预约了。") if is_active else _("该服务已经停止预约了。")
        )
    service.refresh_from_db()
    audit.record(
        "care.service_open" if is_active else "care.service_close",
        obj=service,
        actor=by,
        fields=["is_active"],
    )
    return service


def close_service(*, service: BookableService, by: Any) -> BookableService:
    return set_service_open(service=service, by=by, is_active=False)


# --- Slots -----------------------------------------------------------------------------------------


def _clean_times(day: date | None, begins: time | None, ends: time | None) -> None:
    errors: dict[str, str] = {}
    if day is None:
        errors["date"] = _("请填写日期。")
    elif day < calendar.localdate():
        errors["date"] = _("不能为过去的日期开设场次。")
    if begins is None:
        errors["starts_at"] = _("请填写开始时间。")
    if ends is None:
        errors["ends_at"] = _("请填写结束时间。")
    elif begins is not None and ends <= begins:
        errors["ends_at"] = _("结束时间须晚于开始时间。")
    if errors:
        raise ValidationError(errors)


def _capacity(service: BookableService, capacity: Any) -> int:
    value = _number(capacity, "capacity", low=1, high=MAX_CAPACITY, required=False)
    return service.default_capacity if value is None else value


@transaction.atomic
def create_slot(
    *,
    service: BookableService,
    by: Any,
    date: date | None,
    starts_at: time | None,
    ends_at: time | None,
    capacity: int | None = None,
    menu: str = "",
) -> ServiceSlot:
    """One dated sitting (capacity: the service's default unless given)."""
    require(by, service.region)
    _clean_times(date, starts_at, ends_at)
    assert date is not None and starts_at is not None and ends_at is not None
    seats = _capacity(service, capacity)
    if ServiceSlot.objects.filter(service=service, date=date, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": _("这一天的这个时间已经有场次了。")})
    try:
        with transaction.atomic():
            slot = ServiceSlot.objects.create(
                service=service,
                date=date,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=seats,
                menu=(menu or "").strip()[:300],
            )
    except IntegrityError:
        raise ValidationError({"starts_at": _("这一天的这个时间已经有场次了。")}) from None
    audit.record("care.slot_create", obj=slot, actor=by, fields=["date", "starts_at", "capacity"])
    return slot


@transaction.atomic
def create_slot_run(
    *,
    service: BookableService,
    by: Any,
    date_from: date | None,
    date_to: date | None,
    weekdays: Iterable[int],
    starts_at: time | None,
    ends_at: time | None,
    capacity: int | None = None,
    menu: str = "",
    menus: Mapping[date, str] | None = None,
) -> list[ServiceSlot]:
    """A slot on each chosen weekday (0 = Monday) from ``date_from`` to ``date_to``, with the same
    times and capacity; the menu is ``menus[day]`` where given, else ``menu``. Days that already have a
    slot at that time are left as they are. Returns the slots made."""
    require(by, service.region)
    _clean_times(date_from, starts_at, ends_at)
    assert starts_at is not None and ends_at is not None
    if date_to is None or date_from is None or date_to < date_from:
        raise ValidationError({"date_to": _("截止日期不能早于起始日期。")})
    if (date_to - date_from).days >= LONGEST_RUN_DAYS:
        raise ValidationError(
            {"date_to": _("一次最多开设%(days)d天的场次。") % {"days": LONGEST_RUN_DAYS}}
        )
    chosen = sorted({int(d) for d in weekdays if str(d).isdigit() and 0 <= int(d) <= 6})
    if not chosen:
        raise ValidationError({"weekdays": _("请至少选择一个星期几。")})
    seats = _capacity(service, capacity)
    taken = set(
        ServiceSlot.objects.filter(
            service=service, date__gte=date_from, date__lte=date_to, starts_at=starts_at
        ).values_list("date", flat=True)
    )
    menus = menus or {}
    made = []
    day = date_from
    while day <= date_to:
        if day.weekday() in chosen and day not in taken:
            made.append(
                ServiceSlot(
                    service=service,
                    date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    capacity=seats,
                    menu=(menus.get(day, menu) or "").strip()[:300],
                )
            )
        day += timedelta(days=1)
    if not made:
        raise ValidationError(
            {"date_from": _("所选日期内没有可以开设的新场次（已开设或不是所选的星期几）。")}
        )
    ServiceSlot.objects.bulk_create(made)
    audit.record(
        "care.slot_run_create",
        obj=service,
        actor=by,
        fields=["date", "starts_at", "capacity", "menu"],
        reason=f"{len(made)}",
    )
    return list(
        ServiceSlot.objects.filter(
            service=service, date__in=[s.date for s in made], starts_at=starts_at
        )
    )


def _locked_slot(slot_id: int) -> ServiceSlot:
    return (
        ServiceSlot.objects.select_for_update(of=("self",))
        .select_related("service__region")
        .get(pk=slot_id)
    )


def seats_taken(slot: ServiceSlot) -> int:
    return Booking.objects.filter(slot_id=slot.pk, status__in=SEAT_STATUSES).count()


@transaction.atomic
def update_slot(
    *,
    slot: ServiceSlot,
    by: Any,
    capacity: int | None = None,
    menu: str | None = None,
    version: int | None = None,
) -> ServiceSlot:
    """Change the menu or the capacity; the capacity never drops below the seats already booked. More
    seats move the waiting list up."""
    locked = _locked_slot(slot.pk)
    require(by, locked.service.region)
    if version is not None and version != locked.version:
        raise ValidationError({"version": _("该场次刚刚已被他人修改，请刷新页面后重新填写。")})
    if locked.is_cancelled:
        raise ValidationError(_("该场次已停开，不能修改。"))
    changes: dict[str, Any] = {}
    if capacity is not None:
        seats = _number(capacity, "capacity", low=1, high=MAX_CAPACITY, required=True)
        booked = seats_taken(locked)
        if seats is not None and seats < booked:
            raise ValidationError(
                {
                    "capacity": _(
                        "名额不能少于已预约的%(booked)d人。如需减少，请先与预约的居民协商取消。"
                    )
                    % {"booked": booked}
                }
            )
        changes["capacity"] = seats
    if menu is not None:
        changes["menu"] = menu.strip()[:300]
    if not changes:
        return locked
    ServiceSlot.objects.filter(pk=locked.pk, version=locked.version).update(
        **changes, version=F("version") + 1
    )
    locked.refresh_from_db()
    audit.record("care.slot_update", obj=locked, actor=by, fields=sorted(changes))
    if "capacity" in changes and starts_at(locked) > calendar.now():
        _promote(locked, locked.capacity - seats_taken(locked))
    slot.capacity, slot.menu, slot.version = locked.capacity, locked.menu, locked.version
    return locked


def _recipient(booking: Booking) -> Any:
    """Who hears about a booking: the resident who booked it (for a family member too), else the
    person it is for if they have an account."""
    booked_by = booking.booked_by
    if booked_by is not None and getattr(booked_by, "is_resident", False):
        return booked_by
    return booking.resident.account


def _tell(bookings: list[Booking], subject: Any, body: Any) -> None:
    recipients = []
    seen = set()
    for booking in bookings:
        who = _recipient(booking)
        if who is not None and who.pk not in seen:
            seen.add(who.pk)
            recipients.append(who)
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic="care.bookings",
            subject=subject,
            body=body,
            url=MY_BOOKINGS_URL,
            sms=True,
        )


def _slot_text(slot: ServiceSlot) -> str:
    return f"{slot.service.name} {slot.date:%m-%d} {slot.starts_at:%H:%M}"


@transaction.atomic
def cancel_slot(*, slot: ServiceSlot, by: Any, reason: str = "") -> ServiceSlot:
    """Stop a slot that has not started: every live booking is cancelled and its people are told."""
    locked = _locked_slot(slot.pk)
    require(by, locked.service.region)
    if locked.is_cancelled:
        raise ValidationError(_("该场次已经停开了。"))
    if starts_at(locked) <= calendar.now():
        raise ValidationError(_("该场次已经开始，不能停开。"))
    ServiceSlot.objects.filter(pk=locked.pk, is_cancelled=False).update(
        is_cancelled=True, version=F("version") + 1
    )
    live = list(
        Booking.objects.filter(slot=locked, status__in=LIVE_BOOKING_STATUSES).select_related(
            "booked_by", "resident__account"
        )
    )
    Booking.objects.filter(pk__in=[b.pk for b in live], status__in=LIVE_BOOKING_STATUSES).update(
        status=S.CANCELLED, changed_at=calendar.now(), version=F("version") + 1
    )
    locked.refresh_from_db()
    audit.record(
        "care.slot_cancel", obj=locked, actor=by, fields=["is_cancelled"], reason=reason[:200]
    )
    _tell(
        live,
        gettext_lazy("预约的场次已停开"),
        gettext_lazy("您预约的“%(slot)s”已停开，预约已取消。%(reason)s")
        % {"slot": _slot_text(locked), "reason": reason.strip()[:100]},
    )
    slot.is_cancelled = True
    return locked


# --- Booking -------------------------------------------------------------------------------------


def _current_tag(resident: Resident, group: str, day: date) -> bool:
    return (
        CareGroupTag.objects.filter(resident=resident, group=group, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def check_eligible(service: BookableService, resident: Resident, day: date) -> None:
    """Whether ``resident`` may have a seat of ``service`` on ``day``: the age the service admits,
    and for rehabilitation a current severe-mental-disorder registration."""
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError({"resident": _("该居民不在册，不能预约。")})
    if service.kind in CHILDCARE_KINDS:
        if resident.birth_date is None:
            raise ValidationError({"resident": _("登记信息中没有孩子的出生日期，请先到社区核实。")})
        months = age_in_months(resident.birth_date, day)
        low, high = service.min_age_months or 0, service.max_age_months
        if months < low or (high is not None and months > high):
            raise ValidationError(
                {
                    "resident": _(
                        "该服务招收%(low)d到%(high)d月龄的孩子，%(name)s当天%(months)d个月。"
                    )
                    % {"low": low, "high": high or 0, "name": resident.name, "months": months}
                }
            )
    if service.min_age_years is not None:
        age = resident.age_on(day)
        if age is None or age < service.min_age_years:
            raise ValidationError(
                {
                    "resident": _("该服务面向%(age)d周岁及以上的居民。")
                    % {"age": service.min_age_years}
                }
            )
    if service.kind == BookableKind.REHABILITATION and not _current_tag(
        resident, CareGroup.SEVERE_MENTAL_DISORDER, day
    ):
        raise ValidationError({"resident": _("社区康复服务只面向在册的严重精神障碍患者。")})


def _clean_key(request_key: Any) -> str:
    key = str(request_key or "").strip()
    if len(key) > 64:
        raise ValidationError({"request_key": _("请求标识过长（最多64个字符）。")})
    return key


def _authorise_booking(service: BookableService, resident: Resident, by: Any) -> bool:
    """Who may book this seat: a resident for themself or their household (not rehabilitation, which
    the community arranges), or staff who manage bookings where the resident lives. Returns whether
    staff booked on the resident's behalf."""
    if getattr(by, "is_resident", False):
        if service.kind == BookableKind.REHABILITATION:
            raise PermissionDenied(_("社区康复服务由社区工作人员为患者预约。"))
        if resident.pk not in {r.pk for r in household_of(by)}:
            raise PermissionDenied(_("只能为本人或同户家庭成员预约。"))
        return False
    if by is not None:
        require_place(by, Perm.BOOKINGS, resident_path(resident), _refusal())
    return by is not None


@transaction.atomic
def book(
    *,
    slot: ServiceSlot,
    resident: Resident,
    by: Any,
    request_key: str = "",
    note: str = "",
    is_synthetic: bool = False,
) -> Booking:
    """A seat on ``slot`` for ``resident``: booked while seats remain, else waitlisted. The slot row
    is locked while the seats are counted. One live booking per person per slot; not for a cancelled
    slot or one that has started. A retry with the same ``request_key`` returns the first booking."""
    key = _clean_key(request_key)
    if key:
        earlier = Booking.objects.filter(request_key=key).first()
        if earlier is not None:
            if (
                earlier.slot_id == slot.pk
                and earlier.resident_id == resident.pk
                and (earlier.booked_by_id == getattr(by, "pk", None))
            ):
                return earlier
            raise ValidationError(
                {"request_key": _("该请求标识已用于另一次预约，请刷新页面后重试。")}
            )
    locked = _locked_slot(slot.pk)
    service = locked.service
    resident = Resident.objects.select_related("community", "grid").get(pk=resident.pk)
    on_behalf = _authorise_booking(service, resident, by)
    if not serves(service, resident.community):
        raise ValidationError(
            {"resident": _("该服务不面向%(name)s所在的社区。") % {"name": resident.name}}
        )
    if not service.is_active:
        raise ValidationError(_("该服务已停止预约。"))
    if locked.is_cancelled:
        raise ValidationError(_("该场次已停开，不能预约。"))
    if starts_at(locked) <= calendar.now():
        raise ValidationError(
            _("该场次已经过去，不能预约。")
            if locked.date < calendar.localdate()
            else _("该场次已经开始，不能再预约。")
        )
    check_eligible(service, resident, locked.date)
    if Booking.objects.filter(
        slot=locked, resident=resident, status__in=LIVE_BOOKING_STATUSES
    ).exists():
        raise ValidationError(
            {"resident": _("%(name)s已经预约了这个场次，无需重复预约。") % {"name": resident.name}}
        )
    status = S.BOOKED if seats_taken(locked) < locked.capacity else S.WAITLISTED
    now = calendar.now()
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                slot=locked,
                resident=resident,
                community=resident.community,
                status=status,
                booked_by=by,
                on_behalf=on_behalf,
                booked_at=now,
                changed_at=now,
                note=(note or "").strip()[:200],
                request_key=key,
                is_synthetic=is_synthetic,
            )
    except IntegrityError:
        raise ValidationError(
            {"resident": _("%(name)s已经预约了这个场次，无需重复预约。") % {"name": resident.name}}
        ) from None
    audit.record(
        "care.book_for" if on_behalf else "care.book", obj=booking, actor=by, fields=["status"]
    )
    return booking


def book_for(
    *, slot: ServiceSlot, resident: Resident, by: Any, request_key: str = "", note: str = ""
) -> Booking:
    """Staff book a seat for a resident (one without a phone, or a patient for rehabilitation);
    recorded as made on their behalf."""
    if by is None or getattr(by, "is_resident", False):
        raise PermissionDenied(_("代为预约须由工作人员办理。"))
    return book(slot=slot, resident=resident, by=by, request_key=request_key, note=note)


def waitlist_position(booking: Booking) -> int | None:
    if booking.status != S.WAITLISTED:
        return None
    ahead = Booking.objects.filter(slot_id=booking.slot_id, status=S.WAITLISTED).filter(
        Q(booked_at__lt=booking.booked_at) | Q(booked_at=booking.booked_at, pk__lt=booking.pk)
    )
    return ahead.count() + 1


def _promote(slot: ServiceSlot, places: int) -> list[Booking]:
    """Move the first ``places`` waiting bookings up (the slot row is locked) and tell them."""
    if places <= 0:
        return []
    promoted = list(
        Booking.objects.filter(slot=slot, status=S.WAITLISTED)
        .select_related("booked_by", "resident__account")
        .order_by("booked_at", "pk")[:places]
    )
    now = calendar.now()
    for booking in promoted:
        Booking.objects.filter(pk=booking.pk, status=S.WAITLISTED).update(
            status=S.BOOKED, changed_at=now, version=F("version") + 1
        )
        booking.status = S.BOOKED
        audit.record(
            "care.booking_promote", obj=booking, actor=None, actor_name="system", fields=["status"]
        )
    _tell(
        promoted,
        gettext_lazy("候补转为正式预约"),
        gettext_lazy("您候补的“%(slot)s”有了名额，已为您转为正式预约。")
        % {"slot": _slot_text(slot)},
    )
    return promoted


def _may_manage_own(booking: Booking, by: Any) -> bool:
    return booking.booked_by_id == by.pk or booking.resident_id in {r.pk for r in household_of(by)}


@transaction.atomic
def cancel(*, booking: Booking, by: Any) -> Booking:
    """Cancel a live booking: a resident up to ``cancel_hours_before`` the start (after that the
    community must be told in person), staff until the start. A freed seat goes to the first waiting."""
    locked = _locked_slot(booking.slot_id)
    service = locked.service
    if getattr(by, "is_resident", False):
        if not _may_manage_own(booking, by):
            raise PermissionDenied(_("只能取消本人或同户家庭成员的预约。"))
        deadline = cancel_deadline(locked)
        if calendar.now() >= deadline and booking.status == S.BOOKED:
            raise ValidationError(
                _("已过取消时间（须在%(time)s之前取消）。如不能前往，请直接联系服务点。")
                % {"time": calendar.localtime(deadline).strftime("%m-%d %H:%M")}
            )
    elif by is not None:
        resident = Resident.objects.select_related("community", "grid").get(pk=booking.resident_id)
        if not (
            by.jurisdiction(Perm.BOOKINGS).covers_path(service.region.path)
            or by.jurisdiction(Perm.BOOKINGS).covers_path(resident_path(resident))
        ) or not by.has_permission(Perm.BOOKINGS):
            raise PermissionDenied(_refusal())
    if starts_at(locked) <= calendar.now():
        raise ValidationError(_("该场次已经开始，不能取消预约。"))
    was = Booking.objects.filter(pk=booking.pk).values_list("status", flat=True).first()
    moved = Booking.objects.filter(pk=booking.pk, status__in=LIVE_BOOKING_STATUSES).update(
        status=S.CANCELLED, changed_at=calendar.now(), version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该预约已经取消了。"))
    booking.refresh_from_db()
    audit.record("care.booking_cancel", obj=booking, actor=by, fields=["status"])
    if was == S.BOOKED and not locked.is_cancelled:
        _promote(locked, locked.capacity - seats_taken(locked))
    return booking


@transaction.atomic
def mark_attendance(*, booking: Booking, by: Any, attended: bool) -> Booking:
    """Staff of the service's place record that a booked person came (or did not), once the slot has
    started; a mistake may be corrected the same way."""
    locked = _locked_slot(booking.slot_id)
    require(by, locked.service.region)
    if locked.is_cancelled:
        raise ValidationError(_("该场次已停开。"))
    if starts_at(locked) > calendar.now():
        raise ValidationError(_("场次开始后才能记录到场情况。"))
    target = S.ATTENDED if attended else S.NO_SHOW
    current = Booking.objects.filter(pk=booking.pk).values_list("status", "version").first()
    if current is None or current[0] not in SEAT_STATUSES:
        raise ValidationError(_("只有已预约的居民才能记录到场情况。"))
    if current[0] == target:
        booking.refresh_from_db()
        return booking
    moved = Booking.objects.filter(pk=booking.pk, status=current[0], version=current[1]).update(
        status=target, changed_at=calendar.now(), version=F("version") + 1
    )
    if not moved:  # pragma: no cover - the slot row is locked above
        raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    booking.refresh_from_db()
    audit.record("care.booking_attendance", obj=booking, actor=by, fields=["status"])
    return booking
