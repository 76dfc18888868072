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
