"""Party members (V2): in-service party members (在职党员) check in to the community where they live
(到社区报到) with their party organisation; coverage is the share of the rostered members who have
checked in, per community of residence and per organisation (indicator 12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class PartyOrgKind(models.TextChoices):
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公企业")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    SCHOOL = "school", _("学校")
    OTHER = "other", _("其他")


class PartyOrganization(models.Model):
    """The party organisation of a workplace (在职党员所在单位党组织), held at the region that keeps it."""

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("组织编号"), max_length=24, unique=True)
    name = models.CharField(_("党组织名称"), max_length=120)
    kind = models.CharField(_("单位类型"), max_length=20, choices=PartyOrgKind.choices)
    workplace = models.CharField(_("工作单位"), max_length=120, blank=True)
    is_active = models.BooleanField(_("存续"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["region", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """An in-service party member on their organisation's roster, matched to a registry record."""

    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="party_member"
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    # The community they live in, from the registry when rostered: where they must check in.
    community = models.ForeignKey(
        Region, verbose_name=_("居住村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    in_service = models.BooleanField(_("在职"), default=True)
    is_active = models.BooleanField(_("在册"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("在职党员")
        verbose_name_plural = _("在职党员")
        ordering = ["community", "pk"]
        indexes = [models.Index(fields=["organization", "is_active"], name="party_member_org")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.pk}"


class CheckInStatus(models.TextChoices):
    PENDING = "pending", _("待社区确认")
    CONFIRMED = "confirmed", _("已报到")
    REJECTED = "rejected", _("未通过")
    ENDED = "ended", _("已结束")


OPEN_CHECKIN_STATUSES = (CheckInStatus.PENDING, CheckInStatus.CONFIRMED)


class PartyMemberCheckin(models.Model):
    """A member's check-in to the community where they live (在职党员到社区报到)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="checkins")
    community = models.ForeignKey(
        Region, verbose_name=_("报到村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="checkins"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.PENDING
    )
    # What the member offers the community (认领岗位、服务特长).
    offer = models.CharField(_("服务意向"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("报到时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("党员报到")
        verbose_name_plural = _("党员报到")
        ordering = ["-checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="party_checkin_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"
