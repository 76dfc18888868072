"""The one refusal page (``participation/not_linked.html``) every feature shows a resident who cannot
take part: the feature's title, the reason, and the status code the feature has always answered."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from shequ.accounts import actions as account_actions
from shequ.registry import actions as registry_actions
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.tests import factories as registry
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

NOT_LINKED = "您的账号还没有关联居民信息"
GONE = "您的居民信息已不在册，不能参与。"

# page name → (the feature's title, the status it answers, the text naming an unlinked account)
PAGES = {
    "my_suggestions": ("社区议事", 403, NOT_LINKED),
    "community_lists": ("社区清单", 403, NOT_LINKED),
    "community_disclosures": ("村(居)务公开", 403, NOT_LINKED),
    "my_election": ("选民登记", 200, "请带身份证到社区服务站办理关联后再查看选民登记"),
    "community_meetings": ("社区议事", 200, "暂时不能参与签到和表决"),
}


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_an_unlinked_resident_sees_the_shared_page(world: World, name: str) -> None:
    title, status, reason = PAGES[name]
    response = client_for(world.users["resident"]).get(reverse(f"participation:{name}"))
    assert response.status_code == status
    assert next(t.name for t in response.templates) == "participation/not_linked.html"
    body = html(response)
    assert f"<title>{title}</title>" in body
    assert reason in body


def test_the_talk_page_heads_its_refusal_differently(world: World) -> None:
    body = html(client_for(world.users["resident"]).get(reverse("participation:my_suggestions")))
    assert '<h1 class="mb-3">暂时不能参与</h1>' in body


def test_a_resident_no_longer_on_the_register_is_told_so(world: World) -> None:
    resident = registry.resident(world.regions[HOME["community"]], "吴迁出")
    user = account_actions.create_resident_user(
        phone="19570000011", full_name="吴迁出", password="Resident-pass-1"
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    registry_actions.record_departure(
        resident=resident, status=LifeStatus.MOVED_OUT, on=date(2026, 1, 5)
    )
    response = client_for(user).get(reverse("participation:community_lists"))
    assert response.status_code == 403
    assert GONE in html(response)
    assert NOT_LINKED not in html(response)
