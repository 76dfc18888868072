"""The home-service API: staff create (idempotent by ``request_key``), schedule and mark delivered;
the resident confirms and rates through their own session (a rating outside 1–5 is a 422 naming
``rating``, confirming twice is refused); another county's order is a 404; bad filters are 422s;
the resident cancels before delivery and cannot open another household's order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from shequ.care.actions import homeservices as actions
from shequ.care.models.homeservices import HomeServiceOrder, HomeServiceStatus
from shequ.care.tests.factories_homeservices import care_provider, elder, make_order
from shequ.core import calendar
from shequ.volunteering.tests.factories_party import resident_user
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/care/home-services"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def _json(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_staff_create_schedule_deliver_and_the_resident_confirms(world: World) -> None:
    person = elder(world.regions[HOME["community"]], "陈奶奶")
    user = resident_user(person)
    provider = care_provider(world.regions[HOME["township"]])
    staff = client_for(world.users["community_staff"])
    body = {"resident_id": person.pk, "kind": "bathing", "request_key": "api-1"}
    made = _json(staff, API, body)
    again = _json(staff, API, body)
    assert made.status_code == 201 and again.status_code == 201
    assert made.json()["id"] == again.json()["id"]
    order_id = made.json()["id"]
    assert HomeServiceOrder.objects.count() == 1

    adult = elder(world.regions[HOME["community"]], "青年", age=35)
    young = _json(staff, API, {"resident_id": adult.pk, "kind": "meal"})
    assert young.status_code == 422 and young.json()["errors"][0]["field"] == "resident_id"
    away = elder(world.regions[AWAY], "外县老人")
    assert _json(staff, API, {"resident_id": away.pk, "kind": "meal"}).status_code == 404

    when = calendar.now() + timedelta(days=1)
    scheduled = _json(
        staff,
        f"{API}/{order_id}/schedule",
        {"provider_id": provider.pk, "scheduled_for": when.isoformat()},
    )
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    future = _json(
        staff,
        f"{API}/{order_id}/deliver",
        {"delivered_at": (calendar.now() + timedelta(hours=1)).isoformat(), "minutes": 30},
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "delivered_at"
    with calendar.frozen_time(when + timedelta(hours=1)):
        done = _json(
            staff, f"{API}/{order_id}/deliver", {"delivered_at": when.isoformat(), "minutes": 45}
        )
        assert done.status_code == 200 and done.json()["status"] == "delivered"
        resident = client_for(user)
        bad = _json(resident, f"{API}/{order_id}/confirm", {"rating": 6})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
        ok = _json(resident, f"{API}/{order_id}/confirm", {"rating": 4, "comment": "好"})
        assert ok.status_code == 200 and ok.json()["rating"] == 4
        twice = _json(resident, f"{API}/{order_id}/confirm", {"rating": 5})
        assert twice.status_code == 422
    assert staff.get(f"{API}/{order_id}").json()["status"] == "confirmed"


def test_scope_and_filters(world: World) -> None:
    away = make_order(resident=elder(world.regions[AWAY], "外县老人"))
    staff = client_for(world.users["community_staff"])
    assert staff.get(f"{API}/{away.pk}").status_code == 404
    assert staff.get(API).json()["count"] == 0
    assert staff.get(API, {"status": "nonsense"}).status_code == 422
    assert staff.get(API, {"region": AWAY}).status_code == 422
    assert staff.get(API, {"month": "2026-13"}).status_code == 422
    county = client_for(world.users["county_official"])
    assert county.get(f"{API}/coverage", {"region": HOME["county"]}).status_code == 200


def test_the_resident_cancels_and_sees_only_their_household(world: World) -> None:
    person = elder(world.regions[HOME["community"]], "林大爷")
    user = resident_user(person)
    order = make_order(resident=person, by=user)
    other = make_order(resident=elder(world.regions[HOME["community"]], "邻居"))
    client = client_for(user)
    mine = reverse("care:my_home_service", kwargs={"order_id": order.pk})
    assert (
        client.get(reverse("care:my_home_service", kwargs={"order_id": other.pk})).status_code
        == 404
    )
    client.post(mine + "cancel/", {"reason": ""})
    order.refresh_from_db()
    assert order.status == HomeServiceStatus.CANCELLED
    with pytest.raises(Exception, match="不能取消"):
        actions.cancel(order=order, by=user)
