"""Demo social organisations for the demo county: two to four per township (some registered with
civil affairs with a valid USCC, the others filed with the township), activities this quarter in many
communities, a social-work station per township (most with staff), rooms in about 60 % of the
communities (most with staff), and service projects of both kinds with milestones, some running,
some finished and evaluated.

Everything goes through ``organizations.actions.social`` as the system (``by=None``), deterministic
for a seed, and is marked ``is_synthetic`` where the model has the flag (activities, staff and
milestones go with their organisation, site or project).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.core.validators import uscc_check_character
from shequ.organizations.actions import social as actions
from shequ.organizations.models import (
    OrgActivity,
    ServiceProject,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.territory.models import Level, Region

ORG_PATTERNS = [
    ("{place}夕阳红志愿服务队", "mutual_help", "独居老人探访、助餐送餐、陪同就医"),
    ("{place}邻里互助会", "mutual_help", "邻里守望、矛盾调解、便民维修"),
    ("{place}文体协会", "culture", "广场舞、书画、合唱队活动"),
    ("{place}社会工作服务中心", "service", "困境儿童关爱、老年人个案服务、社区治理项目"),
    ("{place}慈善救助站", "charity", "困难家庭帮扶、微心愿认领、爱心物资发放"),
    ("{place}社区事务服务社", "assistance", "协助政务代办、垃圾分类督导、平安巡防"),
    ("{place}巾帼志愿者协会", "mutual_help", "家庭教育、妇女儿童权益、邻里关怀"),
]
ACTIVITIES = [
    "重阳敬老文艺汇演",
    "垃圾分类入户宣传",
    "独居老人上门探访",
    "青少年周末课堂",
    "义诊义剪便民服务",
    "反诈宣传进社区",
    "邻里节百家宴",
    "防溺水安全教育",
    "困难家庭冬季慰问",
    "健康讲座",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "霞"]
PROJECTS = [
    ("purchase", "“一老一小”关爱服务项目", "探访高龄独居老人每月不少于2次；困境儿童个案跟进"),
    ("purchase", "社区治理能力提升项目", "培育社区社会组织不少于5个；开展议事协商培训"),
    ("purchase", "社工站运营服务项目", "社工站常驻社工不少于3人；建立服务台账"),
    ("venture", "邻里守望公益创投项目", "组建邻里互助小组；开展邻里节活动"),
    ("venture", "“微心愿”圆梦行动", "收集并认领困难群众微心愿不少于100个"),
    ("venture", "青少年四点半课堂", "每周开展课后托管4次"),
]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _uscc(area: str, serial: int) -> str:
    first17 = f"52{area}{serial:09d}"
    return first17 + uscc_check_character(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def load_demo_social(*, county: Region, seed: int) -> dict[str, int]:
    """Social organisations, activities, stations and rooms with staff, and projects over the demo
    county's townships and communities."""
    rng = random.Random(f"{seed}-social")  # noqa: S311 (demo data)
    today = timezone.localdate()
    quarter = _quarter_start(today)
    townships = list(
        Region.objects.filter(parent=county, level=Level.TOWNSHIP)
        .defer("geometry")
        .order_by("path")
    )
    communities = {
        t.id: list(
            Region.objects.filter(parent=t, level=Level.COMMUNITY)
            .defer("geometry")
            .order_by("path")
        )
        for t in townships
    }
    counts = {"organizations": 0, "activities": 0, "sites": 0, "staff": 0, "projects": 0}
    serial = rng.randrange(10**6) * 1000
    orgs_by_township: dict[int, list[SocialOrganization]] = {}
    with transaction.atomic():
        for township in townships:
            places = communities[township.id]
            orgs: list[SocialOrganization] = []
            for name, kind, services in rng.sample(ORG_PATTERNS, rng.randint(2, 4)):
                region = township if (not places or rng.random() < 0.4) else rng.choice(places)
                registered = rng.random() < 0.45
                serial += 1
                founded = today - timedelta(days=rng.randint(200, 3000))
                org = actions.register_organization(
                    region=region,
                    by=None,
                    is_synthetic=True,
                    name=name.format(place=region.name),
                    kind=kind,
                    registration="registered" if registered else "filed",
                    uscc=_uscc(county.code[:6], serial) if registered else "",
                    filing_number="" if registered else f"{township.code}-备{serial % 10000:04d}",
                    founded_on=founded,
                    leader_name=_person(rng),
                    contact_phone=_phone(rng),
                    members=rng.randint(8, 120),
                    services=services,
                )
                if rng.random() < 0.2:
                    actions.designate_brand(
                        organization=org, by=None, since=founded + timedelta(days=180)
                    )
                orgs.append(org)
                counts["organizations"] += 1
            orgs_by_township[township.id] = orgs
            for community in places:
                if rng.random() < 0.7:
                    for _ in range(rng.randint(1, 3)):
                        actions.record_activity(
                            organization=rng.choice(orgs),
                            community=community,
                            by=None,
                            title=rng.choice(ACTIVITIES),
                            held_on=quarter
                            + timedelta(days=rng.randint(0, (today - quarter).days)),
                            participants=rng.randint(10, 150),
                        )
                        counts["activities"] += 1
            station = actions.register_site(
                region=township,
                kind="station",
                by=None,
                name=f"{township.name}社会工作服务站",
                operator=rng.choice(orgs),
                opened_on=today - timedelta(days=rng.randint(300, 1200)),
                services="社会救助、养老服务、儿童关爱、社区治理",
                is_synthetic=True,
            )
            counts["sites"] += 1
            if rng.random() < 0.85:
                counts["staff"] += _staff(station, rng, today, rng.randint(2, 4))
            for community in places:
                if rng.random() < 0.6:
                    room = actions.register_site(
                        region=community,
                        kind="room",
                        by=None,
                        name=f"{community.name}社会工作室",
                        operator=None,
                        opened_on=today - timedelta(days=rng.randint(100, 900)),
                        is_synthetic=True,
                    )
                    counts["sites"] += 1
                    if rng.random() < 0.75:
                        counts["staff"] += _staff(room, rng, today, rng.randint(1, 2))
        counts["projects"] = _projects(county, townships, communities, orgs_by_township, rng, today)
    return counts


def _staff(site: SocialWorkSite, rng: random.Random, today: date, n: int) -> int:
    for _ in range(n):
        actions.add_site_staff(
            site=site,
            by=None,
            name=_person(rng),
            role=rng.choice(["站长", "专职社工", "社工助理"]),
            qualification=rng.choice(["assistant", "assistant", "intermediate", ""]),
            started_on=today - timedelta(days=rng.randint(30, 700)),
        )
    return n


def _projects(
    county: Region,
    townships: list[Region],
    communities: dict[int, list[Region]],
    orgs_by_township: dict[int, list[SocialOrganization]],
    rng: random.Random,
    today: date,
) -> int:
    made = 0
    for _ in range(rng.randint(5, 10) if townships else 0):
        township = rng.choice(townships)
        kind, title, deliverables = rng.choice(PROJECTS)
        by_county = rng.random() < 0.3
        region = county if by_county else township
        starts = today - timedelta(days=rng.randint(30, 400))
        ends = starts + timedelta(days=rng.choice((180, 365)))
        served = rng.sample(
            communities[township.id], min(len(communities[township.id]), rng.randint(1, 5))
        )
        project = actions.create_project(
            region=region,
            by=None,
            provider=rng.choice(orgs_by_township[township.id]),
            communities=served,
            kind=kind,
            title=f"{township.name}{title}",
            buyer=f"{region.name}{'民政局' if by_county else '办事处'}",
            budget=Decimal(rng.randint(5, 60) * 10000),
            starts_on=starts,
            ends_on=ends,
            deliverables=deliverables,
            is_synthetic=True,
        )
        span = (ends - starts).days
        milestones = [
            actions.add_milestone(
                project=project,
                by=None,
                title=label,
                due_on=starts + timedelta(days=span * share // 100),
            )
            for label, share in (("需求调研与方案", 15), ("中期评估", 50), ("结项材料提交", 100))
        ]
        if starts <= today:
            actions.transition_project(project=project, transition="start", by=None)
            for milestone in milestones:
                if milestone.due_on <= today and rng.random() < 0.8:
                    actions.complete_milestone(
                        milestone=milestone, by=None, done_on=milestone.due_on
                    )
            if ends < today:
                actions.transition_project(project=project, transition="finish", by=None)
                score = Decimal(rng.randint(68, 97))
                actions.evaluate_project(project=project, by=None, score=score, note="演示评估")
        made += 1
    return made


def delete_demo_social() -> dict[str, int]:
    """Remove every synthetic project, site and organisation (with their milestones, staff and
    activities). Charity needs matched to demo projects (O2's demo) must be removed first."""
    projects = ServiceProject.objects.filter(is_synthetic=True).delete()[0]
    sites = SocialWorkSite.objects.filter(is_synthetic=True).delete()[0]
    activities = OrgActivity.objects.filter(organization__is_synthetic=True).delete()[0]
    organizations = SocialOrganization.objects.filter(is_synthetic=True).delete()[0]
    return {
        "projects": projects,
        "sites": sites,
        "activities": activities,
        "organizations": organizations,
    }
