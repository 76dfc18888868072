"""The three lists and micro-renewal API: scoped lists and details, matching, contributions and
spending with bad amounts as 422 naming the field, and residents' need reports (idempotent)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shequ.participation.models.lists import NeedItem
from shequ.participation.tests.factories_lists import (
    give,
    make_need,
    make_project,
    make_renewal,
    resident_with_account,
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
    return client.post(
        API + path, json.dumps(body), content_type="application/json", headers=headers
    )


def test_staff_read_their_subtree_and_write_with_clear_errors(world: World) -> None:
    staff = world.users["community_staff"]
    home = world.regions[HOME["community"]]
    mine = make_need(home, staff, title="本社区需求")
    theirs = make_need(world.regions[AWAY], world.outsider, title="外县需求")
    project = make_project(home, staff)
    renewal = make_renewal(home, staff, budget="1000")
    give(renewal, staff, "400")
    client = client_for(staff)

    listed = client.get(API + "/needs").json()
    assert [r["title"] for r in listed["results"]] == ["本社区需求"]
    assert client.get(f"{API}/needs/{theirs.pk}").status_code == 404
    assert client.get(API + "/needs?status=nonsense").status_code == 422
    matched = _post(client, f"/needs/{mine.pk}/matches", {"project_id": project.pk})
    assert matched.status_code == 201 and matched.json()["need_status"] == "matched"
    assert _post(client, f"/needs/{mine.pk}/matches", {}).status_code == 422

    bad = _post(
        client,
        f"/renewals/{renewal.pk}/contributions",
        {
            "source": "residents",
            "contributor": "居民",
            "households": 3,
            "amount": "abc",
            "received_on": "2026-01-02",
        },
    )
    assert bad.status_code == 422 and "金额须为数字" in bad.json()["message"], bad.json()
    over = _post(
        client,
        f"/renewals/{renewal.pk}/spendings",
        {"item": "材料", "amount": "400.01", "spent_on": "2026-01-03"},
    )
    assert over.status_code == 422 and "支出合计将超过已到账资金" in over.json()["message"]
    ok = _post(
        client,
        f"/renewals/{renewal.pk}/spendings",
        {"item": "材料", "amount": "400", "spent_on": "2026-01-03"},
    )
    assert ok.status_code == 201
    detail = client.get(f"{API}/renewals/{renewal.pk}").json()
    assert detail["balance"] == "0.00" or float(detail["balance"]) == 0
    assert detail["residents_share_of_received"] == 1.0
    outsider = client_for(world.outsider)
    assert outsider.get(f"{API}/renewals/{renewal.pk}").status_code == 404
    grid = client_for(world.users["grid_worker"])
    assert _post(grid, f"/needs/{mine.pk}/matches", {"project_id": project.pk}).status_code == 403


def test_a_resident_reports_a_need_once_by_the_api(world: World) -> None:
    _me, user = resident_with_account(world.regions[HOME["community"]])
    client = client_for(user)
    body = {"category": "safety", "title": "路口缺少减速带"}
    first = _post(client, "/me/needs", body, **{"Idempotency-Key": "abc-1"})
    again = _post(client, "/me/needs", body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and NeedItem.objects.count() == 1
    script = _post(client, "/me/needs", {"category": "safety", "title": "<b onclick=x>"})
    assert script.status_code == 422
    staff = client_for(world.users["community_staff"])
    assert _post(staff, "/me/needs", body).status_code == 403
