"""/api/v1/cases/cases over HTTP: the scoped list and detail, masked requesters, intake with
idempotency keys and clear refusals, the workflow steps with their error codes (403, 404, 409, 422),
and a list whose number of queries does not grow with its length."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.accounts import actions as accounts_actions
from shequ.cases import actions as catalogue_actions
from shequ.cases.actions import handling
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import Case, CaseStatus, IdempotencyRecord
from shequ.cases.numbers import grouped
from shequ.cases.tests.factories import make_item
from shequ.core.models import Notification
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/cases"
AWAY = "320303001001"
PHONE = "13912345678"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    """A client that authenticates with the user's API token, as a client system would."""
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json", **headers)


def error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return {e["field"]: e["message"] for e in body["errors"]}


def a_case(world: World, community: str = HOME["community"], **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "channel": "window",
        "kind": "complaint",
        "category": "environment",
        "title": "垃圾清运",
        "description": "小区门口垃圾堆积三天无人清运",
        "region": world.regions[community],
        "requester_name": "张三丰",
        "requester_phone": PHONE,
    }
    values.update(overrides)
    desk = world.users["community_staff"] if community == HOME["community"] else world.outsider
    return submit_case(Intake(**values), by=desk)


def new_case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "kind": "complaint",
        "category": "environment",
        "description": "楼道灯坏了一周",
        "community_code": HOME["community"],
        "requester_name": "李四",
        "requester_phone": PHONE,
    }
    body.update(overrides)
    return body


# --- Scope and masking ----------------------------------------------------------------------------


def test_list_shows_only_the_jurisdiction_with_masked_requesters(world):
    home, away = a_case(world), a_case(world, AWAY, title="外县的工单")
    response = client_for(world.users["community_staff"]).get(API)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body["results"]] == [home.pk] and body["count"] == 1
    row = body["results"][0]
    assert row["number"] == home.number and row["number_display"] == grouped(home.number)
    assert row["requester_name_masked"] == "张**" and row["requester_phone_masked"] == "139****5678"
    assert "张三丰" not in response.content.decode() and PHONE not in response.content.decode()
    outsider = client_for(world.outsider).get(API).json()
    assert [row["id"] for row in outsider["results"]] == [away.pk]


def test_filters_narrow_the_list_and_bad_values_are_named(world):
    open_case = a_case(world)
    other = a_case(world, category="public_safety", title="井盖缺失")
    handling.reject(case=other, by=world.users["community_staff"], reason="重复提交")
    client = client_for(world.users["township_staff"])
    # Like the inbox page, the list holds the open cases unless asked for others.
    assert [r["id"] for r in client.get(API).json()["results"]] == [open_case.pk]
    ids = [r["id"] for r in client.get(API, {"status": "rejected"}).json()["results"]]
    assert ids == [other.pk]
    every = {"status": "all"}
    ids = [
        r["id"] for r in client.get(API, {**every, "category": "public_safety"}).json()["results"]
    ]
    assert ids == [other.pk]
    ids = [
        r["id"] for r in client.get(API, {**every, "q": grouped(other.number)}).json()["results"]
    ]
    assert ids == [other.pk]
    ids = [
        r["id"] for r in client.get(API, {**every, "region": HOME["community"]}).json()["results"]
    ]
    assert sorted(ids) == sorted([open_case.pk, other.pk])
    page = client.get(API, {**every, "page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and [r["id"] for r in page["results"]] == [other.pk]
    assert "status" in error(client.get(API, {"status": "nonsense"}), 422, "invalid")
    assert "region" in error(client.get(API, {"region": "320303"}), 422, "invalid")


def test_detail_by_id_or_number_and_404_outside(world):
    home, away = a_case(world), a_case(world, AWAY)
    handling.accept(case=home, by=world.users["community_staff"], note="已受理，马上处理")
    client = client_for(world.users["community_staff"])
    by_id = client.get(f"{API}/{home.pk}")
    assert by_id.status_code == 200, by_id.content
    detail = by_id.json()
    assert detail["status"] == "accepted" and detail["owner_name"]
    assert [e["action"] for e in detail["timeline"]] == ["submit", "accept"]
    assert detail["timeline"][1]["note"] == "已受理，马上处理"
    assert {"dispatch", "start_self", "note"} <= {t["name"] for t in detail["transitions"]}
    assert PHONE not in by_id.content.decode()
    by_number = client.get(f"{API}/{grouped(home.number)}")
    assert by_number.status_code == 200 and by_number.json()["id"] == home.pk
    error(client.get(f"{API}/{away.pk}"), 404, "not_found")
    error(client.get(f"{API}/{grouped(away.number)}"), 404, "not_found")
    wrong_check = home.number[:-1] + str((int(home.number[-1]) + 1) % 10)
    error(client.get(f"{API}/{wrong_check}"), 404, "not_found")


def test_roles_without_case_access_get_403(world):
    a_case(world)
    error(client_for(world.users["resident"]).get(API), 403, "forbidden")
    error(client_for(world.users["auditor"]).get(API), 403, "forbidden")
    assert Client().get(API).status_code == 401


def test_list_costs_the_same_queries_for_2_and_20_cases(world, django_assert_max_num_queries):
    client = bearer(world.users["township_staff"])
    client.get(API)  # the token's first use stamps last_used_at
    for _ in range(2):
        a_case(world)
    with CaptureQueriesContext(connection) as two:
        response = client.get(API)
    assert response.json()["count"] == 2
    for _ in range(18):
        a_case(world)
    with django_assert_max_num_queries(len(two)):
        response = client.get(API)
    assert response.json()["count"] == 20 and len(response.json()["results"]) == 20


# --- Intake -----------------------------------------------------------------------------------


def test_staff_token_creates_a_case(world):
    client = bearer(world.users["community_staff"])
    response = post(client, "", new_case_body())
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.channel == "phone" and case.entered_by == world.users["community_staff"]
    assert case.requester_phone == PHONE and case.region.code == HOME["community"]
    assert response.json()["requester_phone_masked"] == "139****5678"


def test_one_intake_through_the_api_costs_twelve_queries(world, django_assert_max_num_queries):
    """Pinned so that it cannot creep back up (bench/bench_case_intake.py; it was 16): the token with
    its user, the user's roles, the community, the idempotency key, the case, its first timeline line,
    the audit event, the desk staff to tell (one query), their notices, the key's record, and the
    savepoint opened and released around the writes (BEGIN and COMMIT outside tests)."""
    client = bearer(world.users["community_staff"])
    post(client, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-warm")  # stamps the token's last use
    with django_assert_max_num_queries(12):
        response = post(client, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-count")
    assert response.status_code == 201, response.content
    told = Notification.objects.filter(url=f"/cases/{response.json()['id']}/")
    # Whoever accepts cases at the community or its township hears of it, and no one else.
    assert {n.recipient.username for n in told} == {
        "community_head",
        "community_staff",
        "township_staff",
    }


def test_same_idempotency_key_twice_makes_one_case(world):
    client = bearer(world.users["community_staff"])
    first = post(client, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-001")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first.headers
    again = post(client, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-001")
    assert again.status_code == 200, again.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_same_key_with_another_body_is_refused(world):
    client = bearer(world.users["community_staff"])
    post(client, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-002")
    changed = post(client, "", new_case_body(description="另一件事"), HTTP_IDEMPOTENCY_KEY="k-002")
    fields = error(changed, 422, "invalid")
    assert "另一份不同的请求" in fields["Idempotency-Key"]
    assert Case.objects.count() == 1
    # Another caller's identical key is theirs alone.
    other = bearer(world.users["community_head"])
    assert post(other, "", new_case_body(), HTTP_IDEMPOTENCY_KEY="k-002").status_code == 201


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"service_code": "NO-SUCH-ITEM"}, "service_code", "NO-SUCH-ITEM"),
        ({"community_code": ""}, "location", "村(社区)"),
        ({"community_code": "320302001"}, "community_code", "村(社区)一级"),
        ({"description": "<script>alert(1)</script>路灯不亮"}, "description", "HTML"),
        ({"title": "<b>紧急</b>"}, "title", "HTML"),
        ({"requester_phone": "12345"}, "requester_phone", "手机"),
        ({"description": ""}, "description", "填写"),
        ({"channel": "online"}, "channel", "phone"),
        ({"latitude": 34.2}, "location", "经度"),
    ],
)
def test_bad_intake_is_refused_clearly_and_writes_nothing(world, change, field, words):
    client = bearer(world.users["community_staff"])
    fields = error(post(client, "", new_case_body(**change)), 422, "invalid")
    assert field in fields and words in fields[field], fields
    assert Case.objects.count() == 0


def test_service_code_names_the_item(world):
    item = make_item(region=world.regions[HOME["county"]], code="GL-001", status="admitted")
    client = bearer(world.users["community_staff"])
    response = post(
        client, "", new_case_body(kind="service_request", service_code="GL-001", channel="window")
    )
    assert response.status_code == 201, response.content
    assert response.json()["service_code"] == "GL-001"
    assert Case.objects.get().service_item == item


def test_an_abolished_certificate_is_answered_with_the_reason(world):
    catalogue_actions.add_abolished_certificate(
        region=world.regions[HOME["county"]],
        name="亲属关系证明",
        reason="请到户籍派出所开具。",
        by=None,
    )
    body = new_case_body(
        kind="service_request", category="certification", description="想开一份亲属关系证明"
    )
    response = post(bearer(world.users["community_staff"]), "", body)
    error(response, 422, "certificate_abolished")
    assert "请到户籍派出所开具" in response.json()["message"]
    assert Case.objects.count() == 0


def test_intake_needs_an_intake_role_and_residents_submit_online(world):
    error(post(bearer(world.users["unit_handler"]), "", new_case_body()), 403, "forbidden")
    resident = world.users["resident"]
    response = post(client_for(resident), "", new_case_body(channel=""))
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.channel == "online" and case.requester == resident and case.entered_by is None
    refused = post(client_for(resident), "", new_case_body(channel="window"))
    assert "channel" in error(refused, 422, "invalid")


# --- Workflow steps ---------------------------------------------------------------------------


def test_every_offered_step_has_an_endpoint():
    from shequ.cases.api.cases import FIRE
    from shequ.cases.queries.steps import STEP_NAMES

    assert set(FIRE) == set(STEP_NAMES)


def fire(client: Client, case: Case, name: str, **body: Any) -> Any:
    return post(client, f"/{case.pk}/transitions/{name}", body)


def test_a_case_through_the_api_from_acceptance_to_closing(world):
    case = a_case(world, grid=world.grids[HOME["grid"]])
    desk = bearer(world.users["community_staff"])
    township = bearer(world.users["township_staff"])
    unit = bearer(world.users["unit_handler"])
    grid_worker = bearer(world.users["grid_worker"])
    accepted = fire(desk, case, "accept", priority="urgent", note="马上处理")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["priority"] == "urgent"
    unknown_unit = fire(township, case, "dispatch", lead_unit="NO-UNIT")
    assert "NO-UNIT" in error(unknown_unit, 422, "invalid")["lead_unit"]
    dispatched = fire(township, case, "dispatch", lead_unit="320302-mz", note="请民政局办理")
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["lead_unit_code"] == "320302-mz"
    assert [u["code"] for u in dispatched.json()["units"]] == ["320302-mz"]
    offered = {t["name"] for t in unit.get(f"{API}/{case.pk}/transitions").json()}
    assert {"sign", "return"} <= offered and "accept" not in offered
    assert fire(unit, case, "sign").json()["status"] == "in_progress"
    assert "result" in error(fire(unit, case, "handle"), 422, "invalid")
    assert fire(unit, case, "handle", result="已更换灯泡").json()["status"] == "handled"
    assert fire(grid_worker, case, "verify", note="现场已修好").json()["status"] == "verified"
    closed = fire(desk, case, "close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    actions = [e["action"] for e in closed.json()["timeline"]]
    assert actions == ["submit", "accept", "dispatch", "sign", "handle", "verify", "close"]


def test_firing_twice_gets_a_clear_conflict(world):
    case = a_case(world)
    desk = bearer(world.users["community_staff"])
    assert fire(desk, case, "accept").status_code == 200
    again = fire(bearer(world.users["community_head"]), case, "accept")
    fields = error(again, 409, "conflict")
    assert "已受理" in fields["status"]
    case.refresh_from_db()
    assert case.owner == world.users["community_staff"] and case.version == 2


def test_a_step_that_lost_a_race_is_a_conflict(world, monkeypatch):
    """Someone else accepts between this request's read and its write: the workflow's conditional
    UPDATE finds nothing, and the API answers 409 rather than 422."""
    case = a_case(world)
    original = handling.accept

    def accepted_meanwhile(*, case: Case, by: Any, **kwargs: Any) -> Case:
        original(case=Case.objects.get(pk=case.pk), by=world.users["community_head"])
        return original(case=case, by=by, **kwargs)

    monkeypatch.setattr(handling, "accept", accepted_meanwhile)
    response = fire(bearer(world.users["community_staff"]), case, "accept")
    assert "刚刚已被他人处理" in error(response, 409, "conflict")["status"]
    case.refresh_from_db()
    assert case.owner == world.users["community_head"]


def test_refusals_403_404_and_unknown_steps(world):
    home, away = a_case(world), a_case(world, AWAY)
    grid_worker = bearer(world.users["grid_worker"])
    # The grid worker sees the case (and may add a note) but may not accept it.
    home_grid = a_case(world, grid=world.grids[HOME["grid"]])
    assert "accept" not in {
        t["name"] for t in grid_worker.get(f"{API}/{home_grid.pk}/transitions").json()
    }
    refused = fire(grid_worker, home_grid, "accept")
    assert refused.status_code == 403, refused.content
    assert Case.objects.get(pk=home_grid.pk).status == CaseStatus.SUBMITTED
    desk = bearer(world.users["community_staff"])
    error(fire(desk, away, "accept"), 404, "not_found")
    error(fire(desk, home, "teleport"), 404, "not_found")
    assert "reason" in error(fire(desk, home, "reject"), 422, "invalid")
    assert Case.objects.get(pk=home.pk).status == CaseStatus.SUBMITTED


def test_notes_urges_and_merge(world):
    case, duplicate = a_case(world), a_case(world, title="同一堆垃圾")
    desk = bearer(world.users["community_staff"])
    noted = fire(desk, case, "note", note="已电话联系物业")
    assert noted.status_code == 200 and noted.json()["timeline"][-1]["kind"] == "note"
    assert "note" in error(fire(desk, case, "urge"), 422, "invalid")
    merged = fire(desk, duplicate, "merge", into=grouped(case.number), note="同一问题")
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged"
    assert merged.json()["duplicate_of_number"] == case.number
    assert "into" in error(fire(desk, case, "merge", into="999999"), 422, "invalid")
