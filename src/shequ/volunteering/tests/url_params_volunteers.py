"""URL parameter providers for the volunteers pages (tests/scope/test_every_url.py).

Per county, at its community: an approved volunteer whose name carries 【VN…】, in a party team named
【VT…】 (so a page that shows either elsewhere leaks a token); and a second volunteer, 【VJ…】, whose
request to join a general team 【VG…】 is pending. Plus ids that do not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.registry.tests import factories as people
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.tests.factories_party import resident_user
from shequ.volunteering.tests.factories_volunteers import make_volunteer

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "volunteer_records", None)
    if found is not None:
        return found
    found = {}
    for county, code in PLACES.items():
        community = world.regions[code]
        name_mark, team_mark = f"【VN{county}】", f"【VT{county}】"
        for mark in (name_mark, team_mark):
            world.all_tokens[mark] = community.path
        # An ID number of its own birth date: other providers' residents never take it.
        number = people.id_number(date(1961, 3, 3), serial=int(county[-1]))
        volunteer = make_volunteer(community=community, name=f"{name_mark}志愿者", number=number)
        team = actions.create_team(
            region=community, by=None, name=f"{team_mark}先锋队", category="party"
        )
        actions.add_member(team=team, volunteer=volunteer, by=None)
        asker_mark, open_mark = f"【VJ{county}】", f"【VG{county}】"
        for mark in (asker_mark, open_mark):
            world.all_tokens[mark] = community.path
        asker = make_volunteer(
            community=community,
            name=f"{asker_mark}志愿者",
            number=people.id_number(date(1962, 4, 4), serial=int(county[-1])),
        )
        open_team = actions.create_team(
            region=community, by=None, name=f"{open_mark}服务队", category="general"
        )
        join = actions.request_to_join(team=open_team, by=resident_user(asker.resident))
        found[county] = {"volunteer": volunteer, "team": team, "join_request": join}
    world.volunteer_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "volunteer_id": _ids("volunteer"),
    "team_id": _ids("team"),
    "join_request_id": _ids("join_request"),
}
