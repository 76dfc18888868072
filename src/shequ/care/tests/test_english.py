"""Every care page reads in English when English is chosen: the visitor's pages, rules and plans, the
compliance dashboards, home services and bookings for staff, and the resident's own home-service and
booking pages. Names, menus and notes people entered stay as entered."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.actions import create_resident_user
from shequ.care import models
from shequ.care.tests.factories_bookings import make_service, make_slot
from shequ.care.tests.factories_homeservices import elder, make_order
from shequ.care.tests.factories_visits import cared_for, plans_for, rule
from shequ.core import calendar
from shequ.registry.models import Resident
from shequ.web.tests.test_i18n import EN, english_pages
from tests.scope.test_every_url import concrete_urls
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

# Fields whose text is what people typed, shown as entered in either language.
ENTERED = {
    models.VisitRule: ("checklist",),
    models.HomeServiceOrder: ("details", "delivery_note", "rating_comment", "closing_reason"),
    models.BookableService: ("name", "description", "price"),
    models.ServiceSlot: ("menu",),
    models.Booking: ("note",),
}


def _pages(client: Any, urls: list[str]) -> int:
    return english_pages(client, urls, ENTERED)


def _world_with_everything() -> tuple[World, Any]:
    world = build_world()
    home = world.regions[HOME["community"]]
    grid = world.grids[HOME["grid"]]
    rule(world.regions[HOME["county"]], group="living_alone_elderly", mode="phone")
    cared_for(home, "钱奶奶", grid=grid, group="living_alone_elderly")
    plans_for(world.regions[HOME["county"]], calendar.localdate())
    person = elder(home, "孙爷爷")
    user = create_resident_user(
        phone="13912345670", full_name=person.name, password="Resident-pass-1"
    )
    Resident.objects.filter(pk=person.pk).update(account=user)
    make_order(resident=person, by=None)
    slot = make_slot(make_service(region=home))
    assert slot.pk
    return world, user


def test_staff_care_pages_in_english(client: Any) -> None:
    world, _user = _world_with_everything()
    urls = [u for u in concrete_urls(world) if u.startswith("/care/") and "/me/" not in u]
    client.cookies.load(EN)
    for role in ("grid_worker", "community_head", "county_official"):
        client.force_login(world.users[role])
        assert _pages(client, urls) > 10, role


def test_resident_care_pages_in_english(client: Any) -> None:
    world, user = _world_with_everything()
    urls = [u for u in concrete_urls(world) if u.startswith("/care/me/")]
    client.cookies.load(EN)
    client.force_login(user)
    assert _pages(client, urls) >= 4
