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
from django.db.models import BigIntegerField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models import Case as SqlCase
from django.utils.translation import gettext_lazy, ngettext_lazy

from shequ.accounts.models import HandlingUnit
from shequ.accounts.queries import holders
from shequ.cases.models import Case, CaseEvent, CaseUnit, DeadlineState, EventKind, UnitRole
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
    late_report_ins: int = 0


def sweep_deadlines(now: datetime | None = None, *, batch: int = BATCH) -> SweepResult:
    now = now or calendar.now()
    result = SweepResult()
    while ids := list(due_soon_candidates(now).values_list("pk", flat=True)[:batch]):
        result.due_soon += _mark(ids, DeadlineState.DUE_SOON, (DeadlineState.ON_TIME,), now)
    while ids := list(overdue_candidates(now).values_list("pk", flat=True)[:batch]):
        marked, escalated = _mark_overdue(ids, now)
        result.overdue += marked
        result.escalated += escalated
    result.late_report_ins = _remind_late_report_ins(now)
    return result


def _remind_late_report_ins(now: datetime) -> int:
    """Units summoned by a whistle whose report-in time has passed without a report: one reminder per
    unit (with the number of cases) and a line on each case's timeline, once."""
    late = CaseUnit.objects.filter(
        role=UnitRole.SUMMONED,
        reported_at__isnull=True,
        report_reminded_at__isnull=True,
        ended_at__isnull=True,
        report_due_at__lte=now,
    )
    with transaction.atomic():
        rows = list(late.select_for_update().values_list("pk", "case_id", "unit_id"))
        if not rows:
            return 0
        CaseUnit.objects.filter(pk__in=[pk for pk, _case, _unit in rows]).update(
            report_reminded_at=now
        )
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=case_id,
                    at=now,
                    kind=EventKind.REPORT_IN,
                    action="late",
                    unit_id=unit_id,
                    public=False,
                )
                for _pk, case_id, unit_id in rows
            ]
        )
        per_unit = Counter(unit_id for _pk, _case, unit_id in rows)
        units = HandlingUnit.objects.in_bulk(list(per_unit))
        for unit_id, count in per_unit.items():
            _send(
                list(holders(CasesPerm.HANDLE, units=[units[unit_id]])),
                gettext_lazy("吹哨召集：报到已超时，请尽快报到"),
                count,
                "/cases/unit/",
            )
    return len(rows)


# Each batch is taken in the order of its sweep index. Without an order of its own the query
# inherits the model's (newest first), and PostgreSQL scans the whole table for every batch:
# bench/bench_case_sweep.py took 17.8 s over a million open cases that way, 4.5 s in index order.


def due_soon_candidates(now: datetime) -> QuerySet[Case]:
    """Cases on time whose warning instant has passed, their deadline not yet."""
    return Case.objects.filter(
        deadline_state=DeadlineState.ON_TIME, stage_warn_at__lte=now, stage_due_at__gt=now
    ).order_by("stage_warn_at")


def overdue_candidates(now: datetime) -> QuerySet[Case]:
    """Cases not yet marked overdue whose stage deadline has passed."""
    return Case.objects.filter(
        deadline_state__in=(DeadlineState.ON_TIME, DeadlineState.DUE_SOON), stage_due_at__lte=now
    ).order_by("stage_due_at")


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
        changed = list(rows.values_list("owner_id", "lead_unit_id", "status", "escalated_to_id"))
        # One UPDATE marks the case overdue and, if nobody supervises it yet, escalates it to the
        # level above: every updated row writes a new version into each of the table's indexes,
        # so a second UPDATE for the escalation would double the sweep's main cost.
        fresh = Q(escalated_to__isnull=True)
        parent = Region.objects.filter(pk=OuterRef("region_id")).values("parent_id")[:1]
        count = rows.update(
            deadline_state=DeadlineState.OVERDUE,
            escalated_to=SqlCase(
                When(fresh, then=Subquery(parent)),
                default=F("escalated_to"),
                output_field=BigIntegerField(),
            ),
            escalated_at=SqlCase(When(fresh, then=Value(now)), default=F("escalated_at")),
            supervised=SqlCase(When(fresh, then=Value(True)), default=F("supervised")),
        )
        escalated = sum(1 for *_rest, escalated_to in changed if escalated_to is None)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=pk, at=now, kind=EventKind.DEADLINE, action="overdue", public=False
                )
                for pk in ids
            ]
        )
        _remind([row[:3] for row in changed], due_soon=False)
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
