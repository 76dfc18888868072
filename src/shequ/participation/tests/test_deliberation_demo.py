"""The deliberation demo loader on a small world: the streetlight topic one co-sign short of the
threshold, others admitted, implementing (with progress), archived (with reviews) and refused;
deterministic, idempotent, and removable."""

from __future__ import annotations

import pytest

from shequ.participation.demo_deliberation import (
    STREETLIGHT_TITLE,
    delete_demo_deliberation,
    load_demo_deliberation,
)
from shequ.participation.models import ProgressUpdate, Topic, TopicReview, TopicStage
from shequ.registry.tests import factories as registry
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
G = TopicStage


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_demo_topics_in_every_state_then_removed(world: World) -> None:
    home = world.regions[HOME["community"]]
    for n in range(12):
        registry.household(home, [registry.member(f"演示居民{n}")], is_synthetic=True)
    users = {"community_staff": world.users["community_staff"]}

    counts = load_demo_deliberation(
        county=world.regions[HOME["county"]], seed=3, community=home, users=users
    )
    again = load_demo_deliberation(
        county=world.regions[HOME["county"]], seed=3, community=home, users=users
    )

    assert counts == {"topics": 5} and again == {"topics": 0}
    light = Topic.objects.get(title=STREETLIGHT_TITLE)
    assert light.state.stage == G.COLLECTING
    assert light.cosign_count == light.cosign_threshold - 1
    stages = set(Topic.objects.values_list("state__stage", flat=True))
    assert stages == {G.COLLECTING, G.ADMITTED, G.IMPLEMENTING, G.ARCHIVED, G.REFUSED}
    assert ProgressUpdate.objects.exists() and TopicReview.objects.exists()
    assert all(t.is_synthetic for t in Topic.objects.all())
    assert all(t.answer_published_at for t in Topic.objects.exclude(state__stage=G.COLLECTING))

    removed = delete_demo_deliberation()

    assert removed["topics"] == 5 and not Topic.objects.exists()
