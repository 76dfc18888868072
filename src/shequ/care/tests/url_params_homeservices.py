"""URL parameter providers for the home-service pages (tests/scope/test_every_url.py): per county, at
its community, an order 【HS…】 for an elderly resident 【HR…】; plus an id that does not exist."""

from __future__ import annotations

from typing import Any

from shequ.care.tests.factories_homeservices import elder, make_order

PLACES = {"320302": "320302001001", "320303": "320303001001"}


def _ids(world: Any, model: Any) -> list[str]:
    found = getattr(world, "home_service_ids", None)
    if found is None:
        found = []
        for county, code in PLACES.items():
            community = world.regions[code]
            person_mark = f"【HR{county}】"
            world.all_tokens[person_mark] = community.path
            person = elder(community, f"{person_mark}老人")
            found.append(str(make_order(resident=person, details=f"【HS{county}】").pk))
            world.all_tokens[f"【HS{county}】"] = community.path
        world.home_service_ids = found
    return [*found, "99999999"]


PROVIDERS: dict[str, Any] = {"order_id": _ids}
