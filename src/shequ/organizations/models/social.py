"""Community social organisations, social-work stations and rooms, and the services government buys
from them (政府购买服务, 公益创投)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.validators import normalize_phone
from shequ.territory.models import Region
from shequ.workforce.models import CommunityWorker, QualificationLevel


class OrgKind(models.TextChoices):
    SERVICE = "service", _("生活服务类")
    CHARITY = "charity", _("公益慈善类")
    ASSISTANCE = "assistance", _("社区事务类")
    MUTUAL_HELP = "mutual_help", _("邻里互助类")
    CULTURE = "culture", _("文体活动类")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("民政登记")
    FILED = "filed", _("街道(乡镇)备案")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常活动")
    DORMANT = "dormant", _("停止活动")
    DISSOLVED = "dissolved", _("已注销")


class SocialOrganization(models.Model):
    """A community social organisation (社区社会组织), registered with civil affairs (with its USCC) or
    filed with the township."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所在村(社区)或镇(街道)"),
        on_delete=models.PROTECT,
        related_name="social_organizations",
        db_index=False,
    )
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    registration = models.CharField(
        _("登记备案"), max_length=12, choices=RegistrationStatus.choices
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    leader_name = models.CharField(_("负责人"), max_length=60, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_index = BlindIndexField(
        source="contact_phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    members = models.PositiveIntegerField(_("成员数"), default=0)
    services = models.TextField(_("服务内容"), blank=True)
    is_brand = models.BooleanField(_("品牌社会组织"), default=False)
    brand_since = models.DateField(_("品牌认定日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("社区社会组织")
        verbose_name_plural = _("社区社会组织")
        ordering = ["region", "name", "pk"]
        indexes = [models.Index(fields=["region", "status"], name="socialorg_region_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="socialorg_uscc_unique"
            ),
            models.UniqueConstraint(fields=["region", "name"], name="socialorg_name_per_region"),
            models.CheckConstraint(
                condition=~models.Q(registration="registered", uscc=""),
                name="socialorg_registered_has_uscc",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrgActivity(models.Model):
    """One activity an organisation held in a community (what five-party linkage reads)."""

    organization = models.ForeignKey(
        SocialOrganization, on_delete=models.CASCADE, related_name="activities"
    )
    community = models.ForeignKey(
        Region, verbose_name=_("开展村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=120)
    held_on = models.DateField(_("活动日期"))
    participants = models.PositiveIntegerField(_("参与人次"), default=0)
    description = models.TextField(_("活动内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("组织活动")
        verbose_name_plural = _("组织活动")
        ordering = ["-held_on", "pk"]
        indexes = [models.Index(fields=["community", "held_on"], name="orgactivity_place_day")]

    def __str__(self) -> str:
        return self.title


class SiteKind(models.TextChoices):
    STATION = "station", _("镇(街道)社工站")
    ROOM = "room", _("村(社区)社工室")


class SocialWorkSite(models.Model):
    """A social-work station (社工站) at a township or a social-work room (社工室) in a community."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SiteKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    operator = models.ForeignKey(
        SocialOrganization,
        verbose_name=_("运营机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sites",
    )
    opened_on = models.DateField(_("建成日期"), null=True, blank=True)
    services = models.TextField(_("服务内容"), blank=True)
    is_active = models.BooleanField(_("运行中"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("社工站(室)")
        verbose_name_plural = _("社工站(室)")
        ordering = ["region", "kind", "pk"]

    def __str__(self) -> str:
        return self.name


class SiteStaff(models.Model):
    """A person working at a social-work site: a community worker, or someone of the operator."""

    site = models.ForeignKey(SocialWorkSite, on_delete=models.CASCADE, related_name="staff")
    worker = models.ForeignKey(
        CommunityWorker,
        verbose_name=_("社区工作者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="site_posts",
    )
    name = models.CharField(_("姓名"), max_length=60)
    role = models.CharField(_("岗位"), max_length=60, blank=True)
    qualification = models.CharField(
        _("社工资格"), max_length=16, choices=QualificationLevel.choices, blank=True
    )
    started_on = models.DateField(_("到岗日期"))
    ended_on = models.DateField(_("离岗日期"), null=True, blank=True)

    scope_region_field = "site__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("站室人员")
        verbose_name_plural = _("站室人员")
        ordering = ["site", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="sitestaff_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    PURCHASE = "purchase", _("政府购买服务")
    VENTURE = "venture", _("公益创投")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    RUNNING = "running", _("实施中")
    FINISHED = "finished", _("已结项")
    TERMINATED = "terminated", _("已终止")


class ProjectGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ServiceProject(models.Model):
    """A service government buys (政府购买服务) or a charity venture it funds (公益创投)."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("购买方地区"),
        on_delete=models.PROTECT,
        related_name="service_projects",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ProjectKind.choices)
    title = models.CharField(_("项目名称"), max_length=150)
    buyer = models.CharField(_("购买主体"), max_length=120)
    provider = models.ForeignKey(
        SocialOrganization,
        verbose_name=_("承接机构"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    communities = models.ManyToManyField(
        Region, verbose_name=_("服务村(社区)"), related_name="+", blank=True
    )
    budget = models.DecimalField(_("项目金额（元）"), max_digits=12, decimal_places=2)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    deliverables = models.TextField(_("服务内容与成果要求"), blank=True)
    termination_reason = models.TextField(_("终止原因"), blank=True)
    evaluation_score = models.DecimalField(
        _("评估得分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    evaluation_grade = models.CharField(
        _("评估等次"), max_length=10, choices=ProjectGrade.choices, blank=True
    )
    evaluation_note = models.TextField(_("评估意见"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="serviceproject_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0), name="serviceproject_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectMilestone(models.Model):
    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=120)
    due_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    deliverable = models.TextField(_("交付成果"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_region_field = "project__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["project", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title
