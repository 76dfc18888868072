"""Workers, qualifications, courses, schemes, reserve candidates and joint reviews made through the
actions, as the pages would make them."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from shequ.core.validators import id_check_character
from shequ.territory.models import Region
from shequ.workforce.actions import development as actions
from shequ.workforce.actions.workers import assign_post, register_worker
from shequ.workforce.models import (
    CandidateReview,
    CommunityWorker,
    ReviewScheme,
    SocialWorkQualification,
    TrainingCourse,
)

_serial = iter(range(1, 10**6))


def id_number(born: datetime.date = datetime.date(1990, 3, 7), area: str = "320302") -> str:
    """A valid GB 11643 number, different each call."""
    first17 = f"{area}{born:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + id_check_character(first17)


def make_worker(
    *, community: Region, name: str = "王晓梅", serving: bool = True, **values: Any
) -> CommunityWorker:
    """A worker employed at ``community`` with (when ``serving``) an open post there since 2020."""
    worker = register_worker(region=community, by=None, name=name, **values)
    if serving:
        assign_post(
            worker=worker,
            kind="community_worker",
            community=community,
            started_on=datetime.date(2020, 1, 1),
            by=None,
        )
    return worker


def make_qualification(
    *,
    worker: CommunityWorker,
    level: str = "assistant",
    number: str | None = None,
    **overrides: Any,
) -> SocialWorkQualification:
    return actions.record_qualification(
        worker=worker,
        level=level,
        certificate_number=number or f"ZS{next(_serial):08d}",
        obtained_on=overrides.get("obtained_on", datetime.date(2021, 6, 20)),
        by=overrides.get("by"),
    )


def make_course(*, region: Region, level: str | None = None, **overrides: Any) -> TrainingCourse:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "社区工作者能力提升培训班",
        "level": level or actions.COURSE_LEVEL_OF_REGION[region.level],
        "starts_on": overrides.pop("starts_on", today.replace(month=1, day=10)),
        "ends_on": overrides.pop("ends_on", today.replace(month=1, day=12)),
        "hours": "16",
        "organiser": "民政局",
    }
    values.update(overrides)
    return actions.register_course(region=region, by=values.pop("by", None), **values)


INDICATORS = [
    {"name": "政治素质", "max_score": "20", "guidance": "理想信念、政治纪律"},
    {"name": "工作实绩", "max_score": "40"},
    {"name": "服务群众", "max_score": "20"},
    {"name": "廉洁自律", "max_score": "20"},
]


def make_scheme(*, region: Region, year: int, **overrides: Any) -> ReviewScheme:
    return actions.define_review_scheme(
        region=region,
        year=year,
        name=overrides.get("name", f"{year}年度社区工作者考核方案"),
        indicators=overrides.get("indicators", INDICATORS),
        by=overrides.get("by"),
    )


def make_candidate_review(*, community: Region, **overrides: Any) -> CandidateReview:
    values: dict[str, Any] = {
        "election": "2026年村(社区)两委换届",
        "post": "director",
        "name": "张建国",
        "id_number": id_number(),
    }
    values.update(overrides)
    return actions.create_candidate_review(community=community, by=values.pop("by", None), **values)
