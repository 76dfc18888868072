"""Writes of suggestions, the forum, the neighbour circle and moderation (P3).

Residents write only as verified residents of the community (``verified_resident``), every text they
publish goes through ``check_text``, and a ``request_key`` makes a double submit land once. A report
is one row per reporter and item (a unique constraint: a flood by one user counts once, concurrent
reports land once); the report that reaches the policy's ``hide_after_reports`` hides the item in
the same transaction (a conditional UPDATE). Moderators decide with a reason through ``DECISIONS``
(a conditional UPDATE on ``version``: two moderators clicking at once do not both act). A banned
user (one live ban per user and community) cannot post or comment there."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.participation.content import check_text, policy_for
from shequ.participation.eligibility import verified_resident
from shequ.participation.models import (
    NEIGHBOUR_KINDS,
    Ban,
    Board,
    Comment,
    ModerationDecision,
    ModerationOutcome,
    ModerationPolicy,
    Post,
    PostKind,
    Report,
    Suggestion,
    SuggestionStatus,
    Visibility,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Region

Perm = ParticipationPerm
V = Visibility
MAX_HIDE_AFTER = 100
MAX_WORDS = 500
MAX_WORD_LENGTH = 50

DECISIONS = Workflow(
    field="visibility",
    transitions=[
        Transition(
            name=ModerationOutcome.RESTORE,
            sources=(V.HIDDEN, V.VISIBLE),
            target=V.VISIBLE,
            permission=Perm.MODERATE,
            label=ModerationOutcome.RESTORE.label,
        ),
        Transition(
            name=ModerationOutcome.REMOVE,
            sources=(V.HIDDEN, V.VISIBLE),
            target=V.REMOVED,
            permission=Perm.MODERATE,
            label=ModerationOutcome.REMOVE.label,
            style="danger",
        ),
    ],
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有审核社区内容的权限。")


def require_moderator(by: Any, community: Region) -> None:
    require_place(by, Perm.MODERATE, community.path, _refusal())


def _clean_key(request_key: Any) -> str:
    key = str(request_key or "").strip()
    if len(key) > 64:
        raise ValidationError({"request_key": _("请求标识过长（最多64个字符）。")})
    return key


def _text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写此项。")})
    if len(text) > limit:
        raise ValidationError(
            {field: _("最多%(limit)d个字，现在是%(n)d个字。") % {"limit": limit, "n": len(text)}}
        )
    return text


# --- Bans ---------------------------------------------------------------------------------------------


def live_ban(user: Any, community: Region) -> Ban | None:
    """The ban that stops ``user`` posting in ``community`` today, if any."""
    if user is None or not getattr(user, "pk", None):
        return None
    today = calendar.localdate()
    return (
        Ban.objects.filter(community=community, user=user, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .first()
    )


def ban_message(ban: Ban) -> str:
    if ban.until is None:
        return _("您已被禁言（长期），原因：%(reason)s") % {"reason": ban.reason}
    return _("您已被禁言至%(until)s，原因：%(reason)s") % {
        "until": ban.until.isoformat(),
        "reason": ban.reason,
    }


def _not_banned(user: Any, community: Region) -> None:
    ban = live_ban(user, community)
    if ban is not None:
        raise PermissionDenied(ban_message(ban))


# --- Suggestions --------------------------------------------------------------------------------------


@transaction.atomic
def create_suggestion(
    *,
    by: Any,
    title: Any,
    body: Any,
    is_public: bool = True,
    request_key: str = "",
    is_synthetic: bool = False,
) -> Suggestion:
    """A verified resident's suggestion to their community. A retry with the same key returns it."""
    resident = verified_resident(by)
    key = _clean_key(request_key)
    if key:
        earlier = Suggestion.objects.filter(request_key=key).first()
        if earlier is not None:
            if earlier.author_id == by.pk:
                return earlier
            raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重试。")})
    community = resident.community
    clean_title = _text(title, "title", limit=100)
    clean_body = _text(body, "body", limit=4000)
    policy = policy_for(community)
    check_text(clean_title, community=community, field="title", policy=policy)
    check_text(clean_body, community=community, field="body", policy=policy)
    try:
        with transaction.atomic():
            made = Suggestion.objects.create(
                community=community,
                author=by,
                resident=resident,
                title=clean_title,
                body=clean_body,
                is_public=bool(is_public),
                request_key=key or None,
                is_synthetic=is_synthetic,
            )
    except IntegrityError:
        earlier = Suggestion.objects.filter(request_key=key, author=by).first()
        if earlier is None:
            raise ValidationError(
                {"request_key": _("该请求标识已被使用，请刷新页面后重试。")}
            ) from None
        return earlier
    audit.record("participation.suggestion_create", obj=made, actor=by, fields=["title", "body"])
    return made


@transaction.atomic
def reply_suggestion(*, suggestion: Suggestion, by: Any, reply: Any) -> Suggestion:
    """The community's reply (once; a second click or a second moderator is told it is done)."""
    community = Region.objects.get(pk=suggestion.community_id)
    require_moderator(by, community)
    text = _text(reply, "reply", limit=4000)
    now = calendar.now()
    moved = Suggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
        status=SuggestionStatus.REPLIED, reply=text, replied_by=by, replied_at=now
    )
    if not moved:
        raise ValidationError(_("该建议已经回复过了，请刷新页面查看。"))
    suggestion.refresh_from_db()
    audit.record("participation.suggestion_reply", obj=suggestion, actor=by, fields=["reply"])
    return suggestion


# --- Posts and comments -------------------------------------------------------------------------------


def _board_kind(board: Any, kind: Any) -> tuple[str, str]:
    board = str(board or "")
    kind = str(kind or "")
    if board == Board.FORUM:
        return board, PostKind.DISCUSSION
    if board == Board.NEIGHBOURS:
        if kind not in NEIGHBOUR_KINDS:
            raise ValidationError({"kind": _("请选择类型：出借、求借、求助或失物招领。")})
        return board, kind
    raise ValidationError({"board": _("请选择版块。")})


@transaction.atomic
def create_post(
    *,
    by: Any,
    board: Any,
    title: Any,
    body: Any,
    kind: Any = "",
    request_key: str = "",
    is_synthetic: bool = False,
) -> Post:
    """A forum thread or a neighbour-circle post by a verified resident of their community."""
    resident = verified_resident(by)
    community = resident.community
    key = _clean_key(request_key)
    if key:
        earlier = Post.objects.filter(request_key=key).first()
        if earlier is not None:
            if earlier.author_id == by.pk:
                return earlier
            raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重试。")})
    _not_banned(by, community)
    clean_board, clean_kind = _board_kind(board, kind)
    clean_title = _text(title, "title", limit=100)
    clean_body = _text(body, "body", limit=4000)
    policy = policy_for(community)
    check_text(clean_title, community=community, field="title", policy=policy)
    check_text(clean_body, community=community, field="body", policy=policy)
    now = calendar.now()
    try:
        with transaction.atomic():
            post = Post.objects.create(
                community=community,
                board=clean_board,
                kind=clean_kind,
                author=by,
                title=clean_title,
                body=clean_body,
                created_at=now,
                last_activity_at=now,
                request_key=key or None,
                is_synthetic=is_synthetic,
            )
    except IntegrityError:
        earlier = Post.objects.filter(request_key=key, author=by).first()
        if earlier is None:
            raise ValidationError(
                {"request_key": _("该请求标识已被使用，请刷新页面后重试。")}
            ) from None
        return earlier
    audit.record("participation.post_create", obj=post, actor=by, fields=["title", "body"])
    return post


def _open_post(post: Post, by: Any) -> Post:
    """The post, reloaded, as a verified resident of its community may act on it."""
    fresh = Post.objects.select_related("community").get(pk=post.pk)
    verified_resident(by, fresh.community)
    if fresh.visibility == V.REMOVED:
        raise ValidationError(_("该帖子已被删除。"))
    if fresh.visibility == V.HIDDEN and fresh.author_id != by.pk:
        raise ValidationError(_("该帖子正在审核中。"))
    return fresh


@transaction.atomic
def add_comment(*, post: Post, by: Any, body: Any, request_key: str = "") -> Comment:
    """A reply under a visible post; the post moves up the list."""
    key = _clean_key(request_key)
    if key:
        earlier = Comment.objects.filter(request_key=key).first()
        if earlier is not None:
            if earlier.author_id == by.pk and earlier.post_id == post.pk:
                return earlier
            raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重试。")})
    fresh = _open_post(post, by)
    if fresh.visibility != V.VISIBLE:
        raise ValidationError(_("该帖子正在审核中，暂时不能回复。"))
    _not_banned(by, fresh.community)
    text = _text(body, "body", limit=2000)
    check_text(text, community=fresh.community, field="body")
    now = calendar.now()
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                post=fresh, author=by, body=text, created_at=now, request_key=key or None
            )
    except IntegrityError:
        earlier = Comment.objects.filter(request_key=key, author=by).first()
        if earlier is None:
            raise ValidationError(
                {"request_key": _("该请求标识已被使用，请刷新页面后重试。")}
            ) from None
        return earlier
    Post.objects.filter(pk=fresh.pk).update(last_activity_at=now)
    audit.record(
        "participation.comment_create", obj=fresh, actor=by, fields=["body"], object_type="comment"
    )
    return comment


@transaction.atomic
def resolve_post(*, post: Post, by: Any) -> Post:
    """The author marks a neighbour-circle post resolved (lent, found, helped)."""
    fresh = _open_post(post, by)
    if fresh.author_id != by.pk:
        raise PermissionDenied(_("只有发帖人可以标记为已解决。"))
    if fresh.board != Board.NEIGHBOURS:
        raise ValidationError(_("只有邻里圈的帖子可以标记为已解决。"))
    moved = Post.objects.filter(pk=fresh.pk, is_resolved=False).update(
        is_resolved=True, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该帖子已经标记为已解决了。"))
    fresh.refresh_from_db()
    audit.record("participation.post_resolve", obj=fresh, actor=by, fields=["is_resolved"])
    return fresh


# --- Reports ------------------------------------------------------------------------------------------


def _report(
    *,
    model: type[Post] | type[Comment],
    item: Post | Comment,
    community: Region,
    by: Any,
    reason: Any,
) -> Report:
    text = _text(reason, "reason", limit=200)
    if item.author_id == by.pk:
        raise ValidationError(_("不能举报自己发布的内容。"))
    target = {"post": item} if model is Post else {"comment": item}
    try:
        with transaction.atomic():
            report = Report.objects.create(reporter=by, reason=text, **target)
    except IntegrityError:
        raise ValidationError(_("您已举报过该内容，无需重复举报。")) from None
    model._default_manager.filter(pk=item.pk).update(report_count=F("report_count") + 1)
    threshold = policy_for(community).hide_after_reports
    hidden = model._default_manager.filter(
        pk=item.pk, visibility=V.VISIBLE, report_count__gte=threshold
    ).update(visibility=V.HIDDEN, version=F("version") + 1)
    item.refresh_from_db()
    audit.record(
        "participation.report",
        obj=item if model is Post else None,
        region=community,
        actor=by,
        fields=["report_count", *(["visibility"] if hidden else [])],
        object_type=model.__name__.lower(),
        object_id=str(item.pk),
    )
    return report


@transaction.atomic
def report_post(*, post: Post, by: Any, reason: Any) -> Report:
    """Report a visible post (once per user); enough reports hide it pending review."""
    fresh = Post.objects.select_related("community").get(pk=post.pk)
    verified_resident(by, fresh.community)
    if fresh.visibility != V.VISIBLE:
        raise ValidationError(_("该帖子已在审核中或已被删除，无需举报。"))
    return _report(model=Post, item=fresh, community=fresh.community, by=by, reason=reason)


@transaction.atomic
def report_comment(*, comment: Comment, by: Any, reason: Any) -> Report:
    fresh = Comment.objects.select_related("post__community").get(pk=comment.pk)
    community = fresh.post.community
    verified_resident(by, community)
    if fresh.visibility != V.VISIBLE or fresh.post.visibility == V.REMOVED:
        raise ValidationError(_("该回复已在审核中或已被删除，无需举报。"))
    return _report(model=Comment, item=fresh, community=community, by=by, reason=reason)


# --- Moderation ---------------------------------------------------------------------------------------


@transaction.atomic
def decide(
    *,
    by: Any,
    outcome: Any,
    reason: Any,
    post: Post | None = None,
    comment: Comment | None = None,
    version: int | None = None,
) -> ModerationDecision:
    """Restore (shown again, its report count cleared) or remove a hidden or reported item, with a
    reason. ``version`` is the one the moderator saw: a second click or a second moderator is
    refused."""
    if (post is None) == (comment is None):
        raise ValidationError(_("请选择要处理的帖子或回复。"))
    item: Post | Comment
    if post is not None:
        item = Post.objects.select_related("community").get(pk=post.pk)
        community = item.community
    else:
        assert comment is not None
        item = Comment.objects.select_related("post__community").get(pk=comment.pk)
        community = item.post.community
    require_moderator(by, community)
    if str(outcome or "") not in ModerationOutcome.values:
        raise ValidationError({"outcome": _("请选择处理结果：恢复显示或删除。")})
    text = _text(reason, "reason", limit=400)
    if version is not None and version != item.version:
        raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    if item.visibility == V.REMOVED:
        raise ValidationError(_("该内容已被删除，不能再处理。"))
    if item.visibility == V.VISIBLE and item.report_count == 0:
        raise ValidationError(_("该内容没有被举报，无需审核。"))
    changes: dict[str, Any] = {"report_count": 0} if outcome == ModerationOutcome.RESTORE else {}
    DECISIONS.fire(item, str(outcome), by=by, **changes)
    decision = ModerationDecision.objects.create(
        community=community,
        post=item if isinstance(item, Post) else None,
        comment=item if isinstance(item, Comment) else None,
        outcome=str(outcome),
        reason=text,
        moderator=by,
        at=calendar.now(),
    )
    audit.record(
        "participation.moderate",
        obj=decision,
        actor=by,
        fields=["visibility"],
        reason=text[:200],
    )
    return decision


@transaction.atomic
def ban_user(
    *, community: Region, user: Any, by: Any, reason: Any, until: date | None = None
) -> Ban:
    """Stop ``user`` posting and commenting in ``community`` until a day (inclusive) or until lifted.
    One live ban per user and community; an expired one is closed first."""
    require_moderator(by, community)
    text = _text(reason, "reason", limit=400)
    today = calendar.localdate()
    if until is not None and until < today:
        raise ValidationError({"until": _("禁言截止日期不能早于今天。")})
    if user is None or getattr(user, "pk", None) == getattr(by, "pk", None):
        raise ValidationError({"user": _("不能禁言自己。")})
    Ban.objects.filter(
        community=community, user=user, lifted_at__isnull=True, until__lt=today
    ).update(lifted_at=calendar.now())
    try:
        with transaction.atomic():
            ban = Ban.objects.create(
                community=community,
                user=user,
                reason=text,
                until=until,
                by=by,
                at=calendar.now(),
            )
    except IntegrityError:
        raise ValidationError(
            {"user": _("该用户在本社区已被禁言，如需修改请先解除原禁言。")}
        ) from None
    audit.record("participation.ban", obj=ban, actor=by, fields=["until"], reason=text[:200])
    return ban


@transaction.atomic
def lift_ban(*, ban: Ban, by: Any) -> Ban:
    community = Region.objects.get(pk=ban.community_id)
    require_moderator(by, community)
    moved = Ban.objects.filter(pk=ban.pk, lifted_at__isnull=True).update(
        lifted_at=calendar.now(), lifted_by=by
    )
    if not moved:
        raise ValidationError(_("该禁言已经解除了。"))
    ban.refresh_from_db()
    audit.record("participation.ban_lift", obj=ban, actor=by, fields=["lifted_at"])
    return ban


# --- Policy -------------------------------------------------------------------------------------------


def clean_words(text: Any) -> list[str]:
    words = list(dict.fromkeys(w.strip() for w in str(text or "").splitlines() if w.strip()))
    too_long = [w for w in words if len(w) > MAX_WORD_LENGTH]
    if too_long:
        raise ValidationError(
            {
                "sensitive_words": _("每个词最多%(n)d个字：%(word)s")
                % {"n": MAX_WORD_LENGTH, "word": too_long[0][:20]}
            }
        )
    if len(words) > MAX_WORDS:
        raise ValidationError({"sensitive_words": _("敏感词最多%(n)d个。") % {"n": MAX_WORDS}})
    return words


@transaction.atomic
def save_policy(
    *,
    region: Region,
    by: Any,
    hide_after_reports: Any,
    sensitive_words: Any = "",
    allow_links: bool = False,
) -> ModerationPolicy:
    """The moderation policy of ``region`` (it applies to every community below without its own)."""
    require_place(
        by,
        Perm.CONFIGURE,
        region.path,
        _("不在您的管辖范围内，或您没有设置内容管理规则的权限。"),
    )
    try:
        hide = int(hide_after_reports)
    except (TypeError, ValueError):
        raise ValidationError({"hide_after_reports": _("请填写整数。")}) from None
    if not 1 <= hide <= MAX_HIDE_AFTER:
        raise ValidationError(
            {"hide_after_reports": _("须在1到%(n)d之间。") % {"n": MAX_HIDE_AFTER}}
        )
    words = clean_words(sensitive_words)
    policy, _created = ModerationPolicy.objects.update_or_create(
        region=region,
        defaults={
            "hide_after_reports": hide,
            "sensitive_words": "\n".join(words),
            "allow_links": bool(allow_links),
        },
    )
    audit.record(
        "participation.policy_save",
        obj=policy,
        actor=by,
        fields=["hide_after_reports", "sensitive_words", "allow_links"],
    )
    return policy
