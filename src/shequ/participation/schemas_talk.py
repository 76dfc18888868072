"""Shapes of the talk API (``participation.api.talk``). Authors are named masked (张**) to residents
and in full to staff of the place; no phone or ID number goes out."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class SuggestionIn(Schema):
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=4000)
    is_public: bool = True
    request_key: str = Field("", max_length=64)


class ReplyIn(Schema):
    reply: str = Field(..., max_length=4000)


class SuggestionOut(Schema):
    id: int
    community_code: str
    community_name: str
    author_name: str
    title: str
    body: str
    is_public: bool
    status: str
    status_label: str
    reply: str
    replied_at: datetime | None
    created_at: datetime


class PostIn(Schema):
    board: str = Field(..., description="forum 社区论坛，neighbours 邻里圈")
    kind: str = Field("", description="邻里圈必填：lend、borrow、help_wanted、lost_found")
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=4000)
    request_key: str = Field("", max_length=64)


class CommentIn(Schema):
    body: str = Field(..., max_length=2000)
    request_key: str = Field("", max_length=64)


class ReportIn(Schema):
    reason: str = Field(..., max_length=200)


class DecisionIn(Schema):
    outcome: str = Field(..., description="restore 恢复显示，remove 删除")
    reason: str = Field(..., max_length=400)
    version: int | None = None


class BanIn(Schema):
    reason: str = Field(..., max_length=400)
    until: date | None = None


class CommentOut(Schema):
    id: int
    post_id: int
    author_name: str
    body: str
    visibility: str
    report_count: int
    created_at: datetime


class PostOut(Schema):
    id: int
    community_code: str
    community_name: str
    board: str
    kind: str
    kind_label: str
    author_name: str
    title: str
    body: str
    visibility: str
    visibility_label: str
    report_count: int
    is_resolved: bool
    created_at: datetime
    last_activity_at: datetime
    version: int


class ReportOut(Schema):
    id: int
    item_visibility: str
    item_report_count: int


class DecisionOut(Schema):
    id: int
    outcome: str
    reason: str
    visibility: str
    at: datetime


class BanOut(Schema):
    id: int
    community_code: str
    community_name: str
    user_name: str
    reason: str
    until: date | None = Field(..., description="禁言至（含当天）；空为长期，直到解除")
    at: datetime
    by_name: str
    lifted_at: datetime | None
    lifted_by_name: str


class PolicyIn(Schema):
    hide_after_reports: int = Field(..., description="被举报几次后自动隐藏，1到100")
    sensitive_words: list[str] = Field(
        default_factory=list, description="敏感词，每项一个词，最多500个，每个最多50字"
    )
    allow_links: bool = Field(False, description="允许居民发布网址链接")


class PolicyOut(Schema):
    region_code: str = Field(..., description="所查看的区域")
    region_name: str
    own: bool = Field(..., description="该区域有自己的规则；否则沿用上级或系统默认规则")
    inherited_from_code: str | None = Field(
        ..., description="沿用的上级区域代码；自己的规则或系统默认时为空"
    )
    inherited_from_name: str | None
    hide_after_reports: int
    sensitive_words: list[str]
    allow_links: bool
    updated_at: datetime | None = Field(..., description="所适用规则的修改时间；系统默认时为空")
