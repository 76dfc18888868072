"""The three lists (三项清单, P5) and micro-renewal (微更新).

Per community: residents' needs (``NeedItem``), service resources (``ResourceItem``) and livelihood
projects (``LivelihoodProject``). A ``NeedMatch`` links a need to a resource or a project that meets
it. A ``MicroRenewal`` project is co-funded: ``Contribution``s by source (residents' own funds among
them) and ``Spending`` lines, both published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.participation.models.deliberation import Topic
from shequ.territory.models import Region


class NeedCategory(models.TextChoices):
    ELDERLY = "elderly", _("养老服务")
    CHILDREN = "children", _("托育和儿童")
    ENVIRONMENT = "environment", _("环境和设施")
    SAFETY = "safety", _("平安和安全")
    CULTURE = "culture", _("文化体育")
    EMPLOYMENT = "employment", _("就业帮扶")
    OTHER = "other", _("其他")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待对接")
    MATCHED = "matched", _("已对接")
    MET = "met", _("已解决")
    CLOSED = "closed", _("暂不解决")


class NeedItem(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=12, choices=NeedCategory.choices)
    title = models.CharField(_("需求"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    households = models.PositiveIntegerField(_("涉及户数"), default=0)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    request_key = models.CharField(max_length=64, blank=True, default="")
    version = models.PositiveIntegerField(default=0)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("居民需求")
        verbose_name_plural = _("居民需求清单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="need_unique_request_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("场地设施")
    ORGANISATION = "organisation", _("社会组织和驻区单位")
    VOLUNTEERS = "volunteers", _("志愿服务队伍")
    FUNDS = "funds", _("资金")
    SKILLS = "skills", _("专业技能")


class ResourceItem(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices)
    title = models.CharField(_("资源"), max_length=100)
    provider = models.CharField(_("提供方"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    is_available = models.BooleanField(_("可用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("服务资源")
        verbose_name_plural = _("服务资源清单")
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")


class LivelihoodProject(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("项目"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, default=0)
    responsible_party = models.CharField(_("责任方"), max_length=100)
    start_on = models.DateField(_("开始日期"), null=True, blank=True)
    end_on = models.DateField(_("完成期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("来源议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("民生项目")
        verbose_name_plural = _("民生项目清单")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NeedMatch(models.Model):
    need = models.ForeignKey(NeedItem, on_delete=models.CASCADE, related_name="matches")
    resource = models.ForeignKey(
        ResourceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="matches"
    )
    project = models.ForeignKey(
        LivelihoodProject, null=True, blank=True, on_delete=models.PROTECT, related_name="matches"
    )
    note = models.CharField(_("对接说明"), max_length=400, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("对接时间"), default=timezone.now)

    class Meta:
        verbose_name = _("需求对接")
        verbose_name_plural = _("需求对接")
        ordering = ["need", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resource__isnull=False) | models.Q(project__isnull=False),
                name="needmatch_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.resource_id or self.project_id}"


class RenewalStatus(models.TextChoices):
    FUNDRAISING = "fundraising", _("筹资中")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")


class MicroRenewal(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("微更新项目"), max_length=100)
    description = models.TextField(_("说明"), max_length=4000, blank=True)
    budget = models.DecimalField(_("总预算（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RenewalStatus.choices,
        default=RenewalStatus.FUNDRAISING,
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("来源议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_published = models.BooleanField(_("向居民公开"), default=True)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("微更新项目")
        verbose_name_plural = _("微更新项目")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class FundSource(models.TextChoices):
    RESIDENTS = "residents", _("居民自筹")
    GOVERNMENT = "government", _("政府资金")
    ENTERPRISE = "enterprise", _("驻区单位和企业")
    CHARITY = "charity", _("慈善和社会捐赠")


class Contribution(models.Model):
    project = models.ForeignKey(
        MicroRenewal, on_delete=models.PROTECT, related_name="contributions"
    )
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    contributor = models.CharField(_("出资方"), max_length=100)
    households = models.PositiveIntegerField(
        _("出资户数"), default=0, help_text=_("居民自筹时填写出资的户数")
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    received_on = models.DateField(_("到账日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("出资")
        verbose_name_plural = _("出资")
        ordering = ["project", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contribution_positive")
        ]

    def __str__(self) -> str:
        return f"{self.contributor} {self.amount}"


class Spending(models.Model):
    project = models.ForeignKey(MicroRenewal, on_delete=models.PROTECT, related_name="spendings")
    item = models.CharField(_("支出事项"), max_length=100)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    spent_on = models.DateField(_("支出日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        ordering = ["project", "spent_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="spending_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"
