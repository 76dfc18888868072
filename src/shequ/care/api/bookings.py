"""The bookings API, under ``/api/v1/care``:

- ``GET /services`` (``?kind=&region=&active=``), ``GET /services/{service_id}``,
  ``GET /services/{service_id}/slots`` — staff, scoped;
- ``POST /slots/{slot_id}/bookings`` — a resident for themself or a household member, or staff for a
  resident in their jurisdiction; with an ``Idempotency-Key`` header a retry answers with the booking
  already made (200) instead of booking again;
- ``POST /bookings/{booking_id}/cancel``, ``POST /bookings/{booking_id}/attendance``;
- ``GET /rehabilitation-coverage?region=&from=&to=`` — indicator 11 per county.

Errors as ``core.api``: no permission anywhere → 403; outside the jurisdiction or unknown → 404; the
action's ``ValidationError`` → 422 with the field named."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from shequ.care.actions import bookings as actions
from shequ.care.models.bookings import BookableKind, BookableService, Booking, ServiceSlot
from shequ.care.permissions import CarePerm
from shequ.care.queries import bookings as queries
from shequ.care.schemas_bookings import (
    AttendanceIn,
    BookingIn,
    BookingOut,
    CoverageOut,
    ServiceOut,
    SlotOut,
)
from shequ.core import calendar
from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.core.masking import mask_name
from shequ.territory.api import region_path

router = Router(tags=["care"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = CarePerm
FIELDS = {"resident": "resident_id", "request_key": "Idempotency-Key"}


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, _("请填写有效日期，例如 2026-03-01。")) from None


def _service(user: Any, service_id: int) -> BookableService:
    try:
        return queries.service_detail(user, service_id)
    except Http404:
        raise not_found("service_id") from None


def _out(booking: Booking, user: Any) -> dict[str, Any]:
    resident = booking.resident
    own = getattr(user, "is_resident", False)
    inside = own or user.jurisdiction(Perm.VIEW).covers_path(actions.resident_path(resident))
    return {
        "id": booking.pk,
        "slot_id": booking.slot_id,
        "service_id": booking.slot.service_id,
        "resident_id": resident.pk,
        "resident_name": resident.name if inside else mask_name(resident.name),
        "status": booking.status,
        "status_label": str(booking.get_status_display()),
        "waitlist_position": actions.waitlist_position(booking),
        "on_behalf": booking.on_behalf,
        "booked_at": booking.booked_at,
        "changed_at": booking.changed_at,
        "version": booking.version,
    }


def _reload(booking: Booking) -> Booking:
    return Booking.objects.select_related("slot", "resident__community", "resident__grid").get(
        pk=booking.pk
    )


@router.get(
    "/services",
    response={200: list[ServiceOut], **ERRORS},
    summary="预约服务（本辖区）：按类型、区域、是否开放筛选",
)
@paginate(PagePagination)
def list_services(
    request: HttpRequest,
    kind: str = Query(""),
    region: str = Query("", max_length=12),
    active: str = Query("", max_length=1, description="1 开放预约，0 已停止"),
) -> QuerySet[BookableService]:
    user = user_with(request, Perm.VIEW)
    filters = queries.ServiceFilters(
        kind=choice(kind, BookableKind, "kind"),
        region_path=region_path(user, region, Perm.VIEW),
        active=choice(active, ["1", "0"], "active"),
    )
    return queries.services(user, filters)


@router.get("/services/{service_id}", response={200: ServiceOut, **ERRORS})
def get_service(request: HttpRequest, service_id: int) -> BookableService:
    return _service(user_with(request, Perm.VIEW), service_id)


@router.get(
    "/services/{service_id}/slots",
    response={200: list[SlotOut], **ERRORS},
    summary="场次：一周前起，含已约、候补和剩余名额",
)
@paginate(PagePagination)
def list_slots(request: HttpRequest, service_id: int) -> QuerySet[ServiceSlot]:
    user = user_with(request, Perm.VIEW)
    return queries.service_slots(_service(user, service_id))


def _slot_for(user: Any, slot_id: int) -> ServiceSlot:
    if getattr(user, "is_resident", False):
        me = actions.own_resident(user)
        slot = ServiceSlot.objects.select_related("service__region").filter(pk=slot_id).first()
        if me is None or slot is None:
            raise not_found("slot_id")
        try:
            queries.nearby_service(me, slot.service_id)
        except Http404:
            raise not_found("slot_id") from None
        return slot
    _staff(user, Perm.BOOKINGS)
    try:
        return queries.slot_detail(user, slot_id)
    except Http404:
        raise not_found("slot_id") from None


def _staff(user: Any, perm: str) -> None:
    if not user.has_permission(perm):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))


def _who(user: Any, resident_id: int | None) -> Any:
    if getattr(user, "is_resident", False):
        members = actions.household_of(user)
        if not members:
            raise ApiError(403, "forbidden", _("您的账号还没有关联社区登记的居民信息。"))
        if resident_id is None:
            return members[0]
        found = next((m for m in members if m.pk == resident_id), None)
        if found is None:
            raise not_found("resident_id", _("只能为本人或同户家庭成员预约。"))
        return found
    if resident_id is None:
        raise invalid("resident_id", _("请选择为哪位居民预约。"))
    try:
        return queries.resident_for_booking(user, resident_id)
    except Http404:
        raise not_found("resident_id") from None


@router.post(
    "/slots/{slot_id}/bookings",
    response={200: BookingOut, 201: BookingOut, **ERRORS},
    summary="预约（有名额为已预约，否则候补）；带 Idempotency-Key 重试时返回第一次的预约",
)
def create_booking(
    request: HttpRequest,
    slot_id: int,
    payload: BookingIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="客户端生成的唯一键（1–64 个字符）"
    ),
) -> Status[dict[str, Any]]:
    user: Any = request.user
    slot = _slot_for(user, slot_id)
    resident = _who(user, payload.resident_id)
    key = (idempotency_key or "").strip()
    before = Booking.objects.filter(request_key=key).exists() if key else False
    with acting(FIELDS):
        made = actions.book(
            slot=slot, resident=resident, by=user, request_key=key, note=payload.note
        )
    return Status(200 if before else 201, _out(_reload(made), user))


def _booking(user: Any, booking_id: int) -> Booking:
    if getattr(user, "is_resident", False):
        try:
            return queries.my_booking(user, booking_id)
        except Http404:
            raise not_found("booking_id") from None
    _staff(user, Perm.BOOKINGS)
    found = queries.staff_booking(user, booking_id)
    if found is None:
        raise not_found("booking_id")
    return found


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS})
def cancel_booking(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    user: Any = request.user
    booking = _booking(user, booking_id)
    with acting(FIELDS):
        actions.cancel(booking=booking, by=user)
    return _out(_reload(booking), user)


@router.post(
    "/bookings/{booking_id}/attendance",
    response={200: BookingOut, **ERRORS},
    summary="记录到场或未到场（场次开始后）",
)
def attendance(request: HttpRequest, booking_id: int, payload: AttendanceIn) -> dict[str, Any]:
    user = user_with(request, Perm.BOOKINGS)
    booking = _booking(user, booking_id)
    with acting(FIELDS):
        actions.mark_attendance(booking=booking, by=user, attended=payload.attended)
    return _out(_reload(booking), user)


@router.get(
    "/rehabilitation-coverage",
    response={200: list[CoverageOut], **ERRORS},
    summary="指标11：各县(市、区)在册严重精神障碍患者中参加社区康复的比例",
)
def rehabilitation_coverage(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    date_from: str = Query("", alias="from", max_length=10, description="YYYY-MM-DD"),
    date_to: str = Query("", alias="to", max_length=10, description="YYYY-MM-DD"),
) -> list[dict[str, Any]]:
    user = user_with(request, Perm.STATISTICS)
    path = region_path(user, region, Perm.STATISTICS)
    today = calendar.localdate()
    start = _day(date_from, "from") or today.replace(day=1)
    end = _day(date_to, "to") or today
    if end < start:
        raise invalid("to", _("截止日期不能早于起始日期。"))
    counties = queries.statistics_counties(user, path)
    return [
        {
            "county_code": row.county.code,
            "county_name": row.county.name,
            "registered": row.registered,
            "attended": row.attended,
            "share": row.share,
        }
        for row in queries.rehabilitation_coverage(counties, start, end)
    ]
