"""Demo visits: the recommended visit rules at city level, plans for last month and this month in
the home township, most of last month's and a good share of this month's already visited (so the
compliance pages show a realistic rate, not 100 %), some overdue; the demo grid worker's grid has
visits due today. Through the actions (rules and plans as the system, visits as their visitor),
deterministic for a seed, marked ``is_synthetic``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from shequ.care.actions import visits as actions
from shequ.care.models import Finding, Visit, VisitMode, VisitPlan, VisitPlanStatus, VisitRule
from shequ.cases.models import Case
from shequ.core import calendar
from shequ.registry.actions import tag_care_group
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.territory.models import Grid, Level, Region

# Visits recorded through the action, at most: enough for a realistic rate without a slow demo.
MAX_VISITS = 400
GRID_GROUPS = (CareGroup.EXTREME_POVERTY, CareGroup.LIVING_ALONE_ELDERLY)
NOTES = ["老人精神状态良好。", "家中整洁，按时服药。", "子女本周来过。", "提醒注意用电安全。", ""]


def _up_to(region: Region, level: str) -> Region | None:
    found: Region | None = region
    while found is not None and found.level != level:
        found = found.parent
    return found


def _first_community(county: Region) -> Region | None:
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .order_by("path")
        .first()
    )


def _ensure_grid_residents(grid: Grid, today: date, rng: random.Random) -> int:
    """A few care-group residents in the demo grid (tagged through the registry's action) so the
    grid worker's page has visits."""
    have = CareGroupTag.objects.filter(
        resident__grid=grid, resident__status=LifeStatus.ACTIVE, group__in=GRID_GROUPS
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    if have.count() >= 3:
        return 0
    candidates = list(
        Resident.objects.filter(
            grid=grid, status=LifeStatus.ACTIVE, birth_date__lte=date(today.year - 65, 1, 1)
        )
        .select_related("community", "grid")
        .order_by("pk")[:6]
    )
    if len(candidates) < 3:
        candidates += list(
            Resident.objects.filter(grid=grid, status=LifeStatus.ACTIVE)
            .exclude(pk__in=[c.pk for c in candidates])
            .select_related("community", "grid")
            .order_by("pk")[: 6 - len(candidates)]
        )
    made = 0
    for i, resident in enumerate(candidates[:6]):
        tag_care_group(
            resident=resident,
            group=GRID_GROUPS[i % 2],
            start_date=today.replace(day=1) - timedelta(days=400 + rng.randint(0, 300)),
            source="演示数据",
            by=None,
        )
        made += 1
    return made


def _at(day: date, rng: random.Random) -> datetime:
    moment = time(rng.randint(9, 16), rng.choice((0, 15, 30, 45)))
    return datetime.combine(day, moment, tzinfo=calendar.now().tzinfo)


def _visitor(plan: VisitPlan, staff: dict[int, Any]) -> Any:
    return plan.visitor or staff.get(plan.community_id)


def load_demo_visits(
    *,
    county: Region,
    seed: int,
    community: Region | None = None,
    grid: Grid | None = None,
    users: dict[str, Any] | None = None,
) -> dict[str, int]:
    rng = random.Random(f"{seed}-visits")  # noqa: S311 (demo data)
    users = users or {}
    today = calendar.localdate()
    now = calendar.now()
    community = community or _first_community(county)
    if community is None:
        return {"rules": 0, "plans": 0, "visits": 0, "cases": 0}
    township = _up_to(community, Level.TOWNSHIP) or community
    city = _up_to(county, Level.CITY) or county
    with transaction.atomic():
        rules = actions.load_default_rules(region=city, by=None)
        tagged = _ensure_grid_residents(grid, today, rng) if grid is not None else 0
        this_month = today.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        made = actions.generate_plans(
            region=township, period_start=last_month, by=None, is_synthetic=True
        ).created
        made += actions.generate_plans(
            region=township, period_start=this_month, by=None, is_synthetic=True
        ).created
        # Today's visits for the demo grid worker: a few of this period's plans fall due today.
        if grid is not None:
            due_today = list(
                VisitPlan.objects.filter(
                    grid=grid,
                    status=VisitPlanStatus.PLANNED,
                    period_start__lte=today,
                    due_date__gte=today,
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:4]
            )
            VisitPlan.objects.filter(pk__in=due_today).update(due_date=today)
        else:
            due_today = []
    staff_user = users.get("community_staff")
    staff = {community.pk: staff_user} if staff_user is not None else {}
    plans = list(
        VisitPlan.objects.filter(
            community__path__under=township.path,
            status=VisitPlanStatus.PLANNED,
            period_start__lte=today,
            is_synthetic=True,
        )
        .exclude(pk__in=due_today)
        .select_related(
            "rule", "resident__community", "resident__grid", "community", "grid", "visitor"
        )
        .order_by("pk")
    )
    rng.shuffle(plans)
    visits = cases = 0
    for plan in plans:
        if visits >= MAX_VISITS:
            break
        period_start = plan.period_start
        # Most of last month's visits were made, about half of this month's so far; the rest overdue
        # or still to do.
        share = 0.85 if plan.due_date < today.replace(day=1) else 0.5
        if rng.random() > share:
            continue
        by = _visitor(plan, staff)
        if by is None:
            continue
        latest = min(plan.due_date, today - timedelta(days=1))
        if latest < period_start:
            continue
        day = period_start + timedelta(days=rng.randint(0, (latest - period_start).days))
        findings = [Finding.NEEDS_SERVICE] if rng.random() < 0.03 else []
        checklist = plan.rule.checklist
        data = actions.VisitInput(
            mode=plan.mode if plan.mode in VisitMode.values else VisitMode.IN_PERSON,
            visited_at=min(_at(day, rng), now - timedelta(hours=1)),
            answers={item: rng.random() < 0.92 for item in checklist},
            findings=findings,
            note=rng.choice(NOTES),
            request_key=f"demo-{seed}-{plan.pk}",
        )
        try:
            visit = actions.record_visit(by=by, data=data, plan=plan, is_synthetic=True)
        except (ValidationError, PermissionDenied):
            continue
        visits += 1
        cases += 1 if visit.case_id else 0
    # The cases the demo's findings opened are demo data too: the cases demo's reset removes them.
    Case.objects.filter(visits__is_synthetic=True).update(is_synthetic=True)
    return {
        "rules": rules,
        "tagged": tagged,
        "plans": made,
        "visits": visits,
        "cases": cases,
        "rule_total": VisitRule.objects.filter(region=city).count(),
    }


def delete_demo_visits() -> dict[str, int]:
    """Remove synthetic visits and plans (and any touching a synthetic resident), and rules nobody's
    plan uses any more. Cases opened by demo visits are marked synthetic when made, and go with the
    cases demo's reset."""
    visits = Visit.objects.filter(
        Q(is_synthetic=True) | Q(resident__is_synthetic=True) | Q(plan__is_synthetic=True)
    ).delete()[0]
    plans = VisitPlan.objects.filter(
        Q(is_synthetic=True) | Q(resident__is_synthetic=True)
    ).delete()[0]
    rules = VisitRule.objects.filter(plans__isnull=True, updated_by__isnull=True).delete()[0]
    return {"visits": visits, "plans": plans, "rules": rules}
