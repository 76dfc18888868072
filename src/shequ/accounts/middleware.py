"""Session rules of 等保 8.1.4.1: a second factor where a role requires it, and sign-out when idle."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

ALWAYS_OPEN = ("/static/", "/healthz", "/i18n/", "/accounts/logout/", "/accounts/2fa/", "/favicon")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALWAYS_OPEN)
            and user.requires_second_factor()
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "second_factor_required",
                        "message": "Second factor required",
                        "errors": [],
                    },
                    status=403,
                )
            return redirect("accounts:two_factor")
        return self.get_response(request)


SEEN_KEY = "shequ_seen"
SEEN_RESOLUTION_SECONDS = 60  # the session is rewritten at most once a minute, not on every request


class IdleTimeoutMiddleware:
    """Sign a browser session out after ``SHEQU_IDLE_MINUTES`` without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - int(seen) > settings.SHEQU_IDLE_MINUTES * 60:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "session_expired",
                            "message": _("登录已超时，请重新登录。"),
                            "errors": [],
                        },
                        status=401,
                    )
                messages.info(
                    request, _("您已较长时间未操作，为保护账号安全已自动退出，请重新登录。")
                )
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if seen is None or now - int(seen) >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)
