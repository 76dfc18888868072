"""Writing the audit trail. Call ``record`` inside the transaction of the change it describes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from shequ.core import context
from shequ.core.models import AuditEvent, AuditOutcome


def _region_of(obj: Any) -> tuple[str, str]:
    """(code, path) of the place an object belongs to, found through its scope declaration."""
    if obj is None:
        return "", ""
    for attr in ("scope_grid_field", "scope_region_field"):
        field_path = getattr(obj, attr, None)
        if not field_path:
            continue
        target = obj
        if field_path != "self":
            for part in field_path.split("__"):
                target = getattr(target, part, None)
                if target is None:
                    break
        path = getattr(target, "path", "") if target is not None else ""
        if path:
            return getattr(target, "code", ""), path
    return "", ""


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    actor: Any = None,
    role: str = "",
    fields: Iterable[str] = (),
    reason: str = "",
    outcome: str = AuditOutcome.SUCCESS,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region: Any = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one event. ``fields`` are names only — never pass a value of a personal field."""
    ctx = context.current()
    if actor is None:
        actor = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    region_code, region_path = _region_of(region if region is not None else obj)
    if region is not None and not region_path:
        region_code, region_path = getattr(region, "code", ""), getattr(region, "path", "")
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(actor_name or (actor.get_username() if actor is not None else ""))[:150],
        role=role,
        region_code=region_code,
        region_path=region_path,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        fields=sorted(set(fields)),
        reason=reason[:300],
        ip=ctx.ip,
        outcome=outcome,
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def reveal(
    obj: Any,
    field_name: str,
    *,
    reason: str,
    allowed: Iterable[str],
    action: str,
    actor: Any,
    require: Callable[[], None] | None = None,
    **event: Any,
) -> str:
    """The clear value of one masked field of ``obj``, for someone who says why (PIPL: only what the
    task needs). The field must be one of ``allowed`` and the reason at least 4 characters; then
    ``require()`` checks the actor's right (it raises ``PermissionDenied``), and the reveal is
    recorded as ``action`` with the reason and the field's name — never its value."""
    reason = (reason or "").strip()
    if field_name not in set(allowed) or not hasattr(obj, field_name):
        raise ValidationError({"field": _("该字段不能查看。")})
    if len(reason) < 4:
        raise ValidationError({"reason": _("请说明查看的事由（至少4个字），例如办理的事项。")})
    if require is not None:
        require()
    with transaction.atomic():
        record(action, obj=obj, actor=actor, fields=[field_name], reason=reason, **event)
    return str(getattr(obj, field_name) or "")
