"""The charity ledger over HTTP and through its actions: donations with receipts, disbursements by
request and approval by someone else, reversals, the append-only rule, gapless numbers, the trial
balance, and every bad input of the brief refused with its reason and nothing written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.organizations.actions import charity as actions
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityLine,
    DisbursementRequest,
    EntryKind,
    PostedEntryError,
    RequestStatus,
)
from shequ.organizations.queries import charity as queries
from shequ.organizations.tests.factories_charity import ask, disburse, donate, make_fund
from tests.concurrency import at_once
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def fund(world: World) -> CharityFund:
    return make_fund(region=world.regions[HOME["community"]])


def staff(world: World) -> Any:
    return world.users["community_staff"]


def head(world: World) -> Any:
    return world.users["community_head"]


def donation_url(fund: CharityFund) -> str:
    return reverse("organizations:donation_new", kwargs={"fund_id": fund.pk})


def donation_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "form_kind": "money",
        "posted_on": "",
        "amount": "500",
        "donor_kind": "person",
        "donor_name": "张秀英",
        "donor_contact": "13912345678",
        "publish_donor": "on",
        "goods_description": "",
        "quantity": "",
        "unit": "",
        "description": "",
    }
    data.update(overrides)
    return data


# --- Donations -------------------------------------------------------------------------------------


def test_a_money_donation_debits_cash_credits_donations_and_issues_a_receipt(
    world: World, fund: CharityFund
) -> None:
    client = client_for(staff(world))

    response = client.post(donation_url(fund), donation_form())

    entry = CharityEntry.objects.get(fund=fund)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "organizations:receipt", kwargs={"charity_entry_id": entry.pk}
    )
    year = timezone.localdate().year
    assert entry.receipt_number == f"{fund.code}-{year}-00001"
    assert entry.number == 1 and entry.kind == EntryKind.DONATION
    lines = {(line.account, line.debit, line.credit) for line in entry.lines.all()}
    assert lines == {("cash", Decimal("500.00"), 0), ("donations", 0, Decimal("500.00"))}
    receipt = html(client.get(response["Location"]))
    assert entry.receipt_number in receipt and "张秀英" in receipt and "500.00" in receipt
    # The contact is stored encrypted and shown masked only.
    detail = html(
        client.get(reverse("organizations:charity_entry", kwargs={"charity_entry_id": entry.pk}))
    )
    assert "13912345678" not in detail and "139****5678" in detail
    assert "13912345678" not in receipt


def test_a_goods_donation_is_booked_at_its_stated_value(world: World, fund: CharityFund) -> None:
    client = client_for(staff(world))
    response = client.post(
        donation_url(fund),
        donation_form(
            form_kind="goods",
            amount="350.50",
            goods_description="东北大米 10kg",
            quantity="5",
            unit="袋",
            donor_kind="organisation",
            donor_name="徐州某某超市有限公司",
            donor_contact="",
        ),
    )
    assert response.status_code == 302
    entry = CharityEntry.objects.get(fund=fund)
    assert entry.in_goods and entry.quantity == Decimal("5") and entry.unit == "袋"
    assert queries.balances(fund).goods == Decimal("350.50")
    assert queries.balances(fund).cash == 0


def test_receipt_numbers_count_within_the_fund_and_year(world: World, fund: CharityFund) -> None:
    first = donate(fund, "10")
    second = donate(fund, "20", donor_kind="anonymous", donor_name="", publish_donor=False)
    year = timezone.localdate().year
    assert first.receipt_number.endswith(f"-{year}-00001")
    assert second.receipt_number.endswith(f"-{year}-00002")
    assert [first.number, second.number] == [1, 2]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "0"}, "amount", "应大于 0"),
        ({"amount": "-5"}, "amount", "应大于 0"),
        ({"amount": "12.345"}, "amount", "最多精确到分"),
        ({"amount": "十元"}, "amount", "应为数字"),
        ({"donor_kind": "anonymous", "donor_name": "刘某"}, "donor_name", "匿名捐赠不登记"),
        ({"donor_kind": "person", "donor_name": ""}, "donor_name", "请填写捐赠方名称"),
        ({"donor_contact": "12345"}, "donor_contact", "联系电话应为"),
        ({"form_kind": "goods", "goods_description": ""}, "goods_description", "物资的名称"),
    ],
)
def test_bad_donations_are_refused_with_the_reason_and_nothing_is_written(
    world: World, fund: CharityFund, overrides: dict[str, str], field: str, message: str
) -> None:
    client = client_for(staff(world))
    response = client.post(donation_url(fund), donation_form(**overrides))
    body = html(response)
    assert response.status_code == 200
    assert message in body
    assert not CharityEntry.objects.exists() and not CharityLine.objects.exists()


def test_a_donation_dated_in_the_future_or_before_the_fund_is_refused(
    world: World, fund: CharityFund
) -> None:
    client = client_for(staff(world))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = (fund.established_on - timedelta(days=1)).isoformat()

    future = html(client.post(donation_url(fund), donation_form(posted_on=tomorrow)))
    early = html(client.post(donation_url(fund), donation_form(posted_on=before)))

    assert "记账日期不能晚于今天" in future
    assert "记账日期不能早于基金设立日期" in early
    assert not CharityEntry.objects.exists()


def test_a_worker_cannot_post_to_a_fund_outside_their_jurisdiction(world: World) -> None:
    away = make_fund(region=world.regions["320303001001"], name="外县慈善基金")
    client = client_for(staff(world))
    assert client.post(donation_url(away), donation_form()).status_code == 404
    with pytest.raises(PermissionDenied):
        donate(away, by=staff(world))
    assert not CharityEntry.objects.exists()


# --- Disbursements ---------------------------------------------------------------------------------


def test_a_disbursement_is_requested_by_one_and_approved_by_another(
    world: World, fund: CharityFund
) -> None:
    donate(fund, "1000")
    requester = client_for(staff(world))
    response = requester.post(
        reverse("organizations:disbursement_new", kwargs={"fund_id": fund.pk}),
        {
            "form_kind": "money",
            "amount": "300",
            "description": "困难家庭慰问",
            "recipient": "李桂兰",
        },
    )
    asked = DisbursementRequest.objects.get()
    assert response.status_code == 302 and asked.status == RequestStatus.PENDING
    assert CharityEntry.objects.count() == 1  # nothing posted before approval
    page = html(requester.get(response["Location"]))
    assert "须由其他有审批权限的人员审批" in page and "批准并记账" not in page

    approver = client_for(head(world))
    url = reverse("organizations:disbursement_approve", kwargs={"charity_request_id": asked.pk})
    approver.post(url, {"posted_on": "", "reason": "同意", "version": asked.version})

    asked.refresh_from_db()
    entry = asked.entry
    assert asked.status == RequestStatus.APPROVED and asked.decided_by == head(world)
    assert entry is not None and entry.approver == head(world) and entry.number == 2
    assert entry.kind == EntryKind.DISBURSEMENT and entry.recipient == "李桂兰"
    assert queries.balances(fund).cash == Decimal("700.00")
    assert AuditEvent.objects.filter(action="organizations.charity.disbursement_approve").exists()


def test_the_requester_can_never_approve_their_own_request(world: World, fund: CharityFund) -> None:
    donate(fund, "1000")
    asked = ask(fund, "100", by=head(world))
    client = client_for(head(world))
    url = reverse("organizations:disbursement_approve", kwargs={"charity_request_id": asked.pk})

    response = client.post(url, {"version": asked.version}, follow=True)

    assert "申请人不能审批自己提出的支出申请" in html(response)
    asked.refresh_from_db()
    assert asked.status == RequestStatus.PENDING
    assert not CharityEntry.objects.filter(kind=EntryKind.DISBURSEMENT).exists()


def test_someone_without_the_approval_permission_cannot_approve(
    world: World, fund: CharityFund
) -> None:
    donate(fund, "1000")
    asked = ask(fund, "100", by=head(world))
    url = reverse("organizations:disbursement_approve", kwargs={"charity_request_id": asked.pk})

    # community_staff may post but not approve: the page is forbidden to them.
    assert client_for(staff(world)).post(url, {"version": asked.version}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.approve_disbursement(request=asked, by=staff(world))
    # The county official elsewhere holds the permission, but not over this fund: 404.
    assert client_for(world.outsider).post(url, {"version": asked.version}).status_code in (
        403,
        404,
    )
    asked.refresh_from_db()
    assert asked.status == RequestStatus.PENDING and asked.entry is None


def test_a_disbursement_without_an_approver_is_impossible(world: World, fund: CharityFund) -> None:
    donate(fund, "1000")
    asked = ask(fund, "100")
    with pytest.raises(ValidationError, match="须由审批人批准"):
        actions.approve_disbursement(request=asked, by=None)
    # And the database refuses one written around the actions.
    with pytest.raises(IntegrityError), transaction.atomic():
        CharityEntry(
            fund=fund,
            number=99,
            kind=EntryKind.DISBURSEMENT,
            posted_on=timezone.localdate(),
            amount=Decimal("1"),
            description="绕过审批",
        ).save(force_insert=True)


def test_a_disbursement_that_would_overdraw_the_fund_is_refused_with_the_balance(
    world: World, fund: CharityFund
) -> None:
    donate(fund, "100")
    with pytest.raises(ValidationError, match=r"当前余额 100\.00 元"):
        ask(fund, "100.01", by=staff(world))
    # Approved later, after the balance dropped: refused at approval, nothing posted.
    first = ask(fund, "80", by=staff(world))
    second = ask(fund, "80", by=staff(world))
    actions.approve_disbursement(request=first, by=head(world))
    client = client_for(head(world))
    url = reverse("organizations:disbursement_approve", kwargs={"charity_request_id": second.pk})
    body = html(client.post(url, {"version": second.version}, follow=True))
    assert "资金余额不足：当前余额 20.00 元，本笔需 80.00 元" in body
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING
    assert queries.balances(fund).cash == Decimal("20.00")
    assert CharityEntry.objects.filter(fund=fund).count() == 2


def test_goods_cannot_go_below_zero_either(world: World, fund: CharityFund) -> None:
    donate(fund, "500")
    with pytest.raises(ValidationError, match="物资结存不足"):
        ask(fund, "10", in_goods=True, goods_description="棉被")


def test_a_rejected_request_posts_nothing_and_needs_a_reason(
    world: World, fund: CharityFund
) -> None:
    donate(fund, "500")
    asked = ask(fund, "50", by=staff(world))
    client = client_for(head(world))
    url = reverse("organizations:disbursement_reject", kwargs={"charity_request_id": asked.pk})

    assert "请填写驳回理由" in html(client.post(url, {"version": asked.version}, follow=True))
    client.post(url, {"reason": "材料不全", "version": asked.version})

    asked.refresh_from_db()
    assert asked.status == RequestStatus.REJECTED and asked.reason == "材料不全"
    with pytest.raises(ValidationError, match="已被他人处理"):
        actions.approve_disbursement(request=asked, by=head(world))
    assert not CharityEntry.objects.filter(kind=EntryKind.DISBURSEMENT).exists()


def test_a_decision_is_taken_once(world: World, fund: CharityFund) -> None:
    donate(fund, "500")
    asked = ask(fund, "50", by=staff(world))
    stale = DisbursementRequest.objects.get(pk=asked.pk)
    actions.approve_disbursement(request=asked, by=head(world))
    with pytest.raises(ValidationError, match="已被他人处理"):
        actions.approve_disbursement(request=stale, by=world.users["township_staff"])
    with pytest.raises(ValidationError, match="已被他人处理"):
        actions.reject_disbursement(request=stale, by=head(world), reason="重复")
    assert CharityEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 1


# --- Reversals -------------------------------------------------------------------------------------


def test_a_reversal_posts_the_mirror_entry_once(world: World, fund: CharityFund) -> None:
    entry = donate(fund, "200")
    client = client_for(head(world))
    url = reverse("organizations:entry_reverse", kwargs={"charity_entry_id": entry.pk})

    client.post(url, {"reason": "金额登记错误"})

    reversal = CharityEntry.objects.get(reverses=entry)
    assert reversal.kind == EntryKind.REVERSAL and reversal.number == 2
    assert {(line.account, line.debit, line.credit) for line in reversal.lines.all()} == {
        ("cash", 0, Decimal("200.00")),
        ("donations", Decimal("200.00"), 0),
    }
    assert "金额登记错误" in reversal.description
    assert queries.balances(fund).cash == 0
    # Twice: refused with the reason, nothing more written.
    again = html(client.post(url, {"reason": "再来一次"}, follow=True))
    assert "已经冲销过，不能重复冲销" in again
    # A reversal is never reversed.
    with pytest.raises(ValidationError, match="冲销凭证不能再冲销"):
        actions.reverse_entry(entry=reversal, by=head(world), reason="撤销冲销")
    assert CharityEntry.objects.filter(fund=fund).count() == 2


def test_reversing_a_donation_already_spent_is_refused_with_the_balance(
    world: World, fund: CharityFund
) -> None:
    gift = donate(fund, "100")
    disburse(fund, "70", requester=staff(world), approver=head(world))
    with pytest.raises(ValidationError, match=r"当前余额 30\.00 元，本笔需 100\.00 元"):
        actions.reverse_entry(entry=gift, by=head(world), reason="退回捐赠")
    assert not CharityEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_a_disbursement_reversed_puts_the_money_back(world: World, fund: CharityFund) -> None:
    donate(fund, "100")
    spent = disburse(fund, "70", requester=staff(world), approver=head(world))
    actions.reverse_entry(entry=spent, by=head(world), reason="重复发放，已追回")
    assert queries.balances(fund).cash == Decimal("100.00")
    assert queries.balances(fund).disbursements == 0


def test_a_worker_without_the_approval_permission_cannot_reverse(
    world: World, fund: CharityFund
) -> None:
    entry = donate(fund, "100")
    url = reverse("organizations:entry_reverse", kwargs={"charity_entry_id": entry.pk})
    assert client_for(staff(world)).post(url, {"reason": "x"}).status_code == 403
    assert not CharityEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


# --- The append-only rule, numbers and the trial balance --------------------------------------------


def test_posted_entries_and_lines_are_never_changed_or_deleted(
    world: World, fund: CharityFund
) -> None:
    entry = donate(fund, "100")
    line = entry.lines.first()
    entry.amount = Decimal("1")
    with pytest.raises(PostedEntryError):
        entry.save()
    with pytest.raises(PostedEntryError):
        entry.delete()
    with pytest.raises(PostedEntryError):
        line.save()
    with pytest.raises(PostedEntryError):
        line.delete()
    assert CharityEntry.objects.get().amount == Decimal("100.00")


def test_the_admin_offers_no_change_or_delete_of_entries(rf: Any) -> None:
    from django.contrib import admin

    request = rf.get("/")
    request.user = None
    for model in (CharityEntry, CharityLine):
        registered = admin.site._registry.get(model)
        if registered is not None:
            assert not registered.has_change_permission(request)
            assert not registered.has_delete_permission(request)


def test_the_trial_balance_agrees_and_assets_equal_donations_less_disbursements(
    world: World, fund: CharityFund
) -> None:
    donate(fund, "1000")
    donate(
        fund,
        "400",
        in_goods=True,
        goods_description="食用油",
        quantity="20",
        unit="桶",
    )
    disburse(fund, "250.50", requester=staff(world), approver=head(world))
    disburse(
        fund,
        "100",
        requester=staff(world),
        approver=head(world),
        in_goods=True,
        goods_description="食用油",
        quantity="5",
        unit="桶",
    )

    trial = queries.trial_balance(fund)
    assert trial.balanced and trial.debit == trial.credit == Decimal("1750.50")
    assert trial.assets == Decimal("1049.50")
    assert trial.equation_holds
    body = html(
        client_for(staff(world)).get(
            reverse("organizations:fund_detail", kwargs={"fund_id": fund.pk})
        )
    )
    assert "借贷平衡" in body and "资产 1049.50 元" in body


def test_entry_numbers_stay_gapless_after_a_refusal(world: World, fund: CharityFund) -> None:
    donate(fund, "10")
    with pytest.raises(ValidationError):
        actions.reverse_entry(entry=donate(fund, "5"), by=head(world), reason="")
    donate(fund, "7")
    assert list(CharityEntry.objects.filter(fund=fund).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_cannot_overdraw_the_fund() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the fund row lock is exercised on PostgreSQL")
    world = build_world()
    fund = make_fund(region=world.regions[HOME["community"]])
    donate(fund, "100")
    first = ask(fund, "80", by=world.users["community_staff"])
    second = ask(fund, "80", by=world.users["community_staff"])

    results = at_once(
        lambda: actions.approve_disbursement(request=first, by=world.users["community_head"]),
        lambda: actions.approve_disbursement(request=second, by=world.users["township_staff"]),
    )

    assert results.count("ok") == 1, results
    assert any("资金余额不足" in r for r in results)
    assert queries.balances(fund).cash == Decimal("20.00")


@pytest.mark.django_db(transaction=True)
def test_the_same_request_approved_twice_at_once_posts_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the fund row lock is exercised on PostgreSQL")
    world = build_world()
    fund = make_fund(region=world.regions[HOME["community"]])
    donate(fund, "100")
    asked = ask(fund, "30", by=world.users["community_staff"])

    results = at_once(
        lambda: actions.approve_disbursement(
            request=DisbursementRequest.objects.get(pk=asked.pk), by=world.users["community_head"]
        ),
        lambda: actions.approve_disbursement(
            request=DisbursementRequest.objects.get(pk=asked.pk), by=world.users["township_staff"]
        ),
    )

    assert sorted(r == "ok" for r in results) == [False, True], results
    assert CharityEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 1
    assert queries.balances(fund).cash == Decimal("70.00")


@pytest.mark.django_db(transaction=True)
def test_donations_at_once_get_gapless_numbers_and_distinct_receipts() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the fund row lock is exercised on PostgreSQL")
    world = build_world()
    fund = make_fund(region=world.regions[HOME["community"]])

    results = at_once(*(lambda: donate(fund, "10") for _ in range(4)))

    assert results == ["ok"] * 4
    numbers = sorted(CharityEntry.objects.filter(fund=fund).values_list("number", flat=True))
    receipts = set(CharityEntry.objects.filter(fund=fund).values_list("receipt_number", flat=True))
    assert numbers == [1, 2, 3, 4] and len(receipts) == 4
