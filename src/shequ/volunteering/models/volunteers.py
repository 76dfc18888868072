"""Volunteers (V1): residents registered as volunteers after a check against the registry, the teams
they join (including party-member volunteer teams), and their incentives (points and recognition).

A volunteer is always a resident in the registry (``Resident``): registering proves who they are, and
their personal data stays in the registry, encrypted and masked there, never copied here."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class Skill(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("助老服务")
    CHILDREN = "children", _("关爱儿童")
    MEDICAL = "medical", _("医疗护理")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    LEGAL = "legal", _("法律咨询")
    TEACHING = "teaching", _("文化教育")
    CULTURE = "culture", _("文体活动")
    REPAIR = "repair", _("家电维修")
    ENVIRONMENT = "environment", _("环境整治")
    EMERGENCY = "emergency", _("应急救援")
    DIGITAL = "digital", _("信息技术")
    DRIVING = "driving", _("驾驶出行")
    OTHER = "other", _("其他")


class Availability(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_daytime", _("工作日白天")
    WEEKDAY_EVENING = "weekday_evening", _("工作日晚上")
    WEEKEND = "weekend", _("周末")
    ANY_TIME = "any_time", _("时间灵活")


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACTIVE = "active", _("在册")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("暂停服务")
    LEFT = "left", _("已退出")


class Channel(models.TextChoices):
    SELF = "self", _("本人办理")
    STAFF = "staff", _("工作人员代办")


class Volunteer(models.Model):
    """A registered volunteer: one per resident."""

    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="volunteer"
    )
    # The community that registers and manages the volunteer (the resident's community when they
    # registered; it does not follow a later move).
    community = models.ForeignKey(
        Region, verbose_name=_("注册村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("志愿者编号"), max_length=24, unique=True)
    skills = models.JSONField(_("服务技能"), default=list, blank=True)
    availability = models.JSONField(_("可服务时间"), default=list, blank=True)
    # Where they are willing to serve: their community, or a wider area (township, county).
    service_area = models.ForeignKey(
        Region,
        verbose_name=_("服务区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    introduction = models.CharField(_("个人简介"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING
    )
    channel = models.CharField(_("办理渠道"), max_length=8, choices=Channel.choices)
    applied_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["community", "number"]
        indexes = [models.Index(fields=["community", "status"], name="volunteer_community_status")]

    def __str__(self) -> str:
        return self.number


class TeamCategory(models.TextChoices):
    GENERAL = "general", _("综合服务")
    PARTY = "party", _("党员志愿服务")
    ELDERLY = "elderly", _("助老敬老")
    CHILDREN = "children", _("关爱青少年")
    DISABILITY = "disability", _("助残扶弱")
    ENVIRONMENT = "environment", _("环境保护")
    CULTURE = "culture", _("文化体育")
    EMERGENCY = "emergency", _("应急救援")
    PROFESSIONAL = "professional", _("专业服务")


class VolunteerTeam(models.Model):
    """A volunteer team (志愿服务队) based in a community, or a township or county for wider teams."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("队伍名称"), max_length=80)
    category = models.CharField(_("类别"), max_length=16, choices=TeamCategory.choices)
    description = models.CharField(_("简介"), max_length=300, blank=True)
    founded_on = models.DateField(_("成立日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("活动中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["region", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="volunteer_team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TeamRole(models.TextChoices):
    MEMBER = "member", _("队员")
    LEADER = "leader", _("队长")


class TeamMembership(models.Model):
    team = models.ForeignKey(VolunteerTeam, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(
        _("职务"), max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    scope_region_field = "team__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team", "-role", "joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="team_membership_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    DECLINED = "declined", _("未同意")
    WITHDRAWN = "withdrawn", _("已撤回")


class TeamJoinRequest(models.Model):
    """A volunteer asks to join a team; staff who manage the team's area decide."""

    team = models.ForeignKey(VolunteerTeam, on_delete=models.CASCADE, related_name="join_requests")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="join_requests")
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)

    scope_region_field = "team__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("入队申请")
        verbose_name_plural = _("入队申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(status="pending"),
                name="team_join_request_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


# Star ratings by total confirmed service hours (志愿服务记录与证明出具办法 / 星级志愿者认定).
STAR_HOURS: tuple[tuple[int, Decimal], ...] = (
    (5, Decimal(1500)),
    (4, Decimal(1000)),
    (3, Decimal(600)),
    (2, Decimal(300)),
    (1, Decimal(100)),
)


class PointsReason(models.TextChoices):
    SERVICE = "service", _("服务时长积分")
    RECOGNITION = "recognition", _("表彰奖励")
    REDEEMED = "redeemed", _("积分兑换")
    ADJUSTMENT = "adjustment", _("调整")


class PointsEntry(models.Model):
    """Incentive points (志愿积分), append-only: a volunteer's points are the sum of their entries."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="points")
    points = models.IntegerField(_("积分"))
    reason = models.CharField(_("事由"), max_length=12, choices=PointsReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    signup = models.OneToOneField(
        "volunteering.ActivitySignUp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entry",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    scope_region_field = "volunteer__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("志愿积分")
        verbose_name_plural = _("志愿积分")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.points:+d}"


class Recognition(models.Model):
    """A recognition awarded to a volunteer (优秀志愿者, 最美志愿者 …)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="recognitions")
    title = models.CharField(_("荣誉称号"), max_length=60)
    year = models.PositiveSmallIntegerField(_("年度"))
    awarded_by_name = models.CharField(_("授予单位"), max_length=80)
    awarded_on = models.DateField(_("授予日期"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope_region_field = "volunteer__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("志愿者表彰")
        verbose_name_plural = _("志愿者表彰")
        ordering = ["-year", "-awarded_on", "pk"]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.title}"
