"""Work projects (工作项目化、项目清单化、清单节点化、节点责任化、责任具体化): the plan's tasks run as
projects held by a city, county or township, each with its list of milestones (节点), every milestone
with a responsible unit (责任单位), a named person and a deadline, and dated progress reports.

A milestone past its due date and not done is overdue; the daily escalation
(``actions.projects.escalate_overdue``) tells the responsible unit, then the project's own level, then
the level above, once each, and records the step reached on the milestone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import HandlingUnit
from shequ.indicators.definitions import CODES
from shequ.territory.models import Region


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    RUNNING = "running", _("实施中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class Escalation(models.IntegerChoices):
    NONE = 0, _("未督办")
    UNIT = 1, _("已提醒责任单位")
    OWNER = 2, _("已上报项目所属层级")
    ABOVE = 3, _("已上报上一级")


class WorkProject(models.Model):
    """A task of the plan run as a project by a city, county or township (its ``region``)."""

    region = models.ForeignKey(
        Region, verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("项目名称"), max_length=150)
    plan_task = models.CharField(_("对应规划任务"), max_length=300)
    indicator = models.CharField(
        _("关联指标"), max_length=48, choices=CODES, blank=True, default=""
    )
    lead_unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("工作内容和目标"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("工作项目")
        verbose_name_plural = _("工作项目")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="workproject_dates_in_order",
            )
        ]
        indexes = [models.Index(fields=["status", "region"], name="workproject_status_region")]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    """One node of a project's list: what is due when, and who answers for it."""

    project = models.ForeignKey(
        WorkProject, verbose_name=_("工作项目"), on_delete=models.PROTECT, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("节点"), max_length=150)
    due_on = models.DateField(_("完成期限"))
    responsible_unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    latest_report = models.ForeignKey(
        "MilestoneReport",
        verbose_name=_("最新进展"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("督办层级"), choices=Escalation.choices, default=Escalation.NONE
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "project__region"
    scope_grid_field = None
    scope_unit_field = "responsible_unit"

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["project", "position", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="milestone_progress_at_most_100"
            )
        ]
        indexes = [models.Index(fields=["done_on", "due_on"], name="milestone_open_due")]

    def __str__(self) -> str:
        return self.title

    def overdue_days(self, today: object) -> int:
        """Natural days past due (0 when not overdue); the project must be running."""
        if self.done_on is not None or self.project.status != ProjectStatus.RUNNING:
            return 0
        return max(0, (today - self.due_on).days)  # type: ignore[operator]


class MilestoneReport(models.Model):
    """A dated progress report on a milestone; a final one completes it."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("节点"), on_delete=models.PROTECT, related_name="reports"
    )
    reported_on = models.DateField(_("报告日期"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    text = models.TextField(_("进展情况"))
    is_final = models.BooleanField(_("完成报告"), default=False)
    file = models.FileField(_("附件"), upload_to="projects/%Y/%m/", blank=True)
    file_name = models.CharField(_("附件名"), max_length=200, blank=True)
    file_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    file_size = models.PositiveIntegerField(_("附件大小"), default=0)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    scope_region_field = "milestone__project__region"
    scope_grid_field = None
    scope_unit_field = "milestone__responsible_unit"

    class Meta:
        verbose_name = _("节点进展报告")
        verbose_name_plural = _("节点进展报告")
        ordering = ["milestone", "-reported_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="milestonereport_percent_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.reported_on}"
