"""The export and statistics pages, through HTTP."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from tests.world import build_world

pytestmark = pytest.mark.django_db
BODY = "32030219700202002"
ID_NUMBER = BODY + id_check_character(BODY)


@pytest.fixture
def world():
    world = build_world()
    actions.register_household(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        members=[MemberInput(name="王五", relation="head", id_number=ID_NUMBER)],
    )
    return world


def test_export_page_downloads_a_masked_workbook(client: Client, world) -> None:
    client.force_login(world.users["community_staff"])
    assert client.get("/registry/export/").status_code == 200
    response = client.post("/registry/export/", {"status": "active"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "王五" in cells and ID_NUMBER not in cells


def test_unmasked_export_without_a_reason_is_refused_on_the_page(client: Client, world) -> None:
    client.force_login(world.users["community_head"])
    response = client.post("/registry/export/", {"unmasked": "on", "reason": ""})
    assert response.status_code == 200
    assert "须说明事由" in response.content.decode()


def test_officials_see_counts_not_people(client: Client, world) -> None:
    official = world.users["county_official"]
    client.force_login(official)
    assert client.get("/registry/").status_code == 403
    home = client.get("/registry/statistics/")
    assert home.status_code == 302 and home.url.endswith("/registry/statistics/320302/")
    page = client.get(home.url).content.decode()
    assert "王五" not in page and "&lt;5" in page  # one resident: a small cell
    assert client.get("/registry/statistics/320303/").status_code == 404
