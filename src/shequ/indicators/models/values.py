"""Targets and computed values of the plan's indicators.

``IndicatorValue`` rows are snapshots written by the rebuild (``actions.rebuild``): dashboards read
them and never compute. Each holds the sums it was computed from, so a region's figure can be
checked by hand: ``value = numerator × factor ÷ denominator``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.indicators.definitions import CODES
from shequ.indicators.reasons import shown
from shequ.territory.models import Region


class Status(models.TextChoices):
    MET = "met", _("已达标")
    ON_TRACK = "on_track", _("按进度")
    LAGGING = "lagging", _("滞后")
    NO_TARGET = "no_target", _("未设目标")
    NO_DATA = "no_data", _("缺少数据")


class IndicatorTarget(models.Model):
    """A baseline or target of an indicator for a region and year (a city loads its own plan's file;
    Xuzhou's is the default). A region without its own target takes its nearest ancestor's."""

    scope_region_field = "region"
    scope_grid_field = None

    indicator = models.CharField(_("指标"), max_length=48, choices=CODES)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2)
    is_baseline = models.BooleanField(_("基线"), default=False)
    is_binding = models.BooleanField(_("约束性"), default=False)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("指标目标")
        verbose_name_plural = _("指标目标")
        ordering = ["indicator", "region__path", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="indicatortarget_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.year}"


class IndicatorValue(models.Model):
    """One indicator for one region and year, as of the last rebuild."""

    scope_region_field = "region"
    scope_grid_field = None

    indicator = models.CharField(_("指标"), max_length=48, choices=CODES)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    numerator = models.DecimalField(_("分子"), max_digits=20, decimal_places=4)
    denominator = models.DecimalField(
        _("分母"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=2, null=True, blank=True)
    units = models.PositiveIntegerField(_("计入单位数"), default=0)
    missing_units = models.PositiveIntegerField(_("缺数单位数"), default=0)
    missing = models.JSONField(_("缺少的数据"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="indicatorvalue_one_per_year"
            )
        ]
        indexes = [models.Index(fields=["year", "region"], name="indicatorvalue_year_region")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.year}"

    @property
    def is_complete(self) -> bool:
        return self.missing_units == 0

    @property
    def reasons(self) -> list[str]:
        """Why data is missing, in the active language."""
        return [shown(item) for item in self.missing]


class RebuildRun(models.Model):
    """A rebuild of one year's values, for the whole city or one subtree."""

    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    values_written = models.PositiveIntegerField(_("写入指标值数"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("指标重算")
        verbose_name_plural = _("指标重算")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id or ''}"
