"""Service providers and their credit (S4), and property management (V5).

A ``Provider`` is a body that serves residents for a fee or a contract: elderly care, childcare,
housekeeping, or property management. Property companies are providers of kind ``property``; estates
are covered by one (``EstateManagement``), by the community's own management or a state-owned company
as the fallback (兜底), or not at all. Owners' committees and property-management committees are
``EstateCommittee`` rows. Complaints about a provider are cases (#4) linked by ``ProviderCase``.

Credit (``queries.providers.credit_score``): ratings of the cases the provider handled and valid
complaints linked to it are read from the cases themselves; sanctions and commendations are
``CreditEvent`` rows. Together they yield a score and a level, stored as ``CreditAssessment``
history. (The kinds ``rating`` and ``complaint`` of ``CreditEvent`` are not recorded by hand.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import Case
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.validators import normalize_phone
from shequ.organizations.models.social import SocialOrganization
from shequ.territory.models import Estate, Region


class ProviderKind(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老服务")
    CHILDCARE = "childcare", _("托育服务")
    HOUSEKEEPING = "housekeeping", _("家政服务")
    PROPERTY = "property", _("物业服务")


class CreditLevel(models.TextChoices):
    A = "A", _("A 级（守信）")
    B = "B", _("B 级（基本守信）")
    C = "C", _("C 级（失信警示）")
    D = "D", _("D 级（严重失信）")


class Provider(models.Model):
    """A service provider: elderly care, childcare, housekeeping or property management."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("登记地区"),
        on_delete=models.PROTECT,
        related_name="providers",
        db_index=False,
    )
    kind = models.CharField(_("服务类型"), max_length=16, choices=ProviderKind.choices)
    name = models.CharField(_("名称"), max_length=150)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=60, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_index = BlindIndexField(
        source="contact_phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    address = models.CharField(_("经营地址"), max_length=200, blank=True)
    services = models.TextField(_("服务内容"), blank=True)
    # Where the provider's cases are dispatched: its handled cases' ratings count for its credit.
    handling_unit = models.OneToOneField(
        HandlingUnit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider",
    )
    social_organization = models.ForeignKey(
        SocialOrganization,
        verbose_name=_("对应社会组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="providers",
    )
    is_state_owned = models.BooleanField(_("国有企业"), default=False)
    is_red_property = models.BooleanField(_("红色物业"), default=False)
    red_property_since = models.DateField(_("红色物业认定日期"), null=True, blank=True)
    is_active = models.BooleanField(_("经营中"), default=True)
    credit_level = models.CharField(
        _("信用等级"), max_length=1, choices=CreditLevel.choices, default=CreditLevel.A
    )
    credit_score = models.DecimalField(_("信用分"), max_digits=5, decimal_places=1, default=100)
    credit_assessed_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("服务主体")
        verbose_name_plural = _("服务主体")
        ordering = ["kind", "name", "pk"]
        indexes = [models.Index(fields=["region", "kind"], name="provider_region_kind")]

    def __str__(self) -> str:
        return self.name


class CaseLink(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    HANDLED = "handled", _("承办")


class ProviderCase(models.Model):
    """A case (#4) about a provider: a complaint against it, or a case it handled."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="provider_links")
    link = models.CharField(_("关联类型"), max_length=10, choices=CaseLink.choices)
    estate = models.ForeignKey(
        Estate,
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(_("关联时间"), default=timezone.now)

    scope_region_field = "case__region"
    scope_grid_field = "case__grid"

    class Meta:
        verbose_name = _("服务主体工单")
        verbose_name_plural = _("服务主体工单")
        ordering = ["-linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "case"], name="providercase_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.case_id}"


class CreditEventKind(models.TextChoices):
    RATING = "rating", _("工单评价")
    COMPLAINT = "complaint", _("有效投诉")
    SANCTION = "sanction", _("行政处罚或通报批评")
    COMMENDATION = "commendation", _("表彰奖励")


class CreditEvent(models.Model):
    """One fact that moves a provider's credit score, with its points (negative lowers it)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="credit_events")
    kind = models.CharField(_("类型"), max_length=14, choices=CreditEventKind.choices)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    occurred_on = models.DateField(_("发生日期"))
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    document = models.CharField(_("文书编号"), max_length=80, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "provider__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "case", "kind"],
                condition=models.Q(case__isnull=False),
                name="creditevent_once_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.get_kind_display()}"


class CreditAssessment(models.Model):
    """A provider's credit score and level as assessed at a time: the history of its credit."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="assessments")
    assessed_at = models.DateTimeField(_("评定时间"), default=timezone.now)
    score = models.DecimalField(_("信用分"), max_digits=5, decimal_places=1)
    level = models.CharField(_("信用等级"), max_length=1, choices=CreditLevel.choices)
    basis = models.JSONField(_("计分依据"), default=dict)

    scope_region_field = "provider__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("信用评定")
        verbose_name_plural = _("信用评定")
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} {self.level}"


class ManagementMode(models.TextChoices):
    COMPANY = "company", _("物业企业管理")
    STATE_FALLBACK = "state_fallback", _("国有物业兜底")
    SELF_MANAGED = "self_managed", _("社区托管或居民自管")


class EstateManagement(models.Model):
    """Who manages an estate from a date: a property company, a state-owned company as the fallback,
    or the community / residents themselves. An estate with no open row has no property management."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="management")
    mode = models.CharField(_("管理方式"), max_length=16, choices=ManagementMode.choices)
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("物业企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="estates",
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    contract_ends_on = models.DateField(_("合同到期日"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "estate__community"
    scope_grid_field = "estate__grid"

    class Meta:
        verbose_name = _("小区物业管理")
        verbose_name_plural = _("小区物业管理")
        ordering = ["estate", "-started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate"],
                condition=models.Q(ended_on__isnull=True),
                name="estatemanagement_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="estatemanagement_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(mode="self_managed") | models.Q(provider__isnull=False),
                name="estatemanagement_company_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate} · {self.get_mode_display()}"


class CommitteeKind(models.TextChoices):
    OWNERS = "owners", _("业主委员会")
    MANAGEMENT = "management", _("物业管理委员会")


class CommitteeStatus(models.TextChoices):
    ACTIVE = "active", _("履职中")
    EXPIRED = "expired", _("任期届满")
    DISSOLVED = "dissolved", _("已解散")


class EstateCommittee(models.Model):
    """An owners' committee (业委会) or property-management committee (物管会) of an estate."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(_("类型"), max_length=12, choices=CommitteeKind.choices)
    established_on = models.DateField(_("成立日期"))
    term_ends_on = models.DateField(_("任期届满日"), null=True, blank=True)
    members = models.PositiveSmallIntegerField(_("委员人数"))
    party_members = models.PositiveSmallIntegerField(_("其中党员"), default=0)
    chair_name = models.CharField(_("主任"), max_length=60, blank=True)
    filed_with = models.CharField(_("备案机关"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=CommitteeStatus.choices, default=CommitteeStatus.ACTIVE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "estate__community"
    scope_grid_field = "estate__grid"

    class Meta:
        verbose_name = _("业委会(物管会)")
        verbose_name_plural = _("业委会(物管会)")
        ordering = ["estate", "-established_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_ends_on__isnull=True)
                | models.Q(term_ends_on__gt=models.F("established_on")),
                name="estatecommittee_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(party_members__lte=models.F("members")),
                name="estatecommittee_party_within_members",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate} · {self.get_kind_display()}"
