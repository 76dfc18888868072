"""Demo providers and property management (S4, V5) for the demo county: about fifteen property
companies (two state-owned, some red property), about ten elderly-care, childcare and housekeeping
providers, management for about 85 % of the county's estates (some under the state-owned fallback,
some self-managed, the rest without), committees for about 40 % of estates, a few sanctions and
commendations, the demo's complaint cases linked to property companies, and one assessment each.

Built through the actions (the system as actor), deterministic for a seed. Providers are marked
``is_synthetic``; management and committees are removed with the synthetic estates they describe.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from shequ.cases.models import Case, CaseKind
from shequ.core.validators import uscc_check_character
from shequ.organizations.actions import providers as actions
from shequ.organizations.models import (
    EstateCommittee,
    EstateManagement,
    Provider,
    ProviderCase,
)
from shequ.territory.models import Estate, Level, Region

PROPERTY_NAMES = (
    "彭城", "汉源", "云龙湖", "淮海", "金鼎", "恒安", "绿苑", "万家和", "佳和", "安居乐", "泰和",
    "鑫源", "嘉禾",
)  # fmt: skip
OTHER_PROVIDERS = (
    ("elderly_care", "{name}颐养院", "机构养老、日间照料、助餐、上门护理"),
    ("elderly_care", "{name}居家养老服务中心", "居家上门服务、助浴、助洁、健康监测"),
    ("elderly_care", "{name}康养护理院", "失能失智老人长期照护"),
    ("elderly_care", "{name}长者食堂", "老年助餐、送餐上门"),
    ("childcare", "{name}托育园", "2至3岁幼儿全日托、半日托"),
    ("childcare", "{name}宝贝托育中心", "普惠托育、临时托"),
    ("childcare", "{name}社区嵌入式托育点", "社区托育、家庭养育指导"),
    ("housekeeping", "{name}家政服务有限公司", "保洁、保姆、月嫂、育儿嫂"),
    ("housekeeping", "{name}家庭服务有限公司", "家电清洗、居家保洁、养老护理员派遣"),
    ("housekeeping", "{name}巾帼家政服务社", "钟点工、家庭保洁、收纳整理"),
)
OTHER_NAMES = ("福寿", "夕阳红", "康乐", "彩虹", "童心", "贝贝", "好帮手", "巧媳妇", "安心", "暖心")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "海燕", "伟", "丽娟", "明", "红梅", "国庆", "淑珍", "军")
STREETS = ("解放路", "淮海路", "建国路", "中山路", "和平路", "民主路", "复兴路", "湖滨路")
SANCTIONS = (
    ("消防通道堵塞未整改，通报批评", 10),
    ("违规收取停车费，行政处罚", 20),
    ("电梯维保不到位，责令整改并通报", 15),
)
COMMENDATIONS = (("获评市级物业服务示范项目", 8), ("疫情防控先进集体", 5), ("红色物业示范点", 6))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _uscc(area: str, rng: random.Random, used: set[str]) -> str:
    while True:
        body = f"91{area}{rng.randint(900_000_000, 999_999_999)}"
        code = body + uscc_check_character(body)
        if code not in used and not Provider.objects.filter(uscc=code).exists():
            used.add(code)
            return code


def _county_name(county: Region) -> str:
    for suffix in ("区", "县", "市"):
        if county.name.endswith(suffix) and len(county.name) > 2:
            return county.name[: -len(suffix)]
    return county.name


def _register(region: Region, rng: random.Random, used: set[str], **values: Any) -> Provider:
    values.setdefault("legal_representative", _person(rng))
    values.setdefault("contact_phone", _phone(rng))
    values.setdefault("address", f"{rng.choice(STREETS)} {rng.randint(1, 300)} 号")
    return actions.register_provider(
        region=region, by=None, is_synthetic=True, uscc=_uscc(region.code[:6], rng, used), **values
    )


def _providers(county: Region, rng: random.Random) -> tuple[list[Provider], list[Provider]]:
    townships = list(
        Region.objects.filter(parent=county, level=Level.TOWNSHIP)
        .defer("geometry")
        .order_by("code")
    )
    places = [county, *townships] if townships else [county]
    used: set[str] = set()
    name = _county_name(county)
    companies = [
        _register(county, rng, used, kind="property", name=f"{name}城投物业管理有限公司",
                  is_state_owned=True, services="保障性住房、老旧小区物业兜底服务"),
        _register(county, rng, used, kind="property", name=f"{name}国有资产物业服务有限公司",
                  is_state_owned=True, is_red_property=True, red_property_since=date(2023, 7, 1),
                  services="公共建筑和无物业小区兜底管理"),
    ]  # fmt: skip
    for i, prefix in enumerate(PROPERTY_NAMES):
        red = i % 4 == 0
        companies.append(
            _register(
                rng.choice(places), rng, used, kind="property",
                name=f"{prefix}物业服务有限公司",
                services=rng.choice(("住宅小区物业服务、保洁绿化、秩序维护",
                                     "物业管理、停车管理、设施设备维护",
                                     "住宅及商业物业服务")),
                is_red_property=red,
                red_property_since=date(2022 + i % 3, 1 + i % 12, 1) if red else None,
            )
        )  # fmt: skip
    others = []
    for (kind, pattern, services), prefix in zip(OTHER_PROVIDERS, OTHER_NAMES, strict=True):
        others.append(
            _register(rng.choice(places), rng, used, kind=kind,
                      name=pattern.format(name=prefix), services=services)
        )  # fmt: skip
    return companies, others


def _manage(
    estates: list[Estate], companies: list[Provider], rng: random.Random
) -> tuple[int, int]:
    state = [c for c in companies if c.is_state_owned]
    private = [c for c in companies if not c.is_state_owned]
    rows = 0
    changes = 0
    for estate in estates:
        draw = rng.random()
        if draw >= 0.85:
            continue  # without property management
        start = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000))
        if estate.is_natural_village or draw < 0.08:
            mode, provider = "self_managed", None
        elif draw < 0.18:
            mode, provider = "state_fallback", rng.choice(state)
        else:
            mode, provider = "company", rng.choice(private)
        actions.set_estate_management(
            estate=estate, by=None, mode=mode, provider=provider, started_on=start,
            contract_ends_on=start + timedelta(days=365 * 3) if provider else None,
        )  # fmt: skip
        rows += 1
        if provider is not None and rng.random() < 0.15:
            # A change of company (选聘新物业): the old contract ends the day before.
            later = start + timedelta(days=rng.randint(400, 1500))
            actions.set_estate_management(
                estate=estate, by=None, mode="company", provider=rng.choice(private),
                started_on=later,
            )  # fmt: skip
            changes += 1
    return rows, changes


def _committees(estates: list[Estate], rng: random.Random) -> int:
    made = 0
    for estate in estates:
        if estate.is_natural_village or rng.random() >= 0.4:
            continue
        established = date(2017, 1, 1) + timedelta(days=rng.randint(0, 2800))
        members = rng.choice((5, 7, 9, 11))
        expired = rng.random() < 0.2
        term = established + timedelta(days=365 * 5)
        actions.record_committee(
            estate=estate,
            by=None,
            kind="management" if rng.random() < 0.2 else "owners",
            established_on=established,
            term_ends_on=term,
            members=members,
            party_members=rng.randint(members // 3, members),
            chair_name=_person(rng),
            filed_with=f"{estate.community.parent.name if estate.community.parent else ''}办事处",
            status="expired" if expired else "active",
        )
        made += 1
    return made


def _credit(companies: list[Provider], rng: random.Random) -> int:
    made = 0
    today = date.today()
    for provider in rng.sample(companies, k=min(4, len(companies))):
        note, points = rng.choice(SANCTIONS)
        actions.record_credit_event(
            provider=provider, by=None, kind="sanction", points=points,
            occurred_on=today - timedelta(days=rng.randint(30, 600)),
            document=f"住建罚〔{today.year - rng.randint(0, 1)}〕{rng.randint(1, 80)}号", note=note,
        )  # fmt: skip
        made += 1
    for provider in rng.sample(companies, k=min(3, len(companies))):
        note, points = rng.choice(COMMENDATIONS)
        actions.record_credit_event(
            provider=provider, by=None, kind="commendation", points=points,
            occurred_on=today - timedelta(days=rng.randint(30, 600)), note=note,
        )  # fmt: skip
        made += 1
    return made


def _complaints(county: Region, companies: list[Provider], rng: random.Random) -> int:
    cases = list(
        Case.objects.filter(region__path__startswith=county.path, kind=CaseKind.COMPLAINT)
        .select_related("region")
        .order_by("pk")[:200]
    )
    managers: dict[int, Provider | None] = {
        row.estate_id: row.provider
        for row in EstateManagement.objects.filter(
            provider__in=companies, ended_on__isnull=True
        ).select_related("provider")
    }
    estates_by_community: dict[int, list[Estate]] = {}
    for managed in Estate.objects.filter(pk__in=list(managers)).order_by("pk"):
        estates_by_community.setdefault(managed.community_id, []).append(managed)
    linked = 0
    for case in cases:
        if rng.random() >= 0.6:
            continue
        choices = estates_by_community.get(case.region_id)
        estate: Estate | None = None
        provider: Provider | None = None
        if choices:
            estate = rng.choice(choices)
            provider = managers[estate.pk]
        if provider is None:
            provider = rng.choice(companies)
        if ProviderCase.objects.filter(provider=provider, case=case).exists():
            continue
        actions.link_case(provider=provider, case=case, by=None, estate=estate)
        linked += 1
    return linked


def load_demo_providers(*, county: Region, seed: int) -> dict[str, int]:
    """Providers, estate management, committees, credit and complaint links for ``county``."""
    rng = random.Random(f"{seed}-providers")  # noqa: S311 (demo data)
    estates = list(
        Estate.objects.filter(community__path__startswith=county.path)
        .select_related("community", "community__parent")
        .defer("geometry", "community__geometry", "community__parent__geometry")
        .order_by("community__path", "name", "pk")
    )
    with transaction.atomic():
        companies, others = _providers(county, rng)
        managed, changes = _manage(estates, companies, rng)
        committees = _committees(estates, rng)
        events = _credit(companies, rng)
        complaints = _complaints(county, companies, rng)
        for provider in [*companies, *others]:
            actions.reassess_provider(provider=provider, force=True)
    return {
        "property_companies": len(companies),
        "other_providers": len(others),
        "estate_management": managed + changes,
        "committees": committees,
        "credit_events": events,
        "complaint_links": complaints,
        "assessments": len(companies) + len(others),
    }


def delete_demo_providers() -> dict[str, int]:
    """Remove every synthetic provider (their cases links, credit and assessments go with them), and
    the management and committees of synthetic estates."""
    with transaction.atomic():
        management = (
            EstateManagement.objects.filter(estate__is_synthetic=True).delete()[0]
            + EstateManagement.objects.filter(provider__is_synthetic=True).delete()[0]
        )
        committees = EstateCommittee.objects.filter(estate__is_synthetic=True).delete()[0]
        providers = Provider.objects.filter(is_synthetic=True).delete()[0]
    return {"providers": providers, "estate_management": management, "committees": committees}
