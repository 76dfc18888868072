"""The deadline sweep (限时办结), run every few minutes by the scheduler.

Stage deadlines and warning instants are stored on each case when its stage starts, so the sweep only
compares them with the clock: cases past 80 % of their stage become "due soon", cases past their
deadline "overdue" and escalate to the level above (the township supervises its community's overdue
cases, the county its townships'). Work goes in batches of ids taken from the two sweep indexes; the
reminders are gathered per person — one message saying "3 cases are due soon", not three.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy, ngettext_lazy

from shequ.accounts.models import HandlingUnit
from shequ.accounts.queries import holders
from shequ.cases.models import Case, CaseEvent, DeadlineState, EventKind
from shequ.cases.permissions import CasesPerm
from shequ.core import calendar, notifications
from shequ.territory.models import Region

BATCH = 5000
INBOX_URL = "/cases/inbox/?deadline=%s"


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0


def sweep_deadlines(now: datetime | None = None, *, batch: int = BATCH) -> SweepResult:
    now = now or calendar.now()
    result = SweepResult()
    warn = Case.objects.filter(
        deadline_state=DeadlineState.ON_TIME, stage_warn_at__lte=now, stage_due_at__gt=now
    )
    while ids := list(warn.values_list("pk", flat=True)[:batch]):
        result.due_soon += _mark(ids, DeadlineState.DUE_SOON, (DeadlineState.ON_TIME,), now)
    late = Case.objects.filter(
        deadline_state__in=(DeadlineState.ON_TIME, DeadlineState.DUE_SOON), stage_due_at__lte=now
    )
    while ids := list(late.values_list("pk", flat=True)[:batch]):
        marked, escalated = _mark_overdue(ids, now)
        result.overdue += marked
        result.escalated += escalated
    return result


def _mark(ids: list[int], state: str, sources: tuple[str, ...], now: datetime) -> int:
    with transaction.atomic():
        rows = Case.objects.filter(pk__in=ids, deadline_state__in=sources)
        changed = list(rows.values_list("owner_id", "lead_unit_id", "status"))
        count = rows.update(deadline_state=state)
        _remind(changed, due_soon=True)
    return count


def _mark_overdue(ids: list[int], now: datetime) -> tuple[int, int]:
    sources = (DeadlineState.ON_TIME, DeadlineState.DUE_SOON)
    with transaction.atomic():
        rows = Case.objects.filter(pk__in=ids, deadline_state__in=sources)
        changed = list(rows.values_list("owner_id", "lead_unit_id", "status"))
        count = rows.update(deadline_state=DeadlineState.OVERDUE)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=pk, at=now, kind=EventKind.DEADLINE, action="overdue", public=False
                )
                for pk in ids
            ]
        )
        fresh: QuerySet[Case] = Case.objects.filter(pk__in=ids, escalated_to__isnull=True)
        parent = Region.objects.filter(pk=OuterRef("region_id")).values("parent_id")[:1]
        escalated = fresh.update(escalated_to=Subquery(parent), escalated_at=now, supervised=True)
        _remind(changed, due_soon=False)
        _tell_supervisors(ids, now)
    return count, escalated


def _remind(changed: Sequence[tuple[int | None, int | None, str]], *, due_soon: bool) -> None:
    """One message per owner and per handling unit, with the number of cases."""
    from shequ.accounts.models import User

    per_owner = Counter(owner for owner, _unit, _status in changed if owner)
    per_unit = Counter(unit for _owner, unit, _status in changed if unit)
    subject = gettext_lazy("工单即将到期") if due_soon else gettext_lazy("工单已超期")
    url = INBOX_URL % (DeadlineState.DUE_SOON if due_soon else DeadlineState.OVERDUE)
    owners = User.objects.in_bulk(list(per_owner))
    for owner_id, count in per_owner.items():
        _send([owners[owner_id]], subject, count, url)
    units = HandlingUnit.objects.in_bulk(list(per_unit))
    for unit_id, count in per_unit.items():
        _send(list(holders(CasesPerm.HANDLE, units=[units[unit_id]])), subject, count, url)


def _tell_supervisors(ids: list[int], now: datetime) -> None:
    per_region = Counter(
        Case.objects.filter(pk__in=ids, escalated_at=now).values_list("escalated_to_id", flat=True)
    )
    regions = Region.objects.in_bulk([r for r in per_region if r])
    for region_id, count in per_region.items():
        if region_id in regions:
            people = list(holders(CasesPerm.SUPERVISE, regions=[regions[region_id]]))
            url = INBOX_URL % DeadlineState.OVERDUE
            _send(people, gettext_lazy("超期工单已升级由您督办"), count, url)


def _send(users: Sequence[Any], subject: Any, count: int, url: str) -> None:
    if not users:
        return
    body = ngettext_lazy("%(n)d 件工单", "%(n)d 件工单", count) % {"n": count}
    notifications.notify(
        recipients=users,
        topic="cases.deadline",
        subject=subject,
        body=body,
        url=url,
    )
