"""/api/v1/organizations/providers over HTTP: the scoped list in a constant number of queries,
registration (invalid and duplicate USCC refused, nothing written), a patch with a version (409 when
stale), credit events (points out of range refused), reassessment, and complaint cases (not a
complaint, outside the jurisdiction, already linked)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.accounts import actions as accounts_actions
from shequ.organizations.models import CreditEvent, Provider, ProviderCase
from shequ.organizations.tests.factories_providers import (
    make_case,
    make_estate,
    make_provider,
    uscc,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return {item["field"]: item["message"] for item in body["errors"]}


def county(world: World) -> Any:
    return world.regions[HOME["county"]]


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region_code": HOME["county"],
        "kind": "property",
        "name": "汉韵物业管理有限公司",
        "uscc": uscc(),
        "contact_phone": "13812345678",
        "is_state_owned": True,
    }
    data.update(overrides)
    return data


def test_the_list_is_scoped_and_masks_phones(world: World) -> None:
    make_provider(region=county(world), name="彭城物业")
    make_provider(region=world.regions["320303"], name="外县物业")

    found = bearer(world.users["community_staff"]).get(API + "/providers").json()

    assert [p["name"] for p in found["results"]] == ["彭城物业"]
    assert found["results"][0]["contact_phone"] == "138****5678"


def test_the_list_costs_the_same_queries_for_more_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = bearer(world.users["county_official"])
    make_provider(region=county(world), name="物业0")
    with CaptureQueriesContext(connection) as captured:
        client.get(API + "/providers")
    for i in range(1, 30):
        make_provider(region=county(world), name=f"物业{i}")

    with django_assert_max_num_queries(len(captured)):
        found = client.get(API + "/providers").json()
    assert found["count"] == 30


def test_a_provider_is_registered_and_read_back(world: World) -> None:
    client = bearer(world.users["county_official"])

    response = send(client, "post", "/providers", body())

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["is_state_owned"] is True and created["credit_level"] == "A"
    again = client.get(f"{API}/providers/{created['id']}").json()
    assert again["uscc"] == created["uscc"]


def test_an_invalid_or_duplicate_uscc_is_a_422_and_nothing_is_written(world: World) -> None:
    taken = make_provider(region=county(world), name="彭城物业")
    client = bearer(world.users["county_official"])
    good = uscc()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")

    invalid = error(send(client, "post", "/providers", body(uscc=wrong)), 422, "invalid")
    duplicate = error(send(client, "post", "/providers", body(uscc=taken.uscc)), 422, "invalid")

    assert "校验位不正确" in invalid["uscc"]
    assert "已登记为“彭城物业”" in duplicate["uscc"]
    assert Provider.objects.count() == 1


def test_a_stale_patch_is_a_409(world: World) -> None:
    provider = make_provider(region=county(world))
    client = bearer(world.users["county_official"])

    first = send(client, "patch", f"/providers/{provider.pk}", {"version": 1, "name": "新名称"})
    stale = send(client, "patch", f"/providers/{provider.pk}", {"version": 1, "name": "又一个"})

    assert first.status_code == 200 and first.json()["version"] == 2
    error(stale, 409, "conflict")
    provider.refresh_from_db()
    assert provider.name == "新名称"


def test_a_provider_of_another_county_is_a_404(world: World) -> None:
    away = make_provider(region=world.regions["320303"])
    client = bearer(world.users["county_official"])

    assert client.get(f"{API}/providers/{away.pk}").status_code == 404
    error(send(client, "patch", f"/providers/{away.pk}", {"version": 1, "name": "x"}), 404,
          "not_found")  # fmt: skip


def test_credit_events_out_of_range_are_refused_and_a_sanction_lowers_the_level(
    world: World,
) -> None:
    provider = make_provider(region=county(world))
    client = bearer(world.users["county_official"])
    path = f"/providers/{provider.pk}/credit-events"

    out = error(send(client, "post", path, {"kind": "sanction", "points": "45",
                                            "occurred_on": "2025-02-01",
                                            "document": "罚1号"}), 422, "invalid")  # fmt: skip
    made = send(client, "post", path, {"kind": "sanction", "points": "-30",
                                       "occurred_on": "2025-02-01", "document": "罚1号"})  # fmt: skip

    assert "5～30" in out["points"]
    assert made.status_code == 201 and CreditEvent.objects.count() == 1
    detail = client.get(f"{API}/providers/{provider.pk}").json()
    assert (detail["credit_level"], detail["credit_score"]) == ("C", "70.0")
    history = client.get(f"{API}/providers/{provider.pk}/assessments").json()
    assert history[0]["basis"]["sanctions"] == 1


def test_reassess_needs_manage_credit(world: World) -> None:
    provider = make_provider(region=county(world))
    path = f"/providers/{provider.pk}/reassess"

    refused = send(bearer(world.users["community_staff"]), "post", path, {})
    done = send(bearer(world.users["county_official"]), "post", path, {"force": True})

    error(refused, 403, "forbidden")
    assert done.status_code == 200 and done.json()["changed"] is True


def test_linking_complaints_through_the_api(world: World) -> None:
    staff = world.users["community_staff"]
    provider = make_provider(region=county(world))
    estate = make_estate(world.regions[HOME["community"]], "锦绣花园")
    complaint = make_case(world.regions[HOME["community"]], by=staff)
    suggestion = make_case(world.regions[HOME["community"]], by=staff, kind="suggestion")
    away = make_case(world.regions[AWAY], by=world.outsider)
    client = bearer(staff)
    path = f"/providers/{provider.pk}/cases"

    made = send(client, "post", path, {"case_number": complaint.number, "estate_id": estate.pk})
    again = send(client, "post", path, {"case_number": complaint.number})
    not_complaint = send(client, "post", path, {"case_number": suggestion.number})
    outside = send(client, "post", path, {"case_number": away.number})

    assert made.status_code == 201 and made.json()["case_status"] == "submitted"
    assert "已关联" in error(again, 422, "invalid")["case_number"]
    assert "不是投诉" in error(not_complaint, 422, "invalid")["case_number"]
    error(outside, 404, "not_found")
    assert ProviderCase.objects.count() == 1
    listed = client.get(API + path).json()
    assert [row["case_number"] for row in listed["results"]] == [complaint.number]
