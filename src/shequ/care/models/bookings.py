"""Bookable services with capacity (S3): elderly meal tables (老年餐桌) with daily menus and seats,
childcare (全日托、半日托、计时托、临时托) with places by age, venues opened by local institutions by time
slot, and community rehabilitation for severe mental disorder (indicator 11).

A ``BookableService`` is offered at a place (a facility, usually) by a community or township; its
``ServiceSlot``s are the dated sittings with their own capacity (and menu). A ``Booking`` holds a seat,
or waits for one; cancelling moves the first waiting booking up, under a row lock on the slot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.facilities.models import Facility
from shequ.organizations.models import Provider
from shequ.registry.models import Resident
from shequ.territory.models import Region


class BookableKind(models.TextChoices):
    MEAL_TABLE = "meal_table", _("老年餐桌")
    CHILDCARE_FULL_DAY = "childcare_full_day", _("全日托")
    CHILDCARE_HALF_DAY = "childcare_half_day", _("半日托")
    CHILDCARE_HOURLY = "childcare_hourly", _("计时托")
    CHILDCARE_TEMPORARY = "childcare_temporary", _("临时托")
    VENUE = "venue", _("场地开放预约")
    REHABILITATION = "rehabilitation", _("精神障碍社区康复")


CHILDCARE_KINDS = (
    BookableKind.CHILDCARE_FULL_DAY,
    BookableKind.CHILDCARE_HALF_DAY,
    BookableKind.CHILDCARE_HOURLY,
    BookableKind.CHILDCARE_TEMPORARY,
)


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    WAITLISTED = "waitlisted", _("候补中")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已到场")
    NO_SHOW = "no_show", _("未到场")


LIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.WAITLISTED)


class BookableService(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("开设单位所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=BookableKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), max_length=1000, blank=True)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("服务场所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookable_services",
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("运营机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookable_services",
    )
    default_capacity = models.PositiveIntegerField(_("每场名额"))
    # Childcare places by age, in months (e.g. 托小班 18–24).
    min_age_months = models.PositiveSmallIntegerField(_("最小月龄"), null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField(_("最大月龄"), null=True, blank=True)
    min_age_years = models.PositiveSmallIntegerField(_("最低年龄（周岁）"), null=True, blank=True)
    price = models.CharField(_("收费标准"), max_length=100, blank=True)
    cancel_hours_before = models.PositiveSmallIntegerField(_("提前取消（小时）"), default=2)
    is_active = models.BooleanField(_("开放预约"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("预约服务")
        verbose_name_plural = _("预约服务")
        ordering = ["region__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceSlot(models.Model):
    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="slots")
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    menu = models.CharField(_("菜单"), max_length=300, blank=True)
    is_cancelled = models.BooleanField(_("已停开"), default=False)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "service__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("预约场次")
        verbose_name_plural = _("预约场次")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "date", "starts_at"], name="slot_one_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.date} {self.starts_at:%H:%M}"


class Booking(models.Model):
    slot = models.ForeignKey(ServiceSlot, on_delete=models.PROTECT, related_name="bookings")
    # The person the seat is for: the elderly diner, the child, the patient.
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="bookings")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=BookingStatus.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(_("工作人员代为预约"), default=False)
    booked_at = models.DateTimeField(_("预约时间"), default=timezone.now)
    changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The client's one-time key for the request that made the booking: a retry with the same key
    # answers with this booking instead of booking (or refusing) again.
    request_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["booked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "resident"],
                condition=models.Q(status__in=["booked", "waitlisted"]),
                name="booking_one_live_per_slot",
            ),
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="booking_request_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["slot", "status"], name="booking_slot_status")]

    def __str__(self) -> str:
        return f"{self.resident} · {self.slot}"
