"""/api/v1/workforce over HTTP: workers (scoped search, detail, registration, changes with a version),
status, posts, pay, staffing and figures; ID numbers and phones masked in every answer; each bad input
answered in the project's error shape with nothing written; lists whose queries do not grow."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shequ.accounts import actions as accounts_actions
from shequ.workforce.actions import workers as actions
from shequ.workforce.models import AnnualPay, CommunityWorker, UrbanPopulation, WorkerPost
from shequ.workforce.tests.factories_workers import id_number, make_post, make_worker
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/workforce"
AWAY = "320303001001"
ID = id_number(date(1985, 1, 2), 246)


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


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def test_the_search_is_scoped_masked_and_constant_in_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    make_worker(region=home(world), name="王芳", id_number=ID, phone="13812345678")
    make_worker(region=world.regions[AWAY], name="【X320303】赵外")
    client = bearer(world.users["county_official"])

    body = client.get(API + "/workers").json()

    assert [r["name"] for r in body["results"]] == ["王芳"]
    row = body["results"][0]
    assert row["id_number"].startswith("320302****") and ID not in json.dumps(body)
    assert row["phone"] == "138****5678"
    with django_assert_max_num_queries(12) as few:
        client.get(API + "/workers")
    for n in range(30):
        w = make_worker(region=home(world), name=f"乙{n}")
        make_post(worker=w, community=home(world))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(API + "/workers").json()["count"] == 31


def test_register_read_and_change_a_worker(world: World) -> None:
    client = bearer(world.users["community_head"])

    made = send(client, "post", "/workers", {"region_code": HOME["community"], "name": "李娜",
                                              "id_number": ID, "phone": "13812345678",
                                              "hiring_method": "county_selection"})  # fmt: skip
    assert made.status_code == 201, made.content
    worker_id = made.json()["id"]
    stale = send(client, "patch", f"/workers/{worker_id}", {"version": 0, "name": "李娜娜"})
    changed = send(client, "patch", f"/workers/{worker_id}", {"version": 1, "name": "李娜娜"})

    assert made.json()["birth_date"] == "1985-01-02" and ID not in made.content.decode()
    error(stale, 409, "conflict")
    assert changed.status_code == 200 and changed.json()["name"] == "李娜娜"
    assert changed.json()["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id_number": "320302198501021234"}, "id_number"),
        ({"phone": "555"}, "phone"),
        ({"name": ""}, "name"),
        ({"education": "phd"}, "education"),
    ],
)
def test_bad_workers_are_refused(world: World, body: dict[str, Any], field: str) -> None:
    payload = {"region_code": HOME["community"], "name": "李娜", **body}

    response = send(bearer(world.users["community_head"]), "post", "/workers", payload)

    assert field in error(response, 422, "invalid")
    assert not CommunityWorker.objects.exists()


def test_a_duplicate_id_number_is_refused(world: World) -> None:
    make_worker(region=world.regions[AWAY], id_number=ID, name="【X320303】赵外")
    payload = {"region_code": HOME["community"], "name": "李娜", "id_number": ID}

    response = send(bearer(world.users["community_head"]), "post", "/workers", payload)

    message = error(response, 422, "invalid")["id_number"]
    assert "已登记为社区工作者" in message and "赵外" not in message


def test_a_worker_elsewhere_answers_404(world: World) -> None:
    away = make_worker(region=world.regions[AWAY], name="【X320303】赵外")
    client = bearer(world.users["county_official"])

    error(client.get(f"{API}/workers/{away.pk}"), 404, "not_found")
    error(send(client, "post", "/workers", {"region_code": AWAY, "name": "某"}), 404, "not_found")


def test_status_posts_and_pay(world: World) -> None:
    worker = make_worker(region=home(world))
    client = bearer(world.users["township_staff"])
    grid = HOME["grid"]

    post = send(client, "post", f"/workers/{worker.pk}/posts",
                {"kind": "grid_worker", "community_code": HOME["community"], "grid_code": grid,
                 "started_on": "2024-01-01"})  # fmt: skip
    second = send(client, "post", f"/workers/{worker.pk}/posts",
                  {"kind": "grid_worker", "community_code": HOME["community"],
                   "grid_code": HOME["community"] + "002", "started_on": "2024-02-01"})  # fmt: skip
    bad_dates = send(client, "post", f"/workers/{worker.pk}/posts",
                     {"kind": "generalist", "community_code": HOME["community"],
                      "started_on": "2024-02-01", "ended_on": "2024-01-01"})  # fmt: skip
    pay = send(client, "put", f"/workers/{worker.pk}/pay/2024", {"amount": "68000"})
    negative = send(client, "put", f"/workers/{worker.pk}/pay/2023", {"amount": "-1"})
    left = send(client, "post", f"/workers/{worker.pk}/status",
                {"to_status": "left", "effective_on": timezone.localdate().isoformat(),
                 "reason": "辞职"})  # fmt: skip

    assert post.status_code == 201 and post.json()["grid_code"] == grid
    assert "专职网格员" in error(second, 422, "invalid")["grid_code"]
    assert "ended_on" in error(bad_dates, 422, "invalid")
    assert pay.status_code == 200 and pay.json()["pay"][0]["amount"] == "68000.00"
    assert "amount" in error(negative, 422, "invalid")
    assert AnnualPay.objects.count() == 1
    assert left.status_code == 200 and left.json()["status"] == "left"
    assert left.json()["open_posts"] == []
    assert WorkerPost.objects.get().ended_on == timezone.localdate()


def test_ending_a_post_through_the_api(world: World) -> None:
    worker = make_worker(region=home(world))
    post = make_post(worker=worker, community=home(world), started_on=date(2024, 1, 1))
    client = bearer(world.users["community_head"])
    end = f"/workers/{worker.pk}/posts/{post.pk}/end"

    early = send(client, "post", end, {"ended_on": "2023-01-01"})
    done = send(client, "post", end, {"ended_on": "2024-03-01"})

    assert "ended_on" in error(early, 422, "invalid")
    assert done.status_code == 200 and done.json()["ended_on"] == "2024-03-01"


def test_staffing_and_figures(world: World) -> None:
    year = timezone.localdate().year
    county_client = bearer(world.users["county_official"])
    worker = make_worker(region=home(world))
    make_post(worker=worker, community=home(world), kind="grid_worker",
              grid=world.grids[HOME["grid"]])  # fmt: skip

    missing = county_client.get(API + "/staffing", {"region": "320302"}).json()
    put = send(county_client, "put", f"/figures/320302/{year}",
               {"urban_population": 10000, "urban_population_source": "统计公报"})  # fmt: skip
    zero = send(county_client, "put", f"/figures/320302/{year - 1}", {"urban_population": 0})
    other = send(county_client, "put", f"/figures/320303/{year}", {"urban_population": 5})
    township = send(bearer(world.users["township_staff"]), "put", f"/figures/320302/{year}",
                    {"urban_population": 10})  # fmt: skip
    filled = county_client.get(API + "/staffing", {"region": "320302"}).json()

    assert missing["total"]["workers_per_10k"] is None and missing["total"]["population_missing"]
    assert put.status_code == 200 and put.json()["urban_population"] == 10000
    assert "urban_population" in error(zero, 422, "invalid")
    error(other, 404, "not_found")
    error(township, 403, "forbidden")
    assert filled["total"]["workers"] == 1 and filled["total"]["workers_per_10k"] == "1.00"
    assert filled["total"]["below_standard"] is True
    assert UrbanPopulation.objects.count() == 1
    assert county_client.get(API + "/staffing", {"region": "320303"}).status_code == 404


def test_a_stale_status_change_is_a_conflict(world: World) -> None:
    worker = make_worker(region=home(world))
    actions.update_worker(worker=worker, by=None, name="王芳二")

    response = send(bearer(world.users["community_head"]), "post", f"/workers/{worker.pk}/status",
                    {"to_status": "leave", "effective_on": timezone.localdate().isoformat(),
                     "reason": "病假", "version": 1})  # fmt: skip

    error(response, 409, "conflict")
    worker.refresh_from_db()
    assert worker.status == "active"
