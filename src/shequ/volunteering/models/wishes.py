"""Residents' micro-wishes (微心愿): 群众点单 — a resident (or staff for them) posts a need; 社区派单 — the
community assigns it to a party member, a volunteer or a team, or opens it for taking; 党员接单 — a party
member or volunteer takes it; it is fulfilled with a note and photo, and the resident confirms. A wish
that needs the full case engine becomes a service request (``case``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Case
from shequ.registry.models import Resident
from shequ.territory.models import Region
from shequ.volunteering.models.party import PartyMember
from shequ.volunteering.models.volunteers import Channel, Volunteer, VolunteerTeam


class WishCategory(models.TextChoices):
    DAILY_LIFE = "daily_life", _("生活帮扶")
    COMPANIONSHIP = "companionship", _("陪伴关爱")
    REPAIR = "repair", _("维修服务")
    LEARNING = "learning", _("学习助学")
    HEALTH = "health", _("健康助医")
    ERRANDS = "errands", _("代办跑腿")
    OTHER = "other", _("其他")


class WishStatus(models.TextChoices):
    POSTED = "posted", _("待派单")
    OPEN = "open", _("待认领")
    ASSIGNED = "assigned", _("已派单")
    TAKEN = "taken", _("已接单")
    FULFILLED = "fulfilled", _("已完成，待确认")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已撤回")
    DECLINED = "declined", _("不予受理")
    REFERRED = "referred", _("转为服务工单")


class Wish(models.Model):
    number = models.CharField(_("心愿编号"), max_length=24, unique=True)
    community = models.ForeignKey(
        Region, verbose_name=_("所在村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("心愿人"), on_delete=models.PROTECT, related_name="wishes"
    )
    # None: posted by the system (the demo, an import).
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("登记渠道"), max_length=8, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=16, choices=WishCategory.choices)
    title = models.CharField(_("心愿"), max_length=80)
    description = models.TextField(_("详细说明"), max_length=1000, blank=True)
    wanted_by = models.DateField(_("希望完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=WishStatus.choices, default=WishStatus.POSTED
    )
    assigned_member = models.ForeignKey(
        PartyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="wishes"
    )
    assigned_volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="wishes"
    )
    assigned_team = models.ForeignKey(
        VolunteerTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="wishes"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    taken_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    fulfilment_note = models.CharField(_("完成情况"), max_length=500, blank=True)
    fulfilment_photo = models.ImageField(
        _("完成照片"), upload_to="wishes/%Y/%m/", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    resident_rating = models.PositiveSmallIntegerField(_("心愿人评价"), null=True, blank=True)
    resident_comment = models.CharField(_("评价意见"), max_length=200, blank=True)
    decline_reason = models.CharField(_("不予受理原因"), max_length=200, blank=True)
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="wish"
    )
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "status"], name="wish_community_status")]

    def __str__(self) -> str:
        return self.number


class WishEvent(models.Model):
    """The wish's history: every step with who and when (append-only)."""

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    status = models.CharField(_("之后状态"), max_length=12, choices=WishStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    scope_region_field = "wish__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("心愿记录")
        verbose_name_plural = _("心愿记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.wish} {self.action}"
