"""URL parameter values for the every-URL-every-role test: the work-project pages.

Per county: a running project held by the county (title 【WP…】) with a milestone (【WM…】) and a
progress report with an attachment (text 【WR…】). The milestones answer to a department made here,
not to the unit of the world's ``unit_handler``, so that the unit's staff see none of them (their
own milestones are tested in test_projects.py). Plus ids that do not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.accounts.models import HandlingUnit
from shequ.core import calendar
from shequ.indicators.actions import projects as actions
from shequ.indicators.tests.factories_projects import make_milestone, make_project, start

COUNTIES = ("320302", "320303")
NOWHERE = "999999"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "project_records", None)
    if found is not None:
        return found
    found = {}
    today = calendar.localdate()
    for county in COUNTIES:
        region = world.regions[county]
        for mark in (f"【WP{county}】", f"【WM{county}】", f"【WR{county}】", f"【WU{county}】"):
            world.all_tokens[mark] = region.path
        unit = HandlingUnit.objects.create(
            code=f"{county}-fgw", name=f"【WU{county}】发改局", region=region
        )
        project = make_project(region=region, lead_unit=unit, title=f"【WP{county}】项目")
        milestone = make_milestone(
            project=project,
            unit=unit,
            due_on=today - timedelta(days=3),
            title=f"【WM{county}】节点",
        )
        start(project)
        report = actions.report_progress(
            milestone=milestone,
            by=world.users["city_official"],
            reported_on=today,
            percent=30,
            text=f"【WR{county}】进展",
            upload=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
        )
        found[county] = {"project": project, "milestone": milestone, "report": report}
    world.project_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "project_id": _ids("project"),
    "milestone_id": _ids("milestone"),
    "report_id": _ids("report"),
}
