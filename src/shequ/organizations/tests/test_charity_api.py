"""The charity API over HTTP with API tokens: funds with balances, the ledger paged in constant
queries, donations, disbursement requests approved or rejected by someone else, reversals and needs;
scoped (another county's objects answer 404), errors in the shape of ``core.api``, nothing written on
a refusal."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.accounts import actions as accounts_actions
from shequ.organizations.models import (
    CharityEntry,
    CharityNeed,
    DisbursementRequest,
    EntryKind,
    NeedMatch,
    NeedStatus,
    RequestStatus,
)
from shequ.organizations.tests.factories_charity import ask, disburse, donate, make_fund, make_need
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    return {item["field"]: item["message"] for item in body["errors"]} | {"": body["message"]}


def test_funds_list_with_balances_and_only_my_territory(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    make_fund(region=world.regions[AWAY], name="外县慈善基金")
    donate(fund, "900")
    disburse(fund, "150.25", approver=world.users["community_head"])

    body = bearer(world.users["community_staff"]).get(API + "/charity/funds").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == fund.code and row["community_code"] == HOME["community"]
    assert Decimal(row["cash"]) == Decimal("749.75")
    assert Decimal(row["donated"]) == Decimal("900") and Decimal(row["disbursed"]) == Decimal(
        "150.25"
    )


def test_fund_detail_carries_the_trial_balance_and_another_county_s_is_404(
    world: World,
) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    away = make_fund(region=world.regions[AWAY])
    donate(fund, "100")
    client = bearer(world.users["county_official"])

    detail = client.get(f"{API}/charity/funds/{fund.pk}").json()
    missing = client.get(f"{API}/charity/funds/{away.pk}")

    assert detail["balanced"] and detail["equation_holds"]
    assert {r["account"]: Decimal(r["debit"]) for r in detail["trial_balance"]}["cash"] == 100
    error(missing, 404, "not_found")
    error(client.get(f"{API}/charity/funds/{away.pk}/entries"), 404, "not_found")


def test_a_fund_is_registered_through_the_api(world: World) -> None:
    client = bearer(world.users["community_staff"])
    response = post(
        client,
        "/charity/funds",
        {
            "community_code": HOME["community"],
            "name": "幸福社区爱心屋",
            "kind": "room",
            "established_on": "2024-01-01",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["code"] == f"{HOME['community']}-01"
    away = post(
        client,
        "/charity/funds",
        {"community_code": AWAY, "name": "x", "kind": "room", "established_on": "2024-01-01"},
    )
    error(away, 404, "not_found")


def test_a_donation_is_posted_and_its_contact_never_comes_back(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    client = bearer(world.users["community_staff"])

    response = post(
        client,
        f"/charity/funds/{fund.pk}/entries",
        {
            "amount": "88.80",
            "donor_kind": "person",
            "donor_name": "陈志强",
            "donor_contact": "13712345678",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["receipt_number"].startswith(fund.code) and body["number"] == 1
    assert "13712345678" not in response.content.decode()
    assert "donor_contact" not in body
    assert {line["account"] for line in body["lines"]} == {"cash", "donations"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": "0", "donor_kind": "anonymous"}, "amount", "应大于 0"),
        ({"amount": "1.005", "donor_kind": "anonymous"}, "amount", "最多精确到分"),
        ({"amount": "10", "donor_kind": "anonymous", "donor_name": "某"}, "donor_name", "匿名"),
        (
            {"amount": "10", "donor_kind": "anonymous", "posted_on": "2999-01-01"},
            "posted_on",
            "不能晚于今天",
        ),
    ],
)
def test_bad_donations_answer_422_and_write_nothing(
    world: World, body: dict[str, Any], field: str, message: str
) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    response = post(
        bearer(world.users["community_staff"]), f"/charity/funds/{fund.pk}/entries", body
    )
    errors = error(response, 422, "invalid")
    assert message in errors[field]
    assert not CharityEntry.objects.exists()


def test_the_ledger_pages_in_constant_queries(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    client = bearer(world.users["community_staff"])
    donate(fund, "10")
    url = f"{API}/charity/funds/{fund.pk}/entries"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(25):
        donate(fund, "10", donor_name=f"捐赠人{i}")
        disburse(fund, "1", approver=world.users["community_head"])
    with CaptureQueriesContext(connection) as many:
        body = client.get(url + "?page_size=100").json()
    assert body["count"] == 51 and len(body["results"]) == 51
    assert len(many) <= len(few)


def test_requests_are_approved_by_another_user_only(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    donate(fund, "500")
    staff = bearer(world.users["community_staff"])
    head_user = world.users["community_head"]

    asked = post(
        staff,
        "/charity/disbursements",
        {"fund_id": fund.pk, "amount": "120", "description": "重阳节慰问", "recipient": "孙大爷"},
    )
    assert asked.status_code == 201, asked.content
    request_id = asked.json()["id"]

    # The requester lacks the permission to approve: 403, nothing posted.
    error(post(staff, f"/charity/disbursements/{request_id}/approve", {}), 403, "forbidden")
    # The head asks for themselves and may not approve their own.
    own = ask(fund, "10", by=head_user)
    head = bearer(head_user)
    errors = error(post(head, f"/charity/disbursements/{own.pk}/approve", {}), 422, "invalid")
    assert "申请人不能审批自己" in errors[""]
    # A stale version is a conflict.
    error(
        post(head, f"/charity/disbursements/{request_id}/approve", {"version": 99}),
        409,
        "conflict",
    )

    approved = post(head, f"/charity/disbursements/{request_id}/approve", {"reason": "同意"})

    assert approved.status_code == 201, approved.content
    assert approved.json()["kind"] == EntryKind.DISBURSEMENT and approved.json()["approver_name"]
    assert DisbursementRequest.objects.get(pk=request_id).status == RequestStatus.APPROVED
    again = post(head, f"/charity/disbursements/{request_id}/approve", {})
    assert "已被他人处理" in error(again, 422, "invalid")[""]
    assert CharityEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 1


def test_a_request_that_would_overdraw_is_refused_with_the_balance(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    donate(fund, "50")
    response = post(
        bearer(world.users["community_staff"]),
        "/charity/disbursements",
        {"fund_id": fund.pk, "amount": "60", "description": "慰问"},
    )
    assert "当前余额 50.00 元" in error(response, 422, "invalid")["amount"]
    assert not DisbursementRequest.objects.exists()


def test_reject_and_reverse(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    gift = donate(fund, "100")
    asked = ask(fund, "10", by=world.users["community_staff"])
    head = bearer(world.users["community_head"])

    rejected = post(head, f"/charity/disbursements/{asked.pk}/reject", {"reason": "重复申请"})
    assert rejected.json()["status"] == "rejected"

    reversed_ = post(head, f"/charity/entries/{gift.pk}/reverse", {"reason": "登记错误"})
    assert reversed_.status_code == 201 and reversed_.json()["reverses_id"] == gift.pk
    twice = post(head, f"/charity/entries/{gift.pk}/reverse", {"reason": "再冲"})
    assert "不能重复冲销" in error(twice, 422, "invalid")[""]
    of_reversal = post(head, f"/charity/entries/{reversed_.json()['id']}/reverse", {"reason": "x"})
    assert "冲销凭证不能再冲销" in error(of_reversal, 422, "invalid")[""]


def test_needs_are_posted_matched_and_fulfilled(world: World) -> None:
    fund = make_fund(region=world.regions[HOME["community"]])
    away = make_fund(region=world.regions[AWAY])
    donate(fund, "300")
    client = bearer(world.users["community_staff"])

    past = post(
        client,
        "/charity/needs",
        {
            "community_code": HOME["community"],
            "title": "助学",
            "kind": "money",
            "amount": "200",
            "needed_by": "2000-01-01",
        },
    )
    assert "不能早于今天" in error(past, 422, "invalid")["needed_by"]
    created = post(
        client,
        "/charity/needs",
        {"community_code": HOME["community"], "title": "助学", "kind": "money", "amount": "200"},
    )
    need_id = created.json()["id"]

    outside = post(client, f"/charity/needs/{need_id}/match", {"fund_id": away.pk})
    assert "不在您的管辖范围内" in error(outside, 422, "invalid")["fund_id"]
    assert not NeedMatch.objects.exists()
    matched = post(client, f"/charity/needs/{need_id}/match", {"fund_id": fund.pk})
    assert matched.json()["status"] == NeedStatus.MATCHED and matched.json()["matches"]

    spent = disburse(fund, "200", approver=world.users["community_head"])
    fulfilled = post(client, f"/charity/needs/{need_id}/fulfil", {"entry_id": spent.pk})
    assert fulfilled.json()["status"] == NeedStatus.FULFILLED
    assert CharityEntry.objects.get(pk=spent.pk).need_id == need_id
    late = post(client, f"/charity/needs/{need_id}/withdraw", {})
    assert "已被他人处理" in error(late, 422, "invalid")[""]


def test_another_county_s_needs_and_requests_are_404(world: World) -> None:
    away_need = make_need(community=world.regions[AWAY])
    away_fund = make_fund(region=world.regions[AWAY])
    donate(away_fund, "100")
    away_request = ask(away_fund, "10")
    client = bearer(world.users["county_official"])
    error(client.get(f"{API}/charity/needs/{away_need.pk}"), 404, "not_found")
    error(client.get(f"{API}/charity/disbursements/{away_request.pk}"), 404, "not_found")
    assert client.get(API + "/charity/needs").json()["count"] == 0
    assert client.get(API + "/charity/disbursements").json()["count"] == 0
    assert CharityNeed.objects.count() == 1


@pytest.mark.parametrize("path", ["/charity/funds", "/charity/needs", "/charity/disbursements"])
def test_lists_cost_the_same_queries_for_more_rows(world: World, path: str) -> None:
    client = bearer(world.users["township_staff"])

    def fill(n: int) -> None:
        for i in range(n):
            fund = make_fund(region=world.regions[HOME["community"]], name=f"基金{path}{i}")
            donate(fund, "100")
            ask(fund, "10")
            make_need(community=world.regions[HOME["community"]], title=f"需求{i}")

    fill(1)
    client.get(API + path)
    with CaptureQueriesContext(connection) as few:
        client.get(API + path)
    fill(12)
    with CaptureQueriesContext(connection) as many:
        body = client.get(API + path).json()
    assert body["count"] == 13
    assert len(many) <= len(few)
