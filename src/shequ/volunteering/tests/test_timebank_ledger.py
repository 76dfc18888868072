"""The time-bank ledger through its actions: crediting confirmed hours, transfers with their two
movements, limits (hard and soft), one-time request keys, reversals and expiry; concurrency on
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.registry.tests import factories as people
from shequ.territory.models import Region
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models import (
    AccountKind,
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.tests.factories_timebank import attended, earn, key, member, move
from tests.concurrency import at_once
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def home(world: World) -> Region:
    return world.regions[HOME["community"]]


def balance(account: TimeAccount) -> Decimal:
    return actions._balances([account.pk])[account.pk]


# --- Crediting confirmed hours ---------------------------------------------------------------------


def test_credit_hours_opens_both_accounts_and_credits_the_volunteer(home: Region) -> None:
    person = people.resident(home, "赵志愿")
    signup = attended(person, hours="2.5")

    transfer = actions.credit_hours(signup=signup, by=None)

    assert transfer.kind == TransferKind.EARN
    assert transfer.hours == Decimal("2.50")
    assert transfer.request_key == f"earn-{signup.pk}"
    assert transfer.signup_id == signup.pk
    assert "敬老院助餐" in transfer.memo
    assert transfer.number.startswith("SJ" + timezone.localdate().strftime("%Y%m%d"))
    source, target = transfer.source, transfer.target
    assert source.kind == AccountKind.ISSUING and source.community_id == home.pk
    assert target.kind == AccountKind.MEMBER and target.holder_id == person.pk
    assert balance(target) == Decimal("2.50")
    assert balance(source) == Decimal("-2.50")
    assert AuditEvent.objects.filter(action="volunteering.timebank.transfer").count() == 1


def test_credit_hours_twice_returns_the_same_transfer(home: Region) -> None:
    signup = attended(people.resident(home, "赵志愿"), hours="3")
    first = actions.credit_hours(signup=signup, by=None)
    second = actions.credit_hours(signup=signup, by=None)
    assert first.pk == second.pk
    assert TimeTransfer.objects.count() == 1
    assert TimeMovement.objects.count() == 2


def test_credit_hours_refuses_unconfirmed_hours(home: Region) -> None:
    signup = attended(people.resident(home, "赵志愿"), hours="3")
    signup.hours_confirmed = None
    signup.save()
    with pytest.raises(ValidationError) as exc:
        actions.credit_hours(signup=signup, by=None)
    assert "尚未确认" in exc.value.messages[0]
    assert not TimeTransfer.objects.exists()


def test_credit_hours_from_an_activity_elsewhere_uses_that_communitys_issuing_account(
    world: World, home: Region
) -> None:
    other = world.regions["320302002001"]
    person = people.resident(home, "赵志愿")
    transfer = earn(person, "1", region=other)
    assert transfer.source.community_id == other.pk
    assert transfer.target.community_id == home.pk


# --- Transfers -------------------------------------------------------------------------------------


def test_a_spend_writes_two_movements_with_running_balances(home: Region) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    transfer = move(payer, payee, "1.25", TransferKind.SPEND)
    movements = list(TimeMovement.objects.filter(transfer=transfer).order_by("pk"))
    assert [(m.account_id, m.amount, m.balance_after) for m in movements] == [
        (payer.pk, Decimal("-1.25"), Decimal("3.75")),
        (payee.pk, Decimal("1.25"), Decimal("1.25")),
    ]
    assert TimeMovement.objects.aggregate(total=Sum("amount"))["total"] == 0


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "应大于 0"),
        ("-1", "应大于 0"),
        ("1.255", "两位小数"),
        ("abc", "应为数字"),
        ("", "请填写"),
        ("1000.01", "1000"),
    ],
)
def test_bad_hours_are_refused_and_nothing_is_written(
    home: Region, hours: str, message: str
) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    before = TimeTransfer.objects.count()
    with pytest.raises(ValidationError) as exc:
        move(payer, payee, hours, TransferKind.SPEND)
    assert message in exc.value.message_dict["hours"][0]
    assert TimeTransfer.objects.count() == before


def test_a_transfer_to_the_same_account_is_refused(home: Region) -> None:
    payer = member(home, "甲", hours="5")
    with pytest.raises(ValidationError) as exc:
        move(payer, payer, "1", TransferKind.SPEND)
    assert "同一个账户" in exc.value.message_dict["target"][0]


def test_a_member_cannot_overdraw_past_the_rule(home: Region, world: World) -> None:
    payer = member(home, "甲", hours="2")
    payee = member(home, "乙")
    with pytest.raises(ValidationError) as exc:
        move(payer, payee, "2.01", TransferKind.SPEND)
    assert "不足" in exc.value.message_dict["hours"][0]
    # A county rule allowing 1 hour of overdraft applies to the community below it.
    TimeBankRule.objects.create(region=world.regions[HOME["county"]], overdraft_limit=Decimal(1))
    move(payer, payee, "3", TransferKind.SPEND)
    assert balance(payer) == Decimal("-1.00")
    with pytest.raises(ValidationError):
        move(payer, payee, "0.01", TransferKind.SPEND)


def test_the_pool_cannot_go_below_zero_but_the_issuing_account_can(home: Region) -> None:
    person = people.resident(home, "丙")
    target = actions.member_account(person)
    pool = actions.pool_account(home)
    with pytest.raises(ValidationError) as exc:
        move(pool, target, "1", TransferKind.GRANT)
    assert "互助池" in exc.value.message_dict["hours"][0]
    earn(person, "4")
    assert balance(actions.issuing_account(home)) == Decimal("-4.00")


def test_a_kind_between_the_wrong_accounts_is_refused(home: Region) -> None:
    payer = member(home, "甲", hours="2")
    with pytest.raises(ValidationError) as exc:
        move(payer, actions.pool_account(home), "1", TransferKind.SPEND)
    assert "不能在这两类账户之间" in exc.value.message_dict["target"][0]


def test_the_same_request_key_posts_once(home: Region) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    first = move(payer, payee, "1", TransferKind.SPEND, request_key="k-1")
    again = move(payer, payee, "1", TransferKind.SPEND, request_key="k-1")
    assert first.pk == again.pk
    assert balance(payer) == Decimal("4.00")
    with pytest.raises(ValidationError) as exc:
        move(payer, payee, "2", TransferKind.SPEND, request_key="k-1")
    assert "已经提交过" in exc.value.message_dict["request_key"][0]


def test_numbers_are_unique_and_readable(home: Region) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    numbers = [move(payer, payee, "0.5", TransferKind.SPEND).number for _ in range(3)]
    assert len(set(numbers)) == 3
    assert all(n.startswith("SJ") and len(n) == 18 for n in numbers)


def test_a_batch_is_all_or_nothing(home: Region) -> None:
    payer = member(home, "甲", hours="2")
    payee = member(home, "乙")
    specs = [
        actions.TransferSpec(payer, payee, "1.5", TransferKind.SPEND, "a", key()),
        actions.TransferSpec(payer, payee, "1", TransferKind.SPEND, "b", key()),
    ]
    before = TimeTransfer.objects.count()
    with pytest.raises(ValidationError):
        actions.post_transfers(specs, None)
    assert TimeTransfer.objects.count() == before
    done = actions.post_transfers(
        [specs[0], actions.TransferSpec(payee, payer, "1", TransferKind.SPEND, "c", key())], None
    )
    assert len(done) == 2
    assert balance(payer) == Decimal("1.50")


# --- Soft limits -----------------------------------------------------------------------------------


def test_passing_the_balance_cap_flags_but_does_not_block(home: Region) -> None:
    TimeBankRule.objects.create(region=home, max_balance=Decimal(5))
    person = people.resident(home, "丁")
    earn(person, "4")
    account = actions.member_account(person)
    account.refresh_from_db()
    assert not account.flagged
    earn(person, "2")
    account.refresh_from_db()
    assert account.flagged and "上限" in account.flag_reason
    assert balance(account) == Decimal("6.00")


def test_passing_the_yearly_donation_limit_flags_the_donor(home: Region) -> None:
    TimeBankRule.objects.create(region=home, yearly_donation_limit=Decimal(3))
    giver = member(home, "戊", hours="10")
    move(giver, actions.pool_account(home), "3", TransferKind.DONATE_POOL)
    giver.refresh_from_db()
    assert not giver.flagged
    move(giver, actions.pool_account(home), "1", TransferKind.DONATE_POOL)
    giver.refresh_from_db()
    assert giver.flagged and "年度" in giver.flag_reason


# --- Reversal --------------------------------------------------------------------------------------


def test_a_reversal_moves_the_hours_back_once(home: Region, world: World) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    transfer = move(payer, payee, "2", TransferKind.SPEND)
    staff = world.users["community_staff"]
    reversal = actions.reverse_transfer(transfer=transfer, reason="录错了", by=staff)
    assert reversal.kind == TransferKind.REVERSAL and reversal.reverses_id == transfer.pk
    assert balance(payer) == Decimal("5.00") and balance(payee) == Decimal("0.00")
    with pytest.raises(ValidationError) as exc:
        actions.reverse_transfer(transfer=transfer, reason="再来", by=staff)
    assert "已经冲正过" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        actions.reverse_transfer(transfer=reversal, reason="再来", by=staff)


def test_a_reversal_that_would_overdraw_is_refused(home: Region, world: World) -> None:
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    transfer = move(payer, payee, "2", TransferKind.SPEND)
    move(payee, payer, "1.5", TransferKind.SPEND)
    with pytest.raises(ValidationError) as exc:
        actions.reverse_transfer(
            transfer=transfer, reason="录错了", by=world.users["community_staff"]
        )
    assert "不能冲正" in exc.value.messages[0]


# --- Expiry ----------------------------------------------------------------------------------------


def _age(transfer: TimeTransfer, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    TimeTransfer.objects.filter(pk=transfer.pk).update(created_at=when)
    TimeMovement.objects.filter(transfer=transfer).update(at=when)


def test_unspent_old_hours_expire_fifo_and_only_once(home: Region) -> None:
    TimeBankRule.objects.create(region=home, expiry_months=12)
    person = people.resident(home, "己")
    old = earn(person, "5")
    _age(old, 400)
    earn(person, "2")  # recent: does not expire
    account = actions.member_account(person)
    move(account, member(home, "庚"), "1.5", TransferKind.SPEND)  # spends the oldest hours first

    assert actions.expire_hours(on=timezone.localdate()) == 1
    assert balance(account) == Decimal("2.00")
    expiry = TimeTransfer.objects.get(kind=TransferKind.EXPIRE)
    assert expiry.hours == Decimal("3.50") and expiry.target.kind == AccountKind.ISSUING
    # The earlier expiry counts as a debit: nothing more expires, the same day or later.
    assert actions.expire_hours(on=timezone.localdate()) == 0
    assert actions.expire_hours(on=timezone.localdate() + timedelta(days=1)) == 0


def test_without_an_expiry_rule_nothing_expires(home: Region) -> None:
    person = people.resident(home, "己")
    _age(earn(person, "5"), 4000)
    assert actions.expire_hours(on=date.today()) == 0


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_writers_draining_one_account_cannot_overdraw_it() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the account row locks are exercised on PostgreSQL")
    world = build_world()
    home = world.regions[HOME["community"]]
    payer = member(home, "甲", hours="5")
    payees = [member(home, f"乙{n}") for n in range(8)]
    steps = [(lambda p=p: move(payer, p, "1", TransferKind.SPEND)) for p in payees]
    results = at_once(*steps)
    assert results.count("ok") == 5
    assert balance(payer) == Decimal("0.00")
    assert TimeMovement.objects.aggregate(total=Sum("amount"))["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_request_key_from_eight_threads_posts_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the account row locks are exercised on PostgreSQL")
    world = build_world()
    home = world.regions[HOME["community"]]
    payer = member(home, "甲", hours="5")
    payee = member(home, "乙")
    steps = [
        (lambda: move(payer, payee, "1", TransferKind.SPEND, request_key="double-click"))
        for _ in range(8)
    ]
    assert at_once(*steps) == ["ok"] * 8
    assert TimeTransfer.objects.filter(request_key="double-click").count() == 1
    assert balance(payer) == Decimal("4.00")


def test_the_nightly_task_expires_like_the_action(home: Region) -> None:
    from shequ.volunteering.tasks import expire_time_bank_hours

    TimeBankRule.objects.create(region=home, expiry_months=1)
    person = people.resident(home, "辛")
    _age(earn(person, "2"), 60)
    assert expire_time_bank_hours(on=timezone.localdate().isoformat()) == 1
    assert expire_time_bank_hours() == 0
    assert balance(actions.member_account(person)) == Decimal("0.00")


# --- The audit report ------------------------------------------------------------------------------


def test_the_audit_report_finds_a_broken_balance_chain(world: World, home: Region) -> None:
    from shequ.volunteering.queries.timebank import audit_report

    payer = member(home, "甲", hours="5")
    move(payer, member(home, "乙"), "2", TransferKind.SPEND)
    city = world.users["city_official"]
    report = audit_report(city)
    assert report.whole_bank and report.movements_total == 0
    assert report.unbalanced_transfers == 0 and report.chain_mismatches == []
    assert report.outstanding_total == Decimal("5.00")
    last = TimeMovement.objects.filter(account=payer).latest("id")
    TimeMovement.objects.filter(pk=last.pk).update(balance_after=Decimal("9.99"))
    assert [row["pk"] for row in audit_report(city).chain_mismatches] == [payer.pk]
