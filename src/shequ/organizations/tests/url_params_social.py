"""URL parameter values for the every-URL-every-role test: the organizations app's social pages and API.

Per county, at its community: a social organisation whose name carries 【SO…】 with an activity, a
social-work room with a staff member 【SS…】, and a running project 【SP…】 with a milestone. Plus ids
that do not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from shequ.organizations.actions import social as actions
from shequ.organizations.tests.factories_social import (
    make_activity,
    make_org,
    make_project,
    make_site,
    make_staff,
)

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "social_records", None)
    if found is not None:
        return found
    found = {}
    for n, (county, code) in enumerate(PLACES.items()):
        community = world.regions[code]
        org_mark, staff_mark, project_mark = f"【SO{county}】", f"【SS{county}】", f"【SP{county}】"
        for mark in (org_mark, staff_mark, project_mark):
            world.all_tokens[mark] = community.path
        org = make_org(
            region=community,
            name=f"{org_mark}互助会",
            leader_name=f"{org_mark}负责人",
            serial=900 + n,
        )
        make_activity(org=org, community=community, title=f"{org_mark}活动")
        site = make_site(region=community, kind="room", name=f"{staff_mark}社工室", operator=org)
        staff = make_staff(site=site, name=f"{staff_mark}社工")
        project = make_project(
            region=community,
            provider=org,
            communities=[community],
            title=f"{project_mark}项目",
            buyer=f"{project_mark}街道",
        )
        milestone = actions.add_milestone(
            project=project,
            by=None,
            title=f"{project_mark}节点",
            due_on=timezone.localdate() + timedelta(days=10),
        )
        found[county] = {
            "org": org,
            "site": site,
            "staff": staff,
            "project": project,
            "milestone": milestone,
        }
    world.social_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "org_id": _ids("org"),
    "sw_site_id": _ids("site"),
    "sw_staff_id": _ids("staff"),
    "service_project_id": _ids("project"),
    "project_milestone_id": _ids("milestone"),
}
