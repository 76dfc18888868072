"""The steps a staff member may take on a case now: the declared workflow's transitions plus the
steps that leave the status alone (urge, supervise, whistle, report in, note).

A step is offered when the case's status allows it and the user holds its permission over the case —
at the case's place, or at a handling unit working on it — the same test the actions make
(``handling.require_case``), so what is offered is what will be accepted. The case itself must come
from a scoped query. Costs at most one query (the case's active units), and none for a user who holds
no role at a handling unit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import OPEN_STATUSES, Case, UnitRole
from shequ.cases.permissions import CasesPerm
from shequ.cases.workflow import CASE


@dataclass(frozen=True)
class Step:
    name: str
    label: str | Promise
    permission: str
    statuses: Collection[str] | None  # None: any status
    style: str = "primary"
    # Only the lead unit signs, returns and handles a dispatched case (``handling._unit_of``).
    lead_unit_only: bool = False


def _from_workflow(name: str, *, lead_unit_only: bool = False) -> Step:
    transition = CASE.get(name)
    return Step(
        transition.name,
        transition.label,
        transition.permission,
        transition.sources,
        transition.style,
        lead_unit_only,
    )


def _verify_fail() -> Step:
    transition = CASE.get("verify_fail")
    return Step(
        "verify_fail", transition.label, transition.permission, transition.sources, "danger"
    )


# In the order a case meets them. "handle" is the workflow's handle (a unit's) or handle_self (the
# accepting office's), whichever fits the case: see ``_handle``.
STEPS: tuple[Step, ...] = (
    _from_workflow("accept"),
    _from_workflow("reject"),
    _from_workflow("dispatch"),
    _from_workflow("start_self"),
    _from_workflow("sign", lead_unit_only=True),
    _from_workflow("return", lead_unit_only=True),
    _from_workflow("handle", lead_unit_only=True),
    _from_workflow("verify"),
    _verify_fail(),
    _from_workflow("close"),
    _from_workflow("resume"),
    _from_workflow("merge"),
    Step("whistle", _("吹哨"), CasesPerm.DISPATCH, OPEN_STATUSES),
    Step("report_in", _("报到"), CasesPerm.HANDLE, None),
    Step("urge", _("催办"), CasesPerm.DISPATCH, OPEN_STATUSES),
    Step("supervise", _("督办"), CasesPerm.SUPERVISE, OPEN_STATUSES),
    Step("note", _("备注"), CasesPerm.VIEW, None),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def _handle(case: Case) -> Step:
    if case.lead_unit_id is None:
        transition = CASE.get("handle_self")
        return Step("handle", transition.label, transition.permission, transition.sources)
    return STEPS[STEP_NAMES.index("handle")]


def available_steps(user: Any, case: Case) -> list[Step]:
    """The steps ``user`` may take on ``case`` now, in ``STEPS`` order."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    path = case.grid.path if case.grid_id is not None and case.grid else case.region.path
    unit_ids = set(user.jurisdiction().unit_ids)
    active: dict[int, list[Any]] = {}
    if unit_ids:
        for link in case.units.filter(ended_at__isnull=True, unit_id__in=unit_ids):
            active.setdefault(link.unit_id, []).append(link)
    found = []
    for step in STEPS:
        if step.name == "handle":
            step = _handle(case)
        if step.statuses is not None and case.status not in step.statuses:
            continue
        if not user.has_permission(step.permission):
            continue
        where = user.jurisdiction(step.permission)
        held_units = set(where.unit_ids) & set(active)
        if not where.covers_path(path) and not held_units:
            continue
        if step.lead_unit_only and where.unit_ids and case.lead_unit_id not in where.unit_ids:
            continue
        if step.name == "report_in" and not any(
            link.role == UnitRole.SUMMONED and link.reported_at is None
            for unit_id in where.unit_ids
            for link in active.get(unit_id, [])
        ):
            continue
        found.append(step)
    return found
