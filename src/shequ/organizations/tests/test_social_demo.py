"""The social demo: made through the actions over the demo county, marked synthetic, removed whole."""

from __future__ import annotations

import pytest

from shequ.organizations.demo_social import delete_demo_social, load_demo_social
from shequ.organizations.models import ServiceProject, SocialOrganization, SocialWorkSite
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_loads_and_is_removed() -> None:
    world = build_world()
    counts = load_demo_social(county=world.regions[HOME["county"]], seed=7)
    assert counts["organizations"] >= 4 and counts["sites"] >= 2 and counts["projects"] >= 5
    assert SocialOrganization.objects.filter(is_synthetic=False).count() == 0
    assert SocialWorkSite.objects.filter(kind="station").count() == 2
    assert ServiceProject.objects.filter(milestones__isnull=False).distinct().count() >= 5
    delete_demo_social()
    assert not SocialOrganization.objects.exists() and not ServiceProject.objects.exists()
