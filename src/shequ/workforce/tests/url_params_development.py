"""URL parameter values for the every-URL-every-role test: the workforce app's development pages and
API. Per county (320302, 320303): a worker whose name carries 【W…】, a township course 【K…】 with that
worker's attendance record, a review of the worker, a reserve candidate 【R…】 and a joint review
【J…】 in review. Plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shequ.workforce.actions import development as actions
from shequ.workforce.tests.factories_development import (
    make_candidate_review,
    make_course,
    make_qualification,
    make_scheme,
    make_worker,
)

PLACES = {"320302": ("320302001", "320302001001"), "320303": ("320303001", "320303001001")}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "development_records", None)
    if found is not None:
        return found
    found = {}
    year = timezone.localdate().year
    for county, (township_code, community_code) in PLACES.items():
        township, community = world.regions[township_code], world.regions[community_code]
        marks = {k: f"【{k}{county}D】" for k in ("W", "K", "R", "J")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        world.all_tokens[marks["K"]] = township.path
        worker = make_worker(community=community, name=f"{marks['W']}李华")
        course = make_course(region=township, title=f"{marks['K']}镇街培训")
        record = actions.record_attendance(course=course, workers=[worker], by=None)[0]
        scheme = make_scheme(region=world.regions[county], year=year - 1)
        indicator_ids = list(scheme.indicators.values_list("pk", flat=True))
        review = actions.review_worker(
            worker=worker, year=year - 1, scores={i: "10" for i in indicator_ids}, by=None
        )
        reserve = actions.add_reserve_candidate(
            community=community, name=f"{marks['R']}赵敏", by=None
        )
        qualification = make_qualification(worker=worker, number=f"ZS{county}")
        joint = make_candidate_review(community=community, name=f"{marks['J']}孙强")
        actions.submit_candidate_review(review=joint, by=None)
        found[county] = {
            "course": course,
            "record": record,
            "review": review,
            "reserve": reserve,
            "joint": joint,
            "qualification": qualification,
        }
    world.development_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world).values()] + [NOWHERE]

    return provide


PROVIDERS = {
    "qualification_id": _ids("qualification"),
    "course_id": _ids("course"),
    "training_record_id": _ids("record"),
    "performance_review_id": _ids("review"),
    "reserve_candidate_id": _ids("reserve"),
    "candidate_review_id": _ids("joint"),
    "check_agency": lambda world, model: ["police", "nowhere"],
}
