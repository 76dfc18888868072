"""/api/v1/territory over HTTP: scoped lists and details, 404 outside the jurisdiction."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.territory.models import Estate, Region
from shequ.territory.permissions import TerritoryPerm
from shequ.territory.tests.helpers import load_mini_territory, make_grid, user_at
from tests.pages import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/territory"


@pytest.fixture
def regions() -> dict[str, Region]:
    return load_mini_territory()


def codes(body: dict) -> list[str]:
    return [row["code"] for row in body["results"]]


class TestRegions:
    def test_without_parent_lists_the_users_roots(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        body = client.get(f"{API}/regions").json()

        assert body["count"] == 1 and codes(body) == ["329901001"]
        row = body["results"][0]
        assert row["kind"] == "subdistrict" and row["kind_label"] == "街道"
        assert row["child_count"] == 2 and row["parent_code"] == "329901"
        assert row["is_urban"] is True

    def test_children_of_a_parent_are_paginated(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        first = client.get(f"{API}/regions", {"parent": "329901", "page_size": 1}).json()
        second = client.get(f"{API}/regions/329901/children", {"page_size": 1, "page": 2}).json()

        assert first["count"] == 2 and codes(first) == ["329901001"]
        assert second["count"] == 2 and codes(second) == ["329901101"]

    def test_search_is_scoped(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        body = client.get(f"{API}/regions", {"q": "社区"}).json()

        assert codes(body) == ["329901001001", "329901001002"]
        assert client.get(f"{API}/regions", {"q": "乙"}).json()["count"] == 0
        assert client.get(f"{API}/regions", {"q": "3299"}).json()["count"] == 3

    def test_detail_has_breadcrumbs_and_counts(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        body = client.get(f"{API}/regions/329901101").json()

        assert body["name"] == "甲二镇" and body["kind"] == "town" and body["level"] == "township"
        assert [c["code"] for c in body["breadcrumbs"]] == ["329900", "329901"]
        assert body["children_by_kind"] == [
            {"kind": "urban_community", "label": "社区", "n": 1, "virtual": 0},
            {"kind": "village", "label": "村", "n": 1, "virtual": 0},
        ]
        assert body["admin_parent"] is None

    @pytest.mark.parametrize(
        "path",
        [
            "/regions/329901101",
            "/regions/329921",
            "/regions/329900",
            "/regions/329901101/children",
            "/regions?parent=329921",
            "/grids?community=329921001001",
            "/regions/32990A",
            "/regions/999999",
        ],
    )
    def test_outside_the_jurisdiction_or_malformed_is_404(self, regions, path: str) -> None:
        client = client_for(user_at(regions["329901001"]))

        response = client.get(API + path)

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_without_view_permission_is_403(self, regions) -> None:
        client = client_for(user_at(regions["329900"], permissions=(TerritoryPerm.MANAGE,)))

        response = client.get(f"{API}/regions")

        assert response.status_code == 403 and response.json()["code"] == "forbidden"

    def test_anonymous_is_401(self, regions) -> None:
        assert Client().get(f"{API}/regions").status_code == 401

    def test_list_query_count_does_not_grow_with_rows(
        self, regions, django_assert_max_num_queries
    ) -> None:
        client = client_for(user_at(regions["329900"]))
        client.get(f"{API}/regions")

        # Session, user, roles, count, page: the page is one query whatever its size.
        with django_assert_max_num_queries(6):
            body = client.get(f"{API}/regions", {"q": "社区"}).json()
        assert body["count"] == 5


class TestGrids:
    def test_grids_of_a_community_and_detail(self, regions) -> None:
        community = regions["329901001001"]
        grid = make_grid(community, 1)
        micro = make_grid(community, 1, parent=grid)
        make_grid(community, 2)
        Estate.objects.create(community=community, grid=micro, name="幸福小区")
        client = client_for(user_at(regions["329901001"]))

        listing = client.get(f"{API}/grids", {"community": community.code}).json()
        detail = client.get(f"{API}/grids/{grid.code}").json()

        assert listing["count"] == 2
        assert listing["results"][0] == {
            "code": grid.code,
            "name": grid.name,
            "community_code": community.code,
            "parent_code": None,
            "is_micro": False,
            "micro_count": 1,
        }
        assert [m["code"] for m in detail["micro_grids"]] == [micro.code]
        assert detail["estates"] == [
            {
                "name": "幸福小区",
                "address": "",
                "is_natural_village": False,
                "grid_code": micro.code,
            }
        ]
        assert detail["community_name"] == community.name

    def test_grid_holder_sees_only_their_grid(self, regions) -> None:
        community = regions["329901001001"]
        mine, other = make_grid(community, 1), make_grid(community, 2)
        client = client_for(user_at(mine))

        assert codes(client.get(f"{API}/grids").json()) == [mine.code]
        assert codes(client.get(f"{API}/grids", {"community": community.code}).json()) == [
            mine.code
        ]
        assert codes(client.get(f"{API}/regions").json()) == [community.code]
        assert client.get(f"{API}/regions").json()["results"][0]["grid_count"] == 1
        assert client.get(f"{API}/grids/{other.code}").status_code == 404
        assert client.get(f"{API}/grids/{mine.code}").status_code == 200
        assert client.get(f"{API}/grids/abc").status_code == 404
