"""The public entrance: anyone finds a community by name or code and reaches what it published."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.pages import html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_anyone_finds_a_community_by_name_and_opens_its_public_pages(
    world: World, django_assert_max_num_queries
) -> None:
    community = world.regions[HOME["community"]]
    anonymous = Client()
    with django_assert_max_num_queries(3):
        page = html(anonymous.get(reverse("participation:public_index"), {"q": community.name}))
    assert community.code in page
    for name in ("public_disclosures", "public_topics", "public_meetings", "public_renewals"):
        link = reverse(f"participation:{name}", kwargs={"code": community.code})
        assert link in page
        assert anonymous.get(link).status_code == 200


def test_a_code_prefix_finds_communities_and_nothing_found_says_so(world: World) -> None:
    community = world.regions[HOME["community"]]
    anonymous = Client()
    page = html(anonymous.get(reverse("participation:public_index"), {"q": community.code[:9]}))
    assert community.code in page
    page = html(anonymous.get(reverse("participation:public_index"), {"q": "没有这个村"}))
    assert "没有找到" in page
    page = html(anonymous.get(reverse("participation:public_index")))
    assert "查找结果" not in page


def test_the_landing_page_links_the_public_entrance() -> None:
    page = html(Client().get("/"))
    assert reverse("participation:public_index") in page
