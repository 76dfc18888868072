"""The time-bank API: scoped accounts, history and transfers, a paper cheque posted once per
request_key, the audit summary, and a resident's own account and transfers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shequ.accounts import actions as accounts_actions
from shequ.registry.actions import own as own_actions
from shequ.registry.tests import factories as people
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models import TimeTransfer, TransferKind
from shequ.volunteering.tests.factories_timebank import earn, member, move
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteering"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def test_accounts_are_scoped_with_balances(
    world: World, django_assert_max_num_queries: Any
) -> None:
    home = world.regions[HOME["community"]]
    for n in range(4):
        member(home, f"周{n}号", hours="2.5")
    away = member(world.regions[AWAY], "吴外县", hours="1")
    client = bearer(world.users["community_staff"])
    client.get(API + "/timebank/accounts")
    with django_assert_max_num_queries(12):
        body = client.get(API + "/timebank/accounts?kind=member").json()
    names = {row["holder_name"]: Decimal(row["balance"]) for row in body["results"]}
    assert names == {f"周{n}号": Decimal("2.5") for n in range(4)}
    assert client.get(API + f"/timebank/accounts/{away.pk}").status_code == 404
    assert client.get(API + f"/timebank/accounts/{away.pk}/history").status_code == 404
    assert client.get(API + "/timebank/accounts?kind=nope").status_code == 422


def test_history_and_transfers_name_the_other_side_masked(world: World) -> None:
    home = world.regions[HOME["community"]]
    payer = member(home, "付款人", hours="5")
    payee = member(home, "收款人")
    transfer = move(payer, payee, "2", TransferKind.SPEND)
    client = bearer(world.users["community_staff"])
    history = client.get(API + f"/timebank/accounts/{payer.pk}/history").json()["results"]
    assert history[0]["counterpart"] == "收**"
    assert Decimal(history[0]["amount"]) == -2
    one = client.get(API + f"/timebank/transfers/{transfer.number}").json()
    assert one["source_name"] == "付**" and Decimal(one["hours"]) == 2
    listed = client.get(API + "/timebank/transfers").json()["results"]
    assert transfer.number in {row["number"] for row in listed}
    outsider = bearer(world.outsider)
    assert outsider.get(API + f"/timebank/transfers/{transfer.number}").status_code == 404


def test_a_paper_cheque_posts_once_per_request_key(world: World) -> None:
    home = world.regions[HOME["community"]]
    payer = member(home, "付款人", hours="5")
    payee = member(home, "收款人")
    client = bearer(world.users["community_staff"])
    body = {
        "source_number": actions.account_number(payer),
        "target_number": actions.account_number(payee),
        "hours": "1.5",
        "memo": "纸质时间券 0002",
        "request_key": "api-key-1",
    }
    first = post(client, "/timebank/transfers", body)
    again = post(client, "/timebank/transfers", body)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert TimeTransfer.objects.filter(kind=TransferKind.MANUAL).count() == 1
    other = post(client, "/timebank/transfers", {**body, "hours": "2"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "request_key"
    bad = post(client, "/timebank/transfers", {**body, "hours": "0.001", "request_key": "k2"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hours"
    over = post(client, "/timebank/transfers", {**body, "hours": "9", "request_key": "k3"})
    assert over.status_code == 422 and "不足" in over.json()["message"]
    grid = bearer(world.users["grid_worker"])
    assert post(grid, "/timebank/transfers", {**body, "request_key": "k4"}).status_code == 403


def test_the_audit_summary_sums_to_zero(world: World) -> None:
    home = world.regions[HOME["community"]]
    move(member(home, "付款人", hours="5"), member(home, "收款人"), "2", TransferKind.SPEND)
    body = bearer(world.users["city_official"]).get(API + "/timebank/audit").json()
    assert body["whole_bank"] is True
    assert Decimal(body["movements_total"]) == 0
    assert body["unbalanced_transfers"] == 0 and body["chain_mismatches"] == 0
    assert Decimal(body["outstanding_hours"]) == Decimal(5)


def test_a_resident_sees_and_moves_only_their_own_hours(world: World) -> None:
    home = world.regions[HOME["community"]]
    person = people.resident(home, "王建国", phone="13900000011")
    earn(person, "4")
    other = member(home, "钱五", hours="5")
    user = accounts_actions.create_resident_user(
        phone="13900000011", full_name="王建国", password="Resident-pass-123"
    )
    own_actions.link_own_record(account=user, name="王建国", id_number=person.id_number)
    client = client_for(user)
    mine = client.get(API + "/timebank/me").json()
    assert Decimal(mine["balance"]) == 4
    spend = {
        "target_number": actions.account_number(other),
        "hours": "1",
        "memo": "理发",
        "request_key": "r-1",
    }
    assert post(client, "/timebank/me/spend", spend).status_code == 201
    assert post(client, "/timebank/me/spend", spend).status_code == 201
    assert actions._balances([other.pk])[other.pk] == Decimal("6.00")
    # Staff endpoints (which could move anyone's hours) are closed to residents.
    cheque = {
        "source_number": actions.account_number(other),
        "target_number": mine["number"],
        "hours": "1",
        "memo": "x",
        "request_key": "r-2",
    }
    assert post(client, "/timebank/transfers", cheque).status_code == 403
    assert client.get(API + f"/timebank/accounts/{other.pk}").status_code == 403
    pool = post(client, "/timebank/me/donate-pool", {"hours": "1", "request_key": "r-3"})
    assert pool.status_code == 201
    self_spend = post(
        client,
        "/timebank/me/spend",
        {**spend, "target_number": mine["number"], "request_key": "r-4"},
    )
    assert self_spend.status_code == 422
    assert bearer(world.users["community_staff"]).get(API + "/timebank/me").status_code == 403
