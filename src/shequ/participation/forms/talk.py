"""Forms of the suggestion, forum, neighbour-circle and moderation pages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models import (
    NEIGHBOUR_KINDS,
    Board,
    ModerationOutcome,
    PostKind,
    SuggestionStatus,
    Visibility,
)

DATE = forms.DateInput(attrs={"type": "date"})


def new_request_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(StyledForm):
    request_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class SuggestionForm(KeyedForm):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("建议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )
    is_public = forms.BooleanField(
        label=_("公开建议和回复"),
        required=False,
        initial=True,
        help_text=_("公开后本社区居民都能看到这条建议和社区的回复（不显示您的全名）。"),
    )


class PostForm(KeyedForm):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, board: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if board == Board.NEIGHBOURS:
            self.fields["kind"] = forms.ChoiceField(
                label=_("类型"),
                choices=[(k.value, k.label) for k in NEIGHBOUR_KINDS],
                widget=forms.RadioSelect,
            )
            self.order_fields(["kind", "title", "body", "request_key"])


class CommentForm(KeyedForm):
    body = forms.CharField(
        label=_("回复内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportForm(StyledForm):
    reason = forms.CharField(
        label=_("举报理由"),
        max_length=200,
        help_text=_("例如：广告、诈骗、辱骂他人、泄露他人隐私。"),
    )


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", _("全部")), *[(k.value, k.label) for k in NEIGHBOUR_KINDS]],
    )

    def kind_value(self) -> str:
        return str(self.cleaned_data.get("kind") or "") if self.is_valid() else ""


class SuggestionFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *SuggestionStatus.choices]
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=50)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class PostFilterForm(StyledForm):
    board = forms.ChoiceField(
        label=_("版块"), required=False, choices=[("", _("全部")), *Board.choices]
    )
    visibility = forms.ChoiceField(
        label=_("显示状态"), required=False, choices=[("", _("全部")), *Visibility.choices]
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=50)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ReplyForm(StyledForm):
    reply = forms.CharField(
        label=_("社区回复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class DecisionForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("处理结果"), choices=ModerationOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("理由"), max_length=400, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class BanForm(StyledForm):
    reason = forms.CharField(label=_("理由"), max_length=400)
    until = forms.DateField(
        label=_("禁言至"),
        required=False,
        widget=DATE,
        help_text=_("含当天；不填为长期禁言，直到解除。"),
    )


class PolicyForm(StyledForm):
    hide_after_reports = forms.IntegerField(
        label=_("被举报几次后自动隐藏"),
        min_value=1,
        max_value=100,
        help_text=_("达到次数后帖子或回复自动隐藏，等待审核。"),
    )
    sensitive_words = forms.CharField(
        label=_("敏感词（每行一个）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    allow_links = forms.BooleanField(
        label=_("允许发布链接"),
        required=False,
        help_text=_("为防范诈骗，一般不允许居民发布网址链接。"),
    )


POST_KINDS = PostKind
