"""Demo development data for the demo county's workers (made before by ``demo_workers``): social-work
qualifications for about 30 % of them (mostly assistant level) and the county's allowance rates;
training courses at city, county and township level with this year's attendance of about 60 % of the
serving workers; last year's review scheme with five indicators and reviews of most workers; one or
two reserve candidates in most communities; and a handful of joint reviews in every state.

Deterministic for a seed; rows are bulk-created where an action per row would be slow, through the
actions otherwise. Everything is marked ``is_synthetic`` (qualifications, records and reviews go with
the synthetic workers) and removed by ``delete_demo_development``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.core.validators import id_check_character
from shequ.territory.models import Level, Region
from shequ.workforce.actions import development as actions
from shequ.workforce.models import (
    AllowanceRate,
    CandidateReview,
    CheckResult,
    CommunityWorker,
    Education,
    PerformanceReview,
    PoliticalStatus,
    ReserveCandidate,
    ReviewScheme,
    SocialWorkQualification,
    TrainingCourse,
    TrainingRecord,
)
from shequ.workforce.models.people import SERVING_STATUSES

QUALIFIED_SHARE = 0.3
TRAINED_SHARE = 0.6
REVIEWED_SHARE = 0.9
RESERVE_SHARE = 0.8
RATES = {"assistant": Decimal("300"), "intermediate": Decimal("500"), "senior": Decimal("800")}
INDICATORS = [
    {"name": "政治素质", "max_score": "15", "guidance": "理想信念坚定，遵守政治纪律和政治规矩"},
    {"name": "工作实绩", "max_score": "35", "guidance": "完成年度目标任务、网格事项办结情况"},
    {"name": "服务群众", "max_score": "25", "guidance": "走访入户、居民满意度测评"},
    {"name": "业务能力", "max_score": "15", "guidance": "政策掌握、信息系统使用、参加培训"},
    {"name": "廉洁自律", "max_score": "10", "guidance": "无违规违纪行为"},
]
COURSES = [
    # (level, title, month, days, hours)
    ("city", "全市社区工作者示范培训班", 3, 3, Decimal("24")),
    ("county", "社区工作者岗前培训", 4, 2, Decimal("16")),
    ("county", "基层治理和网格化服务管理专题培训", 6, 1, Decimal("8")),
    ("township", "网格员业务能力提升培训", 5, 1, Decimal("6")),
    ("township", "社会工作实务技能培训", 9, 2, Decimal("12")),
]
BACKGROUNDS = ["社区工作者", "返乡创业人员", "退役军人", "致富带头人", "机关企事业单位人员"]
JOBS = ["社区居委会委员", "本村种植合作社负责人", "街道便民服务中心工作人员", "物业公司项目经理"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌海波宁晨浩宇"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _id_number(rng: random.Random, area: str) -> str:
    born = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
    first17 = f"{area}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_character(first17)


def load_demo_development(*, county: Region, seed: int) -> dict[str, int]:
    """Qualifications, allowance rates, courses with attendance, reviews, reserve candidates and
    joint reviews for the synthetic workers and communities of ``county``."""
    rng = random.Random(f"{seed}-workforce-development")  # noqa: S311 (demo data)
    today = timezone.localdate()
    workers = list(
        CommunityWorker.objects.filter(region__path__under=county.path, is_synthetic=True)
        .select_related("region")
        .defer("region__geometry")
        .order_by("pk")
    )
    communities = list(
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .defer("geometry")
        .order_by("path")
    )
    townships = list(
        Region.objects.filter(parent=county, level=Level.TOWNSHIP)
        .defer("geometry")
        .order_by("path")
    )
    city = Region.objects.defer("geometry").get(path=county.path.split("/", 1)[0] + "/")
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["qualifications"] = _qualifications(rng, workers, county, today)
        counts["allowance_rates"] = _rates(county, today)
        counts["courses"], counts["training_records"] = _training(
            rng, workers, city, county, townships, today
        )
        counts["reviews"] = _reviews(rng, workers, county, today.year - 1)
        counts["reserve_candidates"] = _reserve(rng, workers, communities, today)
        counts["candidate_reviews"] = _candidate_reviews(rng, workers, communities, county)
    return counts


def _qualifications(
    rng: random.Random, workers: list[CommunityWorker], county: Region, today: date
) -> int:
    rows = []
    for worker in workers:
        if rng.random() >= QUALIFIED_SHARE:
            continue
        roll = rng.random()
        level = "assistant" if roll < 0.78 else ("intermediate" if roll < 0.96 else "senior")
        year = rng.randrange(2012, today.year)
        rows.append(
            SocialWorkQualification(
                worker=worker,
                level=level,
                # A demo prefix: never a real certificate number.
                certificate_number=f"YS{county.code}{worker.pk:08d}",
                obtained_on=date(year, rng.choice((6, 11)), rng.randrange(1, 28)),
            )
        )
        if level != "assistant" and rng.random() < 0.6:
            rows.append(
                SocialWorkQualification(
                    worker=worker,
                    level="assistant",
                    certificate_number=f"YS{county.code}{worker.pk:08d}A",
                    obtained_on=date(max(2008, year - rng.randrange(2, 5)), 6, 20),
                )
            )
    SocialWorkQualification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _rates(county: Region, today: date) -> int:
    start = date(today.year - 1, 1, 1)
    for level, amount in RATES.items():
        actions.set_allowance_rate(
            region=county, level=level, monthly_amount=amount, effective_from=start, by=None
        )
    AllowanceRate.objects.filter(region=county, effective_from=start).update(is_synthetic=True)
    return len(RATES)


def _training(
    rng: random.Random,
    workers: list[CommunityWorker],
    city: Region,
    county: Region,
    townships: list[Region],
    today: date,
) -> tuple[int, int]:
    serving = [w for w in workers if w.status in SERVING_STATUSES]
    courses: list[TrainingCourse] = []
    # Each township course is run by the next township in turn.
    next_township = iter(townships * len(COURSES))
    for level, title, month, days, hours in COURSES:
        if level == "township":
            places = [next(next_township)] if townships else []
        else:
            places = [city if level == "city" else county]
        for place in places:
            starts = date(today.year, min(month, today.month), rng.randrange(1, 20))
            starts = min(starts, today)
            course = actions.register_course(
                region=place,
                title=title if level != "township" else f"{place.name}{title}",
                level=level,
                organiser={"city": "市民政局", "county": f"{county.name}民政局"}.get(
                    level, f"{place.name}社会事务办"
                ),
                starts_on=starts,
                ends_on=starts + timedelta(days=days - 1),
                hours=hours,
                by=None,
                is_synthetic=True,
            )
            courses.append(course)
    records = []
    for worker in serving:
        if rng.random() >= TRAINED_SHARE:
            continue
        eligible = [c for c in courses if worker.region.path.startswith(c.region.path)]
        for course in rng.sample(eligible, k=min(len(eligible), rng.choice((1, 1, 2, 3)))):
            full = rng.random() < 0.85
            records.append(
                TrainingRecord(
                    course=course,
                    worker=worker,
                    hours=course.hours if full else (course.hours / 2).quantize(Decimal("0.1")),
                    passed=full or rng.random() < 0.5,
                )
            )
    TrainingRecord.objects.bulk_create(records, batch_size=2000)
    return len(courses), len(records)


def _reviews(rng: random.Random, workers: list[CommunityWorker], county: Region, year: int) -> int:
    scheme = actions.define_review_scheme(
        region=county,
        year=year,
        name=f"{county.name}{year}年度社区工作者考核方案",
        indicators=INDICATORS,
        by=None,
    )
    ReviewScheme.objects.filter(pk=scheme.pk).update(is_synthetic=True)
    indicators = list(scheme.indicators.order_by("position"))
    maximum = sum((i.max_score for i in indicators), Decimal(0))
    rows = []
    for worker in workers:
        if worker.status not in SERVING_STATUSES or rng.random() >= REVIEWED_SHARE:
            continue
        level = rng.choice((0.95, 0.85, 0.85, 0.8, 0.75, 0.65, 0.55))
        scores = {}
        for indicator in indicators:
            share = min(1.0, max(0.0, rng.gauss(level, 0.05)))
            scores[str(indicator.pk)] = str(
                (indicator.max_score * Decimal(str(round(share, 2)))).quantize(Decimal("0.1"))
            )
        total = sum((Decimal(v) for v in scores.values()), Decimal(0))
        rows.append(
            PerformanceReview(
                worker=worker,
                scheme=scheme,
                year=year,
                scores=scores,
                total=total,
                grade=actions.grade_for(total, maximum),
                comment="",
            )
        )
    PerformanceReview.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _reserve(
    rng: random.Random, workers: list[CommunityWorker], communities: list[Region], today: date
) -> int:
    by_community: dict[int, list[CommunityWorker]] = {}
    for worker in workers:
        by_community.setdefault(worker.region_id, []).append(worker)
    rows = []
    for community in communities:
        if rng.random() >= RESERVE_SHARE:
            continue
        local = by_community.get(community.pk, [])
        for _n in range(rng.choice((1, 1, 2))):
            added = today - timedelta(days=rng.randrange(30, 900))
            if local and rng.random() < 0.6:
                worker: CommunityWorker | None = local.pop(rng.randrange(len(local)))
                assert worker is not None
                rows.append(
                    ReserveCandidate(
                        region=community, worker=worker, name=worker.name,
                        birth_date=worker.birth_date, education=worker.education,
                        political_status=worker.political_status,
                        background="社区工作者", current_job="社区“两委”成员",
                        added_on=added, is_synthetic=True,
                    )
                )  # fmt: skip
            else:
                rows.append(
                    ReserveCandidate(
                        region=community, name=_name(rng),
                        birth_date=date(rng.randrange(1980, 1998), rng.randrange(1, 13), 1),
                        phone=f"13{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}",
                        education=rng.choice((Education.COLLEGE, Education.BACHELOR)),
                        political_status=rng.choice(
                            (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PARTY_MEMBER,
                             PoliticalStatus.PROBATIONARY)
                        ),
                        background=rng.choice(BACKGROUNDS[1:]), current_job=rng.choice(JOBS),
                        added_on=added, is_synthetic=True,
                    )
                )  # fmt: skip
    ReserveCandidate.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _candidate_reviews(
    rng: random.Random, workers: list[CommunityWorker], communities: list[Region], county: Region
) -> int:
    """Eight joint reviews: two drafts, two in review (some agencies answered), two passed, one
    failed, one withdrawn."""
    if not communities:
        return 0
    election = f"{timezone.localdate().year}年村(社区)“两委”换届"
    plan = ["draft", "draft", "in_review", "in_review", "passed", "passed", "failed", "withdrawn"]
    posts = ["party_secretary", "director", "committee_member", "party_committee"]
    shuffled = rng.sample(communities, k=len(communities))
    made = 0
    for n, state in enumerate(plan):
        community = shuffled[n % len(shuffled)]
        local = [w for w in workers if w.region_id == community.pk]
        worker: Any = rng.choice(local) if local and rng.random() < 0.5 else None
        review = actions.create_candidate_review(
            community=community,
            election=election,
            post=rng.choice(posts),
            name=worker.name if worker else _name(rng),
            id_number=_id_number(rng, county.code[:6]),
            worker=worker,
            by=None,
            is_synthetic=True,
        )
        made += 1
        if state == "withdrawn":
            actions.withdraw_candidate_review(review=review, by=None, reason="本人申请退出")
            continue
        if state == "draft":
            continue
        actions.submit_candidate_review(review=review, by=None)
        agencies = list(actions.CHECKLIST)
        if state == "in_review":
            agencies = agencies[: rng.randrange(2, 7)]
        for agency in agencies:
            if state == "failed" and agency == agencies[3]:
                actions.record_check(review=review, agency=agency, result=CheckResult.ISSUE,
                                     note="被列为失信被执行人，尚未履行", by=None)  # fmt: skip
                break
            actions.record_check(review=review, agency=agency, result=CheckResult.CLEAR, by=None)
    return made


def delete_demo_development() -> dict[str, int]:
    """Remove the demo's development rows (those of synthetic workers and those marked synthetic)."""

    def gone(queryset: Any) -> int:
        return int(queryset.delete()[1].get(queryset.model._meta.label, 0))

    with transaction.atomic():
        counts = {
            "candidate_reviews": gone(CandidateReview.objects.filter(is_synthetic=True)),
            "reserve_candidates": gone(ReserveCandidate.objects.filter(is_synthetic=True)),
            "reviews": gone(PerformanceReview.objects.filter(worker__is_synthetic=True))
            + gone(PerformanceReview.objects.filter(scheme__is_synthetic=True)),
            "review_schemes": gone(ReviewScheme.objects.filter(is_synthetic=True)),
            "training_records": gone(TrainingRecord.objects.filter(worker__is_synthetic=True)),
            "courses": gone(TrainingCourse.objects.filter(is_synthetic=True)),
            "qualifications": gone(
                SocialWorkQualification.objects.filter(worker__is_synthetic=True)
            ),
            "allowance_rates": gone(AllowanceRate.objects.filter(is_synthetic=True)),
        }
    return counts
