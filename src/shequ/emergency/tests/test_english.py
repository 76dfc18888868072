"""Every emergency page reads in English when English is chosen: the console, the alert and its
reach board, the grid worker's checklist, shelters, supplies, drills, fire-safety grids, disaster
information officers, and the resident's alerts and shelters. What people entered stays as entered."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.emergency import models
from shequ.emergency.tests.factories_alerts import issue, tagged
from shequ.facilities.models import Facility
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.web.tests.test_i18n import EN, english_pages
from tests.scope.test_every_url import concrete_urls
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

ENTERED = {
    models.Alert: ("title", "instructions"),
    models.ReachItem: ("note",),
    models.SupplyStock: ("location", "item", "unit"),
    models.SupplyMovement: ("reason",),
    models.Drill: ("title", "location", "organisers", "findings", "improvements"),
    models.FireSafetyGrid: ("hazards",),
    Facility: ("name", "address"),
}


def _pages(client: Any, urls: list[str]) -> int:
    return english_pages(client, urls, ENTERED)


def _world_with_an_alert() -> World:
    world = build_world()
    home = world.regions[HOME["community"]]
    tagged(home, "冯奶奶", grid=world.grids[HOME["grid"]])
    issue(world.regions[HOME["township"]], by=world.users["township_staff"])
    return world


def test_staff_emergency_pages_in_english(client: Any) -> None:
    world = _world_with_an_alert()
    urls = [u for u in concrete_urls(world) if u.startswith("/emergency/") and "/me/" not in u]
    client.cookies.load(EN)
    for role in ("grid_worker", "community_staff", "township_staff", "county_official"):
        client.force_login(world.users[role])
        assert _pages(client, urls) > 5, role


def test_resident_emergency_pages_in_english(client: Any) -> None:
    world = _world_with_an_alert()
    urls = [u for u in concrete_urls(world) if u.startswith("/emergency/me/")]
    client.cookies.load(EN)
    client.force_login(world.users["resident"])
    _pages(client, urls)
    person = people.resident(world.regions[HOME["community"]], "褚阿姨")
    Resident.objects.filter(pk=person.pk).update(account=world.users["resident"])
    assert _pages(client, urls) >= 2
