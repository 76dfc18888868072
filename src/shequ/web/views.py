"""The shells: landing page, staff console home, resident home, inbox, health check, error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.accounts.queries import place_labels
from shequ.core import notifications
from shequ.volunteering.queries.volunteers import resident_roles
from shequ.web.attention import items_for


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    if getattr(user, "is_resident", False):
        return render(
            request,
            "web/resident_home.html",
            {"unread": notifications.unread_count(user), **resident_roles(user)},
        )
    assignments = user.active_assignments()  # type: ignore[union-attr]
    labels = place_labels(assignments)
    roles = [(a, labels.get(a.pk, str(a.place or ""))) for a in assignments]
    return render(
        request,
        "web/console_home.html",
        {"roles": roles, "attention": items_for(user)},
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = notifications.inbox(request.user).only(
        "subject", "body", "url", "created_at", "read_at"
    )
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    template = (
        "web/inbox_resident.html"
        if getattr(request.user, "is_resident", False)
        else "web/inbox.html"
    )
    return render(request, template, {"page_obj": page})


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notifications.mark_read(request.user, ids or None)
    return redirect("web:inbox")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers, and the broker if one is configured."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
        healthy = False
    if settings.CELERY_BROKER_URL:
        from shequ.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:
            checks["broker"] = "error"
            healthy = False
    else:
        checks["broker"] = "not_configured"
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/open311/"))


def _error(
    request: HttpRequest, status: int, code: str, message: str, template: str
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": code, "message": message, "errors": []}, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        message = _("提交的内容太大（上限 %(mb)s MB），请减少内容或分批提交。") % {"mb": limit_mb}
        return _error(request, 400, "request_too_large", message, "400.html")
    return _error(request, 400, "bad_request", _("请求无法处理，请检查后重试。"), "400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "forbidden", _("您没有权限访问此页面。"), "403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", _("找不到该页面，或不在您的管辖范围内。"), "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"code": "server_error", "message": _("服务器出错了，请稍后再试。"), "errors": []},
            status=500,
        )
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = _("页面已过期或安全令牌缺失，请刷新页面后重试。")
    if _wants_json(request):
        return JsonResponse({"code": "csrf_failed", "message": message, "errors": []}, status=403)
    context: dict[str, Any] = {"message": message}
    return render(request, "403_csrf.html", context, status=403)
