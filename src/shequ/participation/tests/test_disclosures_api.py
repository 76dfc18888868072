"""The open-affairs API: scoped staff reads (404 outside), the supervision committee's answer,
residents' objections (the Idempotency-Key makes a retry land once; after the deadline or from
another community refused with a clear message), names masked for residents."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.models.disclosures import Objection, ObjectionStatus
from shequ.participation.tests.factories_disclosures import (
    make_disclosure,
    object_to,
    resident_user,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def _post(client: Any, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_staff_list_and_detail_are_scoped(world: World) -> None:
    mine = make_disclosure(world.regions[HOME["community"]], title="本社区草稿")
    away = make_disclosure(world.regions[AWAY], title="别处草稿")
    client = client_for(world.users["community_staff"])
    listing = client.get(f"{API}/disclosures").json()
    titles = [row["title"] for row in listing["results"]]
    assert "本社区草稿" in titles and "别处草稿" not in titles
    assert client.get(f"{API}/disclosures/{mine.pk}").status_code == 200
    assert client.get(f"{API}/disclosures/{away.pk}").status_code == 404
    assert client.get(f"{API}/disclosures?category=nonsense").status_code == 422


def test_residents_object_through_the_api(world: World) -> None:
    item = make_disclosure(world.regions[HOME["community"]], publish=True)
    _me, user = resident_user(world.regions[HOME["community"]], "孙八")
    client = client_for(user)
    path = f"{API}/me/disclosures/{item.pk}/objections"
    first = _post(client, path, {"body": "请说明支出"}, **{"Idempotency-Key": "abc"})
    again = _post(client, path, {"body": "请说明支出"}, **{"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["objector"] == "孙*"
    assert Objection.objects.count() == 1
    bad = _post(client, path, {"body": "<b>x</b>"})
    assert bad.status_code == 422 and "网页代码" in bad.json()["message"]
    later = calendar.localtime() + timedelta(days=30)
    with calendar.frozen_time(later):
        late = _post(client, path, {"body": "晚了"})
    assert late.status_code == 422 and "异议期已于" in late.json()["message"]
    _other, outsider = resident_user(world.regions[AWAY], "周九")
    refused = _post(client_for(outsider), path, {"body": "别处的异议"})
    assert refused.status_code == 403 and "的居民才能参与" in refused.json()["message"]
    mine = client.get(f"{API}/me/objections").json()
    assert [row["body"] for row in mine["results"]] == ["请说明支出"]


def test_the_supervision_committee_answers_through_the_api(world: World) -> None:
    item = make_disclosure(world.regions[HOME["community"]], publish=True)
    _me, user = resident_user(world.regions[HOME["community"]], "吴十")
    objection = object_to(item, user)
    away = make_disclosure(world.regions[AWAY], publish=True)
    _x, far = resident_user(world.regions[AWAY], "郑一")
    away_objection = object_to(away, far)
    supervisor = client_for(world.users["supervision_member"])
    queue = supervisor.get(f"{API}/objections/open").json()
    assert [row["id"] for row in queue["results"]] == [objection.pk]
    path = f"{API}/objections/{objection.pk}/response"
    assert _post(supervisor, path, {"response": ""}).status_code == 422
    done = _post(supervisor, path, {"response": "已核实"})
    assert done.status_code == 200 and done.json()["status"] == ObjectionStatus.ANSWERED
    twice = _post(supervisor, path, {"response": "再答"})
    assert twice.status_code == 422
    outside = _post(supervisor, f"{API}/objections/{away_objection.pk}/response", {"response": "x"})
    assert outside.status_code == 404
    staff = client_for(world.users["community_staff"])
    assert _post(staff, path, {"response": "x"}).status_code == 403
