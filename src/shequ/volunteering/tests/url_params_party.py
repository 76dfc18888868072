"""URL parameter providers for the party pages (tests/scope/test_every_url.py).

Per county, at its community: a party organisation 【PO…】 with a member 【PM…】 living there (and,
rostered by the home county's organisation, a member living in the other county: its roster must show
that name masked), and a pending check-in. Plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.volunteering.actions import party as actions
from shequ.volunteering.tests.factories_party import make_member, make_org, resident_user

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "party_records", None)
    if found is not None:
        return found
    found = {}
    for county, code in PLACES.items():
        community = world.regions[code]
        org_mark, member_mark = f"【PO{county}】", f"【PM{county}】"
        world.all_tokens[org_mark] = community.path
        world.all_tokens[member_mark] = community.path
        org = make_org(region=community, name=f"{org_mark}机关党委")
        member = make_member(org=org, community=community, name=f"{member_mark}党员")
        checkin = actions.check_in(user=resident_user(member.resident), offer=f"{member_mark}助老")
        found[county] = {"org": org, "member": member, "checkin": checkin}
    # The home county's organisation rosters someone who lives in the other county.
    away = world.regions[PLACES["320303"]]
    mark = "【PX320303】"
    world.all_tokens[mark] = away.path
    make_member(org=found["320302"]["org"], community=away, name=f"{mark}党员")
    world.party_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "party_org_id": _ids("org"),
    "member_id": _ids("member"),
    "checkin_id": _ids("checkin"),
}
