"""The time bank (时间银行, V1): a double-entry ledger of service hours.

Every community has an **issuing** account that credits volunteers' confirmed hours, and a **pool**
(社区互助池) that receives donated hours and grants them to residents in need. Every resident who earns,
receives or spends hours has a **member** account. A ``TimeTransfer`` moves hours from one account to
another and writes two ``TimeMovement`` rows (−hours, +hours), so all accounts together always sum to
zero; the issuing account's negative balance is the hours the community owes its volunteers.

Nothing here is ever updated or deleted: a mistake is undone by a reversing transfer. A balance is the
sum of the account's movements; each movement also carries the balance after it, written under a lock
on the account, which the audit report checks against the sum. Limits (``TimeBankRule``) block only an
overdraft; passing the other limits flags the account for staff to look at."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class AccountKind(models.TextChoices):
    MEMBER = "member", _("个人账户")
    POOL = "pool", _("社区互助池")
    ISSUING = "issuing", _("社区发行账户")


class TimeAccount(models.Model):
    kind = models.CharField(_("类型"), max_length=8, choices=AccountKind.choices)
    community = models.ForeignKey(
        Region, verbose_name=_("所属村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    holder = models.OneToOneField(
        Resident,
        verbose_name=_("持有人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_account",
    )
    # Set when the account passes a soft limit (balance cap, yearly donations); staff clear it.
    flagged = models.BooleanField(_("需关注"), default=False)
    flag_reason = models.CharField(_("关注原因"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("开户时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("时间账户")
        verbose_name_plural = _("时间账户")
        ordering = ["community", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=~Q(kind="member"),
                name="time_account_one_pool_one_issuing",
            ),
            models.CheckConstraint(
                condition=Q(kind="member", holder__isnull=False)
                | (~Q(kind="member") & Q(holder__isnull=True)),
                name="time_account_member_has_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class TransferKind(models.TextChoices):
    EARN = "earn", _("志愿服务入账")
    SPEND = "spend", _("兑换服务")
    DONATE_FAMILY = "donate_family", _("赠与家人")
    DONATE_POOL = "donate_pool", _("捐入互助池")
    GRANT = "grant", _("互助池发放")
    EXPIRE = "expire", _("过期回收")
    MANUAL = "manual", _("纸质凭证补录")
    REVERSAL = "reversal", _("冲正")


class TimeTransfer(models.Model):
    number = models.CharField(_("流水号"), max_length=24, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TransferKind.choices)
    source = models.ForeignKey(
        TimeAccount, verbose_name=_("转出账户"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        TimeAccount, verbose_name=_("转入账户"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("时长(小时)"), max_digits=8, decimal_places=2)
    memo = models.CharField(_("事由"), max_length=200, blank=True)
    # The confirmed attendance this credits: one credit per attendance, enforced by the database.
    signup = models.OneToOneField(
        "volunteering.ActivitySignUp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_credit",
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # The form's one-time key: a double-clicked or retried request finds the transfer already made.
    request_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    scope_region_field = "source__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("时间转账")
        verbose_name_plural = _("时间转账")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="time_transfer_positive"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="time_transfer_two_accounts"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TimeMovement(models.Model):
    transfer = models.ForeignKey(TimeTransfer, on_delete=models.PROTECT, related_name="movements")
    account = models.ForeignKey(TimeAccount, on_delete=models.PROTECT, related_name="movements")
    amount = models.DecimalField(_("变动"), max_digits=10, decimal_places=2)
    balance_after = models.DecimalField(_("变动后余额"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    scope_region_field = "account__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("账户流水")
        verbose_name_plural = _("账户流水")
        ordering = ["account", "pk"]
        indexes = [models.Index(fields=["account", "-id"], name="time_movement_account_latest")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="time_movement_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+}"


class TimeBankRule(models.Model):
    """Limits for the accounts in a region's subtree; the nearest rule up the tree applies."""

    region = models.OneToOneField(
        Region, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+"
    )
    # How far below zero a member account may go (0: no overdraft). A hard limit.
    overdraft_limit = models.DecimalField(
        _("透支额度(小时)"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    # Soft limits: passing them flags the account.
    max_balance = models.DecimalField(
        _("余额上限(小时)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    yearly_donation_limit = models.DecimalField(
        _("年度赠与上限(小时)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Earned hours not spent within this many months go back to the issuing account.
    expiry_months = models.PositiveSmallIntegerField(_("有效期(月)"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("时间银行规则")
        verbose_name_plural = _("时间银行规则")
        ordering = ["region"]

    def __str__(self) -> str:
        return str(self.region)
