from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shequ.core import context


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx the real address is in X-Real-IP (set by our own proxy config, see deployment.md);
    # X-Forwarded-For is client-controlled and is not trusted.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.RequestContext(user=getattr(request, "user", None), ip=client_ip(request), channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
