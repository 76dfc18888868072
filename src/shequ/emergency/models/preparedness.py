"""Preparedness (G3): shelters opened during an event with capacity and occupancy, emergency supplies with
stock per location and every movement, drills, and fire-safety grids. The disaster information officer
of each community is a worker post (``workforce``, kind ``disaster_informant``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.emergency.models.alerts import Alert
from shequ.facilities.models import Facility
from shequ.territory.models import Grid, Region


class ShelterOpening(models.Model):
    """A shelter (a facility of category ``shelter``) opened for an event, with its occupancy now."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("避难场所"), on_delete=models.PROTECT, related_name="openings"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="shelters"
    )
    capacity = models.PositiveIntegerField(_("可容纳人数"))
    occupancy = models.PositiveIntegerField(_("当前安置人数"), default=0)
    opened_at = models.DateTimeField(_("开放时间"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("避难场所开放")
        verbose_name_plural = _("避难场所开放")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility"],
                condition=models.Q(closed_at__isnull=True),
                name="shelter_one_open_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(occupancy__lte=models.F("capacity")),
                name="shelter_occupancy_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return str(self.facility)


class OccupancyReport(models.Model):
    """Each occupancy count reported (append-only), so the board can show how it changed."""

    opening = models.ForeignKey(ShelterOpening, on_delete=models.CASCADE, related_name="reports")
    occupancy = models.PositiveIntegerField(_("安置人数"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("报告时间"), default=timezone.now)

    scope_region_field = "opening__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("安置人数报告")
        verbose_name_plural = _("安置人数报告")
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.opening} {self.occupancy}"


class SupplyCategory(models.TextChoices):
    RESCUE = "rescue", _("救援器材")
    FLOOD_CONTROL = "flood_control", _("防汛物资")
    LIVING = "living", _("生活物资")
    MEDICAL = "medical", _("医疗药品")
    FIRE = "fire", _("消防器材")
    COMMUNICATION = "communication", _("通信照明")
    OTHER = "other", _("其他")


class SupplyStock(models.Model):
    """One item at one location: its stock now (the sum of its movements) and its warning level."""

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField(_("存放地点"), max_length=100)
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=16, choices=SupplyCategory.choices)
    item = models.CharField(_("物资名称"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10)
    quantity = models.IntegerField(_("库存"), default=0)
    low_threshold = models.PositiveIntegerField(_("低库存预警线"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("应急物资")
        verbose_name_plural = _("应急物资")
        ordering = ["region__path", "location", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "location", "item", "unit"], name="supply_one_per_location_item"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="supply_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.location}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("入库")
    ISSUED = "issued", _("出库发放")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    ADJUSTED = "adjusted", _("盘点调整")
    WRITTEN_OFF = "written_off", _("报损")


class SupplyMovement(models.Model):
    stock = models.ForeignKey(SupplyStock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    delta = models.IntegerField(_("数量变化"))
    balance_after = models.IntegerField(_("变动后库存"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="supply_movements"
    )
    # The other side of a transfer.
    counterpart = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    scope_region_field = "stock__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("物资出入库记录")
        verbose_name_plural = _("物资出入库记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stock} {self.delta:+d}"


class DrillKind(models.TextChoices):
    FLOOD = "flood", _("防汛")
    FIRE = "fire", _("消防疏散")
    EARTHQUAKE = "earthquake", _("地震疏散")
    EVACUATION = "evacuation", _("综合避险转移")
    PUBLIC_HEALTH = "public_health", _("公共卫生")
    OTHER = "other", _("其他")


class Drill(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("组织区域"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("演练类型"), max_length=16, choices=DrillKind.choices)
    title = models.CharField(_("演练名称"), max_length=100)
    held_on = models.DateField(_("演练日期"))
    location = models.CharField(_("地点"), max_length=100, blank=True)
    participants = models.PositiveIntegerField(_("参加人数"))
    organisers = models.CharField(_("参与单位"), max_length=300, blank=True)
    findings = models.TextField(_("发现的问题"), max_length=2000, blank=True)
    improvements = models.TextField(_("整改措施"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class FireSafetyGrid(models.Model):
    """A grid designated a fire-safety grid (消防安全网格), with its responsible person and last check."""

    grid = models.OneToOneField(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="fire_safety"
    )
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("消防安全责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_checked_on = models.DateField(_("最近一次检查"), null=True, blank=True)
    hazards = models.CharField(_("重点隐患"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("消防安全网格")
        verbose_name_plural = _("消防安全网格")
        ordering = ["grid__code"]

    def __str__(self) -> str:
        return str(self.grid)
