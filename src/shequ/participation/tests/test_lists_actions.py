"""The three lists and micro-renewal actions: amounts, the budget and funds rules, matching, status
machines, residents' need reports, and the concurrency of the funds rule (PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    NeedItem,
    NeedMatch,
    NeedStatus,
    RenewalStatus,
    Spending,
)
from shequ.participation.tests.factories_lists import (
    give,
    make_need,
    make_project,
    make_renewal,
    make_resource,
    resident_with_account,
    spend,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "金额须为数字"),
        ("-5", "金额不能为负数"),
        ("0", "金额须大于零"),
        ("0.00", "金额须大于零"),
        ("12.345", "两位小数"),
        ("123456789012", "金额过大"),
        ("10000000000", "金额过大"),
        ("", "请填写金额"),
        ("NaN", "金额须为数字"),
        ("Infinity", "金额须为数字"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.parse_amount(value)
    assert message in caught.value.message_dict["amount"][0]


def test_good_amounts_are_read_to_the_fen() -> None:
    assert actions.parse_amount("1,200.5") == Decimal("1200.50")
    assert actions.parse_amount("9999999999.99") == Decimal("9999999999.99")


def test_a_renewal_needs_a_positive_budget(world: World) -> None:
    for bad in ("0", "-1", "abc", ""):
        with pytest.raises(ValidationError) as caught:
            make_renewal(home(world), staff(world), budget=bad)
        assert "budget" in caught.value.message_dict


def test_contributions_beyond_the_budget_and_spending_beyond_funds_are_refused(
    world: World,
) -> None:
    renewal = make_renewal(home(world), staff(world), budget="1000")
    give(renewal, staff(world), "700")
    with pytest.raises(ValidationError) as caught:
        give(renewal, staff(world), "300.01", source=FundSource.GOVERNMENT, contributor="街道办")
    assert "出资合计将超过总预算" in caught.value.message_dict["amount"][0]
    give(renewal, staff(world), "300", source=FundSource.GOVERNMENT, contributor="街道办")
    spend(renewal, staff(world), "999")
    with pytest.raises(ValidationError) as caught:
        spend(renewal, staff(world), "1.01")
    assert "支出合计将超过已到账资金" in caught.value.message_dict["amount"][0]
    assert Contribution.objects.filter(project=renewal).count() == 2
    assert Spending.objects.filter(project=renewal).count() == 1


def test_residents_funds_name_the_households(world: World) -> None:
    renewal = make_renewal(home(world), staff(world))
    with pytest.raises(ValidationError) as caught:
        give(renewal, staff(world), "100", households=0)
    assert "户数" in caught.value.message_dict["households"][0]


def test_the_renewal_status_machine_and_no_money_on_a_completed_project(world: World) -> None:
    renewal = make_renewal(home(world), staff(world))
    give(renewal, staff(world), "100")
    with pytest.raises(ValidationError):
        actions.transition_renewal(renewal=renewal, by=staff(world), transition="complete")
    actions.transition_renewal(renewal=renewal, by=staff(world), transition="start")
    actions.transition_renewal(renewal=renewal, by=staff(world), transition="complete")
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.COMPLETED
    with pytest.raises(ValidationError) as caught:
        give(renewal, staff(world), "1")
    assert "已完成" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        actions.transition_renewal(renewal=renewal, by=staff(world), transition="nonsense")


def test_staff_of_another_county_may_not_write(world: World) -> None:
    with pytest.raises(PermissionDenied):
        make_need(home(world), world.outsider)
    renewal = make_renewal(home(world), staff(world))
    with pytest.raises(PermissionDenied):
        give(renewal, world.outsider, "10")
    with pytest.raises(PermissionDenied):
        make_renewal(world.regions[AWAY], staff(world))


def test_a_need_is_matched_to_a_resource_or_a_project_of_its_own_community(
    world: World,
) -> None:
    need = make_need(home(world), staff(world))
    with pytest.raises(ValidationError) as caught:
        actions.match_need(need=need, by=staff(world))
    assert "至少选择一项" in caught.value.messages[0]
    away = make_resource(world.regions[AWAY], world.outsider)
    with pytest.raises(ValidationError):
        actions.match_need(need=need, by=staff(world), resource=away)
    resource = make_resource(home(world), staff(world))
    project = make_project(home(world), staff(world))
    actions.match_need(need=need, by=staff(world), resource=resource)
    actions.match_need(need=need, by=staff(world), project=project)
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED and NeedMatch.objects.filter(need=need).count() == 2
    actions.set_need_status(need=need, by=staff(world), transition="meet")
    with pytest.raises(ValidationError):
        actions.match_need(need=need, by=staff(world), resource=resource)
    with pytest.raises(ValidationError):
        actions.set_need_status(need=need, by=staff(world), transition="meet")


def test_a_resident_reports_a_need_once_and_scripts_are_refused(world: World) -> None:
    _me, user = resident_with_account(home(world))
    made = actions.report_need(
        by=user, category="environment", title="小区缺少晾衣架", request_key="k1"
    )
    again = actions.report_need(
        by=user, category="environment", title="小区缺少晾衣架", request_key="k1"
    )
    assert made.pk == again.pk and made.source == "居民提出" and made.community == home(world)
    with pytest.raises(ValidationError) as caught:
        actions.report_need(by=user, category="environment", title="<script>x</script>")
    assert "脚本" in caught.value.message_dict["title"][0]
    with pytest.raises(ValidationError):
        actions.report_need(by=user, category="environment", title="点击 http://evil.cn 领奖")
    with pytest.raises(ValidationError) as caught:
        actions.report_need(by=user, category="nonsense", title="需求")
    assert "category" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.report_need(by=staff(world), category="environment", title="工作人员")
    assert NeedItem.objects.count() == 1
