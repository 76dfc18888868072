import pytest
from django.test import Client

from shequ.territory.models import Grid
from tests.world import build_world

pytestmark = pytest.mark.django_db


def test_console_lists_communities_without_grids_in_scope_only(client: Client) -> None:
    world = build_world()
    # The home county's village loses its grids; the other county's community too (out of scope).
    for code in ("320302001201", "320303001001"):
        Grid.objects.filter(community__code=code).update(community=world.regions["320302002001"])
    client.force_login(world.users["township_staff"])
    body = client.get("/").content.decode()
    assert "尚未划分网格的村(社区)" in body
    assert '<span class="badge text-bg-primary rounded-pill">1</span>' in body
