"""The six standards (六个规范) assessed per community and year.

The plan (§14, 加强群众性自治组织规范化建设) wants 95% or more of the city's urban and rural
communities to meet all six by 2025: 组织架构规范、规章制度规范、阵地建设规范、职责事项规范、
队伍建设规范、工作保障规范. A community's staff state, for each standard, how the community meets
it and give the evidence (text and files); a reviewer at the township or above decides each line
(met or not met, with a comment). A community meets the six standards for a year when its
assessment for that year is reviewed with all six lines met; any other community — never assessed,
still being filled in, waiting for review, returned — does not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.territory.models import Region


class Standard(models.TextChoices):
    ORGANISATION = "organisation", _("组织架构规范")
    RULES = "rules", _("规章制度规范")
    PREMISES = "premises", _("阵地建设规范")
    DUTIES = "duties", _("职责事项规范")
    TEAM = "team", _("队伍建设规范")
    RESOURCES = "resources", _("工作保障规范")


# What a community states for each standard: prompts for the people filling it in, not rules the
# platform checks.
GUIDANCE = {
    Standard.ORGANISATION: _(
        "党组织、村(居)民委员会及其下属委员会、村(居)务监督委员会等组织的设立和成员，"
        "网格和居民小组的划分。"
    ),
    Standard.RULES: _(
        "村(居)民自治章程、村规民约(居民公约)、议事协商、村(居)务公开、财务管理等制度的制定和执行。"
    ),
    Standard.PREMISES: _("党群服务中心(社区综合服务设施)的面积、功能布局、标识和开放时间。"),
    Standard.DUTIES: _(
        "依法履职事项清单、协助政府工作事项清单的公布和执行，社区工作事项准入制度的落实，"
        "村(居)民委员会出具证明事项的清理。"
    ),
    Standard.TEAM: _("社区工作者的配备、持证、培训、考核和待遇，网格员和志愿者队伍。"),
    Standard.RESOURCES: _("工作经费、服务群众专项经费、办公和服务设施的保障及其使用管理。"),
}


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回补充")
    REVIEWED = "reviewed", _("已审核")


class LineDecision(models.TextChoices):
    PENDING = "pending", _("未评定")
    MET = "met", _("达标")
    NOT_MET = "not_met", _("未达标")


class StandardsAssessment(models.Model):
    """One community's six-standards assessment for one year."""

    scope_region_field = "community"
    scope_grid_field = None

    community = models.ForeignKey(
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    version = models.PositiveIntegerField(default=1)
    # Set when the review is completed (all six lines decided); None until then.
    met_count = models.PositiveSmallIntegerField(_("达标项数"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("六个规范评定")
        verbose_name_plural = _("六个规范评定")
        ordering = ["-year", "community__path"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="standards_one_per_year"),
        ]
        indexes = [
            models.Index(fields=["year", "status"], name="standards_year_status"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"

    @property
    def meets_all(self) -> bool:
        return self.status == AssessmentStatus.REVIEWED and self.met_count == len(Standard)


class StandardsLine(models.Model):
    """One standard of an assessment: what the community states, its evidence, the decision."""

    scope_region_field = "assessment__community"
    scope_grid_field = None

    assessment = models.ForeignKey(
        StandardsAssessment, on_delete=models.CASCADE, related_name="lines"
    )
    standard = models.CharField(_("规范"), max_length=12, choices=Standard.choices)
    statement = models.TextField(_("达标情况说明"), max_length=4000, blank=True)
    evidence = models.TextField(_("佐证材料说明"), max_length=4000, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("填写时间"), null=True, blank=True)
    decision = models.CharField(
        _("评定结果"),
        max_length=8,
        choices=LineDecision.choices,
        default=LineDecision.PENDING,
    )
    comment = models.TextField(_("评定意见"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("六个规范评定项")
        verbose_name_plural = _("六个规范评定项")
        ordering = ["assessment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "standard"], name="standardsline_one_per_standard"
            ),
        ]
        indexes = [
            models.Index(fields=["assessment", "decision"], name="standardsline_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.get_standard_display()}"

    @property
    def guidance(self) -> str:
        return str(GUIDANCE.get(Standard(self.standard), ""))


class StandardsEvidence(models.Model):
    """A file given as evidence for one line: PDF, JPEG or PNG, checked by its first bytes."""

    scope_region_field = "line__assessment__community"
    scope_grid_field = None

    line = models.ForeignKey(StandardsLine, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("附件"), upload_to="standards/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("六个规范佐证材料")
        verbose_name_plural = _("六个规范佐证材料")
        ordering = ["line", "pk"]

    def __str__(self) -> str:
        return self.name
