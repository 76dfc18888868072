"""The workforce's items on the staff console: grids without a full-time grid worker (until each has
one) and joint reviews waiting on the agencies."""

from __future__ import annotations

import pytest

from shequ.territory.models import Grid
from shequ.workforce.actions import development
from shequ.workforce.tests.factories_development import make_candidate_review
from shequ.workforce.tests.factories_workers import id_number, make_post, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_grids_without_a_grid_worker_are_on_the_console_until_each_has_one(world: World) -> None:
    community = world.regions[HOME["community"]]
    head = world.users["community_head"]
    assert "没有专职网格员的网格" in html(client_for(head).get("/"))

    grids = Grid.objects.filter(community=community, is_micro=False).order_by("code")
    for number, grid in enumerate(grids):
        worker = make_worker(region=community, name=f"网格员{number}", id_number=id_number())
        make_post(worker=worker, community=community, kind="grid_worker", grid=grid)
    assert "没有专职网格员的网格" not in html(client_for(head).get("/"))


def test_joint_reviews_in_review_are_on_the_console_of_who_vets_candidates(world: World) -> None:
    community = world.regions[HOME["community"]]
    township = world.users["township_staff"]
    review = make_candidate_review(community=community)
    assert "联审中的两委候选人" not in html(client_for(township).get("/"))
    development.submit_candidate_review(review=review, by=township)
    assert "联审中的两委候选人" in html(client_for(township).get("/"))
    # A community head does not vet candidates: nothing on their console.
    assert "联审中的两委候选人" not in html(client_for(world.users["community_head"]).get("/"))
