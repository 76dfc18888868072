"""Voter registration for committee elections (换届选民登记, P4).

An ``Election`` of a community's committee fixes the election day and the residence rules. The
electoral roll (``RollEntry``) is built from the registry: residents alive, 18 or older on election
day, who meet the rules. Residents registered elsewhere apply online (``VoterRegistration``) and
staff check and decide. The roll is published (公示) with an objection deadline; ``RollObjection``s
(someone missing, someone wrongly on it) are handled before it; then the roll is final and exported
for the election committee.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class ElectionStatus(models.TextChoices):
    PREPARING = "preparing", _("准备中")
    REGISTRATION = "registration", _("选民登记中")
    PUBLISHED = "published", _("名单公示中")
    FINAL = "final", _("名单已确定")


class Election(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("选举名称"), max_length=100)
    election_day = models.DateField(_("选举日"))
    min_age = models.PositiveSmallIntegerField(_("选民年龄（周岁）"), default=18)
    # Residence rules (configurable): who is on the roll without applying.
    include_registered_present = models.BooleanField(_("户籍在本社区且居住的居民"), default=True)
    include_non_registered_years = models.PositiveSmallIntegerField(
        _("户籍不在本社区、居住满几年可申请登记"), default=1
    )
    registration_closes = models.DateField(_("登记截止日期"))
    objection_deadline = models.DateField(_("异议截止日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ElectionStatus.choices, default=ElectionStatus.PREPARING
    )
    version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    # None when the system made it (the demo, an import).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-election_day", "-pk"]

    def __str__(self) -> str:
        return self.title


class RollBasis(models.TextChoices):
    REGISTERED_PRESENT = "registered_present", _("户籍在本社区")
    MANUAL = "manual", _("工作人员补登")
    APPLICATION = "application", _("本人申请登记")
    OBJECTION = "objection", _("异议后补登")


class RollEntry(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="entries")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("登记依据"), max_length=20, choices=RollBasis.choices)
    added_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    removed_at = models.DateTimeField(_("除名时间"), null=True, blank=True)
    removed_reason = models.CharField(_("除名原因"), max_length=200, blank=True)

    scope_region_field = "election__community"

    class Meta:
        verbose_name = _("选民名单")
        verbose_name_plural = _("选民名单")
        ordering = ["election", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["election", "resident"], name="rollentry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.election_id}: {self.resident_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class VoterRegistration(models.Model):
    """A resident registered elsewhere applies to vote here (or asks to be checked)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="requests")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申请理由"), max_length=1000)
    years_resident = models.PositiveSmallIntegerField(_("在本社区居住年数"), default=0)
    status = models.CharField(
        _("状态"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    version = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    scope_region_field = "election__community"

    class Meta:
        verbose_name = _("选民登记申请")
        verbose_name_plural = _("选民登记申请")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "resident"],
                condition=models.Q(status="pending"),
                name="registration_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.election_id}: {self.resident_id}"


class ObjectionKind(models.TextChoices):
    MISSING = "missing", _("应登记而未登记")
    WRONGLY_INCLUDED = "wrongly_included", _("不应登记而登记")


class RollObjection(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="objections")
    kind = models.CharField(_("异议类型"), max_length=20, choices=ObjectionKind.choices)
    # The person the objection is about (the objector themself, or someone else on or off the roll).
    subject = models.ForeignKey(
        Resident, verbose_name=_("涉及的居民"), on_delete=models.PROTECT, related_name="+"
    )
    objector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("异议理由"), max_length=1000)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    version = models.PositiveIntegerField(default=0)
    response = models.TextField(_("处理意见"), max_length=1000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    scope_region_field = "election__community"

    class Meta:
        verbose_name = _("选民名单异议")
        verbose_name_plural = _("选民名单异议")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]
