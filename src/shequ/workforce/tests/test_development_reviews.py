"""Annual reviews over HTTP: a county or the city defines the year's scheme; a reviewer scores a
worker against the scheme of the worker's county (else the city's), each score within 0..max; total
and grade computed at the thresholds; one review per worker and year; the list per year with grade
counts, scoped, at a constant query count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.workforce.actions import development as actions
from shequ.workforce.models import PerformanceReview, ReviewScheme
from shequ.workforce.tests.factories_development import make_scheme, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
LIST = reverse("workforce:reviews")
NEW = reverse("workforce:review_new")
SCHEMES = reverse("workforce:review_schemes")
YEAR = timezone.localdate().year - 1


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def scores_for(scheme: ReviewScheme, *values: str) -> dict[str, str]:
    ids = list(scheme.indicators.order_by("position").values_list("pk", flat=True))
    return {f"score_{i}": v for i, v in zip(ids, values, strict=True)}


def test_a_county_official_defines_the_year_scheme(world: World) -> None:
    data = {
        "region": HOME["county"],
        "year": str(YEAR),
        "name": "年度考核方案",
        "indicator_1_name": "政治素质",
        "indicator_1_max": "30",
        "indicator_2_name": "工作实绩",
        "indicator_2_max": "70",
        "indicator_2_guidance": "按台账评分",
    }
    client = client_for(world.users["county_official"])

    response = client.post(SCHEMES, data)
    twice = client.post(SCHEMES, data)
    township = client_for(world.users["township_staff"]).post(SCHEMES, data)

    scheme = ReviewScheme.objects.get()
    assert response.status_code == 302
    assert [(i.name, i.max_score) for i in scheme.indicators.all()] == [
        ("政治素质", Decimal("30.0")),
        ("工作实绩", Decimal("70.0")),
    ]
    assert "年度的考核方案已经制定过" in html(twice)
    assert township.status_code == 403


def test_a_scheme_without_indicators_or_with_bad_scores_is_refused(world: World) -> None:
    client = client_for(world.users["county_official"])
    base = {"region": HOME["county"], "year": str(YEAR), "name": "方案"}

    empty = client.post(SCHEMES, base)
    zero = client.post(SCHEMES, {**base, "indicator_1_name": "实绩", "indicator_1_max": "0"})

    assert "请至少填写一项考核指标" in html(empty)
    assert "分值应在" in html(zero)
    assert not ReviewScheme.objects.exists()


@pytest.mark.parametrize(
    ("values", "total", "grade"),
    [
        (("18", "36", "18", "18"), "90.0", "excellent"),
        (("14", "28", "14", "14"), "70.0", "competent"),
        (("12", "24", "12", "12"), "60.0", "basic"),
        (("11.9", "24", "12", "12"), "59.9", "incompetent"),
    ],
)
def test_a_reviewer_scores_a_worker_and_the_grade_follows_the_thresholds(
    world: World, values: tuple[str, ...], total: str, grade: str
) -> None:
    scheme = make_scheme(region=world.regions[HOME["county"]], year=YEAR)
    worker = make_worker(community=home(world), name="王晓梅")

    response = client_for(world.users["township_staff"]).post(
        NEW, {"worker": worker.pk, "year": YEAR, "comment": "", **scores_for(scheme, *values)}
    )

    review = PerformanceReview.objects.get()
    assert response.status_code == 302
    assert (review.total, review.grade, review.scheme_id) == (Decimal(total), grade, scheme.pk)


def test_the_city_scheme_applies_where_the_county_has_none(world: World) -> None:
    city_scheme = make_scheme(region=world.regions[HOME["city"]], year=YEAR)
    worker = make_worker(community=home(world))
    ids = city_scheme.indicators.values_list("pk", flat=True)

    review = actions.review_worker(
        worker=worker, year=YEAR, scores=dict.fromkeys(ids, "5"), by=None
    )

    assert review.scheme == city_scheme


@pytest.mark.parametrize(
    ("value", "message"),
    [("21", "得分应在 0～20.0 之间"), ("-1", "得分应在 0～20.0 之间"), ("", "请为“政治素质”打分")],
)
def test_scores_outside_zero_to_max_are_refused(world: World, value: str, message: str) -> None:
    scheme = make_scheme(region=world.regions[HOME["county"]], year=YEAR)
    worker = make_worker(community=home(world))

    response = client_for(world.users["township_staff"]).post(
        NEW, {"worker": worker.pk, "year": YEAR, **scores_for(scheme, value, "30", "20", "20")}
    )

    assert response.status_code == 200 and message in html(response)
    assert not PerformanceReview.objects.exists()


def test_a_second_review_for_the_same_year_is_refused(world: World) -> None:
    scheme = make_scheme(region=world.regions[HOME["county"]], year=YEAR)
    worker = make_worker(community=home(world), name="王晓梅")
    client = client_for(world.users["township_staff"])
    data = {"worker": worker.pk, "year": YEAR, **scores_for(scheme, "20", "40", "20", "20")}

    client.post(NEW, data)
    second = client.post(NEW, data)

    assert f"王晓梅 {YEAR} 年度已经考核过" in html(second)
    assert PerformanceReview.objects.count() == 1


def test_reviewing_without_a_scheme_or_elsewhere(world: World) -> None:
    worker = make_worker(community=home(world))
    away = make_worker(community=world.regions[AWAY])
    client = client_for(world.users["township_staff"])

    no_scheme = client.get(NEW + f"?worker={worker.pk}&year={YEAR}")
    elsewhere = client.get(NEW + f"?worker={away.pk}&year={YEAR}")
    head = client_for(world.users["community_head"]).get(NEW)

    assert "还没有适用于该人员的考核方案" in html(no_scheme)
    assert elsewhere.status_code == 404
    assert head.status_code == 403


def test_the_list_counts_grades_in_scope_at_constant_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    scheme = make_scheme(region=world.regions[HOME["city"]], year=YEAR)
    ids = list(scheme.indicators.order_by("position").values_list("pk", flat=True))
    full = dict(zip(ids, ("20", "40", "20", "20"), strict=True))
    basic = dict(zip(ids, ("12", "24", "12", "12"), strict=True))
    for n in range(30):
        worker = make_worker(community=home(world), name=f"社工{n}")
        actions.review_worker(worker=worker, year=YEAR, scores=full if n % 2 else basic, by=None)
    away = make_worker(community=world.regions[AWAY], name="【X】外县")
    actions.review_worker(worker=away, year=YEAR, scores=dict.fromkeys(ids, "5"), by=None)
    client = client_for(world.users["county_official"])
    client.get(LIST + f"?year={YEAR}")

    with django_assert_max_num_queries(14):
        body = html(client.get(LIST + f"?year={YEAR}"))

    assert "优秀：15" in body and "基本称职：15" in body and "不称职：0" in body
    assert "外县" not in body
