"""URL parameter values for the every-URL-every-role test: the `bookings` feature. Per county, at its
community: a meal table 【BK…】 with one slot and one booking for an elderly resident 【BR…】; plus
ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.care.tests.factories_bookings import book, elder, make_service, make_slot

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "booking_records", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        service_mark, person_mark = f"【BK{county}】", f"【BR{county}】"
        world.all_tokens[service_mark] = community.path
        world.all_tokens[person_mark] = community.path
        service = make_service(region=community, name=f"{service_mark}老年餐桌", capacity=3)
        slot = make_slot(service, menu=f"{service_mark}菜单")
        booking = book(slot, elder(community, f"{person_mark}老人"))
        found.append({"service": service, "slot": slot, "booking": booking})
    world.booking_records = found
    return found


def _service_ids(world: Any, model: Any) -> list[str]:
    return [str(r["service"].pk) for r in _records(world)] + [NOWHERE]


def _slot_ids(world: Any, model: Any) -> list[str]:
    return [str(r["slot"].pk) for r in _records(world)] + [NOWHERE]


def _booking_ids(world: Any, model: Any) -> list[str]:
    return [str(r["booking"].pk) for r in _records(world)] + [NOWHERE]


PROVIDERS: dict[str, Any] = {
    "service_id": _service_ids,
    "slot_id": _slot_ids,
    "booking_id": _booking_ids,
}
