"""URL parameter values for the every-URL-every-role test: the organizations app's providers pages and API.

Per county (320302 and 320303): a property company registered at the county whose legal
representative carries the sentinel 【R…】 (the public directory shows names, services and addresses
but never the legal representative, so the sentinel stays out of public pages), managing the
county's first estate; a committee of that estate whose chair carries 【K…】 (marked with the
estate's grid path); a sanction whose note carries 【S…】; and a complaint case linked to the
provider. Plus ids that do not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.organizations.actions import providers as actions
from shequ.organizations.tests.factories_providers import make_case, make_provider

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "provider_records", None)
    if found is not None:
        return found
    found = {}
    for county, community_code in PLACES.items():
        region = world.regions[county]
        community = world.regions[community_code]
        estate = community.estates.order_by("pk").first()
        grid_path = estate.grid.path if estate.grid_id else community.path
        person, chair, note = f"【R{county}】", f"【K{county}】", f"【S{county}】"
        world.all_tokens[person] = region.path
        world.all_tokens[note] = region.path
        world.all_tokens[chair] = grid_path
        provider = make_provider(
            region=region,
            name=f"彭城{county}物业有限公司",
            legal_representative=f"{person}张三",
            is_state_owned=True,
        )
        actions.set_estate_management(
            estate=estate, by=None, mode="company", provider=provider, started_on=date(2024, 1, 1)
        )
        committee = actions.record_committee(
            estate=estate,
            by=None,
            kind="owners",
            established_on=date(2023, 5, 1),
            term_ends_on=date(2028, 4, 30),
            members=7,
            party_members=3,
            chair_name=f"{chair}李四",
        )
        actions.record_credit_event(
            provider=provider,
            by=None,
            kind="sanction",
            points="10",
            occurred_on=date(2025, 1, 2),
            document="罚2025-1",
            note=f"{note}通报",
        )
        staff = world.users["community_staff"] if county == "320302" else world.outsider
        case = make_case(community, by=staff)
        actions.link_case(provider=provider, case=case, by=None, estate=estate)
        actions.reassess_provider(provider=provider)
        found[county] = {"provider": provider, "estate": estate, "committee": committee}
    world.provider_records = found
    return found


def _provider_ids(world: Any, model: Any) -> list[str]:
    return [str(r["provider"].pk) for r in _records(world).values()] + [NOWHERE]


def _estate_ids(world: Any, model: Any) -> list[str]:
    return [str(r["estate"].pk) for r in _records(world).values()] + [NOWHERE]


def _committee_ids(world: Any, model: Any) -> list[str]:
    return [str(r["committee"].pk) for r in _records(world).values()] + [NOWHERE]


PROVIDERS: dict[str, Any] = {
    "provider_id": _provider_ids,
    "property_estate_id": _estate_ids,
    "estate_committee_id": _committee_ids,
}
