"""Home services for elderly people living at home (S3, indicator 9): 助餐、助洁、助医、助行、助浴、助急.

A ``HomeServiceOrder`` is requested by the resident (or staff for them), scheduled with a provider, marked
delivered by staff or the provider's desk, then confirmed and rated by the resident. Indicator 9 counts
home-dwelling elderly residents with a delivered service in the period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.organizations.models import Provider
from shequ.registry.models import Resident
from shequ.territory.models import Grid, Region


class HomeServiceKind(models.TextChoices):
    MEAL = "meal", _("助餐")
    CLEANING = "cleaning", _("助洁")
    MEDICAL = "medical", _("助医")
    MOBILITY = "mobility", _("助行")
    BATHING = "bathing", _("助浴")
    EMERGENCY = "emergency", _("助急")


class HomeServiceStatus(models.TextChoices):
    REQUESTED = "requested", _("待安排")
    SCHEDULED = "scheduled", _("已安排")
    DELIVERED = "delivered", _("已服务，待确认")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已取消")
    DECLINED = "declined", _("不予安排")


# Delivered services count for indicator 9 whether or not the resident has confirmed yet.
DELIVERED_STATUSES = (HomeServiceStatus.DELIVERED, HomeServiceStatus.CONFIRMED)


class HomeServiceOrder(models.Model):
    number = models.CharField(_("服务单号"), max_length=24, unique=True)
    resident = models.ForeignKey(
        Resident, verbose_name=_("服务对象"), on_delete=models.PROTECT, related_name="home_services"
    )
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("服务项目"), max_length=12, choices=HomeServiceKind.choices)
    details = models.CharField(_("服务需求"), max_length=300, blank=True)
    preferred_date = models.DateField(_("希望服务日期"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    on_behalf = models.BooleanField(_("工作人员代为申请"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=HomeServiceStatus.choices,
        default=HomeServiceStatus.REQUESTED,
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("服务机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_services",
    )
    scheduled_for = models.DateTimeField(_("预约上门时间"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("服务时间"), null=True, blank=True)
    delivered_minutes = models.PositiveSmallIntegerField(
        _("服务时长（分钟）"), null=True, blank=True
    )
    delivery_note = models.CharField(_("服务情况"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    closing_reason = models.CharField(_("取消或不予安排原因"), max_length=200, blank=True)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("居家服务单")
        verbose_name_plural = _("居家服务单")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status"], name="homeservice_community_status"),
            models.Index(fields=["delivered_at"], name="homeservice_delivered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="homeservice_rating_1_5",
            )
        ]

    def __str__(self) -> str:
        return self.number
