from __future__ import annotations

import pytest

from shequ.cases import queries
from shequ.cases.demo import ITEMS, load_demo_catalog
from shequ.cases.models import ItemStatus, ServiceItem
from tests.world import build_world

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_loads_through_the_actions_once() -> None:
    world = build_world()
    community = world.regions["320302001001"]
    counts = load_demo_catalog(county=world.regions["320302"], community=community)
    assert counts["service_items"] == len(ITEMS) >= 25
    assert counts["abolished_certificates"] >= 5
    assert set(ServiceItem.objects.values_list("status", flat=True)) == {ItemStatus.ADMITTED}
    assert queries.admitted_items_for(community).count() == len(ITEMS)
    assert queries.abolished_certificate_for("麻烦开一个无犯罪记录证明", community) is not None
    again = load_demo_catalog(county=world.regions["320302"], community=community)
    assert again == {"service_items": 0, "abolished_certificates": 0}


def test_the_command_loads_the_catalogue() -> None:
    from io import StringIO

    from django.core.management import call_command

    build_world()
    out = StringIO()
    call_command("load_demo_catalog", "320302", "320302001001", stdout=out)
    assert f"service_items={len(ITEMS)}" in out.getvalue()


def test_items_that_lost_their_units_are_linked_again() -> None:
    from shequ.accounts.models import HandlingUnit

    world = build_world()
    county, community = world.regions["320302"], world.regions["320302001001"]
    HandlingUnit.objects.create(code="320302-cg", name="城市管理局", region=county)
    load_demo_catalog(county=county, community=community)
    item = ServiceItem.objects.filter(handling_units__isnull=False).first()
    assert item is not None
    item.handling_units.clear()  # what a demo reset does to the demo's units
    load_demo_catalog(county=county, community=community)
    assert item.handling_units.exists()


def test_demo_cases_cover_every_stage_and_a_second_load_adds_none() -> None:
    from shequ.cases.demo import load_demo_cases
    from shequ.cases.models import Case

    world = build_world()
    county, community = world.regions["320302"], world.regions["320302001001"]
    load_demo_catalog(county=county, community=community)
    grid = world.grids["320302001001001"]
    grid.centre_lat, grid.centre_lng = 34.26, 117.18
    grid.save()
    counts = load_demo_cases(
        county=county, community=community, grid=grid, users=world.users, seed=1
    )
    assert counts["cases"] == 48
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "dispatched", "in_progress", "handled", "verified",
            "closed", "rated", "rejected", "returned"} <= statuses  # fmt: skip
    assert (
        load_demo_cases(county=county, community=community, grid=grid, users=world.users, seed=1)[
            "cases"
        ]
        == 0
    )
