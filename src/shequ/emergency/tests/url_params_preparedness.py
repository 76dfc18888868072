"""URL parameter values for the every-URL-every-role test: the `preparedness` feature.

Per county, at its community: an open shelter 【SH…】, a stock 【ST…】 and a drill 【DR…】; plus ids that
do not exist. (``facility_id`` comes from the facilities app; ``grid_code`` is shared.)"""

from __future__ import annotations

from typing import Any

from shequ.emergency.tests.factories_preparedness import (
    make_drill,
    make_shelter,
    make_stock,
    open_shelter,
)

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "preparedness_records", None)
    if found is not None:
        return found
    found = {}
    for county, code in PLACES.items():
        community = world.regions[code]
        marks = {key: f"【{key}{county}】" for key in ("SH", "ST", "DR")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        shelter = make_shelter(community=community, name=f"{marks['SH']}避难场所")
        found[county] = {
            "opening": open_shelter(shelter),
            "stock": make_stock(region=community, item=f"{marks['ST']}沙袋"),
            "drill": make_drill(region=community, title=f"{marks['DR']}演练"),
        }
    world.preparedness_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "opening_id": _ids("opening"),
    "stock_id": _ids("stock"),
    "drill_id": _ids("drill"),
}
