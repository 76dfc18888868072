"""Staff whose role requires a second factor must pass it before anything else (等保 8.1.4.1)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

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
