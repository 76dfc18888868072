"""URL parameter values for the every-URL-every-role test: the `visits` feature. Per county (home and
elsewhere): a county rule, a plan for a resident 【VR…】 in the county's first grid, and a visit to
them by someone holding care.visit there; plus ids that do not exist. ``resident_id`` comes from the
registry's providers."""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.care.actions import visits as actions
from shequ.care.models import VisitPlan
from shequ.care.tests.factories_visits import cared_for, rule
from shequ.core import calendar

PLACES = {
    "320302": ("320302001001", "320302001001001"),
    "320303": ("320303001001", "320303001001001"),
}
NOWHERE = "999999"


def _made(world: Any) -> dict[str, list[str]]:
    found = getattr(world, "care_visits_made", None)
    if found is not None:
        return found
    found = {"rules": [], "plans": [], "visits": []}
    today = calendar.localdate()
    for county, (community_code, grid_code) in PLACES.items():
        community, grid = world.regions[community_code], world.grids[grid_code]
        mark = f"【VR{county}】"
        world.all_tokens[mark] = grid.path
        made = rule(world.regions[county], checklist=[f"{mark}要点"])
        found["rules"].append(str(made.pk))
        person = cared_for(community, f"{mark}老人", grid=grid, since=date(2020, 1, 1))
        actions.generate_plans(region=world.regions[county], period_start=today, by=None)
        found["plans"].append(str(VisitPlan.objects.filter(resident=person).first().pk))
        visited = cared_for(community, f"{mark}老人乙", grid=grid, since=date(2020, 1, 1))
        visitor = world.users["grid_worker"] if county == "320302" else world.outsider
        visit = actions.record_visit(
            by=visitor,
            data=actions.VisitInput(mode="in_person", note=f"{mark}探访情况"),
            resident=visited,
        )
        found["visits"].append(str(visit.pk))
    world.care_visits_made = found
    return found


PROVIDERS: dict[str, Any] = {
    "visit_rule_id": lambda w, m: [*_made(w)["rules"], NOWHERE],
    "plan_id": lambda w, m: [*_made(w)["plans"], NOWHERE],
    "visit_id": lambda w, m: [*_made(w)["visits"], NOWHERE],
}
