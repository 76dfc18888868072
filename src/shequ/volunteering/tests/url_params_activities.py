"""URL parameter values for the every-URL-every-role test: the volunteering app's activity pages and API.

Per county, at its community: a recruiting activity whose title carries the sentinel 【A…】 with one
enrolled volunteer, plus codes and ids that do not exist. Attendance tokens are an expired code of
each activity (a code is good for a minute only, and the test takes longer) and a forged one: the
page must say so without naming the activity."""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.volunteering import attendance
from shequ.volunteering.tests.factories_activities import enrol, make_activity, volunteer_user

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "activity_records", None)
    if found is not None:
        return found
    found = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        mark = f"【A{county}】"
        world.all_tokens[mark] = community.path
        organiser = world.users["community_staff"] if county == "320302" else world.outsider
        activity = make_activity(community=community, by=organiser, title=f"{mark}助老服务")
        # A birth date of its own, so the ID number never meets another provider's resident.
        user, _volunteer = volunteer_user(
            community, "赵志愿", born=date(1992, 5, 20 + len(found)), sex="female"
        )
        signup = enrol(activity, user)
        found[county] = {"activity": activity, "signup": signup}
    world.activity_records = found
    return found


def _activity_codes(world: Any, model: Any) -> list[str]:
    return [r["activity"].code for r in _records(world).values()] + ["HDNOSUCH"]


def _signup_ids(world: Any, model: Any) -> list[str]:
    return [str(r["signup"].pk) for r in _records(world).values()] + [NOWHERE]


def _attendance_tokens(world: Any, model: Any) -> list[str]:
    records = _records(world).values()
    expired = [
        attendance.make_token(r["activity"], attendance.IN, attendance.window_at() - 10)
        for r in records
    ]
    return [*expired, "1.1.i." + "0" * 32, "not-a-token"]


PROVIDERS = {
    "activity_code": _activity_codes,
    "signup_id": _signup_ids,
    "attendance_token": _attendance_tokens,
}
