"""Figures per child place (``territory.queries.grouped_by_child``): one query, grouped by the
children's path prefix, or — when the children's paths differ in length — by which child each row
lies under; rows under none of them come back under ``None``."""

from __future__ import annotations

import pytest
from django.db.models import Count

from shequ.territory.models import Level, Region
from shequ.territory.queries import grouped_by_child
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _counts(children: list[Region]) -> dict[str | None, int]:
    communities = Region.objects.filter(level=Level.COMMUNITY)
    totals: dict[str | None, int] = {}
    for path, row in grouped_by_child(communities, "path", children, n=Count("id")):
        totals[path] = totals.get(path, 0) + row["n"]
    return totals


def _under(region: Region) -> int:
    return Region.objects.filter(level=Level.COMMUNITY, path__under=region.path).count()


def test_siblings_group_by_their_path_prefix_in_one_query(django_assert_num_queries) -> None:
    build_world()
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    assert len(counties) >= 2
    with django_assert_num_queries(1):
        totals = _counts(counties)
    for county in counties:
        assert totals.get(county.path, 0) == _under(county)
    assert totals.get(None, 0) == 0


def test_children_of_different_levels_group_by_the_child_each_row_lies_under() -> None:
    build_world()
    township = Region.objects.filter(level=Level.TOWNSHIP).order_by("code").first()
    assert township is not None
    elsewhere = (
        Region.objects.filter(level=Level.COMMUNITY)
        .exclude(path__under=township.path)
        .order_by("code")
        .first()
    )
    assert elsewhere is not None
    totals = _counts([township, elsewhere])
    assert totals[township.path] == _under(township)
    assert totals[elsewhere.path] == 1
    rest = Region.objects.filter(level=Level.COMMUNITY).count() - _under(township) - 1
    assert totals.get(None, 0) == rest
