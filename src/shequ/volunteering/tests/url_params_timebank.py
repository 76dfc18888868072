"""URL parameter providers for the time-bank pages (tests/scope/test_every_url.py).

Per county, at its community: a member account whose holder's name carries 【TB…】 with hours earned
(so the community's issuing account exists too), a second member paid by the first (a transfer of that
county), and the community pool. Plus ids and numbers that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.registry.tests import factories as people
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models import TransferKind
from shequ.volunteering.tests.factories_timebank import earn, key

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "timebank_records", None)
    if found is not None:
        return found
    found = {}
    for county, code in PLACES.items():
        community = world.regions[code]
        mark = f"【TB{county}】"
        world.all_tokens[mark] = community.path
        holder = people.resident(community, f"{mark}时间")
        earn(holder, "3")
        payer = actions.member_account(holder)
        payee = actions.member_account(people.resident(community, f"{mark}服务"))
        spend = actions.post_transfer(
            source=payer,
            target=payee,
            hours="1",
            kind=TransferKind.SPEND,
            memo=f"{mark}理发",
            request_key=key(),
            by=None,
        )
        found[county] = {
            "accounts": [payer, payee, actions.pool_account(community)],
            "transfer": spend,
        }
    world.timebank_records = found
    return found


def _account_ids(world: Any, model: Any) -> list[str]:
    return [str(a.pk) for r in _records(world).values() for a in r["accounts"]] + [NOWHERE]


def _transfer_numbers(world: Any, model: Any) -> list[str]:
    return [r["transfer"].number for r in _records(world).values()] + ["SJ0000000000000000"]


PROVIDERS: dict[str, Any] = {"account_id": _account_ids, "transfer_number": _transfer_numbers}
