"""Community charity (V4): funds, charity stores and rooms with a double-entry ledger, donor receipts,
and needs matched to donors, funds or projects.

The ledger is append-only: an entry once posted is never changed or deleted; a mistake is undone by
a reversing entry. Every entry's lines balance (debits = credits), and no entry may take a fund's cash
or goods below zero. Balances are always sums over the lines, never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.organizations.models.social import ServiceProject
from shequ.territory.models import Region


class FundKind(models.TextChoices):
    FUND = "fund", _("社区慈善基金")
    STORE = "store", _("慈善超市")
    ROOM = "room", _("慈善爱心屋")


class CharityFund(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("所在村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("编号"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=8, choices=FundKind.choices)
    established_on = models.DateField(_("设立日期"))
    custodian = models.CharField(_("管理方"), max_length=120, blank=True)
    publish_summary = models.BooleanField(_("公开收支摘要"), default=True)
    is_active = models.BooleanField(_("运行中"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("慈善基金(超市)")
        verbose_name_plural = _("慈善基金(超市)")
        ordering = ["region", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class LedgerAccount(models.TextChoices):
    CASH = "cash", _("资金")
    GOODS = "goods", _("物资")
    DONATIONS = "donations", _("捐赠收入")
    DISBURSEMENTS = "disbursements", _("慈善支出")


# Asset accounts: what the fund holds, which may never go below zero.
ASSET_ACCOUNTS = (LedgerAccount.CASH, LedgerAccount.GOODS)


class EntryKind(models.TextChoices):
    DONATION = "donation", _("接收捐赠")
    DISBURSEMENT = "disbursement", _("慈善支出")
    REVERSAL = "reversal", _("冲销")


class DonorKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位")
    ANONYMOUS = "anonymous", _("匿名")


class PostedEntryError(Exception):
    """A posted ledger entry or line was about to be changed or deleted."""


class CharityEntry(models.Model):
    """One posted ledger entry: a donation (money or goods), a disbursement, or the reversal of one."""

    fund = models.ForeignKey(CharityFund, on_delete=models.PROTECT, related_name="entries")
    number = models.PositiveIntegerField(_("凭证号"))
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    in_goods = models.BooleanField(_("物资"), default=False)
    posted_on = models.DateField(_("记账日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("摘要"), max_length=200)
    goods_description = models.CharField(_("物资名称及规格"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    donor_kind = models.CharField(
        _("捐赠方类型"), max_length=12, choices=DonorKind.choices, blank=True
    )
    donor_name = models.CharField(_("捐赠方"), max_length=120, blank=True)
    donor_contact = EncryptedTextField(_("捐赠方联系方式"), blank=True)
    publish_donor = models.BooleanField(_("公开捐赠方名称"), default=False)
    recipient = models.CharField(_("受助对象或用途"), max_length=200, blank=True)
    receipt_number = models.CharField(_("捐赠票据号"), max_length=40, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    need = models.ForeignKey(
        "organizations.CharityNeed",
        verbose_name=_("对应需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("记账时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "fund__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("慈善账目")
        verbose_name_plural = _("慈善账目")
        ordering = ["fund", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="charityentry_number_per_fund"),
            models.UniqueConstraint(
                fields=["receipt_number"],
                condition=~models.Q(receipt_number=""),
                name="charityentry_receipt_unique",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="charityentry_positive"),
            models.CheckConstraint(
                condition=~models.Q(kind="disbursement") | models.Q(approver__isnull=False),
                name="charityentry_disbursement_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code}-{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PostedEntryError("posted ledger entries are never changed; post a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PostedEntryError("posted ledger entries are never deleted; post a reversal")


class CharityLine(models.Model):
    """One side of an entry: a debit or a credit on one of the fund's accounts."""

    entry = models.ForeignKey(CharityEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(_("科目"), max_length=16, choices=LedgerAccount.choices)
    debit = models.DecimalField(_("借方"), max_digits=12, decimal_places=2, default=0)
    credit = models.DecimalField(_("贷方"), max_digits=12, decimal_places=2, default=0)

    scope_region_field = "entry__fund__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["entry", "pk"]
        indexes = [models.Index(fields=["entry", "account"], name="charityline_entry_account")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(debit__gt=0, credit=0) | models.Q(debit=0, credit__gt=0)),
                name="charityline_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.account}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PostedEntryError("posted ledger lines are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PostedEntryError("posted ledger lines are never deleted")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class DisbursementRequest(models.Model):
    """A disbursement asked for by one person and decided by another who may approve charity spending
    over the fund's community; approval posts the ledger entry in the same transaction."""

    fund = models.ForeignKey(CharityFund, on_delete=models.PROTECT, related_name="requests")
    in_goods = models.BooleanField(_("物资"), default=False)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    recipient = models.CharField(_("受助对象"), max_length=200, blank=True)
    description = models.CharField(_("用途"), max_length=200)
    goods_description = models.CharField(_("物资名称及规格"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    need = models.ForeignKey(
        "organizations.CharityNeed",
        verbose_name=_("对应需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.CharField(_("审批意见"), max_length=300, blank=True)
    entry = models.OneToOneField(
        CharityEntry,
        verbose_name=_("支出凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "fund__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("慈善支出申请")
        verbose_name_plural = _("慈善支出申请")
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="disbursementrequest_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(entry__isnull=False),
                name="disbursementrequest_approved_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.description}"


class NeedKind(models.TextChoices):
    MONEY = "money", _("资金")
    GOODS = "goods", _("物资")
    SERVICE = "service", _("服务")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    MATCHED = "matched", _("已对接")
    FULFILLED = "fulfilled", _("已完成")
    WITHDRAWN = "withdrawn", _("已撤回")


class CharityNeed(models.Model):
    """A need a community posts (微心愿、困难帮扶), to be matched to a donor, a fund or a project."""

    community = models.ForeignKey(
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("需求"), max_length=120)
    description = models.TextField(_("需求说明"), blank=True)
    kind = models.CharField(_("类型"), max_length=8, choices=NeedKind.choices)
    amount = models.DecimalField(
        _("所需金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    quantity = models.CharField(_("所需数量"), max_length=60, blank=True)
    needed_by = models.DateField(_("需要日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    is_public = models.BooleanField(_("公开发布"), default=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("慈善需求")
        verbose_name_plural = _("慈善需求")
        ordering = ["-posted_at", "pk"]

    def __str__(self) -> str:
        return self.title


class NeedMatch(models.Model):
    """A need matched to who meets it: a donor, a charity fund or a charity project."""

    need = models.ForeignKey(CharityNeed, on_delete=models.CASCADE, related_name="matches")
    fund = models.ForeignKey(
        CharityFund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        ServiceProject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    donor_name = models.CharField(_("认领方"), max_length=120, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_at = models.DateTimeField(_("对接时间"), default=timezone.now)

    scope_region_field = "need__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("需求对接")
        verbose_name_plural = _("需求对接")
        ordering = ["-matched_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fund__isnull=False)
                | models.Q(project__isnull=False)
                | ~models.Q(donor_name=""),
                name="needmatch_names_someone",
            )
        ]

    def __str__(self) -> str:
        return str(self.need)
