"""URL parameter values for the every-URL-every-role test: the `meetings` feature. Per county, at its
community: a body 【MB…】 with a member 【MM…】, a scheduled meeting 【MT…】 and an open poll 【MP…】;
plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.participation.actions import meetings as actions
from shequ.participation.tests.factories_meetings import make_body, make_meeting, make_poll
from shequ.registry.tests import factories as registry

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "meeting_records", None)
    if found is not None:
        return found
    found = []
    for county, code in PLACES.items():
        community = world.regions[code]
        marks = {k: f"【{k}{county}】" for k in ("MB", "MM", "MT", "MP")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        body = make_body(community, name=f"{marks['MB']}议事会", members=0)
        person = registry.resident(community, f"{marks['MM']}委员")
        member = actions.add_member(
            body=body, by=None, resident=person, start_on=body.constituted_on
        )
        staff = world.users["community_staff"] if county == "320302" else world.outsider
        meeting = make_meeting(community, by=staff, body=body, title=f"{marks['MT']}月谈")
        poll = make_poll(community, by=staff, question=f"{marks['MP']}表决", meeting=meeting)
        found.append({"body": body, "member": member, "meeting": meeting, "poll": poll})
    world.meeting_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world)] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "body_id": _ids("body"),
    "body_member_id": _ids("member"),
    "meeting_id": _ids("meeting"),
    "poll_id": _ids("poll"),
}
