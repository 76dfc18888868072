from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shequ.web.navigation import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: language choices, large-text preference, navigation."""
    user = getattr(request, "user", None)
    signed_in = bool(getattr(user, "is_authenticated", False))
    # The switch on the page (a cookie) wins; without it, the preference saved on the account.
    cookie = request.COOKIES.get("shequ_large_text")
    large_text = (
        cookie == "1"
        if cookie in ("0", "1")
        else bool(signed_in and getattr(user, "large_text", False))
    )
    context: dict[str, Any] = {
        "shell_large_text": large_text,
        "shell_languages": settings.LANGUAGES,
        "shell_embedded": not settings.PRODUCTION,
        "shell_nav": [],
        "shell_roles": [],
        "shell_unread": 0,
    }
    if signed_in:
        from shequ.core.notifications import unread_count

        context["shell_nav"] = nav_for(user, request.path)
        context["shell_roles"] = [
            f"{a.role.display_name} · {a.place}"
            for a in user.active_assignments()  # type: ignore[union-attr]
        ]
        context["shell_unread"] = unread_count(user)
    return context
