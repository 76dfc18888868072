"""Reads of the shared kernel's tables, scoped to the reader's jurisdiction."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.core.permissions import CorePerm


def visible_audit_events(user: Any) -> QuerySet[AuditEvent]:
    """Events filed under places in the user's audit jurisdiction.

    Events tied to no place (a failed sign-in with an unknown name) are shown only to auditors whose
    jurisdiction starts at a root of the territory.
    """
    if not getattr(user, "is_authenticated", False):
        return AuditEvent.objects.none()
    where = user.jurisdiction(CorePerm.VIEW_AUDIT)
    paths = (*where.region_paths, *where.grid_paths)
    if not paths:
        return AuditEvent.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(region_path__under=path)
    if any(path.count("/") == 1 for path in where.region_paths):
        condition |= Q(region_path="")
    return AuditEvent.objects.filter(condition)


def filter_audit_events(
    events: QuerySet[AuditEvent],
    *,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if outcome:
        events = events.filter(outcome=outcome)
    if object_type:
        events = events.filter(object_type=object_type)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events


def audit_actions(events: QuerySet[AuditEvent]) -> list[str]:
    return list(events.order_by().values_list("action", flat=True).distinct()[:200])
