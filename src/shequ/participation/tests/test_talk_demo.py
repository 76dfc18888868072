"""The talk demo loader on a small territory: deterministic, idempotent, synthetic, and removable."""

from __future__ import annotations

import pytest

from shequ.accounts.models import User
from shequ.demo.generator import generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.demo_talk import delete_demo_talk, load_demo_talk
from shequ.participation.models import Comment, ModerationPolicy, Post, Suggestion
from shequ.territory.models import Level, Region

pytestmark = pytest.mark.django_db


def test_loading_twice_adds_nothing_and_delete_removes_it(territory) -> None:  # noqa: F811
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    county = Region.objects.get(level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1])
    # The generator loads the talk demo with its seed; loading it again adds nothing.
    counts = (Post.objects.count(), Comment.objects.count(), Suggestion.objects.count())
    assert counts[0] >= 8 and counts[1] >= 5 and counts[2] == 3
    assert all(p.is_synthetic for p in Post.objects.all())
    assert ModerationPolicy.objects.filter(region=county).exists()
    load_demo_talk(county=county, seed=report.seed, community=home, users=users)
    assert (Post.objects.count(), Comment.objects.count(), Suggestion.objects.count()) == counts
    deleted = delete_demo_talk()
    assert deleted["posts"] >= 8 and not Post.objects.exists() and not Suggestion.objects.exists()
