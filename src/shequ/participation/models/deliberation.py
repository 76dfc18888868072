"""Deliberation topics (议题, P1): proposed, co-signed, admitted or refused, deliberated, decided,
implemented and reviewed by residents.

The workflow is data, per community: a ``TopicWorkflow`` lists its ``TopicState``s and the
``TopicStep``s allowed between them (OpenSlides-style motion workflows). A community without its own
workflow uses the default one (``community`` empty). Each state carries a ``stage`` the code relies on
(co-signing happens only in a ``collecting`` state, reviews only in ``reviewing``); its name, order,
flags and edges are the community's to change. Every move writes a ``TopicTransition``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Case
from shequ.registry.models import Resident
from shequ.territory.models import Grid, Region


class TopicStage(models.TextChoices):
    """What a state means to the code; a workflow may have several states per stage."""

    DRAFT = "draft", _("草稿")
    COLLECTING = "collecting", _("征集联署")
    REVIEWING_ADMISSION = "under_review", _("待立案审查")
    ADMITTED = "admitted", _("已立案")
    REFUSED = "refused", _("不予立案")
    DELIBERATING = "deliberating", _("协商中")
    DECIDED = "decided", _("已形成决定")
    IMPLEMENTING = "implementing", _("落实中")
    REVIEWING = "reviewing", _("居民评议中")
    ARCHIVED = "archived", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("联署未达到")


class TopicOrigin(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    COMMITTEE = "committee", _("村(居)委会提出")
    GRID_WORKER = "grid_worker", _("网格员代提")
    CASE = "case", _("由诉求转入")


class DeliberationMode(models.TextChoices):
    MEETING = "meeting", _("会议协商")
    ONLINE = "online", _("网上征求意见")


class StepActor(models.TextChoices):
    """Who may take a step: the topic's author (withdraw), staff who manage topics, or the system
    (threshold reached, deadline passed)."""

    AUTHOR = "author", _("提出人")
    STAFF = "staff", _("社区工作人员")
    SYSTEM = "system", _("系统自动")


class TopicWorkflow(models.Model):
    community = models.OneToOneField(
        Region,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空为全市默认流程。"),
    )
    name = models.CharField(_("流程名称"), max_length=60)
    cosign_threshold = models.PositiveSmallIntegerField(
        _("联署门槛（人）"),
        default=5,
        help_text=_("居民提出的议题须有多少位本社区居民联署才进入立案审查；0为无须联署。"),
    )
    cosign_days = models.PositiveSmallIntegerField(
        _("联署期限（天）"), default=30, help_text=_("议题提出后征集联署的天数。")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("议题流程")
        verbose_name_plural = _("议题流程")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(community__isnull=True),
                name="topicworkflow_one_default_per_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TopicState(models.Model):
    workflow = models.ForeignKey(TopicWorkflow, on_delete=models.CASCADE, related_name="states")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("状态名称"), max_length=40)
    stage = models.CharField(_("阶段"), max_length=16, choices=TopicStage.choices)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_initial = models.BooleanField(_("初始状态"), default=False)
    is_public = models.BooleanField(_("对居民公开"), default=True)
    requires_note = models.BooleanField(_("进入时须填写说明"), default=False)

    class Meta:
        verbose_name = _("议题状态")
        verbose_name_plural = _("议题状态")
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="topicstate_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TopicStep(models.Model):
    """An allowed move between two states of the same workflow, with the button's label."""

    workflow = models.ForeignKey(TopicWorkflow, on_delete=models.CASCADE, related_name="steps")
    source = models.ForeignKey(TopicState, on_delete=models.CASCADE, related_name="steps_out")
    target = models.ForeignKey(TopicState, on_delete=models.CASCADE, related_name="steps_in")
    label = models.CharField(_("按钮名称"), max_length=40)
    actor = models.CharField(
        _("操作人"), max_length=8, choices=StepActor.choices, default=StepActor.STAFF
    )

    class Meta:
        verbose_name = _("议题流转")
        verbose_name_plural = _("议题流转")
        ordering = ["workflow", "source__position", "target__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "actor"], name="topicstep_unique_edge"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Topic(models.Model):
    number = models.CharField(_("议题编号"), max_length=24, unique=True, null=True, blank=True)
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("议题名称"), max_length=100)
    body = models.TextField(_("议题内容"), max_length=4000)
    origin = models.CharField(_("来源"), max_length=12, choices=TopicOrigin.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("来源诉求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    # Empty for topics the system made (imports, the demo).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The resident the topic is proposed by (themselves, or through a grid worker, 代提).
    proposer = models.ForeignKey(
        Resident,
        verbose_name=_("提出居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    workflow = models.ForeignKey(TopicWorkflow, on_delete=models.PROTECT, related_name="+")
    state = models.ForeignKey(
        TopicState, verbose_name=_("状态"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)
    cosign_threshold = models.PositiveSmallIntegerField(_("联署门槛（人）"), default=0)
    cosign_deadline = models.DateField(_("联署截止日期"), null=True, blank=True)
    cosign_count = models.PositiveIntegerField(_("联署人数"), default=0)
    mode = models.CharField(
        _("协商方式"), max_length=8, choices=DeliberationMode.choices, blank=True
    )
    consultation_deadline = models.DateField(_("征求意见截止日期"), null=True, blank=True)
    decision = models.TextField(_("协商决定"), max_length=4000, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    responsible_party = models.CharField(_("落实责任方"), max_length=100, blank=True)
    implementation_deadline = models.DateField(_("落实期限"), null=True, blank=True)
    review_deadline = models.DateField(_("评议截止日期"), null=True, blank=True)
    # The official answer (立案/不予立案的理由、答复): saved and published separately.
    answer = models.TextField(_("正式答复"), max_length=4000, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer_published_at = models.DateTimeField(_("答复公开时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "created_at"], name="topic_community_time"),
        ]

    def __str__(self) -> str:
        return self.title


class CoSign(models.Model):
    """Support (联署) from a verified resident of the topic's community: one per resident."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="cosigns")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("联署时间"), default=timezone.now)

    class Meta:
        verbose_name = _("联署")
        verbose_name_plural = _("联署")
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="cosign_once_per_resident")
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.resident_id}"


class TopicTransition(models.Model):
    """The append-only history of a topic's moves: who, when, from, to, and why."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="transitions")
    source = models.ForeignKey(
        TopicState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(TopicState, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    # A manager moved the topic outside the workflow's edges.
    overridden = models.BooleanField(_("越过流程"), default=False)

    class Meta:
        verbose_name = _("议题流转记录")
        verbose_name_plural = _("议题流转记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class TopicOpinion(models.Model):
    """A resident's opinion in an online consultation (网上征求意见)."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="opinions")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("意见"), max_length=2000)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    # Staff with ``participation.moderate`` hide an opinion from residents, with a reason (kept here
    # while it is hidden, and in the audit trail); staff still see it, marked hidden.
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("议题意见")
        verbose_name_plural = _("议题意见")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]


class ProgressUpdate(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="progress_updates")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    body = models.TextField(_("进展情况"), max_length=2000)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)

    class Meta:
        verbose_name = _("落实进展")
        verbose_name_plural = _("落实进展")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]


class TopicReview(models.Model):
    """A resident's review (评议) of the outcome: a score from 1 to 5 and a comment; one each."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="reviews")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.TextField(_("评议意见"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("评议时间"), default=timezone.now)

    class Meta:
        verbose_name = _("居民评议")
        verbose_name_plural = _("居民评议")
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="review_once_per_resident"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="review_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.score}"
