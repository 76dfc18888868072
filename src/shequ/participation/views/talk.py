"""Pages of suggestions, the community forum, the neighbour circle and moderation (P3).

Residents (verified residents of their community, large text): suggestions and "my suggestions",
the community's public suggestions with replies, the forum and the neighbour circle, a post with its
replies, reporting, and marking a neighbour post resolved. Staff: the suggestion queue and replies,
the post list, the moderation queue and decisions, bans, and the moderation policy.

Reads go through ``participation.queries.talk`` (outside the jurisdiction: 404), writes are one
action of ``participation.actions.talk`` each."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.masking import mask_name
from shequ.core.page_views import flash_errors, flash_form_errors, list_page, paged, submit
from shequ.participation.actions import talk as actions
from shequ.participation.content import policy_for
from shequ.participation.eligibility import verified_resident
from shequ.participation.forms import talk as forms
from shequ.participation.models import Board, Comment, Post, PostKind, Visibility
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import talk as queries
from shequ.participation.views.refusals import not_linked
from shequ.registry.models import Resident
from shequ.territory import queries as territory_queries

Perm = ParticipationPerm
PER_PAGE = 20
GET_POST = ["GET", "POST"]
T = "participation/talk/"


def _verified(request: HttpRequest) -> Resident | HttpResponse:
    try:
        return verified_resident(request.user)
    except PermissionDenied as exc:
        return not_linked(request, _("社区议事"), str(exc), heading=_("暂时不能参与"), status=403)


def author_label(user: Any, viewer: Any) -> str:
    """How a resident page names an author: masked (张**), "我" for the viewer's own."""
    if user.pk == getattr(viewer, "pk", None):
        return _("我")
    return mask_name(user.full_name) or _("居民")


# --- Residents: suggestions -----------------------------------------------------------------------


@resident_only
@require_http_methods(GET_POST)
def suggestion_create(request: HttpRequest) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    if request.method == "POST":
        form = forms.SuggestionForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.create_suggestion(
                by=user,
                title=data["title"],
                body=data["body"],
                is_public=data["is_public"],
                request_key=data["request_key"],
            ),
            _("建议已提交，社区回复后您会在“我的建议”里看到。"),
            lambda made: redirect("participation:my_suggestions"),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.SuggestionForm(initial={"request_key": forms.new_request_key()})
    return render(request, T + "suggestion_form.html", {"form": form, "me": me})


@resident_only
@require_GET
def my_suggestions(request: HttpRequest) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    return list_page(
        request, T + "my_suggestions.html", queries.my_suggestions(request.user), PER_PAGE
    )


@resident_only
@require_GET
def community_suggestions(request: HttpRequest) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    page, _query = paged(request, queries.community_suggestions(me.community), PER_PAGE)
    rows = [{"s": s, "author": author_label(s.author, request.user)} for s in page.object_list]
    return render(
        request,
        T + "community_suggestions.html",
        {"page_obj": page, "rows": rows, "community": me.community},
    )


# --- Residents: boards ----------------------------------------------------------------------------


def _board(request: HttpRequest, board: str) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    kind = ""
    if board == Board.NEIGHBOURS:
        kind = forms.KindFilterForm(request.GET).kind_value()
    posts = queries.board_posts(me.community, request.user, board, kind)
    page, _query = paged(request, posts, PER_PAGE)
    rows = [{"post": p, "author": author_label(p.author, request.user)} for p in page.object_list]
    return render(
        request,
        T + "board.html",
        {
            "page_obj": page,
            "rows": rows,
            "board": board,
            "kind": kind,
            "kinds": forms.KindFilterForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
            "community": me.community,
            "banned": actions.live_ban(request.user, me.community),
        },
    )


@resident_only
@require_GET
def forum_list(request: HttpRequest) -> HttpResponse:
    return _board(request, Board.FORUM)


@resident_only
@require_GET
def neighbour_list(request: HttpRequest) -> HttpResponse:
    return _board(request, Board.NEIGHBOURS)


def _create(request: HttpRequest, board: str) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    ban = actions.live_ban(user, me.community)
    if request.method == "POST":
        form = forms.PostForm(request.POST, board=board)
        done = submit(
            request,
            form,
            lambda data: actions.create_post(
                by=user,
                board=board,
                kind=data.get("kind", ""),
                title=data["title"],
                body=data["body"],
                request_key=data["request_key"],
            ),
            _("已发布。"),
            lambda post: redirect("participation:post_page", post_id=post.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.PostForm(board=board, initial={"request_key": forms.new_request_key()})
    return render(
        request,
        T + "post_form.html",
        {"form": form, "board": board, "ban_message": actions.ban_message(ban) if ban else ""},
    )


@resident_only
@require_http_methods(GET_POST)
def forum_create(request: HttpRequest) -> HttpResponse:
    return _create(request, Board.FORUM)


@resident_only
@require_http_methods(GET_POST)
def neighbour_create(request: HttpRequest) -> HttpResponse:
    return _create(request, Board.NEIGHBOURS)


@resident_only
@require_GET
def post_page(request: HttpRequest, post_id: int) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    post = queries.resident_post(me.community, user, post_id)
    comments = [
        {"c": c, "author": author_label(c.author, user)} for c in queries.post_comments(post, user)
    ]
    ban = actions.live_ban(user, me.community)
    return render(
        request,
        T + "post_page.html",
        {
            "post": post,
            "author": author_label(post.author, user),
            "comments": comments,
            "comment_form": forms.CommentForm(initial={"request_key": forms.new_request_key()}),
            "report_form": forms.ReportForm(auto_id="id_report_%s"),
            "is_author": post.author_id == user.pk,
            "ban_message": actions.ban_message(ban) if ban else "",
            "hidden": Visibility.HIDDEN,
        },
    )


def _post_back(post_id: int) -> HttpResponse:
    return redirect("participation:post_page", post_id=post_id)


def _act(request: HttpRequest, form: Any, act: Any, success: str) -> None:
    if not form.is_valid():
        flash_form_errors(request, form)
        return
    try:
        act(form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
        return
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, success)


@resident_only
@require_POST
def post_comment(request: HttpRequest, post_id: int) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    post = queries.resident_post(me.community, user, post_id)
    form = forms.CommentForm(request.POST)
    _act(
        request,
        form,
        lambda d: actions.add_comment(
            post=post, by=user, body=d["body"], request_key=d["request_key"]
        ),
        _("已回复。"),
    )
    return _post_back(post.pk)


@resident_only
@require_POST
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    post = queries.resident_post(me.community, user, post_id)
    _act(
        request,
        forms.ReportForm(request.POST),
        lambda d: actions.report_post(post=post, by=user, reason=d["reason"]),
        _("已收到您的举报，社区会尽快审核。"),
    )
    post.refresh_from_db()
    if post.visibility != Visibility.VISIBLE:
        return redirect(
            "participation:forum_list"
            if post.board == Board.FORUM
            else "participation:neighbour_list"
        )
    return _post_back(post.pk)


@resident_only
@require_POST
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    comment = queries.resident_comment(me.community, user, comment_id)
    _act(
        request,
        forms.ReportForm(request.POST),
        lambda d: actions.report_comment(comment=comment, by=user, reason=d["reason"]),
        _("已收到您的举报，社区会尽快审核。"),
    )
    return _post_back(comment.post_id)


@resident_only
@require_POST
def post_resolve(request: HttpRequest, post_id: int) -> HttpResponse:
    me = _verified(request)
    if isinstance(me, HttpResponse):
        return me
    user: Any = request.user
    post = queries.resident_post(me.community, user, post_id)
    try:
        actions.resolve_post(post=post, by=user)
        messages.success(request, _("已标记为已解决。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _post_back(post.pk)


# --- Staff ----------------------------------------------------------------------------------------


def _region_path(request: HttpRequest, perm: str) -> str:
    code = (request.GET.get("region") or "").strip()
    if not code:
        return ""
    try:
        return territory_queries.region_in_scope(request.user, code, perm).path
    except Http404:
        messages.error(request, _("找不到该区域，或不在您的管辖范围内。"))
        return "none/"


@permission_required(Perm.VIEW)
@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.SuggestionFilterForm(request.GET)
    filters = queries.SuggestionFilters(
        **form.filters(), region_path=_region_path(request, Perm.VIEW)
    )
    return list_page(
        request,
        T + "suggestion_list.html",
        queries.suggestions(user, filters),
        PER_PAGE,
        form=form,
        can_reply=user.has_permission(Perm.MODERATE),
    )


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def suggestion_reply(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user: Any = request.user
    suggestion = queries.suggestion_detail(user, suggestion_id)
    can_reply = user.has_permission(Perm.MODERATE) and user.jurisdiction(Perm.MODERATE).covers_path(
        suggestion.community.path
    )
    form = forms.ReplyForm(request.POST or None)
    if request.method == "POST":
        if not can_reply:
            raise PermissionDenied
        done = submit(
            request,
            form,
            lambda data: actions.reply_suggestion(
                suggestion=suggestion, by=user, reply=data["reply"]
            ),
            _("已回复该建议。"),
            lambda s: redirect("participation:suggestion_list"),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        T + "suggestion_reply.html",
        {"s": suggestion, "form": form, "can_reply": can_reply},
    )


@permission_required(Perm.VIEW)
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.PostFilterForm(request.GET)
    filters = queries.PostFilters(**form.filters(), region_path=_region_path(request, Perm.VIEW))
    return list_page(
        request,
        T + "post_list.html",
        queries.staff_posts(user, filters),
        PER_PAGE,
        form=form,
        can_moderate=user.has_permission(Perm.MODERATE),
    )


@permission_required(Perm.MODERATE)
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    page, _query = paged(request, queries.queue_posts(user), PER_PAGE)
    comments, _cq = paged(request, queries.queue_comments(user), PER_PAGE, param="cpage")
    return render(
        request,
        T + "moderation_queue.html",
        {"page_obj": page, "comments": comments, "hidden": Visibility.HIDDEN},
    )


def _decide(request: HttpRequest, item: Post | Comment, **target: Any) -> HttpResponse:
    user: Any = request.user
    form = forms.DecisionForm(request.POST or None, initial={"version": item.version})
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.decide(
                by=user,
                outcome=data["outcome"],
                reason=data["reason"],
                version=data["version"],
                **target,
            ),
            _("已处理。"),
            lambda d: redirect("participation:moderation_queue"),
            refusal_on_form=True,
        )
        if done:
            return done
    post = item if isinstance(item, Post) else item.post
    return render(
        request,
        T + "moderation_decide.html",
        {
            "item": item,
            "post": post,
            "is_post": isinstance(item, Post),
            "form": form,
            "reports": queries.reports_of(item),
            "decisions": queries.decisions_of(item),
            "pending": item.visibility == Visibility.HIDDEN
            or (item.visibility == Visibility.VISIBLE and item.report_count > 0),
            "ban_url": reverse("participation:ban_create")
            + (f"?post={item.pk}" if isinstance(item, Post) else f"?comment={item.pk}"),
        },
    )


@permission_required(Perm.MODERATE)
@require_http_methods(GET_POST)
def moderation_decide_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = queries.moderation_post(request.user, post_id)
    return _decide(request, post, post=post)


@permission_required(Perm.MODERATE)
@require_http_methods(GET_POST)
def moderation_decide_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = queries.moderation_comment(request.user, comment_id)
    return _decide(request, comment, comment=comment)


@permission_required(Perm.MODERATE)
@require_GET
def ban_list(request: HttpRequest) -> HttpResponse:
    live = request.GET.get("live") == "1"
    return list_page(
        request,
        T + "ban_list.html",
        queries.bans(request.user, live_only=live),
        PER_PAGE,
        live=live,
    )


def _ban_target(request: HttpRequest) -> Post | Comment | None:
    data = request.POST if request.method == "POST" else request.GET
    post_id, comment_id = data.get("post", ""), data.get("comment", "")
    if post_id.isdigit():
        return queries.moderation_post(request.user, int(post_id))
    if comment_id.isdigit():
        return queries.moderation_comment(request.user, int(comment_id))
    return None


@permission_required(Perm.MODERATE)
@require_http_methods(GET_POST)
def ban_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    item = _ban_target(request)
    if item is None:
        return render(request, T + "ban_form.html", {"item": None, "form": None}, status=400)
    community = item.community if isinstance(item, Post) else item.post.community
    form = forms.BanForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.ban_user(
                community=community,
                user=item.author,
                by=user,
                reason=data["reason"],
                until=data["until"],
            ),
            _("已禁言。"),
            lambda b: redirect("participation:ban_list"),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        T + "ban_form.html",
        {
            "item": item,
            "is_post": isinstance(item, Post),
            "community": community,
            "form": form,
        },
    )


@permission_required(Perm.MODERATE)
@require_POST
def ban_lift(request: HttpRequest, ban_id: int) -> HttpResponse:
    ban = queries.ban_detail(request.user, ban_id)
    try:
        actions.lift_ban(ban=ban, by=request.user)
        messages.success(request, _("已解除禁言。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("participation:ban_list")


@permission_required(Perm.CONFIGURE)
@require_http_methods(GET_POST)
def moderation_policy(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    roots = queries.configurable_regions(user)
    code = (request.GET.get("region") or "").strip()
    if code:
        region = territory_queries.region_in_scope(user, code, Perm.CONFIGURE)
    elif roots:
        region = roots[0]
    else:
        raise Http404
    effective = queries.effective_policy(region)
    own = effective if effective is not None and effective.region_id == region.pk else None
    rules = policy_for(region)
    if request.method == "POST":
        form = forms.PolicyForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.save_policy(region=region, by=user, **data),
            _("已保存内容管理规则。"),
            lambda p: redirect(
                reverse("participation:moderation_policy") + f"?region={region.code}"
            ),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.PolicyForm(
            initial={
                "hide_after_reports": rules.hide_after_reports,
                "sensitive_words": "\n".join(rules.sensitive_words),
                "allow_links": rules.allow_links,
            }
        )
    return render(
        request,
        T + "policy.html",
        {
            "region": region,
            "roots": roots,
            "children": queries.policy_children(user, region),
            "own": own,
            "inherited_from": effective.region if effective is not None and own is None else None,
            "form": form,
        },
    )


urls: list[URLPattern] = [
    path("talk/suggestions/new/", suggestion_create, name="suggestion_create"),
    path("talk/suggestions/mine/", my_suggestions, name="my_suggestions"),
    path("talk/suggestions/", community_suggestions, name="community_suggestions"),
    path("talk/forum/", forum_list, name="forum_list"),
    path("talk/forum/new/", forum_create, name="forum_create"),
    path("talk/neighbours/", neighbour_list, name="neighbour_list"),
    path("talk/neighbours/new/", neighbour_create, name="neighbour_create"),
    path("talk/posts/<int:post_id>/", post_page, name="post_page"),
    path("talk/posts/<int:post_id>/comment/", post_comment, name="post_comment"),
    path("talk/posts/<int:post_id>/report/", post_report, name="post_report"),
    path("talk/posts/<int:post_id>/resolve/", post_resolve, name="post_resolve"),
    path("talk/comments/<int:comment_id>/report/", comment_report, name="comment_report"),
    path("staff/talk/suggestions/", suggestion_list, name="suggestion_list"),
    path("staff/talk/suggestions/<int:suggestion_id>/", suggestion_reply, name="suggestion_reply"),
    path("staff/talk/posts/", post_list, name="post_list"),
    path("staff/talk/moderation/", moderation_queue, name="moderation_queue"),
    path(
        "staff/talk/moderation/posts/<int:post_id>/",
        moderation_decide_post,
        name="moderation_decide_post",
    ),
    path(
        "staff/talk/moderation/comments/<int:comment_id>/",
        moderation_decide_comment,
        name="moderation_decide_comment",
    ),
    path("staff/talk/bans/", ban_list, name="ban_list"),
    path("staff/talk/bans/new/", ban_create, name="ban_create"),
    path("staff/talk/bans/<int:ban_id>/lift/", ban_lift, name="ban_lift"),
    path("staff/talk/policy/", moderation_policy, name="moderation_policy"),
]

__all__ = ["PostKind", "urls"]
