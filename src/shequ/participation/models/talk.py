"""Suggestions, the community forum and the neighbour circle (P3), with moderation.

``Suggestion`` (社区建议) goes to the community and gets a reply. ``Post`` is either a forum thread
(社区论坛) or a neighbour-help post (邻里圈: lend, borrow, help wanted, lost and found), with
``Comment``s. Anyone signed in may ``Report`` a post or comment once; when the reports reach the
community's ``ModerationPolicy.hide_after_reports`` the item is hidden pending review, and a moderator
restores or removes it with a reason (``ModerationDecision``). A ``Ban`` stops a user posting in a
community. The policy also holds the sensitive words (敏感词) refused at posting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import Resident
from shequ.territory.models import Region


class ModerationPolicy(models.Model):
    """Moderation settings for a region; a community uses its nearest ancestor's policy."""

    region = models.OneToOneField(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    hide_after_reports = models.PositiveSmallIntegerField(_("被举报几次后自动隐藏"), default=3)
    sensitive_words = models.TextField(_("敏感词（每行一个）"), max_length=20000, blank=True)
    allow_links = models.BooleanField(_("允许发布链接"), default=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "region"

    class Meta:
        verbose_name = _("内容管理规则")
        verbose_name_plural = _("内容管理规则")

    def __str__(self) -> str:
        return str(self.region)


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("待回复")
    REPLIED = "replied", _("已回复")


class Suggestion(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("建议内容"), max_length=4000)
    is_public = models.BooleanField(_("公开建议和回复"), default=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    reply = models.TextField(_("社区回复"), max_length=4000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("社区建议")
        verbose_name_plural = _("社区建议")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Board(models.TextChoices):
    FORUM = "forum", _("社区论坛")
    NEIGHBOURS = "neighbours", _("邻里圈")


class PostKind(models.TextChoices):
    DISCUSSION = "discussion", _("讨论")
    LEND = "lend", _("出借")
    BORROW = "borrow", _("求借")
    HELP_WANTED = "help_wanted", _("求助")
    LOST_FOUND = "lost_found", _("失物招领")


NEIGHBOUR_KINDS = (PostKind.LEND, PostKind.BORROW, PostKind.HELP_WANTED, PostKind.LOST_FOUND)


class Visibility(models.TextChoices):
    VISIBLE = "visible", _("正常显示")
    HIDDEN = "hidden", _("已隐藏，待审核")
    REMOVED = "removed", _("已删除")


class Post(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    board = models.CharField(_("版块"), max_length=12, choices=Board.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=PostKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=4000)
    visibility = models.CharField(
        _("显示状态"), max_length=8, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    version = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(_("被举报次数"), default=0)
    is_resolved = models.BooleanField(_("已解决"), default=False)
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("最后回复时间"), default=timezone.now)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("帖子")
        verbose_name_plural = _("帖子")
        ordering = ["-last_activity_at", "-pk"]
        indexes = [
            models.Index(
                fields=["community", "board", "visibility", "last_activity_at"],
                name="post_board_list",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("回复内容"), max_length=2000)
    visibility = models.CharField(
        _("显示状态"), max_length=8, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    version = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(_("被举报次数"), default=0)
    created_at = models.DateTimeField(_("回复时间"), default=timezone.now)
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("回复")
        verbose_name_plural = _("回复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]


class Report(models.Model):
    """A report (举报) of a post or a comment: one per reporter and item."""

    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("举报理由"), max_length=200)
    created_at = models.DateTimeField(_("举报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="report_post_once"),
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_comment_once"),
            models.CheckConstraint(
                condition=models.Q(post__isnull=False, comment__isnull=True)
                | models.Q(post__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.reason


class ModerationOutcome(models.TextChoices):
    RESTORE = "restore", _("恢复显示")
    REMOVE = "remove", _("删除")


class ModerationDecision(models.Model):
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("处理结果"), max_length=8, choices=ModerationOutcome.choices)
    reason = models.CharField(_("理由"), max_length=400)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("处理时间"), default=timezone.now)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.reason}"


class Ban(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("理由"), max_length=400)
    until = models.DateField(_("禁言至"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("禁言时间"), default=timezone.now)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_region_field = "community"

    class Meta:
        verbose_name = _("禁言")
        verbose_name_plural = _("禁言")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=models.Q(lifted_at__isnull=True),
                name="ban_one_live_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.community_id}"
