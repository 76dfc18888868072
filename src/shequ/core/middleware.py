from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shequ.core import context


def client_ip(request: HttpRequest, *args: Any) -> str | None:
    """The client's address. ``X-Real-IP`` is believed only when the request came from one of our own
    proxies (``SHEQU_TRUSTED_PROXIES``, nginx in deployment.md); anyone else could forge it.

    Used by the audit trail and, through ``AXES_CLIENT_IP_CALLABLE``, by the lockout — so both see the
    same address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_REAL_IP")
    if forwarded and remote in settings.SHEQU_TRUSTED_PROXIES:
        return forwarded.strip()[:45]
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.RequestContext(request=request, ip=client_ip(request), channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
