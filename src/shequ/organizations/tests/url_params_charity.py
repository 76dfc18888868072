"""URL parameter values for the every-URL-every-role test: the organizations app's charity pages and API.

Per county, at its community: a published fund whose custodian carries the sentinel 【C…】 (its name
stays plain: the public summary shows it to everyone), a donation whose donor 【D…】 did not allow
their name to be published, an approved disbursement whose recipient 【R…】 is never public, a pending
request whose recipient is 【Q…】, and a need not published whose title carries 【N…】. The public
summary and the public needs list must show none of them. Plus ids and codes that do not exist.
"""

from __future__ import annotations

from typing import Any

from shequ.organizations.tests.factories_charity import ask, disburse, donate, make_fund, make_need

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "charity_records", None)
    if found is not None:
        return found
    found = {}
    approver = world.users["city_official"]
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        marks = {key: f"【{key}{county}】" for key in "CDRQN"}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        fund = make_fund(
            region=community, name=f"社区慈善基金{county}", custodian=f"{marks['C']}居委会"
        )
        gift = donate(
            fund,
            "500",
            donor_name=f"{marks['D']}王先生",
            publish_donor=False,
            donor_contact="13812345678",
        )
        spent = disburse(
            fund, "100", approver=approver, recipient=f"{marks['R']}李阿姨", description="节日慰问"
        )
        pending = ask(fund, "50", recipient=f"{marks['Q']}张大爷", description="助医")
        need = make_need(community=community, title=f"{marks['N']}助学", is_public=False)
        found[county] = {
            "fund": fund,
            "gift": gift,
            "spent": spent,
            "pending": pending,
            "need": need,
        }
    world.charity_records = found
    return found


def _fund_ids(world: Any, model: Any) -> list[str]:
    return [str(r["fund"].pk) for r in _records(world).values()] + [NOWHERE]


def _fund_codes(world: Any, model: Any) -> list[str]:
    return [r["fund"].code for r in _records(world).values()] + ["NO-SUCH-FUND"]


def _entry_ids(world: Any, model: Any) -> list[str]:
    records = _records(world).values()
    return [str(r["gift"].pk) for r in records] + [str(r["spent"].pk) for r in records] + [NOWHERE]


def _request_ids(world: Any, model: Any) -> list[str]:
    return [str(r["pending"].pk) for r in _records(world).values()] + [NOWHERE]


def _need_ids(world: Any, model: Any) -> list[str]:
    return [str(r["need"].pk) for r in _records(world).values()] + [NOWHERE]


def _need_community_codes(world: Any, model: Any) -> list[str]:
    _records(world)
    return [*PLACES.values(), "320302", NOWHERE]


PROVIDERS = {
    "fund_id": _fund_ids,
    "fund_code": _fund_codes,
    "charity_entry_id": _entry_ids,
    "charity_request_id": _request_ids,
    "charity_need_id": _need_ids,
    "need_community_code": _need_community_codes,
}
