"""The reserve pool over HTTP: adding a worker or someone else to a community's pool (phone masked
on the page), appointing and removing with a reason (a second click refused), counts per community
and the communities with no one in the pool, scoped, at a constant query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.workforce.actions import development as actions
from shequ.workforce.models import ReserveCandidate
from shequ.workforce.tests.factories_development import make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
VILLAGE = "320302001201"
LIST = reverse("workforce:reserve")
NEW = reverse("workforce:reserve_new")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def test_township_staff_add_someone_and_a_worker_to_the_pool(world: World) -> None:
    worker = make_worker(community=home(world), name="王晓梅", phone="13912345678",
                         education="bachelor")  # fmt: skip
    client = client_for(world.users["township_staff"])

    someone = client.post(NEW, {"community": HOME["community"], "worker": "", "name": "赵敏",
                                "birth_date": "1990-05-01", "phone": "13812345678",
                                "education": "bachelor", "political_status": "party_member",
                                "background": "返乡创业人员", "current_job": "合作社负责人"})  # fmt: skip
    from_worker = client.post(NEW, {"community": HOME["community"], "worker": str(worker.pk)})
    body = html(client.get(LIST))

    assert someone.status_code == 302 and from_worker.status_code == 302
    chosen = ReserveCandidate.objects.get(worker=worker)
    assert (chosen.name, chosen.education) == ("王晓梅", "bachelor")
    assert "138****5678" in body and "13812345678" not in body
    assert "赵敏" in body and "王晓梅" in body


def test_bad_reserve_input_is_refused(world: World) -> None:
    client = client_for(world.users["township_staff"])

    nameless = client.post(NEW, {"community": HOME["community"], "name": ""})
    bad_phone = client.post(NEW, {"community": HOME["community"], "name": "赵敏", "phone": "123"})

    assert "请填写姓名" in html(nameless)
    assert "11位中国大陆手机号码" in html(bad_phone)
    assert not ReserveCandidate.objects.exists()


def test_appoint_and_remove_need_a_reason_and_apply_once(world: World) -> None:
    candidate = actions.add_reserve_candidate(community=home(world), name="赵敏", by=None)
    client = client_for(world.users["township_staff"])
    appoint = reverse("workforce:reserve_appoint", kwargs={"reserve_candidate_id": candidate.pk})
    remove = reverse("workforce:reserve_remove", kwargs={"reserve_candidate_id": candidate.pk})

    no_reason = client.post(appoint, {"reason": ""}, follow=True)
    client.post(appoint, {"reason": "当选党组织书记"})
    second = client.post(remove, {"reason": "调离"}, follow=True)

    candidate.refresh_from_db()
    assert "请填写变动原因" in html(no_reason)
    assert (candidate.status, candidate.status_reason) == ("appointed", "当选党组织书记")
    assert "已不在库中" in html(second)


def test_counts_per_community_and_empty_communities_in_scope(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        actions.add_reserve_candidate(community=home(world), name=f"人选{n}", by=None)
    actions.add_reserve_candidate(community=world.regions[AWAY], name="【X】外县人选", by=None)
    client = client_for(world.users["county_official"])
    client.get(LIST)

    with django_assert_max_num_queries(12):
        body = html(client.get(LIST))

    assert "人选29" in body and "外县人选" not in body
    assert "尚无后备人选的村(社区)：2 个" in body  # the village and the other township's community
    assert world.regions[VILLAGE].name in body


def test_other_places_and_roles(world: World) -> None:
    away = actions.add_reserve_candidate(community=world.regions[AWAY], name="外县", by=None)
    url = reverse("workforce:reserve_appoint", kwargs={"reserve_candidate_id": away.pk})

    elsewhere = client_for(world.users["county_official"]).post(url, {"reason": "x"})
    head = client_for(world.users["community_head"]).get(NEW)

    assert elsewhere.status_code == 404
    assert head.status_code == 403
    away.refresh_from_db()
    assert away.status == "in_pool"
