"""The worker page's development section: qualifications with the allowance of the highest, training
records with this year's and total hours, reviews, and the links to add them for those who may."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.workforce.actions import development as actions
from shequ.workforce.tests.factories_development import (
    make_course,
    make_qualification,
    make_scheme,
    make_worker,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_worker_page_shows_qualifications_training_and_reviews(world: World) -> None:
    community = world.regions[HOME["community"]]
    worker = make_worker(community=community, name="王晓梅")
    make_qualification(worker=worker, level="assistant", number="ZS-A")
    make_qualification(worker=worker, level="intermediate", number="ZS-B")
    actions.set_allowance_rate(region=world.regions[HOME["county"]], level="intermediate",
                               monthly_amount="450", effective_from="2020-01-01", by=None)  # fmt: skip
    course = make_course(region=world.regions[HOME["township"]], title="网格业务培训", hours="12")
    actions.record_attendance(course=course, workers=[worker], hours="10", by=None)
    year = timezone.localdate().year
    old = make_course(region=world.regions[HOME["county"]], title="往年培训", hours="6",
                      starts_on=date(year - 2, 3, 1), ends_on=date(year - 2, 3, 1))  # fmt: skip
    actions.record_attendance(course=old, workers=[worker], by=None)
    scheme = make_scheme(region=world.regions[HOME["county"]], year=year - 1)
    ids = scheme.indicators.values_list("pk", flat=True)
    actions.review_worker(worker=worker, year=year - 1, scores=dict.fromkeys(ids, "10"), by=None)
    page = reverse("workforce:worker_detail", kwargs={"worker_id": worker.pk})

    head = html(client_for(world.users["community_head"]).get(page))
    staff = html(client_for(world.users["community_staff"]).get(page))

    assert "ZS-A" in head and "ZS-B" in head and "450" in head
    assert "网格业务培训" in head and "往年培训" in head
    assert f"{year} 年累计 10 学时，总计 16 学时" in head
    assert "称职" in head or "不称职" in head
    assert reverse("workforce:qualification_new") + f"?worker={worker.pk}" in head
    assert reverse("workforce:qualification_new") not in staff  # view only: no link to add


def test_picking_a_worker_for_a_qualification_by_community(world: World) -> None:
    make_worker(community=world.regions[HOME["community"]], name="王晓梅")
    make_worker(community=world.regions["320303001001"], name="外县社工")
    client = client_for(world.users["township_staff"])
    url = reverse("workforce:qualification_new")

    home_list = html(client.get(url + f"?community={HOME['community']}"))
    away_list = html(client.get(url + "?community=320303001001"))

    assert "王晓梅" in home_list
    assert "外县社工" not in away_list
