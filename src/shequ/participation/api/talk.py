"""The talk API, under ``/api/v1/participation/talk``:

- ``GET /suggestions`` (``?status=&region=``), ``GET /suggestions/{suggestion_id}`` — staff, scoped;
  a resident reads their own and their community's public ones;
- ``POST /suggestions`` — a verified resident; ``POST /suggestions/{suggestion_id}/reply`` — MODERATE;
- ``GET /posts`` (``?board=&kind=&region=``), ``GET /posts/{post_id}``,
  ``GET /posts/{post_id}/comments`` — staff scoped, residents their community's visible ones;
- ``POST /posts``, ``POST /posts/{post_id}/comments``, ``POST /posts/{post_id}/reports``,
  ``POST /comments/{comment_id}/reports``, ``POST /posts/{post_id}/resolve`` — verified residents;
- ``POST /posts/{post_id}/decision``, ``POST /comments/{comment_id}/decision`` — MODERATE;
- ``GET /bans`` (``?live=true``: only bans not lifted), ``POST /posts/{post_id}/ban`` and
  ``POST /comments/{comment_id}/ban`` (ban the author in the item's community),
  ``POST /bans/{ban_id}/lift`` — MODERATE, scoped;
- ``GET /policy`` (``?region=``; without it the first region where the caller sets the rules) and
  ``PUT /policy?region=`` — the moderation policy that applies at a region (its own, else the
  nearest ancestor's, else the defaults) — CONFIGURE over the region.

Errors as ``core.api``: 403 without the permission, 404 outside the jurisdiction, 422 naming the
field for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, choice, not_found, user_with
from shequ.core.masking import mask_name
from shequ.participation.actions import talk as actions
from shequ.participation.content import policy_for
from shequ.participation.eligibility import verified_resident
from shequ.participation.models import (
    Ban,
    Board,
    Comment,
    ModerationDecision,
    Post,
    PostKind,
    Report,
    Suggestion,
    SuggestionStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import talk as queries
from shequ.participation.schemas_talk import (
    BanIn,
    BanOut,
    CommentIn,
    CommentOut,
    DecisionIn,
    DecisionOut,
    PolicyIn,
    PolicyOut,
    PostIn,
    PostOut,
    ReplyIn,
    ReportIn,
    ReportOut,
    SuggestionIn,
    SuggestionOut,
)
from shequ.registry.models import Resident
from shequ.territory.api import region_path
from shequ.territory.models import Region
from shequ.territory.queries import region_in_scope

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm


class _Mapped:
    """A queryset whose page is turned into response dicts (for ``PagePagination``)."""

    def __init__(self, rows: QuerySet[Any], out: Any, viewer: Any) -> None:
        self.rows, self.out, self.viewer = rows, out, viewer

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [self.out(row, self.viewer) for row in self.rows[index]]


def _is_resident(user: Any) -> bool:
    return bool(getattr(user, "is_resident", False))


def _me(user: Any) -> Resident:
    try:
        return verified_resident(user)
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc)) from None


def _name(author: Any, viewer: Any) -> str:
    if _is_resident(viewer) and author.pk != viewer.pk:
        return mask_name(author.full_name)
    return str(author.full_name)


def _suggestion_out(s: Suggestion, viewer: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "community_code": s.community.code,
        "community_name": s.community.name,
        "author_name": _name(s.author, viewer),
        "title": s.title,
        "body": s.body,
        "is_public": s.is_public,
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "reply": s.reply,
        "replied_at": s.replied_at,
        "created_at": s.created_at,
    }


def _post_out(p: Post, viewer: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "community_code": p.community.code,
        "community_name": p.community.name,
        "board": p.board,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "author_name": _name(p.author, viewer),
        "title": p.title,
        "body": p.body,
        "visibility": p.visibility,
        "visibility_label": str(p.get_visibility_display()),
        "report_count": p.report_count if not _is_resident(viewer) else 0,
        "is_resolved": p.is_resolved,
        "created_at": p.created_at,
        "last_activity_at": p.last_activity_at,
        "version": p.version,
    }


def _comment_out(c: Comment, viewer: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "post_id": c.post_id,
        "author_name": _name(c.author, viewer),
        "body": c.body,
        "visibility": c.visibility,
        "report_count": c.report_count if not _is_resident(viewer) else 0,
        "created_at": c.created_at,
    }


# --- Suggestions ----------------------------------------------------------------------------------


@router.get("/talk/suggestions", response={200: list[SuggestionOut], **ERRORS})
@paginate(PagePagination)
def list_suggestions(
    request: HttpRequest,
    status: str = Query(""),
    region: str = Query("", max_length=12),
) -> list[dict[str, Any]]:
    user: Any = request.user
    if _is_resident(user):
        me = _me(user)
        rows: Any = queries.community_suggestions(me.community).select_related(
            "community", "author"
        )
        if status:
            rows = rows.filter(status=choice(status, SuggestionStatus, "status"))
    else:
        user = user_with(request, Perm.VIEW)
        rows = queries.suggestions(
            user,
            queries.SuggestionFilters(
                status=choice(status, SuggestionStatus, "status"),
                region_path=region_path(user, region, Perm.VIEW),
            ),
        )
    return _Mapped(rows, _suggestion_out, user)  # type: ignore[return-value]


def _suggestion(user: Any, suggestion_id: int) -> Suggestion:
    if _is_resident(user):
        me = _me(user)
        found = (
            Suggestion.objects.select_related("community", "author")
            .filter(pk=suggestion_id, community=me.community)
            .first()
        )
        if found is None or not (found.is_public or found.author_id == user.pk):
            raise not_found("suggestion_id")
        return found
    user_with_perm = user.has_permission(Perm.VIEW)
    if not user_with_perm:
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    try:
        return queries.suggestion_detail(user, suggestion_id)
    except Http404:
        raise not_found("suggestion_id") from None


@router.get("/talk/suggestions/{suggestion_id}", response={200: SuggestionOut, **ERRORS})
def get_suggestion(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    user: Any = request.user
    return _suggestion_out(_suggestion(user, suggestion_id), user)


@router.post("/talk/suggestions", response={200: SuggestionOut, 201: SuggestionOut, **ERRORS})
def create_suggestion(request: HttpRequest, payload: SuggestionIn) -> Status[dict[str, Any]]:
    user: Any = request.user
    key = payload.request_key.strip()
    before = bool(key) and Suggestion.objects.filter(request_key=key).exists()
    with acting():
        made = actions.create_suggestion(
            by=user,
            title=payload.title,
            body=payload.body,
            is_public=payload.is_public,
            request_key=key,
        )
    made = Suggestion.objects.select_related("community", "author").get(pk=made.pk)
    return Status(200 if before else 201, _suggestion_out(made, user))


@router.post("/talk/suggestions/{suggestion_id}/reply", response={200: SuggestionOut, **ERRORS})
def reply_suggestion(request: HttpRequest, suggestion_id: int, payload: ReplyIn) -> dict[str, Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        found = queries.suggestion_detail(user, suggestion_id, Perm.MODERATE)
    except Http404:
        raise not_found("suggestion_id") from None
    with acting():
        actions.reply_suggestion(suggestion=found, by=user, reply=payload.reply)
    return _suggestion_out(queries.suggestion_detail(user, suggestion_id), user)


# --- Posts ----------------------------------------------------------------------------------------


@router.get("/talk/posts", response={200: list[PostOut], **ERRORS})
@paginate(PagePagination)
def list_posts(
    request: HttpRequest,
    board: str = Query(""),
    kind: str = Query(""),
    region: str = Query("", max_length=12),
) -> QuerySet[Post]:
    user: Any = request.user
    board = choice(board, Board, "board")
    kind = choice(kind, PostKind, "kind")
    if _is_resident(user):
        me = _me(user)
        rows = Post.objects.filter(community=me.community, visibility="visible")
        if board:
            rows = rows.filter(board=board)
    else:
        user = user_with(request, Perm.VIEW)
        rows = queries.staff_posts(
            user,
            queries.PostFilters(board=board, region_path=region_path(user, region, Perm.VIEW)),
        )
    if kind:
        rows = rows.filter(kind=kind)
    rows = rows.select_related("community", "author").order_by("-last_activity_at", "-pk")
    return _Mapped(rows, _post_out, user)  # type: ignore[return-value]


def _post(user: Any, post_id: int) -> Post:
    try:
        if _is_resident(user):
            return queries.resident_post(_me(user).community, user, post_id)
        if not user.has_permission(Perm.VIEW):
            raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
        return queries.staff_posts(user).get(pk=post_id)
    except (Http404, Post.DoesNotExist):
        raise not_found("post_id") from None


@router.get("/talk/posts/{post_id}", response={200: PostOut, **ERRORS})
def get_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    user: Any = request.user
    return _post_out(_post(user, post_id), user)


@router.get("/talk/posts/{post_id}/comments", response={200: list[CommentOut], **ERRORS})
def list_comments(request: HttpRequest, post_id: int) -> list[dict[str, Any]]:
    user: Any = request.user
    post = _post(user, post_id)
    if _is_resident(user):
        rows = queries.post_comments(post, user)
    else:
        rows = list(Comment.objects.filter(post=post).select_related("author")[:500])
    return [_comment_out(c, user) for c in rows]


@router.post("/talk/posts", response={200: PostOut, 201: PostOut, **ERRORS})
def create_post(request: HttpRequest, payload: PostIn) -> Status[dict[str, Any]]:
    user: Any = request.user
    key = payload.request_key.strip()
    before = bool(key) and Post.objects.filter(request_key=key).exists()
    with acting():
        made = actions.create_post(
            by=user,
            board=payload.board,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            request_key=key,
        )
    made = Post.objects.select_related("community", "author").get(pk=made.pk)
    return Status(200 if before else 201, _post_out(made, user))


def _resident_post(user: Any, post_id: int) -> Post:
    if not _is_resident(user):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    try:
        return queries.resident_post(_me(user).community, user, post_id)
    except Http404:
        raise not_found("post_id") from None


@router.post("/talk/posts/{post_id}/comments", response={201: CommentOut, **ERRORS})
def add_comment(request: HttpRequest, post_id: int, payload: CommentIn) -> Status[dict[str, Any]]:
    user: Any = request.user
    post = _resident_post(user, post_id)
    with acting():
        made = actions.add_comment(
            post=post, by=user, body=payload.body, request_key=payload.request_key
        )
    return Status(201, _comment_out(made, user))


def _report_out(report: Report, item: Post | Comment) -> dict[str, Any]:
    item.refresh_from_db()
    return {"id": report.pk, "item_visibility": item.visibility, "item_report_count": 0}


@router.post("/talk/posts/{post_id}/reports", response={201: ReportOut, **ERRORS})
def report_post(request: HttpRequest, post_id: int, payload: ReportIn) -> Status[dict[str, Any]]:
    user: Any = request.user
    post = _resident_post(user, post_id)
    with acting():
        made = actions.report_post(post=post, by=user, reason=payload.reason)
    return Status(201, _report_out(made, post))


@router.post("/talk/comments/{comment_id}/reports", response={201: ReportOut, **ERRORS})
def report_comment(
    request: HttpRequest, comment_id: int, payload: ReportIn
) -> Status[dict[str, Any]]:
    user: Any = request.user
    if not _is_resident(user):
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    try:
        comment = queries.resident_comment(_me(user).community, user, comment_id)
    except Http404:
        raise not_found("comment_id") from None
    with acting():
        made = actions.report_comment(comment=comment, by=user, reason=payload.reason)
    return Status(201, _report_out(made, comment))


@router.post("/talk/posts/{post_id}/resolve", response={200: PostOut, **ERRORS})
def resolve_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    user: Any = request.user
    post = _resident_post(user, post_id)
    with acting():
        actions.resolve_post(post=post, by=user)
    return _post_out(Post.objects.select_related("community", "author").get(pk=post.pk), user)


# --- Moderation -----------------------------------------------------------------------------------


def _decision_out(d: ModerationDecision, item: Post | Comment) -> dict[str, Any]:
    return {
        "id": d.pk,
        "outcome": d.outcome,
        "reason": d.reason,
        "visibility": item.visibility,
        "at": d.at,
    }


@router.post("/talk/posts/{post_id}/decision", response={200: DecisionOut, **ERRORS})
def decide_post(request: HttpRequest, post_id: int, payload: DecisionIn) -> dict[str, Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        post = queries.moderation_post(user, post_id)
    except Http404:
        raise not_found("post_id") from None
    with acting():
        made = actions.decide(
            by=user,
            post=post,
            outcome=payload.outcome,
            reason=payload.reason,
            version=payload.version,
        )
    post.refresh_from_db()
    return _decision_out(made, post)


@router.post("/talk/comments/{comment_id}/decision", response={200: DecisionOut, **ERRORS})
def decide_comment(request: HttpRequest, comment_id: int, payload: DecisionIn) -> dict[str, Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        comment = queries.moderation_comment(user, comment_id)
    except Http404:
        raise not_found("comment_id") from None
    with acting():
        made = actions.decide(
            by=user,
            comment=comment,
            outcome=payload.outcome,
            reason=payload.reason,
            version=payload.version,
        )
    comment.refresh_from_db()
    return _decision_out(made, comment)


# --- Bans -----------------------------------------------------------------------------------------


def _ban_out(b: Ban, viewer: Any = None) -> dict[str, Any]:
    return {
        "id": b.pk,
        "community_code": b.community.code,
        "community_name": b.community.name,
        "user_name": b.user.full_name,
        "reason": b.reason,
        "until": b.until,
        "at": b.at,
        "by_name": b.by.full_name,
        "lifted_at": b.lifted_at,
        "lifted_by_name": b.lifted_by.full_name if b.lifted_by is not None else "",
    }


def _ban(user: Any, ban_id: int) -> dict[str, Any]:
    return _ban_out(queries.bans(user).get(pk=ban_id))


@router.get("/talk/bans", response={200: list[BanOut], **ERRORS}, summary="禁言记录（本辖区）")
@paginate(PagePagination)
def list_bans(request: HttpRequest, live: bool = Query(False)) -> list[dict[str, Any]]:
    user = user_with(request, Perm.MODERATE)
    return _Mapped(queries.bans(user, live_only=live), _ban_out, user)  # type: ignore[return-value]


def _ban_author(user: Any, item: Post | Comment, field: str, payload: BanIn) -> Status[Any]:
    community = item.community if isinstance(item, Post) else item.post.community
    with acting({"user": field}):
        made = actions.ban_user(
            community=community,
            user=item.author,
            by=user,
            reason=payload.reason,
            until=payload.until,
        )
    return Status(201, _ban(user, made.pk))


@router.post(
    "/talk/posts/{post_id}/ban",
    response={201: BanOut, **ERRORS},
    summary="禁言帖子的发布人（在该帖子所在社区，至某日或长期）",
)
def ban_post_author(request: HttpRequest, post_id: int, payload: BanIn) -> Status[Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        post = queries.moderation_post(user, post_id)
    except Http404:
        raise not_found("post_id") from None
    return _ban_author(user, post, "post_id", payload)


@router.post(
    "/talk/comments/{comment_id}/ban",
    response={201: BanOut, **ERRORS},
    summary="禁言回复的发布人（在该回复所在社区，至某日或长期）",
)
def ban_comment_author(request: HttpRequest, comment_id: int, payload: BanIn) -> Status[Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        comment = queries.moderation_comment(user, comment_id)
    except Http404:
        raise not_found("comment_id") from None
    return _ban_author(user, comment, "comment_id", payload)


@router.post("/talk/bans/{ban_id}/lift", response={200: BanOut, **ERRORS}, summary="解除禁言")
def lift_ban(request: HttpRequest, ban_id: int) -> dict[str, Any]:
    user = user_with(request, Perm.MODERATE)
    try:
        ban = queries.ban_detail(user, ban_id)
    except Http404:
        raise not_found("ban_id") from None
    with acting():
        actions.lift_ban(ban=ban, by=user)
    return _ban(user, ban.pk)


# --- Moderation policy ----------------------------------------------------------------------------


def _policy_region(user: Any, code: str) -> Region:
    """The region named by ``code`` where the caller sets the rules; without a code, the first of
    their regions (as the policy page)."""
    code = (code or "").strip()
    if code:
        try:
            return region_in_scope(user, code, Perm.CONFIGURE)
        except Http404:
            raise not_found("region") from None
    roots = queries.configurable_regions(user)
    if not roots:
        raise not_found("region")
    return roots[0]


def _policy_out(region: Region) -> dict[str, Any]:
    effective = queries.effective_policy(region)
    own = effective is not None and effective.region_id == region.pk
    inherited = effective.region if effective is not None and not own else None
    rules = policy_for(region)
    return {
        "region_code": region.code,
        "region_name": region.name,
        "own": own,
        "inherited_from_code": inherited.code if inherited is not None else None,
        "inherited_from_name": inherited.name if inherited is not None else None,
        "hide_after_reports": rules.hide_after_reports,
        "sensitive_words": list(rules.sensitive_words),
        "allow_links": rules.allow_links,
        "updated_at": effective.updated_at if effective is not None else None,
    }


@router.get(
    "/talk/policy",
    response={200: PolicyOut, **ERRORS},
    summary="内容管理规则：该区域适用的规则（自己的，或沿用上级的，或系统默认）",
)
def get_policy(request: HttpRequest, region: str = Query("", max_length=12)) -> dict[str, Any]:
    user = user_with(request, Perm.CONFIGURE)
    return _policy_out(_policy_region(user, region))


@router.put(
    "/talk/policy",
    response={200: PolicyOut, **ERRORS},
    summary="保存该区域的内容管理规则（适用于下级没有自己规则的村(社区)）",
)
def save_policy(
    request: HttpRequest, payload: PolicyIn, region: str = Query(..., min_length=1, max_length=12)
) -> dict[str, Any]:
    user = user_with(request, Perm.CONFIGURE)
    place = _policy_region(user, region)
    with acting():
        actions.save_policy(
            region=place,
            by=user,
            hide_after_reports=payload.hide_after_reports,
            sensitive_words="\n".join(payload.sensitive_words),
            allow_links=payload.allow_links,
        )
    return _policy_out(place)
