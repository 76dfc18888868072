"""Alerts and confirmed reach (G3).

An ``Alert`` is issued by staff at township level or above to chosen regions (``target_regions``) or a
drawn area (``area``, a GeoJSON polygon: the communities and grids whose centres fall inside it). On
issue, every resident there with a phone is notified (``AlertDispatch`` batches, sent by tasks) and
every vulnerable resident there gets a ``ReachItem`` on the checklist of their grid: confirmed reached
by phone or in person, or escalated. The reach board counts them per grid."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Grid, Region


class AlertKind(models.TextChoices):
    FLOOD = "flood", _("洪涝")
    RAINSTORM = "rainstorm", _("暴雨")
    TYPHOON = "typhoon", _("台风")
    HEAT = "heat", _("高温")
    COLD = "cold", _("寒潮、低温雨雪冰冻")
    EARTHQUAKE = "earthquake", _("地震")
    FIRE = "fire", _("火灾")
    GEOLOGICAL = "geological", _("地质灾害")
    PUBLIC_HEALTH = "public_health", _("公共卫生事件")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    BLUE = "blue", _("蓝色（一般）")
    YELLOW = "yellow", _("黄色（较重）")
    ORANGE = "orange", _("橙色（严重）")
    RED = "red", _("红色（特别严重）")


class AlertStatus(models.TextChoices):
    ACTIVE = "active", _("生效中")
    CLOSED = "closed", _("已解除")


class DispatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class ReachReason(models.TextChoices):
    """Why a resident is on the checklist: a care group, living alone, a disability."""

    CARE_GROUP = "care_group", _("关爱对象")
    LIVING_ALONE = "living_alone", _("独居")
    DISABILITY = "disability", _("残疾")


class ReachStatus(models.TextChoices):
    PENDING = "pending", _("待联系")
    REACHED_PHONE = "reached_phone", _("已电话联系")
    REACHED_IN_PERSON = "reached_in_person", _("已上门确认")
    ESCALATED = "escalated", _("已上报")


REACHED_STATUSES = (ReachStatus.REACHED_PHONE, ReachStatus.REACHED_IN_PERSON)


class Alert(models.Model):
    number = models.CharField(_("预警编号"), max_length=24, unique=True)
    # Where the issuer's role is held: the alert is filed there (and seen from there and above).
    region = models.ForeignKey(
        Region, verbose_name=_("发布单位所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    severity = models.CharField(_("预警级别"), max_length=8, choices=Severity.choices)
    title = models.CharField(_("标题"), max_length=100)
    instructions = models.TextField(_("防范指引"), max_length=2000)
    target_regions = models.ManyToManyField(
        Region, verbose_name=_("发布范围"), blank=True, related_name="+"
    )
    area = models.JSONField(_("划定范围 (GeoJSON)"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.ACTIVE
    )
    closed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resident_count = models.PositiveIntegerField(_("范围内居民"), default=0)
    notified_count = models.PositiveIntegerField(_("已通知居民"), default=0)
    checklist_count = models.PositiveIntegerField(_("需确认的重点人员"), default=0)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AlertDispatch(models.Model):
    """One batch of the fan-out: residents ``first_resident_id``..``last_resident_id`` of one community."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="dispatches")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    first_resident_id = models.BigIntegerField()
    last_resident_id = models.BigIntegerField()
    resident_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=8, choices=DispatchStatus.choices, default=DispatchStatus.QUEUED
    )
    sent_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("预警发送批次")
        verbose_name_plural = _("预警发送批次")
        ordering = ["alert", "pk"]

    def __str__(self) -> str:
        return f"{self.alert} #{self.pk}"


class ReachItem(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reach_items")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField(_("列入原因"), default=list)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReachStatus.choices, default=ReachStatus.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("重点人员联系确认")
        verbose_name_plural = _("重点人员联系确认")
        ordering = ["alert", "grid", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "resident"], name="reach_one_per_resident")
        ]
        indexes = [
            models.Index(fields=["alert", "grid", "status"], name="reach_alert_grid_status"),
            models.Index(fields=["alert", "community", "status"], name="reach_alert_comm_status"),
        ]

    def __str__(self) -> str:
        return f"{self.alert} · {self.resident}"
