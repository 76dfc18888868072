"""Visits to vulnerable residents (G2): the rules as data, the plans generated from them and the visits
recorded against the plans.

A ``VisitRule`` says, for one care group in a region's subtree (set by a county, or by the city for
every county without its own), who visits, how often, how (in person or by phone) and what to check.
The rule of the nearest region above a resident's community wins; a group may have one rule per mode
(living-alone elderly: weekly by phone *and* monthly in person). ``VisitPlan`` is one visit owed: a
resident, a rule, a period and its due date, the assigned visitor. A ``Visit`` is what happened; its
findings open cases (``Visit.case``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Case
from shequ.core.fields import EncryptedTextField
from shequ.registry.models import CareGroup, Resident
from shequ.territory.models import Grid, Region


class VisitorKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")


class VisitFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("上门探访")
    PHONE = "phone", _("电话探访")


class VisitPlanStatus(models.TextChoices):
    PLANNED = "planned", _("待探访")
    DONE = "done", _("已探访")
    CANCELLED = "cancelled", _("已取消")


class Finding(models.TextChoices):
    """What a visitor may find; each finding names the follow-up it opens (``FINDING_FOLLOW_UP``)."""

    NO_HEATING = "no_heating", _("无取暖或降温条件")
    ILLNESS = "illness", _("生病或身体状况变差")
    NO_FOOD = "no_food", _("缺少食物")
    ABUSE_SIGNS = "abuse_signs", _("疑似受虐待或被忽视")
    LOST_INCOME = "lost_income", _("失去收入来源")
    HOUSING_DANGER = "housing_danger", _("住房安全隐患")
    NEEDS_SERVICE = "needs_service", _("需要生活服务")


class FollowUp(models.TextChoices):
    EMERGENCY_ASSISTANCE = "emergency_assistance", _("急难救助（快速通道）")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助转介")
    SERVICE_REQUEST = "service_request", _("服务申请")


FINDING_FOLLOW_UP = {
    Finding.NO_HEATING: FollowUp.EMERGENCY_ASSISTANCE,
    Finding.NO_FOOD: FollowUp.EMERGENCY_ASSISTANCE,
    Finding.ABUSE_SIGNS: FollowUp.EMERGENCY_ASSISTANCE,
    Finding.ILLNESS: FollowUp.SERVICE_REQUEST,
    Finding.LOST_INCOME: FollowUp.SOCIAL_ASSISTANCE,
    Finding.HOUSING_DANGER: FollowUp.SERVICE_REQUEST,
    Finding.NEEDS_SERVICE: FollowUp.SERVICE_REQUEST,
}


class VisitRule(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("关爱类别"), max_length=32, choices=CareGroup.choices)
    mode = models.CharField(_("探访方式"), max_length=12, choices=VisitMode.choices)
    frequency = models.CharField(_("频次"), max_length=12, choices=VisitFrequency.choices)
    visitor_kind = models.CharField(_("探访人"), max_length=20, choices=VisitorKind.choices)
    # Short items the visitor answers yes/no to, in the order shown.
    checklist = models.JSONField(_("探访要点"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("探访规则")
        verbose_name_plural = _("探访规则")
        ordering = ["region__path", "group", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "group", "mode"], name="visitrule_one_per_group_mode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} · {self.get_mode_display()} · {self.get_frequency_display()}"


class VisitPlan(models.Model):
    """One visit owed in one period (a week, month or quarter starting ``period_start``)."""

    # Plans are written in hundreds of thousands a month: the foreign keys that lead a composite
    # index below (rule: the unique key; community, grid, visitor) get no index of their own.
    rule = models.ForeignKey(
        VisitRule, on_delete=models.PROTECT, related_name="plans", db_index=False
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="visit_plans")
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    group = models.CharField(_("关爱类别"), max_length=32, choices=CareGroup.choices)
    mode = models.CharField(_("探访方式"), max_length=12, choices=VisitMode.choices)
    period_start = models.DateField(_("周期开始"))
    due_date = models.DateField(_("应探访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("探访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_plans",
        db_index=False,
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=VisitPlanStatus.choices, default=VisitPlanStatus.PLANNED
    )
    done_at = models.DateTimeField(_("探访时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("探访计划")
        verbose_name_plural = _("探访计划")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "resident", "period_start"], name="visitplan_one_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["community", "period_start"], name="visitplan_community_period"),
            models.Index(fields=["grid", "status", "due_date"], name="visitplan_grid_due"),
            models.Index(fields=["visitor", "status", "due_date"], name="visitplan_visitor_due"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.due_date}"


class Visit(models.Model):
    """A visit made: to a planned visit, or unplanned (a neighbour's worry). ``request_key`` makes a
    retried submission from a phone on a slow connection land once."""

    plan = models.ForeignKey(
        VisitPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="visits")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("探访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mode = models.CharField(_("探访方式"), max_length=12, choices=VisitMode.choices)
    visited_at = models.DateTimeField(_("探访时间"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    # {checklist item: true/false}, in the rule's order.
    answers = models.JSONField(_("探访要点"), default=dict, blank=True)
    findings = models.JSONField(_("发现问题"), default=list, blank=True)
    note = EncryptedTextField(_("探访情况"), blank=True, sensitive=True)
    photo = models.ImageField(_("照片"), upload_to="visits/%Y/%m/", null=True, blank=True)
    photo_consent = models.BooleanField(_("本人同意拍照"), default=False)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    located_at = models.DateTimeField(_("定位时间"), null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "visited_at"], name="visit_community_time"),
            models.Index(fields=["resident", "visited_at"], name="visit_resident_time"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.visited_at:%Y-%m-%d}"
