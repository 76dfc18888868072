"""The territory admin: scoped lists, choices and rights; GeoJSON boundaries checked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.permissions import CorePerm
from shequ.territory.geometry import validate_geojson
from shequ.territory.models import Grid, Region
from shequ.territory.permissions import TerritoryPerm
from shequ.territory.tests.helpers import load_mini_territory, make_grid, user_at

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[117.1, 34.2], [117.2, 34.2], [117.2, 34.3], [117.1, 34.3], [117.1, 34.2]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[117.1, 34.2], [117.2, 34.3], [117.2, 34.2], [117.1, 34.3], [117.1, 34.2]]],
}


@pytest.fixture
def regions() -> dict[str, Region]:
    return load_mini_territory()


def admin_client(place, *perms: str) -> Client:
    client = Client()
    client.force_login(user_at(place, permissions=(CorePerm.USE_ADMIN, TerritoryPerm.VIEW, *perms)))
    return client


class TestGeometry:
    def test_valid_polygon_and_feature(self) -> None:
        assert validate_geojson(SQUARE) == SQUARE
        assert validate_geojson({"type": "Feature", "geometry": SQUARE, "properties": {}}) == SQUARE

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            ("{not json", "不是有效的 JSON"),
            ({"type": "Point", "coordinates": [117.1, 34.2]}, "Polygon 或 MultiPolygon"),
            ({"type": "Polygon", "coordinates": [[[117.1], [2]]]}, "坐标格式不正确"),
            (BOWTIE, "图形无效"),
            (
                {"type": "Polygon", "coordinates": [[[34, 200], [35, 200], [35, 201], [34, 200]]]},
                "超出经纬度范围",
            ),
        ],
    )
    def test_invalid_boundaries_are_refused_in_chinese(self, value, fragment: str) -> None:
        with pytest.raises(ValidationError) as caught:
            validate_geojson(value)
        assert fragment in caught.value.messages[0]


class TestRegionAdmin:
    def test_changelist_is_scoped(self, regions) -> None:
        client = admin_client(regions["329901001"])

        html = client.get("/admin/territory/region/").content.decode()

        assert "甲一一社区居委会" in html and "乙县" not in html
        assert (
            client.get(f"/admin/territory/region/{regions['329921'].pk}/change/").status_code == 302
        )

    def test_view_only_without_manage(self, regions) -> None:
        client = admin_client(regions["329900"])
        url = f"/admin/territory/region/{regions['329901'].pk}/change/"

        response = client.post(url, {"name": "改名"})

        assert response.status_code == 403
        assert Region.objects.get(code="329901").name == "甲区"

    def test_manager_sets_admin_parent_and_boundary_with_audit(self, regions) -> None:
        client = admin_client(regions["329900"], TerritoryPerm.MANAGE)
        township = regions["329921001"]
        url = f"/admin/territory/region/{township.pk}/change/"
        data = {
            "name": township.name,
            "admin_parent": regions["329901"].pk,
            "centre_lat": "",
            "centre_lng": "",
            "geometry": '{"type": "Polygon", "coordinates": [[[117.1, 34.2], [117.2, 34.3], [117.2, 34.2], [117.1, 34.3], [117.1, 34.2]]]}',
        }

        bad = client.post(url, data)
        assert bad.status_code == 200 and "图形无效" in bad.content.decode()

        data["geometry"] = (
            '{"type": "Polygon", "coordinates": [[[117.1, 34.2], [117.2, 34.2], [117.2, 34.3], [117.1, 34.3], [117.1, 34.2]]]}'
        )
        assert client.post(url, data).status_code == 302
        township.refresh_from_db()
        assert township.admin_parent.code == "329901" and township.geometry["type"] == "Polygon"
        event = AuditEvent.objects.get(action="territory.change_region")
        assert set(event.fields) == {"admin_parent", "geometry"}

    def test_admin_parent_choices_are_scoped(self, regions) -> None:
        client = admin_client(regions["329901"], TerritoryPerm.MANAGE)
        url = f"/admin/territory/region/{regions['329901001'].pk}/change/"

        response = client.post(url, {"name": "甲一街道", "admin_parent": regions["329921"].pk})

        assert response.status_code == 200  # 乙县 is outside: not a valid choice
        assert Region.objects.get(code="329901001").admin_parent is None

    def test_regions_cannot_be_added_or_deleted(self, regions) -> None:
        client = admin_client(regions["329900"], TerritoryPerm.MANAGE)

        assert client.get("/admin/territory/region/add/").status_code == 403
        assert (
            client.get(f"/admin/territory/region/{regions['329901'].pk}/delete/").status_code == 403
        )

    def test_autocomplete_is_scoped(self, regions) -> None:
        client = admin_client(regions["329901"], TerritoryPerm.MANAGE)

        response = client.get(
            "/admin/autocomplete/",
            {
                "term": "乙",
                "app_label": "territory",
                "model_name": "region",
                "field_name": "admin_parent",
            },
        )

        assert response.status_code == 200 and response.json()["results"] == []


class TestGridAdmin:
    def test_grid_added_with_derived_path_inside_manage_scope(self, regions) -> None:
        client = admin_client(regions["329901001"], TerritoryPerm.MANAGE_GRIDS)
        community = regions["329901001001"]

        response = client.post(
            "/admin/territory/grid/add/",
            {
                "community": community.pk,
                "code": f"{community.code}001",
                "name": "一网格",
                "centre_lat": "",
                "centre_lng": "",
                "geometry": "",
            },
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        grid = Grid.objects.get(code=f"{community.code}001")
        assert grid.path == f"{community.path}{grid.code}/" and not grid.is_micro
        assert AuditEvent.objects.filter(action="territory.add_grid").exists()

    def test_grid_outside_manage_scope_is_refused(self, regions) -> None:
        client = admin_client(regions["329901001"], TerritoryPerm.MANAGE_GRIDS)
        community = regions["329921001001"]

        response = client.post(
            "/admin/territory/grid/add/",
            {
                "community": community.pk,
                "code": f"{community.code}001",
                "name": "越界网格",
            },
        )

        assert response.status_code == 200
        assert not Grid.objects.exists()

    def test_bad_grid_code_is_refused(self, regions) -> None:
        client = admin_client(regions["329901001"], TerritoryPerm.MANAGE_GRIDS)
        community = regions["329901001001"]

        response = client.post(
            "/admin/territory/grid/add/",
            {
                "community": community.pk,
                "code": "123",
                "name": "一网格",
            },
        )

        assert response.status_code == 200 and "编码应为" in response.content.decode()

    def test_viewer_without_manage_grids_cannot_change(self, regions) -> None:
        grid = make_grid(regions["329901001001"])
        client = admin_client(regions["329900"])

        assert client.get("/admin/territory/grid/").status_code == 200
        assert client.get("/admin/territory/grid/add/").status_code == 403
        response = client.post(f"/admin/territory/grid/{grid.pk}/change/", {"name": "x"})
        assert response.status_code == 403
