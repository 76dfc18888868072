"""Open affairs (村(居)务公开, P2): finances, projects, subsidies and decisions published per community
for a period, with an objection window in which residents may object; the supervision committee
(村(居)务监督委员会) answers each objection; everything stays in a permanent archive.

A published disclosure is never edited: a correction is a new ``Disclosure`` that ``supersedes`` the
old one, which stays readable with a note that it was corrected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class DisclosureCategory(models.TextChoices):
    FINANCES = "finances", _("财务收支")
    PROJECTS = "projects", _("工程项目")
    SUBSIDIES = "subsidies", _("惠民补贴")
    DECISIONS = "decisions", _("重大事项决定")
    OTHER = "other", _("其他事项")


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公开")
    WITHDRAWN = "withdrawn", _("已撤回")


class Disclosure(models.Model):
    number = models.CharField(_("公开编号"), max_length=24, unique=True, null=True, blank=True)
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=12, choices=DisclosureCategory.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("公开内容"), max_length=20000)
    period_start = models.DateField(_("所属期间起"))
    period_end = models.DateField(_("所属期间止"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    objection_deadline = models.DateField(_("异议截止日期"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的公开事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("村(居)务公开")
        verbose_name_plural = _("村(居)务公开")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "published_at"], name="disclosure_list"),
        ]

    def __str__(self) -> str:
        return self.title


class DisclosureAttachment(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to="disclosures/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))

    class Meta:
        verbose_name = _("公开附件")
        verbose_name_plural = _("公开附件")
        ordering = ["disclosure", "pk"]

    def __str__(self) -> str:
        return self.name


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class Objection(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="objections")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("异议内容"), max_length=2000)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    version = models.PositiveIntegerField(default=0)
    response = models.TextField(_("监督委员会答复"), max_length=4000, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("公开异议")
        verbose_name_plural = _("公开异议")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]
