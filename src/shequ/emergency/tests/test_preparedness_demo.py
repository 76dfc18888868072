"""The preparedness demo: stock at the home township's depot and its communities with movements and
one low-stock item, two past drills, the home community's grids designated with the grid worker
responsible for theirs, shelters none open; loading twice and deleting are safe."""

from __future__ import annotations

import pytest

from shequ.emergency.demo_preparedness import delete_demo_preparedness, load_demo_preparedness
from shequ.emergency.models import (
    Drill,
    FireSafetyGrid,
    ShelterOpening,
    SupplyMovement,
    SupplyStock,
)
from shequ.emergency.queries.preparedness import low_stock_count
from shequ.emergency.tests.factories_preparedness import make_shelter
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


def test_the_demo_loads_twice_and_deletes() -> None:
    world = build_world()
    home = world.regions[HOME["community"]]
    grid = world.grids[HOME["grid"]]
    make_shelter(community=home)
    county = world.regions[HOME["county"]]

    def load() -> dict[str, int]:
        return load_demo_preparedness(
            county=county, seed=7, community=home, grid=grid, users=world.users
        )

    first = load()
    again = load()

    assert first == again
    assert first["low_stock"] == 1 and first["drills"] == 2 and first["shelters"] == 1
    assert first["fire_grids"] == 2 and first["stocks"] > 16
    assert FireSafetyGrid.objects.get(grid=grid).responsible == world.users["grid_worker"]
    assert SupplyMovement.objects.filter(kind="transfer_in", stock__region=home).exists()
    assert not ShelterOpening.objects.exists()
    assert low_stock_count(world.users["community_staff"]) == 1

    delete_demo_preparedness()
    assert not SupplyStock.objects.exists() and not Drill.objects.exists()
    assert not FireSafetyGrid.objects.exists()
