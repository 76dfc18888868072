"""URL parameter values for the every-URL-every-role test: the `elections` feature. Per county, at
its community: an election 【EL…】 with the roll built and published, a voter 【EV…】 on it, a pending
application and a pending objection; plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.participation.actions import elections as actions
from shequ.participation.tests.factories_elections import adult, make_election, resident_user

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "election_records", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        election_mark, person_mark = f"【EL{county}】", f"【EV{county}】"
        world.all_tokens[election_mark] = community.path
        world.all_tokens[person_mark] = community.path
        election = make_election(community, by=None, title=f"{election_mark}换届选举")
        voter = adult(community, f"{person_mark}甲")
        applicant = adult(community, f"{person_mark}乙", residence_status="migrant")
        actions.build_roll(election=election, by=None)
        request = actions.apply(
            election=election,
            by=resident_user(applicant),
            reason=f"{person_mark}申请理由",
            years_resident=5,
        )
        actions.publish(election=election, by=None)
        objection = actions.file_objection(
            election=election,
            by=resident_user(voter),
            kind="wrongly_included",
            subject=voter,
            body=f"{person_mark}异议理由",
        )
        entry = actions.RollEntry.objects.get(election=election, resident=voter)
        found.append(
            {"election": election, "entry": entry, "request": request, "objection": objection}
        )
    world.election_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world)] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "election_id": _ids("election"),
    "roll_entry_id": _ids("entry"),
    "registration_id": _ids("request"),
    "roll_objection_id": _ids("objection"),
}
