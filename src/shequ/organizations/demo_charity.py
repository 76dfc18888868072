"""Demo charity: a community charity fund in about 30 % of the demo county's communities and a charity
store in a few, each with 10–40 donations of money and goods and approved disbursements over the last
12 months (posted in date order through the actions, so every fund balances and never goes negative),
a few requests waiting for approval, and needs in every state.

Deterministic for a seed. Everything it makes is marked ``is_synthetic`` and removed by
``delete_demo_charity``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shequ.organizations.actions import charity as actions
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityLine,
    CharityNeed,
    DisbursementRequest,
    DonorKind,
    EntryKind,
    FundKind,
    NeedKind,
    NeedMatch,
)
from shequ.organizations.queries import charity as queries
from shequ.territory.models import Level, Region

APPROVER_USERNAME = "charity_demo_approver"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "海燕",
    "文华",
    "玉梅",
    "德胜",
    "丽娟",
    "春生",
    "晓东",
    "淑珍",
    "国平",
    "红梅",
    "永刚",
    "婷婷",
    "子涵",
    "雨轩",
]
COMPANIES = [
    "徐州{place}商贸有限公司",
    "{place}爱心企业联合会",
    "徐州市{place}建材有限公司",
    "{place}餐饮服务有限公司",
    "江苏{place}物业服务有限公司",
    "{place}医药连锁店",
    "{place}农村信用合作社",
]
GOODS = [
    ("东北大米 10kg", "袋", 55),
    ("食用油 5L", "桶", 68),
    ("冬季棉被", "床", 120),
    ("学生书包文具套装", "套", 45),
    ("牛奶 24盒", "箱", 60),
    ("面粉 10kg", "袋", 42),
    ("成人纸尿裤", "包", 75),
    ("羽绒服", "件", 180),
]
PURPOSES = [
    "困难家庭节日慰问",
    "独居老人冬季取暖补助",
    "困境儿童助学",
    "大病患者临时救助",
    "残疾人康复辅具",
    "高龄老人生日关怀",
    "社区助餐补贴",
    "微心愿认领",
]
NEEDS = [
    ("独居老人冬季棉被", NeedKind.GOODS, None, "棉被 2 床"),
    ("困境儿童学习用品", NeedKind.GOODS, None, "书包文具 3 套"),
    ("大病家庭临时救助", NeedKind.MONEY, "3000", ""),
    ("残疾人轮椅", NeedKind.GOODS, None, "轮椅 1 辆"),
    ("老人助浴上门服务", NeedKind.SERVICE, None, ""),
    ("留守儿童课后托管志愿者", NeedKind.SERVICE, None, ""),
    ("低保户房屋修缮", NeedKind.MONEY, "5000", ""),
]
RECIPIENTS = ["独居老人", "低保家庭", "困境儿童家庭", "残疾人家庭", "特困人员", "大病患者家庭"]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _approver() -> Any:
    """The demo's county official when the demo made one, or a synthetic approver of our own."""
    from shequ.accounts.actions import create_staff_user

    users = get_user_model().objects
    found = users.filter(username="county_official", is_synthetic=True).first()
    if found is None:
        found = users.filter(username=APPROVER_USERNAME).first()
    if found is None:
        found = create_staff_user(
            username=APPROVER_USERNAME,
            full_name="慈善审批（演示）",
            password=None,
            is_synthetic=True,
        )
    return found


def _donate(fund: CharityFund, day: date, rng: random.Random, place: str) -> CharityEntry:
    roll = rng.random()
    if roll < 0.15:
        kind, name, publish = DonorKind.ANONYMOUS, "", False
    elif roll < 0.45:
        kind = DonorKind.ORGANISATION
        name, publish = rng.choice(COMPANIES).format(place=place[:4]), rng.random() < 0.8
    else:
        kind, name, publish = DonorKind.PERSON, _person(rng), rng.random() < 0.5
    goods: dict[str, Any] = {}
    if rng.random() < (0.6 if fund.kind == FundKind.STORE else 0.3):
        what, unit, price = rng.choice(GOODS)
        quantity = rng.randint(2, 30)
        goods = {
            "in_goods": True,
            "goods_description": what,
            "quantity": quantity,
            "unit": unit,
        }
        amount = Decimal(price * quantity)
    else:
        amount = Decimal(rng.choice((100, 200, 200, 300, 500, 500, 800, 1000, 2000, 5000)))
    return actions.post_donation(
        fund=fund,
        by=None,
        amount=amount,
        donor_kind=kind,
        donor_name=name,
        publish_donor=publish,
        posted_on=day,
        is_synthetic=True,
        **goods,
    )


def _disburse(
    fund: CharityFund, day: date | None, rng: random.Random, approver: Any, *, approve: bool = True
) -> CharityEntry | None:
    totals = queries.balances(fund)
    in_goods = totals.goods > 50 and rng.random() < 0.4
    available = totals.goods if in_goods else totals.cash
    if available < 50:
        return None
    share = Decimal(rng.choice((10, 15, 20, 30, 40))) / 100
    amount = max(Decimal(50), (available * share).quantize(Decimal(1)))
    extra: dict[str, Any] = {}
    if in_goods:
        what, unit, price = rng.choice(GOODS)
        extra = {"goods_description": what, "quantity": max(1, int(amount) // price), "unit": unit}
    try:
        asked = actions.request_disbursement(
            fund=fund,
            by=None,
            amount=amount,
            description=rng.choice(PURPOSES),
            recipient=f"{rng.choice(RECIPIENTS)}{_person(rng)}",
            in_goods=in_goods,
            is_synthetic=True,
            **extra,
        )
        if not approve:
            return None
        return actions.approve_disbursement(
            request=asked, by=None, approver=approver, posted_on=day, reason="同意"
        )
    except ValidationError:
        return None


def _needs(
    community: Region, fund: CharityFund, rng: random.Random, spent: list[CharityEntry]
) -> int:
    made = 0
    today = timezone.localdate()
    for title, kind, amount, quantity in rng.sample(NEEDS, rng.randint(2, 4)):
        need = actions.post_need(
            community=community,
            by=None,
            title=title,
            kind=kind,
            amount=amount,
            quantity=quantity,
            needed_by=today + timedelta(days=rng.randint(7, 60)) if rng.random() < 0.7 else None,
            is_synthetic=True,
        )
        made += 1
        state = rng.random()
        if state < 0.3:
            continue  # open
        if state < 0.85:
            if rng.random() < 0.5:
                actions.match_need(need=need, by=None, fund=fund, note="由社区慈善基金对接")
            else:
                actions.match_need(need=need, by=None, donor_name=_person(rng), note="爱心人士认领")
            if state >= 0.55 and spent:
                actions.fulfil_need(need=need, by=None, entry=spent.pop(), note="已送达")
        else:
            actions.withdraw_need(need=need, by=None, reason="需求已由家属解决")
    return made


def load_demo_charity(*, county: Region, seed: int) -> dict[str, int]:
    """Funds and stores over the demo county's communities with a year of ledger, pending requests
    and needs."""
    rng = random.Random(f"{seed}-charity")  # noqa: S311 (demo data)
    communities = list(
        Region.objects.filter(level=Level.COMMUNITY, path__under=county.path).order_by("path")
    )
    approver = _approver()
    today = timezone.localdate()
    counts = {"funds": 0, "entries": 0, "pending_requests": 0, "needs": 0}
    with transaction.atomic():
        for community in communities:
            kinds = []
            if rng.random() < 0.3:
                kinds.append(FundKind.FUND)
            if rng.random() < 0.06:
                kinds.append(FundKind.STORE)
            for kind in kinds:
                label = {FundKind.FUND: "慈善基金", FundKind.STORE: "慈善超市"}[kind]
                fund = actions.create_fund(
                    region=community,
                    by=None,
                    name=f"{community.name}{label}",
                    kind=kind,
                    established_on=today - timedelta(days=rng.randint(400, 1500)),
                    custodian=f"{community.name}居民委员会",
                    publish_summary=rng.random() < 0.85,
                    is_synthetic=True,
                )
                counts["funds"] += 1
                donations = rng.randint(10, 40)
                events = sorted(
                    [(rng.randint(1, 365), "donation") for _ in range(donations)]
                    + [(rng.randint(1, 330), "disbursement") for _ in range(donations // 3)],
                    reverse=True,
                )
                spent: list[CharityEntry] = []
                for days_ago, what in events:
                    day = today - timedelta(days=days_ago)
                    if day < fund.established_on:
                        continue
                    if what == "donation":
                        _donate(fund, day, rng, community.name)
                    else:
                        entry = _disburse(fund, day, rng, approver)
                        if entry is not None:
                            spent.append(entry)
                for _ in range(rng.randint(0, 2)):
                    _disburse(fund, None, rng, approver, approve=False)
                counts["needs"] += _needs(community, fund, rng, spent)
        counts["entries"] = CharityEntry.objects.filter(is_synthetic=True).count()
        counts["pending_requests"] = DisbursementRequest.objects.filter(
            is_synthetic=True, status="pending"
        ).count()
    return counts


@transaction.atomic
def delete_demo_charity() -> dict[str, int]:
    """Remove every synthetic fund with its ledger, requests and needs. The ledger refuses deletion
    of single entries; the demo's whole ledger goes at once, lines first, reversals before what they
    reverse."""
    funds = CharityFund.objects.filter(is_synthetic=True)
    needs = CharityNeed.objects.filter(is_synthetic=True)
    entries = CharityEntry.objects.filter(fund__in=funds)
    counts = {
        "funds": funds.count(),
        "entries": entries.count(),
        "needs": needs.count(),
    }
    NeedMatch.objects.filter(need__in=needs).delete()
    DisbursementRequest.objects.filter(fund__in=funds).delete()
    # Queryset deletes do not call the models' refusing ``delete()``: the demo's ledger goes whole.
    CharityLine.objects.filter(entry__fund__in=funds).delete()
    CharityEntry.objects.filter(fund__in=funds, kind=EntryKind.REVERSAL).delete()
    CharityEntry.objects.filter(fund__in=funds).delete()
    needs.delete()
    funds.delete()
    get_user_model().objects.filter(username=APPROVER_USERNAME, is_synthetic=True).delete()
    return counts
