"""The talk API, under ``/api/v1/participation/talk``:

- ``GET /suggestions`` (``?status=&region=``), ``GET /suggestions/{suggestion_id}`` — staff, scoped;
  a resident reads their own and their community's public ones;
- ``POST /suggestions`` — a verified resident; ``POST /suggestions/{suggestion_id}/reply`` — MODERATE;
- ``GET /posts`` (``?board=&kind=&region=``), ``GET /posts/{post_id}``,
  ``GET /posts/{post_id}/comments`` — staff scoped, residents their community's visible ones;
- ``POST /posts``, ``POST /posts/{post_id}/comments``, ``POST /posts/{post_id}/reports``,
  ``POST /comments/{comment_id}/reports``, ``POST /posts/{post_id}/resolve`` — verified residents;
- ``POST /posts/{post_id}/decision``, ``POST /comments/{comment_id}/decision`` — MODERATE.

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
from shequ.participation.eligibility import verified_resident
from shequ.participation.models import (
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
    CommentIn,
    CommentOut,
    DecisionIn,
    DecisionOut,
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
