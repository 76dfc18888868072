"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py), for the
catalogue's pages.

Per county: a draft item at a community whose name carries the sentinel 【S…】 (drafts are seen by
that county's staff only), an admitted item (public, so no sentinel), and an abolished certificate
(public, so no sentinel); plus an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from shequ.cases import actions
from shequ.cases.tests.factories import make_item

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    records = getattr(world, "cases_records", None)
    if records is not None:
        return records
    records = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        sentinel = f"【S{county}】"
        world.all_tokens[sentinel] = community.path
        draft = make_item(
            region=community,
            code=f"T{county}-DRAFT",
            name=f"{sentinel}草稿事项",
            description=f"{sentinel}说明",
        )
        admitted = make_item(region=community, code=f"T{county}-OPEN", status="admitted")
        certificate = actions.add_abolished_certificate(
            region=community, name="亲属关系证明", reason="请到户籍派出所开具。", by=None
        )
        records[county] = {"draft": draft, "admitted": admitted, "certificate": certificate}
    world.cases_records = records
    return records


def _item_ids(world: Any, model: Any) -> list[str]:
    ids = []
    for record in _records(world).values():
        ids += [str(record["draft"].pk), str(record["admitted"].pk)]
    return [*ids, NOWHERE]


def _certificate_ids(world: Any, model: Any) -> list[str]:
    return [str(r["certificate"].pk) for r in _records(world).values()] + [NOWHERE]


PROVIDERS = {"item_id": _item_ids, "certificate_id": _certificate_ids}
