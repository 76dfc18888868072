"""Writes about home services for elderly people at home (S3, indicator 9): request, schedule, mark
delivered, confirm and rate, cancel, decline.

Who may be served: an elderly person at home — a registry record that is alive and registered
(``LifeStatus.ACTIVE``), aged 60 or over on the day of the request, and a member of an active
household (户) in a community. The registry has no "lives in an institution" flag; people living in
an institution (a nursing home's collective registration) are recorded there without a family
household, so "at home" is read as "belongs to an active household". The same definition counts
for indicator 9 (``queries.homeservices.home_service_coverage``).

Every step is one conditional UPDATE on (status, version): two staff scheduling at once cannot both
succeed (the second is told), and a retried request with the same ``request_key`` lands once. The
resident is told in the inbox when the service is scheduled and when it is delivered (asking them
to confirm). Delivered orders nobody confirms stay delivered, for staff to call back.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from shequ.care.models.homeservices import HomeServiceKind, HomeServiceOrder, HomeServiceStatus
from shequ.care.permissions import CarePerm
from shequ.core import audit, calendar, notifications
from shequ.core.scoping import require_place
from shequ.organizations.models import Provider
from shequ.organizations.models.providers import ProviderKind
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import own_resident as own_resident
from shequ.territory.models import Level, Region

HOME_SERVICES = CarePerm.HOME_SERVICES
S = HomeServiceStatus
ELDERLY_AGE = 60
# Provider kinds that serve elderly people at home.
SERVING_KINDS = (ProviderKind.ELDERLY_CARE, ProviderKind.HOUSEKEEPING)

SCHEDULE_FROM = (S.REQUESTED, S.SCHEDULED)  # scheduling again moves the appointment
DELIVER_FROM = (S.SCHEDULED,)
CONFIRM_FROM = (S.DELIVERED,)
CANCEL_FROM = (S.REQUESTED, S.SCHEDULED)
DECLINE_FROM = (S.REQUESTED,)
MAX_MINUTES = 24 * 60

STALE = _l("该服务单刚刚已被他人处理，请刷新页面查看最新状态。")


def require(by: Any, region: Region) -> None:
    """``by`` (None = the system) must hold ``care.home_services`` over ``region``."""
    require_place(by, HOME_SERVICES, region.path, _("不在您的管辖范围内，或您没有此项权限。"))


def is_at_home(resident: Resident) -> bool:
    """Registered and living in a family household (see the module's docstring)."""
    return (
        resident.status == LifeStatus.ACTIVE
        and resident.household_id is not None
        and resident.household is not None
        and resident.household.is_active
        and resident.community.level == Level.COMMUNITY
    )


def check_served(resident: Resident, day: date) -> None:
    """The person served must be alive, registered, 60 or over and at home."""
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError({"resident": _("该居民不在册（已迁出或已故），不能申请居家服务。")})
    age = resident.age_on(day)
    if age is None or age < ELDERLY_AGE:
        raise ValidationError(
            {"resident": _("居家养老服务只面向60周岁及以上的老年人，该居民未满60周岁。")}
        )
    if not is_at_home(resident):
        raise ValidationError(
            {"resident": _("该居民不是居家老人（未登记在家庭户中，可能居住在养老机构）。")}
        )


def same_household(a: Resident, b: Resident) -> bool:
    return a.pk == b.pk or (a.household_id is not None and a.household_id == b.household_id)


def _acting_resident(by: Any) -> Resident:
    mine = own_resident(by)
    if mine is None:
        raise PermissionDenied(_("请先关联您的居民信息。"))
    return mine


def _clean_text(value: str, field: str, limit: int, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError({field: _("不能超过%(n)d个字。") % {"n": limit}})
    return text


def _move(order: HomeServiceOrder, sources: tuple[str, ...], target: str, **changes: Any) -> None:
    """The conditional UPDATE behind every step."""
    if order.status not in sources:
        raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))
    moved = HomeServiceOrder.objects.filter(
        pk=order.pk, status=order.status, version=order.version
    ).update(status=target, version=F("version") + 1, **changes)
    if moved != 1:
        raise ValidationError(str(STALE))
    order.status = target
    order.version += 1
    for key, value in changes.items():
        setattr(order, key, value)


def resident_url(order: HomeServiceOrder) -> str:
    return f"/care/me/home-services/{order.pk}/"


def _tell_resident(order: HomeServiceOrder, subject: Any) -> None:
    """The served person's account and whoever asked for them (a household member)."""
    recipients: list[Any] = []
    if order.resident.account is not None:
        recipients.append(order.resident.account)
    requester = order.requested_by
    if requester is not None and getattr(requester, "is_resident", False):
        recipients.append(requester)
    if recipients:
        notifications.notify(
            recipients=recipients,
            topic="care.home_service",
            subject=subject,
            body=f"{order.number} {order.get_kind_display()}",
            url=resident_url(order),
        )


# --- Request ---------------------------------------------------------------------------------------


@transaction.atomic
def request_service(
    *,
    resident: Resident,
    by: Any,
    kind: str,
    details: str = "",
    preferred_date: date | None = None,
    request_key: str | None = None,
    is_synthetic: bool = False,
) -> HomeServiceOrder:
    """A home service for ``resident``: asked by the resident for themself or for an elderly member of
    their household, or by staff with ``care.home_services`` where the resident lives (on behalf).
    The same ``request_key`` again answers the order it made."""
    key = (request_key or "").strip()[:64] or None
    if key is not None:
        found = HomeServiceOrder.objects.filter(request_key=key).first()
        if found is not None:
            return _retried(found, resident, by)
    if getattr(by, "is_resident", False):
        mine = _acting_resident(by)
        if not same_household(mine, resident):
            raise PermissionDenied(_("只能为本人或同户的老人申请居家服务。"))
        on_behalf = False
    else:
        require(by, resident.community)
        on_behalf = by is not None
    today = calendar.localdate()
    check_served(resident, today)
    errors: dict[str, str] = {}
    if kind not in HomeServiceKind.values:
        errors["kind"] = _("请选择服务项目。")
    try:
        details = _clean_text(details, "details", 300)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if preferred_date is not None and preferred_date < today:
        errors["preferred_date"] = _("希望服务日期不能早于今天。")
    if errors:
        raise ValidationError(errors)
    order = HomeServiceOrder(
        number=uuid.uuid4().hex[:24],
        resident=resident,
        community=resident.community,
        grid=resident.grid,
        kind=kind,
        details=details,
        preferred_date=preferred_date,
        requested_by=by,
        requested_at=calendar.now(),
        on_behalf=on_behalf,
        request_key=key,
        is_synthetic=is_synthetic,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # The same key from a retry that landed a moment earlier.
        found = HomeServiceOrder.objects.filter(request_key=key).first() if key else None
        if found is None:
            raise
        return _retried(found, resident, by)
    order.number = f"JF{calendar.localdate():%Y%m%d}{order.pk:06d}"
    order.save(update_fields=["number"])
    audit.record(
        "care.home_service_request",
        obj=order,
        actor=by,
        role="staff" if on_behalf else "self",
        fields=["kind", "resident"],
    )
    return order


def _retried(found: HomeServiceOrder, resident: Resident, by: Any) -> HomeServiceOrder:
    if found.resident_id != resident.pk or found.requested_by_id != getattr(by, "pk", None):
        raise ValidationError({"request_key": _("该请求编号已被另一份申请使用。")})
    return found


# --- Staff steps -----------------------------------------------------------------------------------


def provider_serves(provider: Provider, community: Region) -> bool:
    """An active elderly-care or housekeeping provider registered at the community or above it."""
    return (
        provider.is_active
        and provider.kind in SERVING_KINDS
        and community.path.startswith(provider.region.path)
    )


@transaction.atomic
def schedule(
    *,
    order: HomeServiceOrder,
    by: Any,
    provider: Provider | None,
    scheduled_for: datetime | None,
) -> HomeServiceOrder:
    """Give the order a provider and a time to call (again, to move the appointment)."""
    require(by, order.community)
    errors: dict[str, str] = {}
    if provider is None or not provider_serves(provider, order.community):
        errors["provider"] = _("请选择为本社区提供服务、正在经营的养老或家政服务机构。")
    if scheduled_for is None:
        errors["scheduled_for"] = _("请填写预约上门时间。")
    elif scheduled_for <= calendar.now():
        errors["scheduled_for"] = _("预约上门时间必须晚于现在。")
    if errors:
        raise ValidationError(errors)
    _move(
        order,
        SCHEDULE_FROM,
        S.SCHEDULED,
        provider=provider,
        scheduled_for=scheduled_for,
        scheduled_by=by,
    )
    audit.record(
        "care.home_service_schedule", obj=order, actor=by, fields=["provider", "scheduled_for"]
    )
    _tell_resident(order, _l("您的居家服务已安排上门时间"))
    return order


@transaction.atomic
def mark_delivered(
    *,
    order: HomeServiceOrder,
    by: Any,
    delivered_at: datetime | None,
    minutes: int | None,
    note: str = "",
) -> HomeServiceOrder:
    """The service was given: when, how long, how it went. The resident is asked to confirm."""
    require(by, order.community)
    errors: dict[str, str] = {}
    if delivered_at is None:
        errors["delivered_at"] = _("请填写服务时间。")
    elif delivered_at > calendar.now():
        errors["delivered_at"] = _("服务时间不能晚于现在。")
    elif delivered_at < order.requested_at:
        errors["delivered_at"] = _("服务时间不能早于申请时间。")
    if minutes is None or not 1 <= int(minutes) <= MAX_MINUTES:
        errors["minutes"] = _("服务时长须在1至1440分钟之间。")
    try:
        note = _clean_text(note, "note", 500)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    _move(
        order,
        DELIVER_FROM,
        S.DELIVERED,
        delivered_at=delivered_at,
        delivered_minutes=int(minutes or 0),
        delivery_note=note,
    )
    audit.record(
        "care.home_service_deliver",
        obj=order,
        actor=by,
        fields=["delivered_at", "delivered_minutes", "delivery_note"],
    )
    _tell_resident(order, _l("居家服务已完成，请您确认并评价"))
    return order


@transaction.atomic
def decline(*, order: HomeServiceOrder, by: Any, reason: str) -> HomeServiceOrder:
    """Staff will not arrange the service, saying why."""
    require(by, order.community)
    reason = _clean_text(reason, "reason", 200, _("请填写不予安排的原因。"))
    _move(order, DECLINE_FROM, S.DECLINED, closing_reason=reason)
    audit.record("care.home_service_decline", obj=order, actor=by, fields=["status"])
    return order


# --- Either side -----------------------------------------------------------------------------------


def may_act_as_resident(order: HomeServiceOrder, user: Any) -> bool:
    """The served person or a member of their household (through their linked account)."""
    mine = own_resident(user)
    return mine is not None and same_household(mine, order.resident)


@transaction.atomic
def cancel(*, order: HomeServiceOrder, by: Any, reason: str = "") -> HomeServiceOrder:
    """Before delivery: the resident (or their household) without a reason, staff with one."""
    if getattr(by, "is_resident", False):
        if not may_act_as_resident(order, by):
            raise PermissionDenied(_("只能取消本人或同户老人的服务单。"))
        reason = _clean_text(reason, "reason", 200)
        role = "self"
    else:
        require(by, order.community)
        reason = _clean_text(reason, "reason", 200, _("请填写取消的原因。"))
        role = "staff"
    if order.status not in CANCEL_FROM:
        raise ValidationError(_("服务已完成或已关闭，不能取消。"))
    _move(order, CANCEL_FROM, S.CANCELLED, closing_reason=reason)
    audit.record("care.home_service_cancel", obj=order, actor=by, role=role, fields=["status"])
    return order


@transaction.atomic
def confirm_and_rate(
    *, order: HomeServiceOrder, by: Any, rating: int | None, comment: str = ""
) -> HomeServiceOrder:
    """The resident (or a member of their household) confirms the service and rates it, once; or
    staff record what the resident said when they called back (a resident without a phone)."""
    if getattr(by, "is_resident", False):
        if not may_act_as_resident(order, by):
            raise PermissionDenied(_("只能确认本人或同户老人的服务。"))
        role = "self"
    else:
        require(by, order.community)  # None: the system (the demo)
        role = "staff"
    errors: dict[str, str] = {}
    if rating is None:
        errors["rating"] = _("请为这次服务打分（1至5分）。")
    elif not 1 <= int(rating) <= 5:
        errors["rating"] = _("评分须在1至5分之间。")
    try:
        comment = _clean_text(comment, "comment", 300)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    if order.status == S.CONFIRMED:
        raise ValidationError(_("这次服务已经确认并评价过了。"))
    try:
        _move(
            order,
            CONFIRM_FROM,
            S.CONFIRMED,
            confirmed_at=calendar.now(),
            rating=int(rating or 0),
            rating_comment=comment,
        )
    except ValidationError:
        order.refresh_from_db(fields=["status", "version"])
        if order.status == S.CONFIRMED:
            raise ValidationError(_("这次服务已经确认并评价过了。")) from None
        raise
    audit.record(
        "care.home_service_confirm", obj=order, actor=by, role=role, fields=["status", "rating"]
    )
    return order
