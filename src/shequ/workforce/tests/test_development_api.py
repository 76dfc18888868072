"""The development API over HTTP with API tokens: scoped lists at a constant query count, writes
through the actions with their messages as 422, other places as 404, masked ID numbers and phones,
and the joint review's transitions with 409 for a stale or repeated one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shequ.accounts import actions as accounts_actions
from shequ.workforce.actions import development as actions
from shequ.workforce.models import CandidateReview, SocialWorkQualification, TrainingRecord
from shequ.workforce.tests.factories_development import (
    id_number,
    make_candidate_review,
    make_qualification,
    make_scheme,
    make_worker,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/workforce"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def bearer(user: Any) -> Client:
    issued = accounts_actions.create_api_token(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")


def send(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return {item["field"]: item["message"] for item in body["errors"]}


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def test_qualifications_list_and_record(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(25):
        make_qualification(worker=make_worker(community=home(world), name=f"社工{n}"))
    make_qualification(worker=make_worker(community=world.regions[AWAY], name="外县"))
    actions.set_allowance_rate(region=world.regions[HOME["city"]], level="assistant",
                               monthly_amount="200", effective_from="2020-01-01", by=None)  # fmt: skip
    worker = make_worker(community=home(world), name="王晓梅")
    client = bearer(world.users["county_official"])

    with django_assert_max_num_queries(12):
        listed = client.get(API + "/qualifications?page_size=100").json()
    made = send(client, "/qualifications", {"worker_id": worker.pk, "level": "senior",
                                            "certificate_number": "GJ-1", "obtained_on": "2022-01-01"})  # fmt: skip
    duplicate = send(client, "/qualifications", {"worker_id": worker.pk, "level": "assistant",
                                                 "certificate_number": "GJ-1", "obtained_on": "2022-01-01"})  # fmt: skip
    future = send(client, "/qualifications", {"worker_id": worker.pk, "level": "assistant",
                                              "certificate_number": "GJ-2",
                                              "obtained_on": str(timezone.localdate() + timedelta(days=2))})  # fmt: skip

    assert listed["count"] == 25 and all(r["name"] != "外县" for r in listed["results"])
    assert listed["results"][0]["monthly_allowance"] == "200.00"
    assert listed["results"][0]["worker_id"] and listed["results"][0]["top_level"] == "assistant"
    assert made.status_code == 201
    assert "已登记过" in error(duplicate, 422, "invalid")["certificate_number"]
    assert "晚于今天" in error(future, 422, "invalid")["obtained_on"]
    assert SocialWorkQualification.objects.filter(worker=worker).count() == 1


def test_a_worker_elsewhere_is_not_found(world: World) -> None:
    away = make_worker(community=world.regions[AWAY])
    response = send(bearer(world.users["county_official"]), "/qualifications",
                    {"worker_id": away.pk, "level": "assistant", "certificate_number": "X",
                     "obtained_on": "2022-01-01"})  # fmt: skip
    error(response, 404, "not_found")


def test_courses_records_and_coverage(world: World) -> None:
    client = bearer(world.users["township_staff"])
    worker = make_worker(community=home(world), name="王晓梅")
    outside = make_worker(community=world.regions["320302002001"], name="外镇")
    year = timezone.localdate().year

    created = send(client, "/training/courses", {"region_code": HOME["township"], "title": "业务培训",
                                                 "level": "township", "starts_on": f"{year}-02-01",
                                                 "ends_on": f"{year}-02-02", "hours": "8"})  # fmt: skip
    course_id = created.json()["id"]
    backwards = send(client, "/training/courses", {"region_code": HOME["township"], "title": "x",
                                                   "level": "township", "starts_on": f"{year}-02-03",
                                                   "ends_on": f"{year}-02-02", "hours": "8"})  # fmt: skip
    too_many = send(client, f"/training/courses/{course_id}/records",
                    {"worker_ids": [worker.pk], "hours": "9"})  # fmt: skip
    wrong_place = bearer(world.users["county_official"])
    outside_answer = send(wrong_place, f"/training/courses/{course_id}/records",
                          {"worker_ids": [outside.pk]})  # fmt: skip
    added = send(client, f"/training/courses/{course_id}/records", {"worker_ids": [worker.pk]})
    records = client.get(API + f"/training/courses/{course_id}/records").json()
    coverage = client.get(API + f"/training/coverage?region={HOME['township']}&year={year}").json()

    assert created.status_code == 201
    assert "早于开始日期" in error(backwards, 422, "invalid")["ends_on"]
    assert "不能超过课程学时" in error(too_many, 422, "invalid")["hours"]
    assert "不在" in error(outside_answer, 422, "invalid")["workers"]
    assert added.status_code == 201 and records["count"] == 1
    assert coverage["total"]["serving"] == 1 and coverage["total"]["trained"] == 1
    assert TrainingRecord.objects.count() == 1


def test_reviews_api(world: World) -> None:
    year = timezone.localdate().year - 1
    scheme = make_scheme(region=world.regions[HOME["county"]], year=year)
    ids = [str(i) for i in scheme.indicators.order_by("position").values_list("pk", flat=True)]
    worker = make_worker(community=home(world))
    client = bearer(world.users["county_official"])

    above = send(client, "/reviews", {"worker_id": worker.pk, "year": year,
                                      "scores": dict(zip(ids, ["25", "40", "20", "20"], strict=True))})  # fmt: skip
    made = send(client, "/reviews", {"worker_id": worker.pk, "year": year,
                                     "scores": dict(zip(ids, ["20", "40", "20", "20"], strict=True))})  # fmt: skip
    again = send(client, "/reviews", {"worker_id": worker.pk, "year": year,
                                      "scores": dict(zip(ids, ["20", "40", "20", "20"], strict=True))})  # fmt: skip
    listed = client.get(API + f"/reviews?year={year}").json()

    assert "0～20.0" in error(above, 422, "invalid")[f"score_{ids[0]}"]
    assert made.status_code == 201 and made.json()["grade"] == "excellent"
    assert "已经考核过" in error(again, 422, "invalid")["year"]
    assert listed["count"] == 1


def test_reserve_api_masks_phones_and_refuses_a_second_change(world: World) -> None:
    client = bearer(world.users["township_staff"])

    made = send(client, "/reserve", {"community_code": HOME["community"], "name": "赵敏",
                                     "phone": "13812345678"})  # fmt: skip
    reserve_id = made.json()["id"]
    first = send(client, f"/reserve/{reserve_id}/appoint", {"reason": "当选"})
    second = send(client, f"/reserve/{reserve_id}/remove", {"reason": "调离"})
    listed = client.get(API + "/reserve?status=").json()

    assert made.status_code == 201 and made.json()["phone"] == "138****5678"
    assert "13812345678" not in json.dumps(listed)
    assert first.status_code == 200
    error(second, 409, "conflict")


def test_candidate_reviews_api(world: World) -> None:
    client = bearer(world.users["township_staff"])
    number = id_number()

    made = send(client, "/candidate-reviews", {"community_code": HOME["community"],
                                               "election": "2026年换届", "post": "director",
                                               "name": "张建国", "id_number": number})  # fmt: skip
    review_id = made.json()["id"]
    twice = send(client, "/candidate-reviews", {"community_code": HOME["community"],
                                                "election": "2026年换届", "post": "director",
                                                "name": "张建国", "id_number": number})  # fmt: skip
    submitted = send(client, f"/candidate-reviews/{review_id}/submit", {"version": 1})
    stale = send(client, f"/candidate-reviews/{review_id}/submit", {"version": 1})
    no_note = send(client, f"/candidate-reviews/{review_id}/checks/police", {"result": "issue"})
    failed = send(client, f"/candidate-reviews/{review_id}/checks/police",
                  {"result": "issue", "note": "涉黑涉恶"})  # fmt: skip
    withdraw = send(client, f"/candidate-reviews/{review_id}/withdraw", {})
    listed = client.get(API + "/candidate-reviews").json()

    assert made.status_code == 201 and number not in made.content.decode()
    assert "不能重复提请" in error(twice, 422, "invalid")["id_number"]
    assert submitted.status_code == 200 and len(submitted.json()["checks"]) == len(
        actions.CHECKLIST
    )
    error(stale, 409, "conflict")
    assert "请写明" in error(no_note, 422, "invalid")["note"]
    assert failed.json()["status"] == "failed"
    error(withdraw, 409, "conflict")
    assert number not in json.dumps(listed) and listed["count"] == 1


def test_joint_reviews_elsewhere_are_not_found(world: World) -> None:
    away = make_candidate_review(community=world.regions[AWAY], id_number=id_number(area="320303"))
    client = bearer(world.users["county_official"])

    assert client.get(API + f"/candidate-reviews/{away.pk}").status_code == 404
    error(send(client, f"/candidate-reviews/{away.pk}/submit", {}), 404, "not_found")
    assert CandidateReview.objects.get(pk=away.pk).status == "draft"
    assert client.get(API + "/candidate-reviews").json()["count"] == 0
    staff = bearer(world.users["community_staff"])
    error(send(staff, "/candidate-reviews", {"community_code": HOME["community"], "election": "x",
                                             "post": "director", "name": "x", "id_number": "x"}),
          403, "forbidden")  # fmt: skip
