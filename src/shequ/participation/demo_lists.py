"""Demo three lists and micro-renewal in the home community: residents' needs (some matched to a
resource or a project, one met), service resources, livelihood projects, and one micro-renewal
project co-funded by residents, the government and a local company, with some spending.

Everything goes through ``participation.actions.lists`` as the demo's community staff account.
Deterministic for a seed; rows marked ``is_synthetic`` (contributions and spending belong to a
synthetic project); loading twice adds nothing. The demo resident's own reports are left to the
journeys."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from shequ.core import calendar
from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    LivelihoodProject,
    MicroRenewal,
    NeedCategory,
    NeedItem,
    NeedMatch,
    ProjectStatus,
    ResourceItem,
    ResourceKind,
    Spending,
)
from shequ.territory.models import Level, Region

NEEDS = [
    (
        NeedCategory.ELDERLY,
        "高龄老人午餐难",
        "独居和高龄老人希望在家门口吃上热乎饭。",
        28,
        "入户走访",
    ),
    (NeedCategory.CHILDREN, "双职工家庭放学后托管", "小学生放学后无人照看。", 35, "问卷调查"),
    (NeedCategory.ENVIRONMENT, "小区缺少休憩座椅", "老人散步途中没有地方歇脚。", 60, "居民议事会"),
    (NeedCategory.SAFETY, "楼道堆放杂物", "部分楼道堆放杂物，存在消防隐患。", 40, "网格巡查"),
    (
        NeedCategory.CULTURE,
        "缺少文体活动场地",
        "广场舞队和合唱队需要固定的活动时间和场地。",
        50,
        "居民提出",
    ),
    (
        NeedCategory.EMPLOYMENT,
        "失业人员技能培训",
        "希望就近参加家政、电商等技能培训。",
        12,
        "入户走访",
    ),
]
RESOURCES = [
    (ResourceKind.VENUE, "党群服务中心多功能厅", "社区居委会", "可容纳80人，周一至周六开放。"),
    (
        ResourceKind.ORGANISATION,
        "长者助餐点",
        "颐康养老服务中心",
        "每日午餐，60周岁以上老人可预约。",
    ),
    (ResourceKind.VOLUNTEERS, "红马甲志愿服务队", "社区志愿者协会", "周末提供课业辅导和陪伴。"),
    (ResourceKind.SKILLS, "家政技能培训讲师", "区人社局职业培训中心", "每季度一期家政服务培训。"),
]
PROJECTS = [
    (
        "老旧小区楼道整治",
        "清理楼道杂物，统一设置电动车充电点。",
        "60000",
        "社区居委会",
        ProjectStatus.IN_PROGRESS,
    ),
    (
        "四点半课堂",
        "为双职工家庭小学生提供放学后托管。",
        "15000",
        "社区居委会和志愿服务队",
        ProjectStatus.PLANNED,
    ),
    (
        "文体广场改造",
        "划定活动区域，加装照明和音响设施。",
        "80000",
        "街道城建办",
        ProjectStatus.PLANNED,
    ),
]


def _staff(users: dict[str, Any] | None, home: Region) -> Any:
    user = (users or {}).get("community_staff")
    if user is None:
        return None
    if not user.jurisdiction(actions.Perm.LISTS).covers_path(home.path):
        return None
    return user


def load_demo_lists(
    *,
    county: Region | None = None,
    seed: int,
    community: Region | None = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    """The three lists and a micro-renewal project in ``community`` (the demo's home community),
    entered by the demo's community staff account."""
    counts = {"needs": 0, "resources": 0, "livelihood_projects": 0, "micro_renewals": 0}
    if community is None or community.level != Level.COMMUNITY:
        return counts
    by = _staff(users, community)
    if by is None or NeedItem.objects.filter(is_synthetic=True, community=community).exists():
        return counts
    rng = random.Random(f"{seed}-lists")  # noqa: S311 (demo data)
    today = calendar.localdate()
    with transaction.atomic():
        needs = [
            actions.create_need(
                by=by,
                community=community,
                category=category,
                title=title,
                description=text,
                households=households + rng.randint(0, 5),
                source=source,
                is_synthetic=True,
            )
            for category, title, text, households, source in NEEDS
        ]
        resources = [
            actions.create_resource(
                by=by,
                community=community,
                kind=kind,
                title=title,
                provider=provider,
                description=text,
                is_synthetic=True,
            )
            for kind, title, provider, text in RESOURCES
        ]
        projects = [
            actions.create_project(
                by=by,
                community=community,
                title=title,
                description=text,
                budget=budget,
                responsible_party=party,
                status=status,
                start_on=today - timedelta(days=30) if status != ProjectStatus.PLANNED else None,
                end_on=today + timedelta(days=90),
                is_synthetic=True,
            )
            for title, text, budget, party, status in PROJECTS
        ]
        actions.match_need(
            need=needs[0], by=by, resource=resources[1], note="已为老人开通助餐预约。"
        )
        actions.match_need(
            need=needs[1],
            by=by,
            resource=resources[2],
            project=projects[1],
            note="纳入四点半课堂项目。",
        )
        actions.match_need(need=needs[3], by=by, project=projects[0], note="纳入楼道整治。")
        actions.match_need(need=needs[5], by=by, resource=resources[3])
        actions.set_need_status(need=needs[5], by=by, transition="meet")
        renewal = actions.create_renewal(
            by=by,
            community=community,
            title="口袋公园微更新",
            description="把小区闲置空地改造成口袋公园：铺装步道、增设座椅和花坛。居民议事会协商确定方案，居民自筹一部分资金。",
            budget="50000",
            is_synthetic=True,
        )
        homes = 30 + rng.randint(0, 10)
        for source, contributor, amount, households, days in (
            (FundSource.RESIDENTS, "小区居民", "12000", homes, 40),
            (FundSource.GOVERNMENT, "街道办事处", "30000", 0, 35),
            (FundSource.ENTERPRISE, "驻区物业企业", "5000", 0, 30),
        ):
            actions.add_contribution(
                renewal=renewal,
                by=by,
                source=source,
                contributor=contributor,
                amount=amount,
                received_on=today - timedelta(days=days),
                households=households,
            )
        actions.transition_renewal(renewal=renewal, by=by, transition="start")
        for item, amount, days in (
            ("步道铺装材料", "18600.00", 20),
            ("休憩座椅8张", "6400.00", 10),
        ):
            actions.add_spending(
                renewal=renewal,
                by=by,
                item=item,
                amount=amount,
                spent_on=today - timedelta(days=days),
            )
    counts.update(
        needs=len(needs),
        resources=len(resources),
        livelihood_projects=len(projects),
        micro_renewals=1,
    )
    return counts


@transaction.atomic
def delete_demo_lists() -> dict[str, int]:
    """Remove the synthetic lists and micro-renewal projects (and their matches, contributions and
    spending)."""
    renewals = MicroRenewal.objects.filter(is_synthetic=True)
    spent = Spending.objects.filter(project__in=renewals).delete()[0]
    given = Contribution.objects.filter(project__in=renewals).delete()[0]
    matches = NeedMatch.objects.filter(
        Q(need__is_synthetic=True) | Q(resource__is_synthetic=True) | Q(project__is_synthetic=True)
    ).delete()[0]
    return {
        "need_matches": matches,
        "needs": NeedItem.objects.filter(is_synthetic=True).delete()[0],
        "resources": ResourceItem.objects.filter(is_synthetic=True).delete()[0],
        "livelihood_projects": LivelihoodProject.objects.filter(is_synthetic=True).delete()[0],
        "contributions": given,
        "spendings": spent,
        "micro_renewals": renewals.delete()[0],
    }
