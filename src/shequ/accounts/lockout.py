"""What django-axes counts failures against. Phone numbers never reach its tables in clear."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shequ.core import crypto
from shequ.core.validators import normalize_phone


def username_from(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    credentials = credentials or {}
    if credentials.get("username"):
        return str(credentials["username"])[:150]
    if credentials.get("phone"):
        return (
            "phone:" + crypto.blind_index("phone", normalize_phone(str(credentials["phone"])))[:24]
        )
    data = getattr(request, "POST", {})
    if data.get("username"):
        return str(data["username"])[:150]
    if data.get("phone"):
        return "phone:" + crypto.blind_index("phone", normalize_phone(str(data["phone"])))[:24]
    return None
