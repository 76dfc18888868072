"""URL parameter values for the every-URL test: the `lists` feature. Per county, at its community: a
need 【LN…】 (matched), a resource 【LR…】, a livelihood project 【LP…】 and an unpublished
micro-renewal project 【LM…】 with a contribution and a spending line (unpublished, so the public
page shows none of it); plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.participation.actions import lists as actions
from shequ.participation.tests.factories_lists import (
    give,
    make_need,
    make_project,
    make_renewal,
    make_resource,
    spend,
)

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "lists_records", None)
    if found is not None:
        return found
    found = []
    staff = world.users["community_staff"]
    for county, code in PLACES.items():
        community = world.regions[code]
        by = staff if county == "320302" else world.outsider
        marks = {k: f"【L{k}{county}】" for k in ("N", "R", "P", "M")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        need = make_need(community, by, title=f"{marks['N']}需求", description=marks["N"])
        resource = make_resource(community, by, title=f"{marks['R']}资源", provider=marks["R"])
        project = make_project(community, by, title=f"{marks['P']}项目")
        actions.match_need(need=need, by=by, resource=resource, project=project, note=marks["N"])
        renewal = make_renewal(
            community, by, title=f"{marks['M']}微更新", is_published=False, budget="1000"
        )
        give(renewal, by, "600", contributor=f"{marks['M']}居民")
        spend(renewal, by, "100", item=f"{marks['M']}支出")
        found.append({"need": need, "resource": resource, "project": project, "renewal": renewal})
    world.lists_records = found
    return found


def _ids(name: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[name].pk) for r in _records(world)] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "need_id": _ids("need"),
    "resource_id": _ids("resource"),
    "livelihood_project_id": _ids("project"),
    "renewal_id": _ids("renewal"),
}
