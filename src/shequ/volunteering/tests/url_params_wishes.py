"""URL parameter providers for the wish pages (tests/scope/test_every_url.py): per county, at its
community, a wish 【WI…】 of a resident 【WR…】; plus a number that does not exist."""

from __future__ import annotations

from typing import Any

from shequ.registry.tests import factories as people
from shequ.volunteering.tests.factories_party import make_wish

PLACES = {"320302": "320302001001", "320303": "320303001001"}


def _numbers(world: Any, model: Any) -> list[str]:
    found = getattr(world, "wish_numbers", None)
    if found is None:
        found = []
        for county, code in PLACES.items():
            community = world.regions[code]
            wish_mark, person_mark = f"【WI{county}】", f"【WR{county}】"
            world.all_tokens[wish_mark] = community.path
            world.all_tokens[person_mark] = community.path
            person = people.resident(community, f"{person_mark}居民")
            found.append(
                make_wish(community=community, resident=person, title=f"{wish_mark}心愿").number
            )
        world.wish_numbers = found
    return [*found, "XY00000000999999"]


PROVIDERS: dict[str, Any] = {"wish_number": _numbers}
