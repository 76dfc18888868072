"""API authentication: a per-user bearer token, or the browser session (with CSRF for writes).

A token acts exactly as its user — same roles, same jurisdiction. Tokens are stored hashed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from shequ.accounts.models import ApiToken
from shequ.core.permissions import CorePerm


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "shq":
            request.shequ_auth_failure = "token_invalid"  # type: ignore[attr-defined]
            return None
        # Looked up afresh on every request, never cached: a revoked or expired token is refused at
        # once. ``get`` on the unique prefix, because ``first()`` would sort for nothing.
        try:
            row: ApiToken | None = ApiToken.objects.select_related("user").get(prefix=parts[1])
        except ApiToken.DoesNotExist:
            row = None
        if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)):
            request.shequ_auth_failure = "token_invalid"  # type: ignore[attr-defined]
            return None
        now = timezone.now()
        if row.revoked_at is not None:
            request.shequ_auth_failure = "token_revoked"  # type: ignore[attr-defined]
            return None
        if row.expires_at is not None and row.expires_at <= now:
            request.shequ_auth_failure = "token_expired"  # type: ignore[attr-defined]
            return None
        user = row.user
        if not user.is_active or not user.has_permission(CorePerm.USE_API):
            request.shequ_auth_failure = "token_invalid"  # type: ignore[attr-defined]
            return None
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. CSRF is checked for unsafe methods (ninja does it with csrf=True)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.requires_second_factor() and not user.is_verified():
                return None
            return user
        return None
