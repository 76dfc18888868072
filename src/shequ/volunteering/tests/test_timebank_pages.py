"""The time-bank pages over HTTP: a resident's own account, spending with a confirmation step, giving
to family and to the pool (each posted once however often it is clicked), and the staff pages in
scope (accounts, an account, transfers and reversal, paper cheques, grants, flags, rules, audit)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts import actions as account_actions
from shequ.registry.actions import own as own_actions
from shequ.registry.models import Relation, Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Region
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models import TimeAccount, TimeBankRule, TimeTransfer, TransferKind
from shequ.volunteering.tests.factories_timebank import earn, member, move
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

MINE = reverse("volunteering:my_time_account")
SPEND = reverse("volunteering:my_time_spend")
FAMILY = reverse("volunteering:my_time_family")
POOL = reverse("volunteering:my_time_pool")
ACCOUNTS = reverse("volunteering:timebank_accounts")
MANUAL = reverse("volunteering:timebank_manual")
RULES = reverse("volunteering:timebank_rules")
AUDIT = reverse("volunteering:timebank_audit")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def home(world: World) -> Region:
    return world.regions[HOME["community"]]


def family(home: Region) -> list[Resident]:
    house = people.household(
        home,
        [
            people.member("王建国", Relation.HEAD, phone="13900000001"),
            people.member("李秀英", Relation.SPOUSE, phone="13900000002"),
        ],
    )
    return people.members_of(house)


def signed_in(person: Resident, phone: str = "13900000001") -> Client:
    user = account_actions.create_resident_user(
        phone=phone, full_name=person.name, password="Resident-pass-123"
    )
    own_actions.link_own_record(account=user, name=person.name, id_number=person.id_number)
    return client_for(user)


def key_of(body: str) -> str:
    found = re.search(r'name="request_key" value="([^"]+)"', body)
    assert found is not None
    return found.group(1)


def balance(account: TimeAccount) -> Decimal:
    return actions._balances([account.pk])[account.pk]


# --- Residents -------------------------------------------------------------------------------------


def test_my_account_shows_balance_number_and_history(home: Region) -> None:
    head, _spouse = family(home)
    earn(head, "3")
    client = signed_in(head)
    body = html(client.get(MINE))
    account = actions.member_account(head)
    assert "3.00" in body
    assert actions.account_number(account) in body
    assert "敬老院助餐" in body


def test_a_resident_not_linked_is_told_to_link_first(home: Region) -> None:
    user = account_actions.create_resident_user(
        phone="13900000009", full_name="孙某", password="Resident-pass-123"
    )
    body = html(client_for(user).get(MINE))
    assert reverse("registry:own") in body
    assert html(client_for(user).get(SPEND)).count(reverse("registry:own")) >= 1


def test_staff_cannot_open_the_resident_pages(world: World) -> None:
    assert client_for(world.users["community_staff"]).get(MINE).status_code == 403


def test_spending_shows_the_masked_payee_then_posts_once(home: Region) -> None:
    head, _spouse = family(home)
    earn(head, "5")
    payee = member(home, "赵四海")
    client = signed_in(head)
    key = key_of(html(client.get(SPEND)))
    data = {
        "request_key": key,
        "target_number": actions.account_number(payee),
        "hours": "2",
        "memo": "陪同就医",
    }
    confirm = html(client.post(SPEND, data))
    assert "赵**" in confirm and "赵四海" not in confirm
    assert not TimeTransfer.objects.filter(kind=TransferKind.SPEND).exists()
    confirmed = {**data, "confirmed": "True"}
    assert client.post(SPEND, confirmed).status_code == 302
    assert client.post(SPEND, confirmed).status_code == 302  # the double click
    assert TimeTransfer.objects.filter(kind=TransferKind.SPEND).count() == 1
    assert balance(payee) == Decimal("2.00")


@pytest.mark.parametrize(
    ("hours", "message"),
    [("0", "应大于 0"), ("-2", "应大于 0"), ("1.005", "两位小数"), ("9", "不足")],
)
def test_bad_spends_are_refused_with_a_reason(home: Region, hours: str, message: str) -> None:
    head, _spouse = family(home)
    earn(head, "5")
    payee = member(home, "赵四海")
    client = signed_in(head)
    data = {
        "request_key": "k" * 20,
        "target_number": actions.account_number(payee),
        "hours": hours,
        "memo": "陪同就医",
        "confirmed": "True",
    }
    body = html(client.post(SPEND, data))
    assert message in body
    assert not TimeTransfer.objects.filter(kind=TransferKind.SPEND).exists()


def test_spending_to_oneself_or_an_unknown_number_is_refused(home: Region) -> None:
    head, _spouse = family(home)
    earn(head, "5")
    client = signed_in(head)
    mine = actions.account_number(actions.member_account(head))
    base = {"request_key": "k" * 20, "hours": "1", "memo": "x"}
    assert "自己" in html(client.post(SPEND, {**base, "target_number": mine}))
    assert "找不到" in html(client.post(SPEND, {**base, "target_number": "SJZH99999999"}))
    assert "自己" in html(client.post(SPEND, {**base, "target_number": mine, "confirmed": "True"}))
    assert not TimeTransfer.objects.filter(kind=TransferKind.SPEND).exists()


def test_giving_to_a_family_member_and_not_to_anyone_else(home: Region) -> None:
    head, spouse = family(home)
    stranger = people.resident(home, "路人甲")
    earn(head, "5")
    client = signed_in(head)
    body = html(client.get(FAMILY))
    assert "李秀英" in body and "路人甲" not in body
    refused = html(
        client.post(FAMILY, {"request_key": "k1" * 10, "member": stranger.pk, "hours": "1"})
    )
    assert "is-invalid" in refused
    assert (
        client.post(
            FAMILY, {"request_key": "k2" * 10, "member": spouse.pk, "hours": "1.5"}
        ).status_code
        == 302
    )
    assert balance(actions.member_account(spouse)) == Decimal("1.50")


def test_giving_to_the_pool(home: Region) -> None:
    head, _spouse = family(home)
    earn(head, "5")
    client = signed_in(head)
    key = key_of(html(client.get(POOL)))
    assert client.post(POOL, {"request_key": key, "hours": "2"}).status_code == 302
    assert client.post(POOL, {"request_key": key, "hours": "2"}).status_code == 302
    assert balance(actions.pool_account(home)) == Decimal("2.00")
    assert balance(actions.member_account(head)) == Decimal("3.00")


def test_a_resident_cannot_move_someone_elses_hours(home: Region, world: World) -> None:
    head, _spouse = family(home)
    other = member(home, "钱五", hours="5")
    client = signed_in(head)
    # The staff pages that move any account's hours are closed to residents.
    manual = {
        "request_key": "k" * 20,
        "source_number": actions.account_number(other),
        "target_number": actions.account_number(actions.member_account(head)),
        "hours": "1",
        "memo": "x",
    }
    assert client.post(MANUAL, manual).status_code in (302, 403)
    assert client.get(reverse("volunteering:timebank_account", args=[other.pk])).status_code in (
        302,
        403,
        404,
    )
    assert balance(other) == Decimal("5.00")


# --- Staff -----------------------------------------------------------------------------------------


def test_the_account_list_is_scoped_with_balances_in_few_queries(
    world: World, home: Region, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        member(home, f"周{n}号", hours="2")
    away = member(world.regions["320303001001"], "吴外县", hours="2")
    client = client_for(world.users["community_staff"])
    client.get(ACCOUNTS)
    with django_assert_max_num_queries(12):
        body = html(client.get(ACCOUNTS))
    assert "周5号" in body and "吴外县" not in body
    assert "2.00" in body
    outsider = client_for(world.outsider)
    assert "周5号" not in html(outsider.get(ACCOUNTS))
    url = reverse("volunteering:timebank_account", args=[away.pk])
    assert client.get(url).status_code == 404


def test_the_account_list_filters_flagged_accounts(world: World, home: Region) -> None:
    TimeBankRule.objects.create(region=home, max_balance=Decimal(3))
    member(home, "周一", hours="2")
    member(home, "周二", hours="4")
    body = html(client_for(world.users["community_staff"]).get(ACCOUNTS + "?flagged=on"))
    assert "周二" in body and "周一" not in body


def test_staff_grant_from_the_pool_and_clear_a_flag(world: World, home: Region) -> None:
    TimeBankRule.objects.create(region=home, max_balance=Decimal(3))
    giver = member(home, "捐赠人", hours="5")
    move(giver, actions.pool_account(home), "4", TransferKind.DONATE_POOL)
    needy = member(home, "困难户")
    client = client_for(world.users["community_staff"])
    url = reverse("volunteering:timebank_account", args=[needy.pk])
    key = key_of(html(client.get(url)))
    grant = reverse("volunteering:timebank_grant", args=[needy.pk])
    client.post(grant, {"request_key": key, "hours": "3.5", "memo": "助老"})
    client.post(grant, {"request_key": key, "hours": "3.5", "memo": "助老"})
    assert balance(needy) == Decimal("3.50")
    needy.refresh_from_db()
    assert needy.flagged
    clear = reverse("volunteering:timebank_clear_flag", args=[needy.pk])
    client.post(clear, {"note": ""})
    needy.refresh_from_db()
    assert needy.flagged
    client.post(clear, {"note": "已核实，系困难群众"})
    needy.refresh_from_db()
    assert not needy.flagged


def test_a_grid_worker_sees_but_cannot_grant(world: World, home: Region) -> None:
    needy = member(home, "困难户")
    client = client_for(world.users["grid_worker"])
    assert client.get(reverse("volunteering:timebank_account", args=[needy.pk])).status_code == 200
    grant = reverse("volunteering:timebank_grant", args=[needy.pk])
    assert (
        client.post(grant, {"request_key": "k" * 20, "hours": "1", "memo": "x"}).status_code == 403
    )


def test_a_transfer_page_and_its_reversal(world: World, home: Region) -> None:
    payer = member(home, "付款人", hours="5")
    payee = member(home, "收款人")
    transfer = move(payer, payee, "2", TransferKind.SPEND)
    client = client_for(world.users["community_staff"])
    url = reverse("volunteering:timebank_transfer", args=[transfer.number])
    body = html(client.get(url))
    assert "付**" in body and "收**" in body
    reverse_url = reverse("volunteering:timebank_reverse", args=[transfer.number])
    client.post(reverse_url, {"reason": "录入错误"})
    assert TimeTransfer.objects.filter(reverses=transfer).count() == 1
    assert balance(payer) == Decimal("5.00")
    assert client_for(world.outsider).get(url).status_code == 404


def test_a_paper_cheque_between_accounts_in_scope(world: World, home: Region) -> None:
    payer = member(home, "付款人", hours="5")
    payee = member(home, "收款人")
    away = member(world.regions["320303001001"], "外县人")
    client = client_for(world.users["community_staff"])
    key = key_of(html(client.get(MANUAL)))
    data = {
        "request_key": key,
        "source_number": actions.account_number(payer),
        "target_number": actions.account_number(away),
        "hours": "1",
        "memo": "纸质时间券 0001",
    }
    assert "不在您的管辖范围" in html(client.post(MANUAL, data))
    data["target_number"] = actions.account_number(payee)
    assert client.post(MANUAL, data).status_code == 302
    assert TimeTransfer.objects.get(kind=TransferKind.MANUAL).hours == Decimal("1.00")


def test_rules_show_where_they_come_from_and_need_configure(world: World, home: Region) -> None:
    county = world.regions[HOME["county"]]
    TimeBankRule.objects.create(region=county, overdraft_limit=Decimal(2), expiry_months=24)
    staff = client_for(world.users["community_staff"])
    body = html(staff.get(RULES + f"?region={home.code}"))
    assert "沿用上级" in body and county.name in body
    staff.post(RULES + f"?region={home.code}", {"overdraft_limit": "5"})
    assert not TimeBankRule.objects.filter(region=home).exists()
    official = client_for(world.users["county_official"])
    bad = html(official.post(RULES + f"?region={home.code}", {"overdraft_limit": "-1"}))
    assert "不能小于 0" in bad
    official.post(RULES + f"?region={home.code}", {"overdraft_limit": "1", "expiry_months": "12"})
    assert TimeBankRule.objects.get(region=home).expiry_months == 12
    assert staff.get(RULES + "?region=320303001001").status_code == 404


def test_the_audit_report_sums_to_zero(world: World, home: Region) -> None:
    payer = member(home, "付款人", hours="5")
    move(payer, member(home, "收款人"), "2", TransferKind.SPEND)
    body = html(client_for(world.users["city_official"]).get(AUDIT))
    assert "账目平衡" in body
    assert "每笔转账的两条流水相抵为零" in body
    assert "每个账户的余额与其流水合计一致" in body
    report_body = html(client_for(world.users["community_staff"]).get(AUDIT))
    assert "志愿服务入账" in report_body
