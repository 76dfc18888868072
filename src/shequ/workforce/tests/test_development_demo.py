"""The development demo: over the synthetic workers of a county it makes qualifications, rates,
courses with attendance, reviews, reserve candidates and joint reviews in every state; the same seed
gives the same data; deleting removes all of it and nothing else."""

from __future__ import annotations

import pytest

from shequ.workforce.demo_development import delete_demo_development, load_demo_development
from shequ.workforce.models import (
    AllowanceRate,
    CandidateReview,
    PerformanceReview,
    ReviewScheme,
    SocialWorkQualification,
    TrainingCourse,
    TrainingRecord,
)
from shequ.workforce.tests.factories_development import make_qualification, make_worker
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_demo_is_deterministic_and_deleted_cleanly(world: World) -> None:
    county = world.regions[HOME["county"]]
    for code in (HOME["community"], "320302001201", "320302002001"):
        for n in range(12):
            make_worker(
                community=world.regions[code], name=f"演示{code[-3:]}{n}", is_synthetic=True
            )
    real = make_worker(community=world.regions[HOME["community"]], name="真实社工")
    make_qualification(worker=real)

    first = load_demo_development(county=county, seed=7)
    snapshot = sorted(SocialWorkQualification.objects.filter(worker__is_synthetic=True)
                      .values_list("certificate_number", flat=True))  # fmt: skip
    statuses = sorted(CandidateReview.objects.values_list("status", flat=True))
    deleted = delete_demo_development()
    second = load_demo_development(county=county, seed=7)

    assert first == second
    assert first["qualifications"] > 0 and first["training_records"] > 0
    assert first["reviews"] > 0 and first["reserve_candidates"] > 0
    assert set(statuses) >= {"draft", "in_review", "withdrawn"}
    assert TrainingCourse.objects.filter(level="city").exists()
    assert deleted["courses"] == first["courses"]
    assert snapshot == sorted(SocialWorkQualification.objects.filter(worker__is_synthetic=True)
                              .values_list("certificate_number", flat=True))  # fmt: skip
    delete_demo_development()
    assert not TrainingRecord.objects.exists() and not PerformanceReview.objects.exists()
    assert not ReviewScheme.objects.exists() and not AllowanceRate.objects.exists()
    assert list(SocialWorkQualification.objects.values_list("worker__name", flat=True)) == [
        "真实社工"
    ]
