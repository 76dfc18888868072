"""The service catalogue (服务目录): items residents may ask for, and certificates communities no longer
issue (证明事项清理). Cases (S2) will point at a ``ServiceItem``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.territory.models import Region


class Category(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老服务")
    CHILDCARE = "childcare", _("婴幼儿与儿童")
    DISABILITY = "disability", _("残疾人服务")
    EMPLOYMENT = "employment", _("就业创业")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
    HEALTH = "health", _("医疗卫生与医保")
    HOUSING = "housing", _("住房与户籍")
    CERTIFICATION = "certification", _("证明开具")
    PROPERTY_DISPUTES = "property_disputes", _("物业与矛盾调解")
    ENVIRONMENT = "environment", _("环境卫生")
    PUBLIC_SAFETY = "public_safety", _("公共安全")
    OTHER = "other", _("其他")


class TimeLimitUnit(models.TextChoices):
    NATURAL_DAYS = "natural_days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")
    WORKING_HOURS = "working_hours", _("工作小时")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上")
    PHONE = "phone", _("电话")
    KIOSK = "kiosk", _("自助终端")
    HOME_VISIT = "home_visit", _("上门")
    APPOINTMENT = "appointment", _("预约")
    PROXY = "proxy", _("代办")
    GRID_PATROL = "grid_patrol", _("网格巡查")
    SENSOR = "sensor", _("物联感知")
    OPEN311 = "open311", _("Open311")


class AttributeType(models.TextChoices):
    """Open311 GeoReport v2 service-definition datatypes."""

    STRING = "string", _("单行文字")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文字")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_TYPES = (AttributeType.SINGLE, AttributeType.MULTI)


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_ADMISSION = "pending_admission", _("待准入审核")
    ADMITTED = "admitted", _("已准入")
    REFUSED = "refused", _("未准入")
    WITHDRAWN = "withdrawn", _("已撤销")


class ServiceItem(models.Model):
    """One service item (服务事项). ``required_materials`` is the 一次告知 list: a list of
    ``{"name", "note", "copies", "original_required"}``. ``attributes`` are the online form's fields in
    the shape of an Open311 service definition: ``{"code", "datatype", "required", "description",
    "order", "values": [{"key", "name"}]}``."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="service_items"
    )
    name = models.CharField(_("事项名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    description = models.TextField(_("事项说明"), blank=True)
    required_materials = models.JSONField(_("所需材料"), default=list, blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    handling_units = models.ManyToManyField(
        "accounts.HandlingUnit",
        verbose_name=_("承办单位"),
        blank=True,
        related_name="service_items",
    )
    time_limit_value = models.PositiveIntegerField(_("办理时限"))
    time_limit_unit = models.CharField(
        _("时限单位"),
        max_length=20,
        choices=TimeLimitUnit.choices,
        default=TimeLimitUnit.WORKING_DAYS,
    )
    channels = models.JSONField(_("受理渠道"), default=list, blank=True)
    fee = models.CharField(_("收费标准"), max_length=200, default="免费")
    attributes = models.JSONField(_("网上申报字段"), default=list, blank=True)
    home_visit_possible = models.BooleanField(_("可上门办理"), default=False)
    appointment_possible = models.BooleanField(_("可预约办理"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ItemStatus.choices,
        default=ItemStatus.DRAFT,
        db_index=True,
    )
    admission_note = models.TextField(_("准入意见"), blank=True)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("准入审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    admitted_at = models.DateTimeField(_("准入时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["category", "code"]
        indexes = [models.Index(fields=["status", "category"], name="cases_item_status_cat")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]


class AbolishedCertificate(models.Model):
    """A certificate communities no longer issue (证明事项清理), and where the proof is found instead."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="abolished_certificates",
    )
    name = models.CharField(_("证明名称"), max_length=100)
    reason = models.TextField(_("取消理由与替代办法"))
    basis = models.TextField(_("清理依据"), blank=True)
    keywords = models.CharField(
        _("关键词"),
        max_length=300,
        blank=True,
        help_text=_("用空格或逗号分隔，用于识别居民的请求。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("已取消的证明事项")
        verbose_name_plural = _("已取消的证明事项")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="cases_abolished_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
