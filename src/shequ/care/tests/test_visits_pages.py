"""Visits over HTTP: rules as data (county beats city), plan generation (idempotent, due on a
working day, the grid worker assigned, leavers cancelled), the visitor's phone page, recording a visit
whose finding opens an emergency case, and the bad input of the issue: a resident outside the
visitor's grid, a visit in the future, a retried submission, two visitors at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from shequ.care.actions import visits as actions
from shequ.care.models import Visit, VisitPlan, VisitPlanStatus, VisitRule
from shequ.care.queries.visits import rules_for
from shequ.care.tests.factories_visits import cared_for, rule
from shequ.cases.models import Case
from shequ.core import calendar
from shequ.registry.actions import end_care_group
from tests.concurrency import at_once
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

NOW = "2026-05-20T10:00:00+08:00"  # a Wednesday
MY = reverse("care:my_visits")
PLANS = reverse("care:plan_list")
RULES = reverse("care:rule_list")
API = "/api/v1/care"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def grid(world: World, number: str = "001") -> Any:
    return world.grids[f"{HOME['community']}{number}"]


def record_url(plan: VisitPlan) -> str:
    return reverse("care:record_visit", kwargs={"plan_id": plan.pk})


def setup_month(world: World) -> tuple[Any, VisitPlan]:
    """A city rule for special-hardship elderly, one such resident in the home grid, May's plan."""
    rule(world.regions["320300"], checklist=["居住环境是否安全", "身体状况是否良好"])
    person = cared_for(home(world), "王奶奶", grid=grid(world))
    with calendar.frozen_time(NOW):
        actions.generate_plans(
            region=world.regions[HOME["county"]], period_start=date(2026, 5, 1), by=None
        )
    return person, VisitPlan.objects.get(resident=person)


# --- Rules ------------------------------------------------------------------------------------------


def test_a_county_rule_beats_the_citys_and_rules_are_set_on_the_page(world: World) -> None:
    rule(world.regions["320300"], frequency="quarterly")
    county_client = client_for(world.users["county_official"])
    posted = county_client.post(
        reverse("care:rule_create"),
        {
            "region": HOME["county"],
            "group": "extreme_poverty",
            "mode": "in_person",
            "frequency": "monthly",
            "visitor_kind": "grid_worker",
            "checklist": "居住环境是否安全\n\n饮食是否正常",
        },
    )
    assert posted.status_code == 302
    mine = VisitRule.objects.get(region__code=HOME["county"])
    assert mine.checklist == ["居住环境是否安全", "饮食是否正常"]
    assert [r.pk for r in rules_for(home(world))] == [mine.pk]
    assert rules_for(world.regions["320303001001"])[0].frequency == "quarterly"
    # The same group and mode again, and a township, are refused with the field named.
    again = county_client.post(
        reverse("care:rule_create"),
        {"region": HOME["county"], "group": "extreme_poverty", "mode": "in_person",
         "frequency": "weekly", "visitor_kind": "grid_worker", "checklist": "x"},
    )  # fmt: skip
    assert again.status_code == 422 and "已有" in html(again)
    page = html(county_client.get(RULES))
    assert "饮食是否正常" in page
    edit = reverse("care:rule_edit", kwargs={"visit_rule_id": mine.pk})
    stale = county_client.post(
        edit, {"frequency": "weekly", "visitor_kind": "grid_worker", "checklist": "a", "version": 7}
    )
    assert stale.status_code == 422 and "刚刚" in html(stale)
    county_client.post(
        edit,
        {"frequency": "weekly", "visitor_kind": "grid_worker", "checklist": "a", "version": 1,
         "is_active": "on"},
    )  # fmt: skip
    mine.refresh_from_db()
    assert mine.frequency == "weekly" and mine.version == 2
    # The other county's official cannot open this county's rule.
    assert client_for(world.outsider).get(edit).status_code in (403, 404)


def test_the_recommended_rules_load_with_one_button(world: World) -> None:
    client = client_for(world.users["county_official"])
    client.post(RULES, {"region": HOME["county"]})
    rules = VisitRule.objects.filter(region__code=HOME["county"])
    assert rules.filter(group="extreme_poverty", frequency="monthly", mode="in_person").exists()
    assert set(rules.filter(group="living_alone_elderly").values_list("mode", "frequency")) == {
        ("phone", "weekly"),
        ("in_person", "monthly"),
    }
    count = rules.count()
    client.post(RULES, {"region": HOME["county"]})
    assert VisitRule.objects.filter(region__code=HOME["county"]).count() == count
    with pytest.raises(Exception):  # noqa: B017 — a township is not a rule level
        actions.load_default_rules(region=world.regions[HOME["township"]], by=None)


# --- Plans ------------------------------------------------------------------------------------------


def test_plans_are_generated_once_with_due_dates_and_visitors(world: World) -> None:
    city = world.regions["320300"]
    rule(city)  # monthly, grid worker
    rule(city, group="living_alone_elderly", mode="phone", frequency="weekly")
    rule(city, group="child_in_difficulty", frequency="quarterly", visitor_kind="community_worker")
    poor = cared_for(home(world), "特困甲", grid=grid(world))
    alone = cared_for(home(world), "独居乙", grid=grid(world, "002"), group="living_alone_elderly")
    child = cared_for(home(world), "困境丙", grid=grid(world), group="child_in_difficulty")
    away = cared_for(world.regions["320303001001"], "别处丁")
    county = world.regions[HOME["county"]]
    with calendar.frozen_time(NOW):
        made = actions.generate_plans(region=county, period_start=date(2026, 5, 13), by=None)
        again = actions.generate_plans(region=county, period_start=date(2026, 5, 1), by=None)
    assert again.created == 0
    monthly = VisitPlan.objects.get(resident=poor)
    # May 31 2026 is a Sunday, May 30 a Saturday: due on Friday the 29th.
    assert monthly.period_start == date(2026, 5, 1) and monthly.due_date == date(2026, 5, 29)
    assert monthly.visitor == world.users["grid_worker"]
    weekly = VisitPlan.objects.filter(resident=alone)
    assert weekly.count() == 5  # the weeks from Apr 27 to May 25 overlap May
    assert all(p.visitor is None for p in weekly)  # grid 002 has no grid worker
    quarterly = VisitPlan.objects.get(resident=child)
    assert quarterly.period_start == date(2026, 4, 1) and quarterly.visitor is None
    assert not VisitPlan.objects.filter(resident=away).exists()
    assert made.created == 7
    # The child leaves the group: their plan (not yet due) is cancelled on the next run.
    tag = child.care_tags.get()
    end_care_group(tag=tag, end_date=date(2026, 5, 10), by=None)
    with calendar.frozen_time(NOW):
        result = actions.generate_plans(region=county, period_start=date(2026, 5, 1), by=None)
    quarterly.refresh_from_db()
    assert quarterly.status == VisitPlanStatus.CANCELLED and result.cancelled == 1


def test_generating_needs_care_plan_over_the_region(world: World) -> None:
    client = client_for(world.users["grid_worker"])
    assert (
        client.post(reverse("care:generate_plans"), {"region": HOME["community"]}).status_code
        == 403
    )
    staff = client_for(world.users["community_staff"])
    rule(world.regions["320300"])
    cared_for(home(world), "王奶奶", grid=grid(world))
    answer = staff.post(
        reverse("care:generate_plans"), {"region": HOME["community"], "month": "2026-05"}
    )
    assert answer.status_code == 302 and VisitPlan.objects.count() == 1
    # A region outside the jurisdiction is refused without generating anything there.
    staff.post(reverse("care:generate_plans"), {"region": "320303001001", "month": "2026-05"})
    assert not VisitPlan.objects.filter(community__code="320303001001").exists()


def test_the_plan_list_is_scoped_filtered_and_one_query_a_page(
    world: World, django_assert_max_num_queries: Any
) -> None:
    rule(world.regions["320300"])
    for i in range(6):
        cared_for(home(world), f"居民{i}", grid=grid(world))
    cared_for(world.regions["320303001001"], "【OUT】别处")
    with calendar.frozen_time(NOW):
        actions.generate_plans(
            region=world.regions["320300"], period_start=date(2026, 5, 1), by=None
        )
    client = client_for(world.users["township_staff"])
    client.get(PLANS)  # warm the session and caches
    with django_assert_max_num_queries(14):
        page = html(client.get(PLANS, {"month": "2026-05"}))
    assert "居民5" in page and "【OUT】" not in page
    assert (
        "居民"
        not in html(client.get(PLANS, {"month": "2026-05", "group": "disabled"})).split("共")[1][
            :40
        ]
    )


def test_the_community_assigns_a_visitor_of_its_own(world: World) -> None:
    rule(world.regions["320300"], visitor_kind="community_worker")
    person = cared_for(home(world), "王奶奶", grid=grid(world))
    with calendar.frozen_time(NOW):
        actions.generate_plans(
            region=world.regions[HOME["county"]], period_start=date(2026, 5, 1), by=None
        )
    plan = VisitPlan.objects.get(resident=person)
    assert plan.visitor is None
    staff = client_for(world.users["community_staff"])
    url = reverse("care:assign_plan", kwargs={"plan_id": plan.pk})
    assert "网格员甲" in html(staff.get(url))
    refused = staff.post(url, {"visitor": world.outsider.pk, "version": plan.version})
    assert refused.status_code == 422
    staff.post(url, {"visitor": world.users["grid_worker"].pk, "version": plan.version})
    plan.refresh_from_db()
    assert plan.visitor == world.users["grid_worker"]
    assert client_for(world.outsider).get(url).status_code == 404


# --- The visitor's page and recording ---------------------------------------------------------------


def test_the_grid_worker_records_a_visit_and_the_finding_opens_an_emergency_case(
    world: World, django_assert_max_num_queries: Any
) -> None:
    person, plan = setup_month(world)
    worker = client_for(world.users["grid_worker"])
    with calendar.frozen_time("2026-05-29T09:00:00+08:00"):
        worker.get(MY)
        with django_assert_max_num_queries(12):
            page = html(worker.get(MY))
        assert "王奶奶" in page and record_url(plan) in page
        form = html(worker.get(record_url(plan)))
        assert "居住环境是否安全" in form and 'name="request_key"' in form
        key = form.split('name="request_key" value="')[1].split('"')[0]
        answer = worker.post(
            record_url(plan),
            {"mode": "in_person", "visited_at": "2026-05-29T08:30", "item_0": "yes",
             "item_1": "no", "findings": ["no_food"], "note": "冰箱是空的", "request_key": key},
        )  # fmt: skip
    assert answer.status_code == 302, html(answer)
    visit = Visit.objects.get()
    case = Case.objects.get()
    assert visit.case == case and visit.answers == {
        "居住环境是否安全": True,
        "身体状况是否良好": False,
    }
    assert case.priority == "emergency" and case.channel == "home_visit"
    assert case.requester_resident == person and case.category == "social_assistance"
    assert "缺少食物" in case.description and "冰箱" not in case.description
    plan.refresh_from_db()
    assert plan.status == VisitPlanStatus.DONE
    detail = html(worker.get(answer["Location"], follow=True))
    assert case.number in detail and "冰箱是空的" in detail
    # A retry of the same submission lands on the same visit and opens no second case.
    with calendar.frozen_time("2026-05-29T09:01:00+08:00"):
        retry = worker.post(
            record_url(plan),
            {"mode": "in_person", "findings": ["no_food"], "request_key": key},
        )
    assert retry.status_code == 302 and retry["Location"] == answer["Location"]
    assert Visit.objects.count() == 1 and Case.objects.count() == 1
    # A genuinely new submission for the done plan is refused with a clear message.
    with calendar.frozen_time("2026-05-29T09:02:00+08:00"):
        second = worker.post(record_url(plan), {"mode": "phone", "request_key": "another"})
    assert second.status_code == 422 and "计划外探访" in html(second)
    # The township sees the visit but not the note.
    township = html(client_for(world.users["township_staff"]).get(answer["Location"]))
    assert case.number in township and "冰箱是空的" not in township


def test_bad_visits_are_refused_and_leave_nothing(world: World) -> None:
    _person, plan = setup_month(world)
    worker = client_for(world.users["grid_worker"])
    with calendar.frozen_time("2026-05-20T10:00:00+08:00"):
        future = worker.post(
            record_url(plan),
            {"mode": "in_person", "visited_at": "2026-05-21T10:00", "findings": ["no_food"],
             "request_key": "k1"},
        )  # fmt: skip
        assert future.status_code == 422 and "不能晚于现在" in html(future)
        photo_without_consent = actions.VisitInput(
            mode="in_person", photo=object(), request_key="k2"
        )
        with pytest.raises(Exception, match="同意"):
            actions.record_visit(
                by=world.users["grid_worker"], data=photo_without_consent, plan=plan
            )
    assert not Visit.objects.exists() and not Case.objects.exists()
    plan.refresh_from_db()
    assert plan.status == VisitPlanStatus.PLANNED
    # A resident in the other grid of the same community: not the grid worker's to visit.
    other = cared_for(home(world), "李爷爷", grid=grid(world, "002"))
    url = reverse("care:record_unplanned_visit", kwargs={"resident_id": other.pk})
    assert worker.get(url).status_code == 404
    assert worker.post(url, {"mode": "in_person", "request_key": "k3"}).status_code == 404
    # ...but the community's staff may record an unplanned visit there.
    staff = client_for(world.users["community_staff"])
    ok = staff.post(url, {"mode": "phone", "request_key": "k4"})
    assert ok.status_code == 302 and Visit.objects.get().plan is None


def test_the_api_records_once_per_idempotency_key_and_refuses_outsiders(
    world: World, django_assert_max_num_queries: Any
) -> None:
    _person, plan = setup_month(world)
    worker = client_for(world.users["grid_worker"])
    url = f"{API}/visit-plans/{plan.pk}/visits"
    body = {"mode": "phone", "answers": {"居住环境是否安全": True}, "findings": ["lost_income"]}
    with calendar.frozen_time("2026-05-21T10:00:00+08:00"):
        first = worker.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
        again = worker.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
        unknown = worker.post(
            url, {**body, "answers": {"别的": True}}, content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="def",
        )  # fmt: skip
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["case_number"]
    assert Case.objects.get().priority == "normal"
    assert unknown.status_code in (409, 422)
    outsider = client_for(world.outsider).post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="zzz"
    )
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    with calendar.frozen_time("2026-05-21T10:00:00+08:00"):
        future = worker.post(
            f"{API}/visits", {}, content_type="application/json"
        )  # the list is GET only
    assert future.status_code == 405
    with django_assert_max_num_queries(10):
        plans = worker.get(f"{API}/visit-plans", {"month": "2026-05"}).json()
    assert plans["count"] == 1 and plans["results"][0]["status"] == "done"
    with django_assert_max_num_queries(12):
        visits = worker.get(f"{API}/visits").json()
    assert visits["count"] == 1
    assert client_for(world.outsider).get(f"{API}/visits/{first.json()['id']}").status_code == 404
    assert worker.get(f"{API}/visit-plans", {"region": "320303"}).status_code == 422
    assert worker.get(f"{API}/visit-rules").json()["count"] == 1


def test_a_visit_dated_in_the_future_is_refused_by_the_api(world: World) -> None:
    _person, plan = setup_month(world)
    worker = client_for(world.users["grid_worker"])
    with calendar.frozen_time("2026-05-21T10:00:00+08:00"):
        answer = worker.post(
            f"{API}/visit-plans/{plan.pk}/visits",
            {"mode": "phone", "visited_at": "2026-05-22T10:00:00+08:00"},
            content_type="application/json",
        )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "visited_at"
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_visitors_recording_the_same_plan_at_once_one_wins() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional UPDATE is exercised on PostgreSQL")
    world = build_world()
    _person, plan = setup_month(world)
    users = [world.users["grid_worker"], world.users["community_staff"]]
    results = at_once(
        *[
            lambda u=u, i=i: actions.record_visit(
                by=u,
                data=actions.VisitInput(
                    mode="in_person", findings=["no_food"], request_key=f"r{i}"
                ),
                plan=VisitPlan.objects.select_related(
                    "rule", "resident__community", "resident__grid"
                ).get(pk=plan.pk),
            )
            for i, u in enumerate(users)
        ]
    )
    assert results.count("ok") == 1, results
    assert Visit.objects.count() == 1 and Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_the_first_submission_lands_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    world = build_world()
    _person, plan = setup_month(world)
    worker = world.users["grid_worker"]
    results = at_once(
        *[
            lambda: actions.record_visit(
                by=worker,
                data=actions.VisitInput(mode="in_person", findings=["no_food"], request_key="same"),
                plan=VisitPlan.objects.select_related(
                    "rule", "resident__community", "resident__grid"
                ).get(pk=plan.pk),
            )
            for _i in range(2)
        ]
    )
    assert results == ["ok", "ok"]
    assert Visit.objects.count() == 1 and Case.objects.count() == 1
