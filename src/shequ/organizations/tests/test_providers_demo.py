"""The demo's providers and property management: made through the actions, deterministic for a seed,
every estate of the county considered, and removed again."""

from __future__ import annotations

import pytest

from shequ.organizations.demo_providers import delete_demo_providers, load_demo_providers
from shequ.organizations.models import (
    CreditAssessment,
    EstateManagement,
    Provider,
    ProviderCase,
)
from shequ.organizations.tests.factories_providers import make_case
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_loads_providers_management_credit_and_complaints_and_is_removed() -> None:
    world = build_world()
    for _ in range(4):
        make_case(world.regions[HOME["community"]], by=world.users["community_staff"])

    counts = load_demo_providers(county=world.regions["320302"], seed=7)

    assert counts["property_companies"] == 15 and counts["other_providers"] == 10
    assert Provider.objects.filter(kind="property", is_state_owned=True).count() == 2
    assert Provider.objects.filter(is_red_property=True).exists()
    assert CreditAssessment.objects.count() == 25
    assert counts["complaint_links"] == ProviderCase.objects.count()
    assert counts["estate_management"] == EstateManagement.objects.count()
    assert not Provider.objects.filter(region__path__startswith="320300/320303/").exists()

    removed = delete_demo_providers()

    assert removed["providers"] >= 25 and not Provider.objects.exists()


def test_the_demo_is_deterministic_for_a_seed() -> None:
    world = build_world()
    first = load_demo_providers(county=world.regions["320302"], seed=3)
    names = sorted(Provider.objects.values_list("uscc", flat=True))
    delete_demo_providers()
    EstateManagement.objects.all().delete()

    second = load_demo_providers(county=world.regions["320302"], seed=3)

    assert first == second
    assert sorted(Provider.objects.values_list("uscc", flat=True)) == names
