"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py).

A resident and a household inside the home grid and one of each in the other county, registered
through the actions. Each resident's name carries the token of their community, so a page or API answer
that shows a resident from outside the viewer's territory fails the test.
"""

from __future__ import annotations

from typing import Any

from shequ.registry.models import Household
from shequ.registry.tests import factories
from tests.world import World, token

HOME_COMMUNITY, HOME_GRID = "320302001001", "320302001001001"
AWAY_COMMUNITY, AWAY_GRID = "320303001001", "320303001001001"


def _households(world: World) -> list[Household]:
    cached = getattr(world, "_registry_households", None)
    if cached is None:
        cached = [
            factories.household(
                world.regions[community],
                [factories.member(f"{token(community)}居民")],
                grid=world.grids[grid],
                address_detail="1单元101室",
            )
            for community, grid in ((HOME_COMMUNITY, HOME_GRID), (AWAY_COMMUNITY, AWAY_GRID))
        ]
        world._registry_households = cached  # type: ignore[attr-defined]
    return cached


PROVIDERS: dict[str, Any] = {
    "resident_id": lambda w, m: [str(h.head_id) for h in _households(w)] + ["999999"],
    "household_id": lambda w, m: [str(h.pk) for h in _households(w)] + ["999999"],
}
