"""Demo community workers for the demo county: in each community a party secretary, a director, a
deputy and committee members, a generalist or two in most communities, one full-time grid worker per
grid in most grids (some grids left without one, for the staffing table to show), a disaster
information officer in most communities; last year's pay (some below the average wage); the county's
urban permanent population and average wage.

Deterministic for a seed; built in bulk (a county of ~150 communities in a few seconds). Workers are
marked ``is_synthetic`` (their posts, history and pay go with them); the figures carry ``SOURCE``.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.core.validators import id_check_character
from shequ.territory.models import Grid, Level, Region
from shequ.workforce.models import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    Education,
    HiringMethod,
    PoliticalStatus,
    PostKind,
    UrbanPopulation,
    WorkerPost,
    WorkerStatus,
    WorkerStatusChange,
)

SOURCE = "演示数据（虚构）"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌海波宁晨浩宇欣怡佳琪婷雪梅慧颖琳"
# Shares of communities and grids that have the post (the rest show up as gaps).
GENERALIST_SHARE = 0.8
GRID_WORKER_SHARE = 0.85
DISASTER_OFFICER_SHARE = 0.85
AVERAGE_WAGE = Decimal("98000")  # a plausible 徐州 urban average annual wage


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


class _People:
    """Workers of one community, each with a unique ID number and phone."""

    def __init__(self, rng: random.Random, county: Region) -> None:
        self.rng = rng
        self.area = county.code[:6]
        self.numbers: set[str] = set()
        self.phones: set[str] = set()
        self.today = timezone.localdate()

    def id_number(self, born: date, female: bool) -> str:
        while True:
            serial = self.rng.randrange(0, 500) * 2 + (0 if female else 1)
            first17 = f"{self.area}{born:%Y%m%d}{serial:03d}"
            number = first17 + id_check_character(first17)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def worker(self, community: Region, *, older: bool = False) -> CommunityWorker:
        rng = self.rng
        age = rng.randint(42, 58) if older else rng.randint(24, 50)
        born = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        female = rng.random() < 0.6
        hired = date(
            rng.randint(max(born.year + 22, 2008), self.today.year - 1), rng.randint(1, 12), 1
        )
        return CommunityWorker(
            region=community,
            name=_name(rng),
            sex="female" if female else "male",
            birth_date=born,
            id_number=self.id_number(born, female),
            phone=self.phone(),
            education=rng.choice(
                [Education.BACHELOR] * 5
                + [Education.COLLEGE] * 3
                + [Education.SENIOR, Education.POSTGRADUATE]
            ),
            political_status=rng.choice(
                [PoliticalStatus.PARTY_MEMBER] * 5
                + [PoliticalStatus.MASSES] * 3
                + [PoliticalStatus.LEAGUE_MEMBER]
            ),
            hiring_method=rng.choice(
                [HiringMethod.COUNTY_SELECTION] * 4
                + [HiringMethod.ELECTION] * 2
                + [HiringMethod.APPOINTMENT, HiringMethod.OTHER]
            ),
            hired_on=hired,
            status=WorkerStatus.ACTIVE,
            status_since=hired,
            is_synthetic=True,
        )


Plan = list[tuple[CommunityWorker, list[tuple[str, Region, Grid | None]]]]


def _community_plan(people: _People, community: Region, grids: list[Grid]) -> Plan:
    """The workers of one community, each with the posts they hold."""
    rng = people.rng
    planned: Plan = []

    def add(kind: str, grid: Grid | None = None, *, older: bool = False) -> list[Any]:
        posts: list[tuple[str, Region, Grid | None]] = [(kind, community, grid)]
        planned.append((people.worker(community, older=older), posts))
        return posts

    add(PostKind.PARTY_SECRETARY, older=True)
    add(PostKind.DIRECTOR, older=True)
    add(PostKind.DEPUTY)
    committee = [add(PostKind.COMMITTEE_MEMBER) for _ in range(rng.randint(2, 3))]
    if rng.random() < DISASTER_OFFICER_SHARE:
        # Usually a committee member also serves as the disaster information officer.
        committee[0].append((PostKind.DISASTER_INFORMANT, community, None))
    if rng.random() < GENERALIST_SHARE:
        for _ in range(rng.choice((1, 1, 2))):
            add(PostKind.GENERALIST)
    for grid in grids:
        if rng.random() < GRID_WORKER_SHARE:
            add(PostKind.GRID_WORKER, grid)
    if rng.random() < 0.5:
        add(PostKind.COMMUNITY_WORKER)
    return planned


def load_demo_workers(*, county: Region, seed: int) -> dict[str, int]:
    """Workers with their posts over every community of ``county``, last year's pay and the county's
    figures."""
    rng = random.Random(f"{seed}-workforce")  # noqa: S311 (demo data)
    people = _People(rng, county)
    today = timezone.localdate()
    communities = list(
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .defer("geometry")
        .order_by("path")
    )
    grids_of: dict[int, list[Grid]] = {}
    for grid in (
        Grid.objects.filter(community__in=communities, is_micro=False)
        .defer("geometry")
        .order_by("code")
    ):
        grids_of.setdefault(grid.community_id, []).append(grid)
    planned: Plan = []
    for community in communities:
        planned.extend(_community_plan(people, community, grids_of.get(community.pk, [])))
    with transaction.atomic():
        workers = CommunityWorker.objects.bulk_create([w for w, _posts in planned], batch_size=1000)
        posts = [
            WorkerPost(worker=worker, kind=kind, community=community, grid=grid,
                       started_on=max(worker.hired_on or today, date(2015, 1, 1)))
            for worker, (_w, plan) in zip(workers, planned, strict=True)
            for kind, community, grid in plan
        ]  # fmt: skip
        WorkerPost.objects.bulk_create(posts, batch_size=2000)
        WorkerStatusChange.objects.bulk_create(
            [
                WorkerStatusChange(worker=w, from_status="", to_status=WorkerStatus.ACTIVE,
                                   effective_on=w.hired_on or today, reason="登记")
                for w in workers
            ],
            batch_size=2000,
        )  # fmt: skip
        last_year = today.year - 1
        pay = []
        for worker in workers:
            if worker.hired_on and worker.hired_on.year >= today.year:
                continue
            # Most are paid around the average wage; about a fifth below it.
            low = rng.random() < 0.2
            factor = rng.uniform(0.72, 0.98) if low else rng.uniform(1.0, 1.25)
            amount = (AVERAGE_WAGE * Decimal(str(round(factor, 3)))).quantize(Decimal("1"))
            pay.append(AnnualPay(worker=worker, year=last_year, amount=amount))
        AnnualPay.objects.bulk_create(pay, batch_size=2000)
        figures = _figures(county, len(workers), today.year)
    return {"workers": len(workers), "posts": len(posts), "pay": len(pay), "figures": figures}


def _figures(county: Region, workers: int, year: int) -> int:
    """The county's urban population for last and this year, sized so that staffing comes out just
    below the standard of 18 per 10,000 this year; the average wage for the two years before and
    this year (pay of last year is checked against the year before it)."""
    made = 0
    for offset, per_10k in ((1, 18.6), (0, 17.4)):
        UrbanPopulation.objects.update_or_create(
            region=county, year=year - offset,
            defaults={"population": round(workers * 10000 / per_10k, -2), "source": SOURCE},
        )  # fmt: skip
        made += 1
    for offset, growth in ((2, Decimal("1")), (1, Decimal("1.05")), (0, Decimal("1.09"))):
        AverageWage.objects.update_or_create(
            region=county, year=year - offset,
            defaults={"amount": (AVERAGE_WAGE * growth).quantize(Decimal("1")), "source": SOURCE},
        )  # fmt: skip
        made += 1
    return made


def delete_demo_workers() -> dict[str, int]:
    """Remove every synthetic worker (with posts, history and pay) and the demo figures."""
    with transaction.atomic():
        _total, by_model = CommunityWorker.objects.filter(is_synthetic=True).delete()
        populations = UrbanPopulation.objects.filter(source=SOURCE).delete()[0]
        wages = AverageWage.objects.filter(source=SOURCE).delete()[0]
    return {
        "workers": by_model.get(CommunityWorker._meta.label, 0),
        "posts": by_model.get(WorkerPost._meta.label, 0),
        "figures": populations + wages,
    }
