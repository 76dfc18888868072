"""Volunteer activities (V1): recruitment posts, the roster (sign-up and waitlist), attendance by a
rotating QR code or by staff, hours confirmed by the organiser, and the two-way evaluation.

Sign-in codes are not stored: the organiser's phone shows a code derived from the activity's secret and
the current 30-second window (``volunteering.attendance``), so a photographed code is useless a minute
later, and no code works outside the activity's sign-in window."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.territory.models import Region
from shequ.volunteering.models.volunteers import Volunteer, VolunteerTeam


class TargetGroup(models.TextChoices):
    ELDERLY = "elderly", _("一老：老年人")
    CHILDREN = "children", _("一小：儿童")
    HARDSHIP = "hardship", _("一困：困难群众")
    DISABLED = "disabled", _("一残：残疾人")
    RESIDENTS = "residents", _("社区居民")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RECRUITING = "recruiting", _("招募中")
    CLOSED = "closed", _("招募结束")
    FINISHED = "finished", _("已结束，待确认时长")
    SETTLED = "settled", _("时长已确认")
    CANCELLED = "cancelled", _("已取消")


class VolunteerActivity(models.Model):
    """A volunteer activity (志愿服务活动) with its recruitment post."""

    code = models.CharField(_("活动编号"), max_length=24, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("组织队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), max_length=2000, blank=True)
    place = models.CharField(_("活动地点"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    needed = models.PositiveIntegerField(_("招募人数"))
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    target_group = models.CharField(_("服务对象"), max_length=12, choices=TargetGroup.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    # Entered by the organiser when the activity is finished; feeds the published statistics.
    people_served = models.PositiveIntegerField(_("服务人次"), null=True, blank=True)
    summary = models.CharField(_("活动小结"), max_length=500, blank=True)
    # Key for the rotating sign-in codes; never shown.
    attendance_secret = models.CharField(max_length=64, editable=False)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    settled_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "pk"]
        indexes = [
            models.Index(fields=["region", "starts_at"], name="activity_region_start"),
            models.Index(fields=["status", "starts_at"], name="activity_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(needed__gte=1), name="activity_needs_someone"),
        ]

    def __str__(self) -> str:
        return self.title


class SignUpStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    ABSENT = "absent", _("缺席")


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码")
    STAFF = "staff", _("工作人员代签")


class ActivitySignUp(models.Model):
    """One volunteer on one activity's roster: sign-up, attendance, hours and the two evaluations."""

    activity = models.ForeignKey(
        VolunteerActivity, on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("报名状态"), max_length=12, choices=SignUpStatus.choices)
    signed_up_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    sign_in_method = models.CharField(
        _("签到方式"), max_length=8, choices=AttendanceMethod.choices, blank=True
    )
    signed_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    sign_out_method = models.CharField(
        _("签退方式"), max_length=8, choices=AttendanceMethod.choices, blank=True
    )
    # Computed from sign-in and sign-out, clipped to the activity's length; the organiser confirms.
    hours_computed = models.DecimalField(
        _("计算时长"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    hours_confirmed = models.DecimalField(
        _("确认时长"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # The organiser's evaluation of the volunteer, and the volunteer's of the activity (1–5).
    volunteer_rating = models.PositiveSmallIntegerField(_("对志愿者的评价"), null=True, blank=True)
    volunteer_comment = models.CharField(_("评语"), max_length=200, blank=True)
    activity_rating = models.PositiveSmallIntegerField(_("对活动的评价"), null=True, blank=True)
    activity_comment = models.CharField(_("活动评价意见"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)

    scope_region_field = "activity__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity", "signed_up_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="signup_once_per_activity"
            ),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True)
                | Q(signed_in_at__isnull=False, signed_out_at__gte=models.F("signed_in_at")),
                name="signup_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(volunteer_rating__isnull=True) | Q(volunteer_rating__range=(1, 5)),
                name="signup_volunteer_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(activity_rating__isnull=True) | Q(activity_rating__range=(1, 5)),
                name="signup_activity_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="signup_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer}"
