"""Sign-ins, sign-outs and failed attempts go to the audit trail (等保 8.1.4.3 covers every user).

Django's auth signals are the one place these events surface for every entry point (form, admin, API
session), so this is the exception to "no signals": nothing domain-level happens here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from shequ.core import audit
from shequ.core.models import AuditOutcome
from shequ.core.validators import normalize_phone


def _masked_identifier(credentials: dict[str, Any]) -> str:
    if credentials.get("username"):
        return str(credentials["username"])[:150]
    if credentials.get("phone"):
        from shequ.core.masking import mask_phone

        return mask_phone(normalize_phone(str(credentials["phone"])))
    return ""


def _home_place(user: Any) -> Any:
    """Where a user's events are filed for auditors: the place of their first role."""
    for assignment in user.active_assignments():
        if assignment.grid is not None:
            return assignment.grid
        if assignment.region is not None:
            return assignment.region
        if assignment.handling_unit is not None:
            return assignment.handling_unit.region
    return None


def _record_session_event(action: str, user: Any) -> None:
    roles = ",".join(sorted({a.role.code for a in user.active_assignments()}))
    audit.record(
        action,
        actor=user,
        role=roles[:40],
        region=_home_place(user),
        object_type="accounts.User",
        object_id=str(user.pk),
        object_repr=user.get_username(),
    )


@receiver(user_logged_in, dispatch_uid="shequ-audit-login")
def _logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    _record_session_event("auth.sign_in", user)


@receiver(user_logged_out, dispatch_uid="shequ-audit-logout")
def _logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        _record_session_event("auth.sign_out", user)


@receiver(user_login_failed, dispatch_uid="shequ-audit-login-failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    audit.record(
        "auth.sign_in_failed",
        actor=None,
        actor_name=_masked_identifier(credentials),
        object_type="accounts.User",
        outcome=AuditOutcome.FAILURE,
    )
