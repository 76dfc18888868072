"""The worker pages over HTTP: the scoped list with its filters and a constant number of queries;
registering and editing a worker (bad ID numbers, duplicates, bad phones refused with the reason and
nothing written; a stale edit refused); ID number and phone masked everywhere and revealed only with a
reason, audited; status changes that end posts; posts (one open grid post per worker, the grid in
the community, dates in order, the community in the jurisdiction); pay against the average wage;
the figures page; and the Excel export."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.workforce.actions import workers as actions
from shequ.workforce.models import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    UrbanPopulation,
    WorkerPost,
    WorkerStatusChange,
)
from shequ.workforce.tests.factories_workers import id_number, make_post, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"  # the other county's community
SECOND = "320302002001"  # a community of the home county's other township
LIST = reverse("workforce:worker_list")
NEW = reverse("workforce:worker_new")
FIGURES = reverse("workforce:figures")
ID = id_number(date(1988, 5, 20), 124)  # 17th digit even: a woman


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def grid(world: World, number: str = "001", community: str = HOME["community"]) -> Any:
    return world.grids[community + number]


def detail(worker: CommunityWorker) -> str:
    return reverse("workforce:worker_detail", kwargs={"worker_id": worker.pk})


def url(name: str, worker: CommunityWorker) -> str:
    return reverse(f"workforce:{name}", kwargs={"worker_id": worker.pk})


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "region": HOME["community"],
        "name": "李娜",
        "id_number": ID,
        "phone": "13812345678",
        "sex": "",
        "birth_date": "",
        "education": "bachelor",
        "political_status": "party_member",
        "hiring_method": "county_selection",
        "hired_on": "2021-03-01",
        "note": "",
    }
    data.update(overrides)
    return data


# --- The list -------------------------------------------------------------------------------------


def test_the_list_shows_the_workers_of_my_territory_only(world: World) -> None:
    make_worker(region=home(world), name="王芳")
    make_worker(region=world.regions[AWAY], name="【X320303】赵外")

    body = html(client_for(world.users["community_staff"]).get(LIST))
    away = html(client_for(world.outsider).get(LIST))

    assert "王芳" in body and "赵外" not in body
    assert "赵外" in away and "王芳" not in away


def test_the_list_filters_by_place_post_status_and_name(world: World) -> None:
    a = make_worker(region=home(world), name="王芳")
    make_post(worker=a, community=home(world), kind="grid_worker", grid=grid(world))
    b = make_worker(region=world.regions[SECOND], name="陈刚")
    make_post(worker=b, community=world.regions[SECOND], kind="generalist")
    c = make_worker(region=home(world), name="周敏")
    actions.change_status(
        worker=c, to_status="retired", effective_on=timezone.localdate(), reason="到龄退休", by=None
    )
    client = client_for(world.users["county_official"])

    by_place = html(client.get(LIST, {"region": "320302002"}))
    by_post = html(client.get(LIST, {"post_kind": "grid_worker"}))
    by_status = html(client.get(LIST, {"status": "retired"}))
    by_name = html(client.get(LIST, {"q": "陈"}))

    assert "陈刚" in by_place and "王芳" not in by_place
    assert "王芳" in by_post and "陈刚" not in by_post and "周敏" not in by_post
    assert "周敏" in by_status and "王芳" not in by_status
    assert "陈刚" in by_name and "王芳" not in by_name


def test_the_list_costs_the_same_queries_for_many_workers(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["county_official"])
    for n in range(3):
        w = make_worker(region=home(world), name=f"甲{n}")
        make_post(worker=w, community=home(world))
    client.get(LIST)
    with django_assert_max_num_queries(14) as few:
        client.get(LIST)
    for n in range(40):
        w = make_worker(region=home(world), name=f"乙{n}")
        make_post(worker=w, community=home(world))
        make_post(worker=w, community=home(world), kind="generalist")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = html(client.get(LIST))
    assert "乙39" in body


def test_the_list_masks_phones(world: World) -> None:
    make_worker(region=home(world), phone="13812345678")

    body = html(client_for(world.users["community_staff"]).get(LIST))

    assert "138****5678" in body and "13812345678" not in body


def test_pay_below_average_filter(world: World) -> None:
    year = timezone.localdate().year - 1
    county = world.regions[HOME["county"]]
    actions.record_average_wage(region=county, year=year - 1, amount="90000", by=None)
    low = make_worker(region=home(world), name="低薪甲")
    high = make_worker(region=home(world), name="高薪乙")
    actions.record_pay(worker=low, year=year, amount="60000", by=None)
    actions.record_pay(worker=high, year=year, amount="95000", by=None)

    body = html(client_for(world.users["county_official"]).get(LIST, {"pay_below_year": year}))

    assert "低薪甲" in body and "高薪乙" not in body


def test_pay_below_average_falls_back_to_the_city(world: World) -> None:
    year = timezone.localdate().year - 1
    actions.record_average_wage(
        region=world.regions[HOME["city"]], year=year - 1, amount="80000", by=None
    )
    low = make_worker(region=home(world), name="低薪甲")
    actions.record_pay(worker=low, year=year, amount="70000", by=None)

    body = html(client_for(world.users["city_official"]).get(LIST, {"pay_below_year": year}))

    assert "低薪甲" in body


# --- Registering and editing ----------------------------------------------------------------------


def test_a_community_head_registers_a_worker(world: World) -> None:
    client = client_for(world.users["community_head"])

    response = client.post(NEW, form_data())

    worker = CommunityWorker.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(worker)
    assert worker.birth_date == date(1988, 5, 20) and worker.sex == "female"
    assert worker.hiring_method == "county_selection"
    assert worker.status_changes.count() == 1
    assert AuditEvent.objects.filter(action="workforce.worker.register").count() == 1
    page = html(client.get(detail(worker)))
    assert ID not in page and "13812345678" not in page
    assert "320302********" in page and "138****5678" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "320302198805201234", "校验位"),
        ("id_number", "32030219880520", "18位"),
        ("phone", "1234", "手机号码"),
        ("name", "", "姓名"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    world: World, field: str, value: str, message: str
) -> None:
    response = client_for(world.users["community_head"]).post(NEW, form_data(**{field: value}))

    assert response.status_code == 200
    assert message in html(response)
    assert not CommunityWorker.objects.exists()


def test_a_duplicate_id_number_is_refused_without_saying_whose(world: World) -> None:
    make_worker(region=world.regions[AWAY], name="【X320303】赵外", id_number=ID)

    response = client_for(world.users["community_head"]).post(NEW, form_data(name="新人"))

    body = html(response)
    assert "已登记为社区工作者" in body and "赵外" not in body and "320303" not in body
    assert CommunityWorker.objects.count() == 1


def test_a_worker_cannot_be_registered_outside_my_jurisdiction(world: World) -> None:
    response = client_for(world.users["community_head"]).post(NEW, form_data(region=AWAY))

    assert response.status_code == 200
    assert not CommunityWorker.objects.exists()


def test_editing_keeps_the_id_number_when_left_empty(world: World) -> None:
    worker = make_worker(region=home(world), id_number=ID)
    client = client_for(world.users["community_head"])

    edit = html(client.get(url("worker_edit", worker)))
    response = client.post(
        url("worker_edit", worker),
        form_data(name="王芳芳", id_number="", phone="", version=worker.version),
    )

    assert ID not in edit
    worker.refresh_from_db()
    assert response.status_code == 302
    assert worker.name == "王芳芳" and worker.id_number == ID and worker.version == 2


def test_a_stale_edit_is_refused(world: World) -> None:
    worker = make_worker(region=home(world), name="王芳")
    actions.update_worker(worker=worker, by=None, name="王芳二")

    response = client_for(world.users["community_head"]).post(
        url("worker_edit", worker), form_data(name="王芳三", id_number="", version=1)
    )

    assert "刚刚已被他人修改" in html(response)
    worker.refresh_from_db()
    assert worker.name == "王芳二"


def test_another_countys_worker_answers_404(world: World) -> None:
    away = make_worker(region=world.regions[AWAY], name="【X320303】赵外")
    client = client_for(world.users["county_official"])

    assert client.get(detail(away)).status_code == 404
    assert client.get(url("worker_edit", away)).status_code == 404
    assert client.post(url("worker_status", away), {}).status_code == 404


# --- Reveal ---------------------------------------------------------------------------------------


def test_revealing_needs_a_reason_and_is_audited(world: World) -> None:
    worker = make_worker(region=home(world), id_number=ID)
    client = client_for(world.users["township_staff"])

    short = html(client.post(url("worker_reveal", worker), {"field": "id_number", "reason": "看"}))
    shown = html(
        client.post(url("worker_reveal", worker), {"field": "id_number", "reason": "核对社保缴纳"})
    )

    assert ID not in short and "至少4个字" in short
    assert ID in shown
    event = AuditEvent.objects.get(action="workforce.reveal")
    assert event.reason == "核对社保缴纳" and event.fields == ["id_number"]


def test_community_staff_cannot_reveal(world: World) -> None:
    worker = make_worker(region=home(world), id_number=ID)
    client = client_for(world.users["community_staff"])

    response = client.post(
        url("worker_reveal", worker), {"field": "id_number", "reason": "核对身份"}
    )

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="workforce.reveal").exists()


# --- Status ---------------------------------------------------------------------------------------


def test_leaving_ends_the_open_posts_on_that_date(world: World) -> None:
    worker = make_worker(region=home(world))
    post = make_post(worker=worker, community=home(world), kind="grid_worker", grid=grid(world))
    day = timezone.localdate() - timedelta(days=3)
    client = client_for(world.users["community_head"])

    response = client.post(
        url("worker_status", worker),
        {"to_status": "left", "effective_on": day.isoformat(), "reason": "个人原因辞职",
         "version": worker.version},
    )  # fmt: skip

    assert response.status_code == 302
    worker.refresh_from_db()
    post.refresh_from_db()
    assert worker.status == "left" and worker.status_since == day
    assert post.ended_on == day
    change = WorkerStatusChange.objects.filter(worker=worker).first()
    assert change is not None and change.to_status == "left" and change.reason == "个人原因辞职"
    assert "个人原因辞职" in html(client.get(detail(worker)))


def test_a_status_change_from_a_stale_page_is_refused(world: World) -> None:
    worker = make_worker(region=home(world))
    seen = worker.version
    actions.change_status(
        worker=worker, to_status="seconded", effective_on=timezone.localdate(), reason="借调",
        by=None,
    )  # fmt: skip

    response = client_for(world.users["community_head"]).post(
        url("worker_status", worker),
        {"to_status": "leave", "effective_on": timezone.localdate().isoformat(),
         "reason": "长期病假", "version": seen},
    )  # fmt: skip

    assert "刚刚已被他人修改" in html(response)
    worker.refresh_from_db()
    assert worker.status == "seconded"
    assert worker.status_changes.count() == 2


def test_the_same_status_twice_is_refused(world: World) -> None:
    worker = make_worker(region=home(world))
    actions.change_status(
        worker=worker, to_status="retired", effective_on=timezone.localdate(), reason="退休",
        by=None,
    )  # fmt: skip

    with pytest.raises(Exception, match="已是"):
        actions.change_status(
            worker=CommunityWorker.objects.get(pk=worker.pk), to_status="retired",
            effective_on=timezone.localdate(), reason="退休", by=None,
        )  # fmt: skip
    assert worker.status_changes.count() == 2


# --- Posts ----------------------------------------------------------------------------------------


def _post(client: Any, worker: CommunityWorker, **data: Any) -> Any:
    values = {"kind": "committee_member", "community": HOME["community"], "grid": "",
              "started_on": "2024-01-01", "ended_on": "", "note": ""}  # fmt: skip
    values.update(data)
    return client.post(url("worker_post_add", worker), values)


def test_a_grid_worker_gets_a_grid_post(world: World) -> None:
    worker = make_worker(region=home(world))
    client = client_for(world.users["community_head"])

    response = _post(client, worker, kind="grid_worker", grid=HOME["grid"])

    assert response.status_code == 302
    post = WorkerPost.objects.get()
    assert post.grid == grid(world) and post.ended_on is None
    assert grid(world).name in html(client.get(detail(worker)))


def test_a_second_full_time_grid_post_is_refused_naming_the_other_grid(world: World) -> None:
    worker = make_worker(region=home(world))
    make_post(worker=worker, community=home(world), kind="grid_worker", grid=grid(world))

    response = _post(
        client_for(world.users["community_head"]), worker, kind="grid_worker",
        grid=HOME["community"] + "002",
    )  # fmt: skip

    body = html(response)
    assert response.status_code == 422 and grid(world).name in body and "专职网格员" in body
    assert WorkerPost.objects.count() == 1


def test_a_grid_worker_needs_a_grid_of_that_community(world: World) -> None:
    worker = make_worker(region=world.regions[HOME["township"]])
    client = client_for(world.users["township_staff"])

    none = _post(client, worker, kind="grid_worker", grid="")
    other = _post(client, worker, kind="grid_worker", community="320302001201", grid=HOME["grid"])

    assert "须选择所负责的网格" in html(none)
    assert "不属于" in html(other)
    assert not WorkerPost.objects.exists()


def test_an_end_date_before_the_start_is_refused(world: World) -> None:
    worker = make_worker(region=home(world))

    response = _post(
        client_for(world.users["community_head"]), worker, started_on="2024-05-01",
        ended_on="2024-04-01",
    )  # fmt: skip

    assert "离任日期不能早于任职日期" in html(response)
    assert not WorkerPost.objects.exists()


def test_a_post_outside_the_jurisdiction_is_refused(world: World) -> None:
    worker = make_worker(region=world.regions[HOME["township"]])

    response = _post(client_for(world.users["township_staff"]), worker, community=AWAY)

    assert response.status_code == 422
    assert not WorkerPost.objects.exists()
    with pytest.raises(Exception, match="所属单位"):
        actions.assign_post(
            worker=worker, kind="generalist", community=world.regions[AWAY],
            started_on=date(2024, 1, 1), by=None,
        )  # fmt: skip


def test_ending_a_post(world: World) -> None:
    worker = make_worker(region=home(world))
    post = make_post(worker=worker, community=home(world), started_on=date(2024, 1, 1))
    client = client_for(world.users["community_head"])
    end = reverse(
        "workforce:worker_post_end", kwargs={"worker_id": worker.pk, "worker_post_id": post.pk}
    )

    early = client.post(end, {"ended_on": "2023-12-31"}, follow=True)
    client.post(end, {"ended_on": "2024-06-30"})
    again = client.post(end, {"ended_on": "2024-07-30"}, follow=True)

    assert "不能早于任职日期" in html(early)
    post.refresh_from_db()
    assert post.ended_on == date(2024, 6, 30)
    assert "已经结束" in html(again)


# --- Pay ------------------------------------------------------------------------------------------


def test_pay_is_flagged_below_the_previous_years_average(world: World) -> None:
    year = timezone.localdate().year - 1
    actions.record_average_wage(
        region=world.regions[HOME["county"]], year=year - 1, amount="90000", by=None
    )
    worker = make_worker(region=home(world))
    client = client_for(world.users["township_staff"])

    response = client.post(url("worker_pay", worker), {"year": year, "amount": "72,000"})

    assert response.status_code == 302
    assert AnnualPay.objects.get().amount == Decimal("72000.00")
    assert "低于上年度社平工资" in html(client.get(detail(worker)))


@pytest.mark.parametrize("amount", ["-100", "abc", "99999999"])
def test_bad_pay_is_refused(world: World, amount: str) -> None:
    worker = make_worker(region=home(world))
    year = timezone.localdate().year - 1

    response = client_for(world.users["township_staff"]).post(
        url("worker_pay", worker), {"year": year, "amount": amount}
    )

    assert response.status_code == 422 and "年度薪酬" in html(response)
    assert not AnnualPay.objects.exists()


def test_community_staff_cannot_record_pay(world: World) -> None:
    worker = make_worker(region=home(world))

    response = client_for(world.users["community_head"]).post(
        url("worker_pay", worker), {"year": 2024, "amount": "60000"}
    )

    assert response.status_code == 403


# --- Figures --------------------------------------------------------------------------------------


def test_a_county_official_enters_and_replaces_figures(world: World) -> None:
    client = client_for(world.users["county_official"])
    year = timezone.localdate().year - 1
    data = {"kind": "population", "population-region": HOME["county"], "population-year": year,
            "population-value": "820000", "population-source": "统计公报"}  # fmt: skip

    client.post(FIGURES, data)
    client.post(FIGURES, {**data, "population-value": "830000"})
    page = html(client.get(FIGURES))

    row = UrbanPopulation.objects.get()
    assert row.population == 830000 and row.entered_by == world.users["county_official"]
    replaced = AuditEvent.objects.get(action="workforce.population.replace")
    assert any("820000" in f and "830000" in f for f in replaced.fields)
    assert "830000" in page and "统计公报" in page


@pytest.mark.parametrize("value", ["0", "-5", "abc"])
def test_a_bad_population_is_refused(world: World, value: str) -> None:
    client = client_for(world.users["county_official"])
    data = {"kind": "population", "population-region": HOME["county"],
            "population-year": timezone.localdate().year - 1, "population-value": value}  # fmt: skip

    response = client.post(FIGURES, data)

    assert "城镇常住人口" in html(response)
    assert not UrbanPopulation.objects.exists()


def test_a_monthly_wage_in_the_annual_field_is_refused(world: World) -> None:
    client = client_for(world.users["county_official"])
    data = {"kind": "wage", "wage-region": HOME["county"],
            "wage-year": timezone.localdate().year - 1, "wage-value": "7500"}  # fmt: skip

    assert "月数额" in html(client.post(FIGURES, data))
    assert not AverageWage.objects.exists()


def test_only_configurers_enter_figures(world: World) -> None:
    client = client_for(world.users["township_staff"])
    data = {"kind": "population", "population-region": HOME["county"],
            "population-year": 2024, "population-value": "800000"}  # fmt: skip

    page = html(client.get(FIGURES))
    response = client.post(FIGURES, data)

    assert "填报城镇常住人口" not in page
    assert response.status_code == 403 and not UrbanPopulation.objects.exists()


def test_another_countys_figures_are_not_shown(world: World) -> None:
    year = timezone.localdate().year - 1
    actions.record_urban_population(
        region=world.regions["320303"], year=year, population=555555, by=None
    )

    body = html(client_for(world.users["county_official"]).get(FIGURES))

    assert "555555" not in body and "【320303】" not in body


# --- Export ---------------------------------------------------------------------------------------


def test_the_export_is_masked_scoped_and_audited(world: World) -> None:
    make_worker(region=home(world), name="王芳", id_number=ID, phone="13812345678")
    make_worker(region=world.regions[AWAY], name="【X320303】赵外")

    response = client_for(world.users["county_official"]).get(reverse("workforce:worker_export"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "王芳" in text and "赵外" not in text
    assert ID not in text and "13812345678" not in text and "138****5678" in text
    assert AuditEvent.objects.filter(action="workforce.export").count() == 1
