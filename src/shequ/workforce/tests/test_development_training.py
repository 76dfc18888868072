"""Training over HTTP: registering a course (level matching the organiser's region, dates in order,
hours > 0), recording attendance by community (hours never above the course's, workers inside the
course region, once per course), pass/fail, the attendance export, the course list's constant query
count, and training coverage per region with drill-down and a constant query count."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.workforce.actions import development as actions
from shequ.workforce.models import TrainingCourse, TrainingRecord
from shequ.workforce.tests.factories_development import make_course, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
SECOND = "320302002001"
LIST = reverse("workforce:training")
NEW = reverse("workforce:course_new")
COVERAGE = reverse("workforce:training_coverage")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail(course: TrainingCourse) -> str:
    return reverse("workforce:course_detail", kwargs={"course_id": course.pk})


def course_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "region": HOME["township"],
        "title": "网格员业务培训",
        "level": "township",
        "organiser": "街道社会事务办",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-03",
        "hours": "12",
        "description": "",
    }
    data.update(overrides)
    return data


def test_township_staff_register_a_course(world: World) -> None:
    response = client_for(world.users["township_staff"]).post(NEW, course_data())

    course = TrainingCourse.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(course)
    assert (course.level, course.hours) == ("township", Decimal("12.0"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2026-03-01"}, "早于开始日期"),
        ({"hours": "0"}, "学时应大于 0"),
        ({"hours": "-3"}, "学时应大于 0"),
        ({"level": "county"}, "举办的培训应为镇(街道)级"),
    ],
)
def test_bad_courses_are_refused_with_the_reason(
    world: World, overrides: dict[str, str], message: str
) -> None:
    response = client_for(world.users["township_staff"]).post(NEW, course_data(**overrides))

    assert response.status_code == 200
    assert message in html(response)
    assert not TrainingCourse.objects.exists()


def test_attendance_is_recorded_by_community_with_the_course_hours(world: World) -> None:
    course = make_course(region=world.regions[HOME["township"]], hours="16")
    mei = make_worker(community=home(world), name="王晓梅")
    qiang = make_worker(community=home(world), name="李强")
    client = client_for(world.users["township_staff"])

    page = html(client.get(detail(course) + f"?community={HOME['community']}"))
    response = client.post(
        detail(course) + f"?community={HOME['community']}",
        {"workers": [mei.pk, qiang.pk], "hours": "", "passed": "on"},
    )
    again = client.post(
        detail(course) + f"?community={HOME['community']}", {"workers": [mei.pk], "hours": ""}
    )

    assert "王晓梅" in page and "李强" in page
    assert response.status_code == 302
    assert sorted(TrainingRecord.objects.values_list("hours", flat=True)) == [16, 16]
    # Once recorded they are no longer offered: a second post for them is not a valid choice.
    assert again.status_code == 200 and TrainingRecord.objects.count() == 2


def test_record_hours_above_the_course_or_not_positive_are_refused(world: World) -> None:
    course = make_course(region=world.regions[HOME["township"]], hours="8")
    mei = make_worker(community=home(world), name="王晓梅")
    client = client_for(world.users["township_staff"])
    url = detail(course) + f"?community={HOME['community']}"

    above = client.post(url, {"workers": [mei.pk], "hours": "9"})
    zero = client.post(url, {"workers": [mei.pk], "hours": "0"})

    assert "不能超过课程学时（8.0）" in html(above)
    assert "学时应大于 0" in html(zero)
    assert not TrainingRecord.objects.exists()


def test_a_worker_outside_the_course_region_or_twice_is_refused(world: World) -> None:
    course = make_course(region=world.regions[HOME["township"]])
    outside = make_worker(community=world.regions[SECOND], name="外镇社工")
    mei = make_worker(community=home(world), name="王晓梅")
    actions.record_attendance(course=course, workers=[mei], by=None)

    with pytest.raises(Exception, match="外镇社工 不在"):
        actions.record_attendance(course=course, workers=[outside], by=None)
    with pytest.raises(Exception, match="王晓梅 已在本课程的参训名单中"):
        actions.record_attendance(course=course, workers=[mei], by=None)
    # A community elsewhere is not offered on the page either.
    page = html(
        client_for(world.users["county_official"]).get(detail(course) + f"?community={SECOND}")
    )
    assert "外镇社工" not in page
    assert TrainingRecord.objects.count() == 1


def test_a_trainer_marks_pass_or_fail_and_never_more_hours(world: World) -> None:
    course = make_course(region=world.regions[HOME["township"]], hours="8")
    record = actions.record_attendance(
        course=course, workers=[make_worker(community=home(world))], by=None
    )[0]
    url = reverse(
        "workforce:training_record_update",
        kwargs={"course_id": course.pk, "training_record_id": record.pk},
    )
    client = client_for(world.users["township_staff"])

    client.post(url, {"passed": "0", "hours": "6"})
    too_many = client.post(url, {"passed": "1", "hours": "9"}, follow=True)

    record.refresh_from_db()
    assert (record.passed, record.hours) == (False, Decimal("6.0"))
    assert "不能超过课程学时" in html(too_many)


def test_courses_and_attendance_of_another_county_are_not_found(world: World) -> None:
    away_course = make_course(region=world.regions["320303001"], title="【X】外县培训")
    make_course(region=world.regions[HOME["township"]], title="本镇培训")

    body = html(client_for(world.users["county_official"]).get(LIST))
    response = client_for(world.users["county_official"]).get(detail(away_course))

    assert "本镇培训" in body and "外县培训" not in body
    assert response.status_code == 404


def test_the_course_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    worker = make_worker(community=home(world))
    for n in range(30):
        course = make_course(region=world.regions[HOME["township"]], title=f"课程{n}")
        actions.record_attendance(course=course, workers=[worker], by=None)
    client = client_for(world.users["community_staff"])
    client.get(LIST)

    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert "课程29" in response.content.decode()


def test_the_attendance_export_lists_my_workers(world: World) -> None:
    course = make_course(region=world.regions[HOME["city"]], level="city", title="全市示范培训")
    actions.record_attendance(
        course=course,
        workers=[
            make_worker(community=home(world), name="王晓梅"),
            make_worker(community=world.regions[AWAY], name="外县社工"),
        ],
        by=None,
    )

    response = client_for(world.users["county_official"]).get(
        reverse("workforce:course_export", kwargs={"course_id": course.pk})
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert names == ["王晓梅"]


def test_coverage_per_township_with_drill_down(
    world: World, django_assert_max_num_queries: Any
) -> None:
    year = timezone.localdate().year
    county = world.regions[HOME["county"]]
    course = make_course(region=county, title="县级培训", hours="10")
    trained = [make_worker(community=home(world), name=f"甲{n}") for n in range(3)]
    make_worker(community=home(world), name="未培训")
    make_worker(community=home(world), name="离岗", serving=False)
    second = make_worker(community=world.regions[SECOND], name="乙")
    actions.record_attendance(course=course, workers=trained, by=None)
    actions.record_attendance(course=course, workers=[second], hours="4", by=None)
    last_year = make_course(region=county, title="去年培训",
                            starts_on=date(year - 1, 5, 1), ends_on=date(year - 1, 5, 2))  # fmt: skip
    actions.record_attendance(
        course=last_year, workers=[make_worker(community=home(world), name="去年")], by=None
    )
    client = client_for(world.users["county_official"])

    with django_assert_max_num_queries(14):
        body = html(client.get(COVERAGE + f"?region={HOME['county']}&year={year}"))
    drilled = html(client.get(COVERAGE + f"?region={HOME['township']}&year={year}"))
    away = client.get(COVERAGE + "?region=320303")

    # Home township: 5 serving (3 trained, 1 untrained, 1 trained last year), 30 hours.
    assert "60.0%" in body and "6.0" in body
    # Second township: 1 serving, trained for 4 hours.
    assert "100.0%" in body
    assert HOME["community"] in drilled or "【320302001001】" in drilled
    assert away.status_code == 404


def test_a_community_head_reports_its_own_workers_attendance_of_a_county_course(
    world: World,
) -> None:
    course = make_course(region=world.regions[HOME["county"]], title="县级培训")
    mine = make_worker(community=home(world), name="王晓梅")
    other = make_worker(community=world.regions[SECOND], name="外镇社工")
    client = client_for(world.users["community_head"])

    page = html(client.get(detail(course) + f"?community={HOME['community']}"))
    response = client.post(
        detail(course) + f"?community={HOME['community']}", {"workers": [mine.pk], "hours": ""}
    )

    assert "王晓梅" in page and "外镇社工" not in page
    assert response.status_code == 302
    assert list(TrainingRecord.objects.values_list("worker__name", flat=True)) == ["王晓梅"]
    with pytest.raises(Exception, match="管辖范围"):
        actions.record_attendance(course=course, workers=[other], by=world.users["community_head"])
    # Someone who may only view sees the attendance but cannot add to it.
    assert client_for(world.users["community_staff"]).post(detail(course), {}).status_code == 403


def test_posting_attendance_without_a_community_says_what_is_missing(world: World) -> None:
    course = make_course(region=world.regions[HOME["township"]])

    response = client_for(world.users["township_staff"]).post(detail(course), {"workers": []})

    assert response.status_code == 200
    assert "请先选择村(社区)" in html(response)
    assert not TrainingRecord.objects.exists()
