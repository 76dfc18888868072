"""URL parameter values for the every-URL-every-role test: the `alerts` feature.

Per county, an alert filed at its township whose title carries the sentinel 【AL…】 (the township's
path), reaching a resident of the county's community on its first grid (one reach item, whose id is
the ``item_id``); plus ids that do not exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.emergency.models import ReachItem
from shequ.emergency.tests.factories_alerts import issue, tagged
from shequ.registry.models import CareGroup

PLACES = {"320302": ("320302001", "320302001001"), "320303": ("320303001", "320303001001")}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "alert_records", None)
    if found is not None:
        return found
    found = {}
    for n, (county, (township_code, community_code)) in enumerate(PLACES.items()):
        township, community = world.regions[township_code], world.regions[community_code]
        grid = world.grids[community_code + "001"]
        mark = f"【AL{county}】"
        world.all_tokens[mark] = township.path
        person = tagged(community, "应急关爱对象", CareGroup.OLDEST_OLD, grid=grid,
                        born=date(1931, 2, 3 + n))  # fmt: skip
        alert = issue(township, targets=[community], by=None, title=f"{mark}防汛预警")
        found[county] = {
            "alert": alert,
            "item": ReachItem.objects.get(alert=alert, resident=person),
        }
    world.alert_records = found
    return found


def _alert_ids(world: Any, model: Any) -> list[str]:
    return [str(r["alert"].pk) for r in _records(world).values()] + [NOWHERE]


def _item_ids(world: Any, model: Any) -> list[str]:
    return [str(r["item"].pk) for r in _records(world).values()] + [NOWHERE]


PROVIDERS = {"alert_id": _alert_ids, "reach_item_id": _item_ids}
