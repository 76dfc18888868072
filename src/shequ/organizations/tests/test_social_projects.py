"""Service projects over HTTP: creating one (provider and communities in the jurisdiction, budget not
negative, dates in order), the declared workflow (every transition, a wrong state, two clicks at once,
a reason to terminate), milestones (due within the period, done not before the start, overdue
flagged), the evaluation (finished projects only, once), the list with its budget totals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shequ.organizations.actions import social as actions
from shequ.organizations.models import ProjectMilestone, ProjectStatus, ServiceProject
from shequ.organizations.tests.factories_social import make_org, make_project
from tests.concurrency import at_once
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

LIST = reverse("organizations:projects")
NEW = reverse("organizations:project_new")
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def provider(world: World) -> Any:
    return make_org(region=world.regions[HOME["township"]], name="彭城社工服务中心")


def detail(project: ServiceProject) -> str:
    return reverse("organizations:project_detail", kwargs={"service_project_id": project.pk})


def url(name: str, project: ServiceProject) -> str:
    return reverse(f"organizations:{name}", kwargs={"service_project_id": project.pk})


def form(provider: Any, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "region": HOME["township"],
        "kind": "purchase",
        "title": "社区居家养老服务",
        "buyer": "某某街道办事处",
        "provider": str(provider.pk),
        "communities": [HOME["community"], "320302001201"],
        "budget": "180000",
        "starts_on": (today - timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=200)).isoformat(),
        "deliverables": "每月探访",
    }
    data.update(overrides)
    return data


def test_creating_a_project(world: World, provider: Any) -> None:
    client = client_for(world.users["township_staff"])
    response = client.post(NEW, form(provider))
    project = ServiceProject.objects.get()
    assert response.status_code == 302 and project.communities.count() == 2
    assert project.status == ProjectStatus.PLANNED
    body = html(client.get(detail(project)))
    assert "社区居家养老服务" in body and "开始实施" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"budget": "-1"}, "不能为负数"),
        ({"budget": "十万"}, "应为数字"),
        ({"starts_on": "2026-05-01", "ends_on": "2026-01-01"}, "结束日期不能早于开始日期"),
        ({"communities": [AWAY]}, "选择一个有效的选项"),
        ({"region": HOME["community"], "communities": ["320302002001"]}, "不在其中"),
    ],
)
def test_bad_projects_are_refused(
    world: World, provider: Any, overrides: dict[str, Any], message: str
) -> None:
    response = client_for(world.users["county_official"]).post(NEW, form(provider, **overrides))
    assert response.status_code == 200 and message in html(response)
    assert not ServiceProject.objects.exists()


def test_communities_outside_the_buyer_are_refused_by_the_action(
    world: World, provider: Any
) -> None:
    with pytest.raises(ValidationError, match="不在其中"):
        make_project(
            region=world.regions[HOME["community"]],
            provider=provider,
            communities=[world.regions["320302002001"]],
        )


def test_a_provider_outside_the_jurisdiction_is_refused(world: World) -> None:
    away = make_org(region=world.regions[AWAY], name="外县机构")
    response = client_for(world.users["township_staff"]).post(NEW, form(away))
    assert response.status_code == 200 and "选择一个有效的选项" in html(response)
    with pytest.raises(ValidationError, match="本辖区内的社会组织"):
        make_project(
            region=world.regions[HOME["township"]], provider=away, by=world.users["township_staff"]
        )
    assert not ServiceProject.objects.exists()


def test_every_transition_of_the_workflow(world: World, provider: Any) -> None:
    names = {t.name for t in actions.PROJECT_WORKFLOW.transitions}
    assert names == {"start", "finish", "terminate"}
    client = client_for(world.users["township_staff"])
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    move = url("project_transition", project)
    wrong = client.post(move, {"transition": "finish"})
    assert wrong.status_code == 422 and "当前状态下不能进行此操作" in html(wrong)
    assert client.post(move, {"transition": "start"}).status_code == 302
    assert client.post(move, {"transition": "finish"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.FINISHED
    other = make_project(region=world.regions[HOME["township"]], provider=provider, title="另一个")
    no_reason = client.post(url("project_transition", other), {"transition": "terminate"})
    assert no_reason.status_code == 422 and "请填写终止项目的原因" in html(no_reason)
    ok = client.post(
        url("project_transition", other), {"transition": "terminate", "reason": "承接方退出"}
    )
    assert ok.status_code == 302
    other.refresh_from_db()
    assert other.status == ProjectStatus.TERMINATED and other.termination_reason == "承接方退出"


def test_two_clicks_at_once_start_the_project_once(world: World, provider: Any) -> None:
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    stale = ServiceProject.objects.get(pk=project.pk)
    actions.transition_project(project=project, transition="start", by=None)
    with pytest.raises(ValidationError, match="刚刚已被他人处理"):
        actions.transition_project(project=stale, transition="start", by=None)
    assert ServiceProject.objects.get(pk=project.pk).version == 2


def test_milestones(world: World, provider: Any) -> None:
    client = client_for(world.users["township_staff"])
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    add = url("project_milestone_add", project)
    outside = client.post(add, {"title": "中期评估", "due_on": "2000-01-01"})
    assert outside.status_code == 422 and "应在项目周期" in html(outside)
    due = project.starts_on + timedelta(days=5)  # already past: overdue
    assert client.post(add, {"title": "需求调研", "due_on": due.isoformat()}).status_code == 302
    milestone = ProjectMilestone.objects.get()
    assert "逾期" in html(client.get(detail(project)))
    assert "1 个节点逾期" in html(client.get(LIST))
    done = reverse(
        "organizations:project_milestone_done",
        kwargs={"service_project_id": project.pk, "project_milestone_id": milestone.pk},
    )
    planned = client.post(done, {"done_on": timezone.localdate().isoformat()}, follow=True)
    assert "只有实施中或已结项的项目" in html(planned)
    actions.transition_project(project=project, transition="start", by=None)
    early = client.post(
        done, {"done_on": (project.starts_on - timedelta(days=1)).isoformat()}, follow=True
    )
    assert "不能早于项目开始日期" in html(early)
    milestone.refresh_from_db()
    assert milestone.done_on is None
    assert (
        client.post(
            done, {"done_on": timezone.localdate().isoformat(), "note": "已完成"}
        ).status_code
        == 302
    )
    milestone.refresh_from_db()
    assert milestone.done_on == timezone.localdate()


def test_evaluation_only_when_finished_and_once(world: World, provider: Any) -> None:
    client = client_for(world.users["township_staff"])
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    evaluate = url("project_evaluate", project)
    early = client.post(evaluate, {"score": "92"}, follow=True)
    assert "只有已结项的项目可以评估" in html(early)
    actions.transition_project(project=project, transition="start", by=None)
    actions.transition_project(project=project, transition="finish", by=None)
    mismatch = client.post(evaluate, {"score": "70", "grade": "excellent"})
    assert mismatch.status_code == 422 and "对应的等次是" in html(mismatch)
    assert client.post(evaluate, {"score": "92", "note": "成效明显"}).status_code == 302
    project.refresh_from_db()
    assert project.evaluation_grade == "excellent" and project.evaluated_by is not None
    again = client.post(evaluate, {"score": "60"}, follow=True)
    assert "评估只能进行一次" in html(again)
    project.refresh_from_db()
    assert project.evaluation_score == 92


def test_the_list_with_budget_totals(
    world: World, provider: Any, django_assert_max_num_queries: Any
) -> None:
    township = world.regions[HOME["township"]]
    for n in range(55):
        make_project(region=township, provider=provider, title=f"项目{n}", budget="1000")
    make_project(region=township, provider=provider, title="创投", kind="venture", budget="500.5")
    away_provider = make_org(region=world.regions[AWAY], name="外县机构")
    make_project(region=world.regions[AWAY], provider=away_provider, title="【X320303】外县项目")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        body = html(client.get(LIST))
    assert "外县项目" not in body
    assert (
        '<td class="text-end">55000.00</td>' in body and "500.50" in body and "共 56 个项目" in body
    )


def test_another_countys_project_is_a_404(world: World) -> None:
    away_provider = make_org(region=world.regions[AWAY], name="外县机构")
    project = make_project(region=world.regions[AWAY], provider=away_provider)
    client = client_for(world.users["county_official"])
    assert client.get(detail(project)).status_code == 404
    assert (
        client.post(url("project_transition", project), {"transition": "start"}).status_code == 404
    )


def test_editing_a_project(world: World, provider: Any) -> None:
    client = client_for(world.users["township_staff"])
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    actions.add_milestone(project=project, by=None, title="中期", due_on=project.ends_on)
    edit = url("project_edit", project)
    assert "社区居家养老服务项目" in html(client.get(edit))
    data = form(provider, ends_on=(project.ends_on - timedelta(days=1)).isoformat())
    data.pop("region")
    data["version"] = project.version
    shortened = client.post(edit, data)
    assert shortened.status_code == 200 and "不在新的项目周期内" in html(shortened)
    data.update(
        ends_on=project.ends_on.isoformat(), budget="250000", communities=[HOME["community"]]
    )
    assert client.post(edit, data).status_code == 302
    project.refresh_from_db()
    assert project.budget == 250000 and project.communities.count() == 1
    stale = client.post(edit, {**data, "version": 1})
    assert "刚刚已被他人修改" in html(stale)
    actions.transition_project(project=project, transition="terminate", by=None, reason="撤销")
    closed = client.get(edit, follow=True)
    assert "不能再修改" in html(closed)


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_on_postgresql_start_once_and_evaluate_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional update is exercised on PostgreSQL")
    world = build_world()
    provider = make_org(region=world.regions[HOME["township"]], name="彭城社工服务中心")
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    by = world.users["township_staff"]

    def start() -> None:
        actions.transition_project(
            project=ServiceProject.objects.get(pk=project.pk), transition="start", by=by
        )

    started = at_once(start, start)
    assert sorted(r == "ok" for r in started) == [False, True], started
    project.refresh_from_db()
    assert project.status == ProjectStatus.RUNNING and project.version == 2
    actions.transition_project(project=project, transition="finish", by=by)

    def evaluate() -> None:
        actions.evaluate_project(
            project=ServiceProject.objects.get(pk=project.pk), by=by, score="88"
        )

    evaluated = at_once(evaluate, evaluate)
    assert sorted(r == "ok" for r in evaluated) == [False, True], evaluated
