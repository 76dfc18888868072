"""Reads of suggestions, the forum, the neighbour circle and moderation (P3).

Residents read their own community only: visible posts and comments, plus their own hidden ones
(shown as "审核中"). Staff read through ``scoped`` (VIEW for lists, MODERATE for the queue and bans,
CONFIGURE for policies); anything outside the subtree is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.models import (
    Ban,
    Board,
    Comment,
    ModerationDecision,
    ModerationPolicy,
    Post,
    Suggestion,
    Visibility,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
V = Visibility


# --- Residents ------------------------------------------------------------------------------------


def _seen_by(user: Any) -> Q:
    return Q(visibility=V.VISIBLE) | Q(visibility=V.HIDDEN, author_id=user.pk)


def board_posts(community: Region, user: Any, board: str, kind: str = "") -> QuerySet[Post]:
    """A board of the community, newest activity first, with the number of visible replies."""
    found = (
        Post.objects.filter(community=community, board=board)
        .filter(_seen_by(user))
        .select_related("author")
        .annotate(replies=Count("comments", filter=Q(comments__visibility=V.VISIBLE)))
        .order_by("-last_activity_at", "-pk")
    )
    if kind:
        found = found.filter(kind=kind)
    return found


def resident_post(community: Region, user: Any, post_id: int) -> Post:
    found = (
        Post.objects.filter(community=community, pk=post_id)
        .filter(_seen_by(user))
        .select_related("author", "community")
        .first()
    )
    if found is None:
        raise Http404
    return found


def resident_comment(community: Region, user: Any, comment_id: int) -> Comment:
    found = (
        Comment.objects.filter(post__community=community, pk=comment_id)
        .exclude(post__visibility=V.REMOVED)
        .select_related("post")
        .first()
    )
    if found is None:
        raise Http404
    return found


def post_comments(post: Post, user: Any) -> list[Comment]:
    return list(
        Comment.objects.filter(post=post).filter(_seen_by(user)).select_related("author")[:500]
    )


def my_suggestions(user: Any) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(author=user).order_by("-created_at", "-pk")


def community_suggestions(community: Region) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(community=community, is_public=True).order_by(
        "-created_at", "-pk"
    )


# --- Staff ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionFilters:
    status: str = ""
    region_path: str = ""
    q: str = ""


def suggestions(user: Any, filters: SuggestionFilters | None = None) -> QuerySet[Suggestion]:
    f = filters or SuggestionFilters()
    found = scoped(Suggestion.objects.all(), user, Perm.VIEW).select_related("community", "author")
    if f.status:
        found = found.filter(status=f.status)
    if f.region_path:
        found = found.filter(community__path__under=f.region_path)
    if f.q:
        found = found.filter(Q(title__icontains=f.q) | Q(body__icontains=f.q))
    return found.order_by("status", "-created_at", "-pk")


def suggestion_detail(user: Any, suggestion_id: int, perm: str = Perm.VIEW) -> Suggestion:
    return get_scoped_or_404(
        Suggestion.objects.select_related("community", "author", "replied_by"),
        user,
        perm,
        pk=suggestion_id,
    )


@dataclass(frozen=True)
class PostFilters:
    board: str = ""
    visibility: str = ""
    region_path: str = ""
    q: str = ""


def staff_posts(user: Any, filters: PostFilters | None = None) -> QuerySet[Post]:
    f = filters or PostFilters()
    found = (
        scoped(Post.objects.all(), user, Perm.VIEW)
        .select_related("community", "author")
        .annotate(replies=Count("comments"))
    )
    if f.board:
        found = found.filter(board=f.board)
    if f.visibility:
        found = found.filter(visibility=f.visibility)
    if f.region_path:
        found = found.filter(community__path__under=f.region_path)
    if f.q:
        found = found.filter(Q(title__icontains=f.q) | Q(body__icontains=f.q))
    return found.order_by("-last_activity_at", "-pk")


def _comment_scope(user: Any, perm: str) -> Q | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    where = user.jurisdiction(perm)
    conditions = [Q(post__community__path__under=p) for p in where.region_paths]
    conditions += [Q(post__community__path=p) for p in where.grid_community_paths]
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def scoped_comments(user: Any, perm: str) -> QuerySet[Comment]:
    condition = _comment_scope(user, perm)
    if condition is None:
        return Comment.objects.none()
    return Comment.objects.filter(condition)


_PENDING = Q(visibility=V.HIDDEN) | Q(visibility=V.VISIBLE, report_count__gt=0)


def queue_posts(user: Any) -> QuerySet[Post]:
    """Hidden and reported posts under the moderator's places, hidden first, most reported first."""
    return (
        scoped(Post.objects.filter(_PENDING), user, Perm.MODERATE)
        .select_related("community", "author")
        .order_by("-visibility", "-report_count", "-pk")
    )


def queue_comments(user: Any) -> QuerySet[Comment]:
    return (
        scoped_comments(user, Perm.MODERATE)
        .filter(_PENDING)
        .select_related("post__community", "author")
        .order_by("-visibility", "-report_count", "-pk")
    )


def moderation_post(user: Any, post_id: int) -> Post:
    return get_scoped_or_404(
        Post.objects.select_related("community", "author"), user, Perm.MODERATE, pk=post_id
    )


def moderation_comment(user: Any, comment_id: int) -> Comment:
    try:
        return (
            scoped_comments(user, Perm.MODERATE)
            .select_related("post__community", "author")
            .get(pk=comment_id)
        )
    except (Comment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def reports_of(item: Post | Comment) -> list[Any]:
    return list(item.reports.select_related("reporter").order_by("created_at", "pk")[:100])


def decisions_of(item: Post | Comment) -> list[ModerationDecision]:
    return list(item.decisions.select_related("moderator").order_by("-at", "-pk")[:20])


def bans(user: Any, live_only: bool = False) -> QuerySet[Ban]:
    found = scoped(Ban.objects.all(), user, Perm.MODERATE).select_related(
        "community", "user", "by", "lifted_by"
    )
    if live_only:
        found = found.filter(lifted_at__isnull=True)
    return found.order_by("lifted_at", "-at", "-pk")


def ban_detail(user: Any, ban_id: int) -> Ban:
    return get_scoped_or_404(
        Ban.objects.select_related("community"), user, Perm.MODERATE, pk=ban_id
    )


# --- Policies -------------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def effective_policy(region: Region) -> ModerationPolicy | None:
    """The policy that applies at ``region``: its own, else the nearest ancestor's (None: defaults)."""
    return (
        ModerationPolicy.objects.filter(region__path__in=_ancestor_paths(region.path))
        .select_related("region")
        .order_by("-region__path")
        .first()
    )


def configurable_regions(user: Any) -> list[Region]:
    """The regions where ``user`` holds CONFIGURE (the roots of their jurisdiction)."""
    paths = user.jurisdiction(Perm.CONFIGURE).region_paths
    return list(Region.objects.filter(path__in=paths).defer("geometry").order_by("path"))


def policy_children(user: Any, region: Region) -> list[Region]:
    if region.level == Level.COMMUNITY:
        return []
    return list(
        scoped(
            Region.objects.filter(parent=region).defer("geometry"), user, Perm.CONFIGURE
        ).order_by("code")
    )


def board_label(board: str) -> str:
    return str(Board(board).label)
