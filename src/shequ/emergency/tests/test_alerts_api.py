"""The alerts API: issuing (idempotent by ``Idempotency-Key``), the list and the board scoped, the
reach items paged and masked, confirming (twice → 422 naming who), closing; bad input → 422 naming
the field; another county's alert → 404."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.emergency.models import Alert, ReachItem
from shequ.emergency.tests.factories_alerts import SQUARE, issue, tagged
from shequ.registry.models import CareGroup
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"
JSON = "application/json"


@pytest.fixture
def world() -> World:
    return build_world()


def township(world: World) -> Any:
    return world.regions[HOME["township"]]


def populate(world: World) -> None:
    community, grid = world.regions[HOME["community"]], world.grids[HOME["grid"]]
    for i in range(3):
        tagged(community, f"关爱{i}号", CareGroup.DIBAO, grid=grid)
    tagged(world.regions["320303001001"], "外区老人")


def body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "region": HOME["township"],
        "kind": "flood",
        "severity": "orange",
        "title": "防汛预警",
        "instructions": "请转移。",
        "target_regions": [HOME["community"]],
        **extra,
    }


def test_the_alert_journey_through_the_api(world: World, django_assert_max_num_queries) -> None:
    populate(world)
    staff = client_for(world.users["township_staff"])
    made = staff.post(f"{API}/alerts", body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="a1")
    assert made.status_code == 201, made.json()
    again = staff.post(f"{API}/alerts", body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="a1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == made.json()["id"] and Alert.objects.count() == 1
    alert_id = made.json()["id"]
    assert made.json()["checklist_count"] == 3 and made.json()["target_regions"] == [
        HOME["community"]
    ]

    listed = staff.get(f"{API}/alerts", {"status": "active"}).json()
    assert listed["count"] == 1
    board = staff.get(f"{API}/alerts/{alert_id}/board").json()
    assert board["pending"] == 3 and board["grids"][0]["code"] == HOME["grid"]

    worker = client_for(world.users["grid_worker"])
    worker.get(f"{API}/alerts/{alert_id}/reach-items")
    with django_assert_max_num_queries(12):
        items = worker.get(f"{API}/alerts/{alert_id}/reach-items").json()
    assert items["count"] == 3 and items["results"][0]["resident_name"] == "关***"
    assert "phone" not in items["results"][0]
    item_id = items["results"][0]["id"]
    done = worker.post(f"{API}/reach-items/{item_id}/confirm", {"status": "reached_in_person"},
                       content_type=JSON)  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "reached_in_person"
    twice = worker.post(f"{API}/reach-items/{item_id}/confirm", {"status": "escalated",
                        "note": "无人"}, content_type=JSON)  # fmt: skip
    assert twice.status_code == 422 and "已由" in twice.json()["message"]
    assert staff.get(f"{API}/alerts/{alert_id}/board").json()["reached"] == 1

    closed = staff.post(f"{API}/alerts/{alert_id}/close", {"reason": "解除"}, content_type=JSON)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    other = ReachItem.objects.filter(alert_id=alert_id, status="pending").first()
    late = worker.post(f"{API}/reach-items/{other.pk}/confirm", {"status": "reached_phone"},
                       content_type=JSON)  # fmt: skip
    assert late.status_code == 422 and "已解除" in late.json()["message"]


def test_bad_input_is_a_422_naming_the_field(world: World) -> None:
    populate(world)
    staff = client_for(world.users["township_staff"])
    cases = [
        (body(world, target_regions=["320303001001"]), "target_regions"),
        (body(world, target_regions=[], area=SQUARE), "area"),
        (body(world, target_regions=[], area={"type": "LineString", "coordinates": []}), "area"),
        (body(world, kind="meteor"), "kind"),
        (body(world, region="320302001001"), "region"),
    ]
    for payload, field in cases:
        answer = staff.post(f"{API}/alerts", payload, content_type=JSON)
        assert answer.status_code == 422, (field, answer.json())
        assert field in {e["field"] for e in answer.json()["errors"]}
    assert not Alert.objects.exists()
    head = client_for(world.users["community_head"])
    assert head.post(f"{API}/alerts", body(world), content_type=JSON).status_code == 403


def test_another_countys_alert_is_not_found(world: World) -> None:
    populate(world)
    away = issue(world.regions["320303001"], by=None)
    staff = client_for(world.users["township_staff"])
    for url in (f"{API}/alerts/{away.pk}", f"{API}/alerts/{away.pk}/board",
                f"{API}/alerts/{away.pk}/reach-items"):  # fmt: skip
        assert staff.get(url).status_code == 404
    assert staff.get(f"{API}/alerts").json()["count"] == 0
    item = ReachItem.objects.get(alert=away)
    worker = client_for(world.users["grid_worker"])
    answer = worker.post(f"{API}/reach-items/{item.pk}/confirm", {"status": "reached_phone"},
                         content_type=JSON)  # fmt: skip
    assert answer.status_code == 404
