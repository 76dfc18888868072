from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: language choices, large-text preference, demo banner."""
    user = getattr(request, "user", None)
    large_text = request.COOKIES.get("shequ_large_text") == "1" or bool(
        getattr(user, "large_text", False)
    )
    return {
        "shell_large_text": large_text,
        "shell_languages": settings.LANGUAGES,
        "shell_embedded": not settings.PRODUCTION,
    }
