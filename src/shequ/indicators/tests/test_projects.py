"""Work projects at the HTTP level: officials create and edit projects and milestones within their
jurisdiction (another county's are a 404), the workflow with its rules, stale edits refused, bad
input named per field with nothing written, progress reports by the responsible unit's staff (only
on their own milestones), completion only by a final report, the list with its filters and query
count, the export, and ``project_progress``."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from shequ.accounts.models import HandlingUnit
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.indicators.models import Milestone, MilestoneReport, ProjectStatus, WorkProject
from shequ.indicators.queries.projects import project_progress
from shequ.indicators.tests.factories_projects import make_milestone, make_project, start
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
LIST = "/indicators/projects/"
AWAY = "320303"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world() -> World:
    return build_world()


def today() -> date:
    return calendar.localdate()


def county_project(world: World, **values: Any) -> WorkProject:
    return make_project(
        region=world.regions[HOME["county"]], lead_unit=world.units[HOME["county"]], **values
    )


def running_with_milestone(world: World, due: date | None = None) -> tuple[WorkProject, Milestone]:
    project = county_project(world)
    milestone = make_milestone(
        project=project,
        unit=world.units[HOME["county"]],
        due_on=due or today() + timedelta(days=30),
    )
    start(project)
    return project, milestone


def report_url(milestone: Milestone) -> str:
    return f"{LIST}{milestone.project_id}/milestones/{milestone.pk}/report/"


# --- Creating and editing ----------------------------------------------------------------------------


def test_county_official_registers_a_project_lists_milestones_and_starts_it(world: World) -> None:
    official = world.users["county_official"]
    client = client_for(official)
    form = client.get(f"{LIST}new/")
    assert form.status_code == 200 and "牵头单位" in html(form)
    answer = client.post(
        f"{LIST}new/",
        {
            "region": HOME["county"],
            "title": "养老服务设施补短板",
            "plan_task": "三、(二) 补齐养老服务设施",
            "indicator": "",
            "lead_unit": world.units[HOME["county"]].pk,
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
        },
    )
    project = WorkProject.objects.get(title="养老服务设施补短板")
    assert answer.status_code == 302 and answer["Location"] == f"{LIST}{project.pk}/"
    assert project.status == ProjectStatus.DRAFT and project.created_by == official
    assert AuditEvent.objects.filter(action="indicators.project_create", actor=official).exists()

    refused = client.post(f"{LIST}{project.pk}/transition/", {"transition": "start"})
    assert refused.status_code == 422 and "至少列出一个节点" in html(refused)
    added = client.post(
        f"{LIST}{project.pk}/milestones/new/",
        {
            "title": "完成选址和立项",
            "due_on": "2025-03-31",
            "responsible_unit": world.units[HOME["county"]].pk,
            "responsible_person": world.users["unit_handler"].pk,
        },
    )
    assert added.status_code == 302
    milestone = project.milestones.get()
    assert milestone.position == 1 and milestone.responsible_person == world.users["unit_handler"]
    assert AuditEvent.objects.filter(action="indicators.milestone_add").exists()
    started = client.post(f"{LIST}{project.pk}/transition/", {"transition": "start"})
    assert started.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.RUNNING
    page = html(client.get(f"{LIST}{project.pk}/"))
    assert "完成选址和立项" in page and world.units[HOME["county"]].name in page
    assert "2025-03-31" in page


def test_bad_input_names_each_field_and_writes_nothing(world: World) -> None:
    client = client_for(world.users["county_official"])
    answer = client.post(
        f"{LIST}new/",
        {
            "region": HOME["county"],
            "title": "",
            "plan_task": "任务",
            "lead_unit": world.units[AWAY].pk,
            "starts_on": "2025-06-01",
            "ends_on": "2025-01-01",
        },
    )
    body = html(answer)
    assert answer.status_code == 422
    # The form refuses the other county's unit (not among the choices) and the empty title.
    assert "这个字段是必填项" in body
    assert "选择一个有效的选项" in body
    assert not WorkProject.objects.exists()
    answer = client.post(
        f"{LIST}new/",
        {
            "region": HOME["county"],
            "title": "项目",
            "plan_task": "任务",
            "lead_unit": world.units[HOME["county"]].pk,
            "starts_on": "2025-06-01",
            "ends_on": "2025-01-01",
        },
    )
    assert answer.status_code == 422 and "完成期限不能早于开始日期" in html(answer)
    assert not WorkProject.objects.exists()

    project = county_project(world, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    answer = client.post(
        f"{LIST}{project.pk}/milestones/new/",
        {
            "title": "节点",
            "due_on": "2026-02-01",
            "responsible_unit": world.units[HOME["county"]].pk,
        },
    )
    assert answer.status_code == 422
    assert "完成期限应在项目周期 2025-01-01 至 2025-12-31 之内" in html(answer)
    assert not Milestone.objects.exists()


def test_a_stale_edit_is_refused_with_a_clear_message(world: World) -> None:
    project = county_project(world)
    first, second = (client_for(world.users[r]) for r in ("county_official", "city_official"))
    data = {
        "title": "改过的名称",
        "plan_task": project.plan_task,
        "lead_unit": project.lead_unit_id,
        "starts_on": project.starts_on.isoformat(),
        "ends_on": project.ends_on.isoformat(),
        "version": project.version,
    }
    assert first.post(f"{LIST}{project.pk}/edit/", data).status_code == 302
    stale = second.post(f"{LIST}{project.pk}/edit/", {**data, "title": "另一个名称"})
    assert stale.status_code == 422 and "刚刚已被他人修改" in html(stale)
    project.refresh_from_db()
    assert project.title == "改过的名称" and project.version == 2


def test_milestone_edit_is_audited_and_moving_the_deadline_restarts_escalation(
    world: World,
) -> None:
    project, milestone = running_with_milestone(world, due=today() - timedelta(days=3))
    Milestone.objects.filter(pk=milestone.pk).update(
        escalation_level=1, escalated_at=calendar.now()
    )
    client = client_for(world.users["county_official"])
    new_due = today() + timedelta(days=10)
    answer = client.post(
        f"{LIST}{project.pk}/milestones/{milestone.pk}/edit/",
        {
            "title": milestone.title,
            "due_on": new_due.isoformat(),
            "responsible_unit": milestone.responsible_unit_id,
            "position": 1,
            "version": milestone.version,
        },
    )
    assert answer.status_code == 302
    milestone.refresh_from_db()
    assert milestone.due_on == new_due and milestone.escalation_level == 0
    event = AuditEvent.objects.get(action="indicators.milestone_update")
    assert event.fields == ["due_on"]


# --- Jurisdiction -------------------------------------------------------------------------------------


def test_another_countys_project_is_a_404_and_not_listed(world: World) -> None:
    away = make_project(
        region=world.regions[AWAY], lead_unit=world.units[AWAY], title="【外县】项目"
    )
    milestone = make_milestone(project=away, unit=world.units[AWAY], due_on=today())
    client = client_for(world.users["county_official"])
    assert "【外县】项目" not in html(client.get(LIST))
    for url in (
        f"{LIST}{away.pk}/",
        f"{LIST}{away.pk}/edit/",
        f"{LIST}{away.pk}/milestones/new/",
        f"{LIST}{away.pk}/milestones/{milestone.pk}/edit/",
        report_url(milestone),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{LIST}{away.pk}/transition/", {"transition": "start"}).status_code == 404
    # A township's staff may not hold a project for their county.
    township = client_for(world.users["township_staff"])
    answer = township.post(
        f"{LIST}new/",
        {
            "region": HOME["county"],
            "title": "越级",
            "plan_task": "任务",
            "lead_unit": world.units[HOME["county"]].pk,
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
        },
    )
    assert answer.status_code == 422 and not WorkProject.objects.filter(title="越级").exists()


def test_a_township_holds_its_own_project_led_by_a_county_department(world: World) -> None:
    client = client_for(world.users["township_staff"])
    answer = client.post(
        f"{LIST}new/",
        {
            "region": HOME["township"],
            "title": "街道项目",
            "plan_task": "任务",
            "lead_unit": world.units[HOME["county"]].pk,
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
        },
    )
    assert answer.status_code == 302
    assert WorkProject.objects.get(title="街道项目").region == world.regions[HOME["township"]]


# --- Progress reports and completion ------------------------------------------------------------------


def test_unit_staff_report_only_on_their_own_milestones(world: World) -> None:
    project, ours = running_with_milestone(world)
    other_unit = HandlingUnit.objects.create(
        code="320302-zj", name="住建局", region=world.regions[HOME["county"]]
    )
    theirs = make_milestone(
        project=project, unit=other_unit, due_on=today() + timedelta(days=5), title="住建节点"
    )
    handler = client_for(world.users["unit_handler"])
    mine = html(handler.get(f"{LIST}mine/"))
    assert ours.title in mine and "住建节点" not in mine
    answer = handler.post(
        report_url(ours),
        {
            "reported_on": today().isoformat(),
            "percent": "40",
            "text": "已完成选址论证",
            "upload": io.BytesIO(PDF),
        },
    )
    assert answer.status_code == 302
    report = MilestoneReport.objects.get()
    assert report.reported_by == world.users["unit_handler"] and report.file_name
    ours.refresh_from_db()
    assert ours.progress == 40 and ours.latest_report == report and ours.done_on is None
    download = handler.get(f"/indicators/projects/reports/{report.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Not their unit's milestone: as if it did not exist.
    assert handler.get(report_url(theirs)).status_code == 404
    assert (
        handler.post(
            report_url(theirs), {"reported_on": today().isoformat(), "percent": "10", "text": "x"}
        ).status_code
        == 404
    )
    assert MilestoneReport.objects.count() == 1
    # The project page itself is not theirs (no indicators permission).
    assert handler.get(f"{LIST}{project.pk}/").status_code == 403
    # The county's managers see the report on the project page.
    page = html(client_for(world.users["county_official"]).get(f"{LIST}{project.pk}/"))
    assert "已完成选址论证" in page and "40%" in page


def test_a_milestone_completes_only_with_a_final_report_and_the_project_only_when_all_are_done(
    world: World,
) -> None:
    project, milestone = running_with_milestone(world)
    client = client_for(world.users["county_official"])
    done = client.post(f"{LIST}{project.pk}/transition/", {"transition": "complete"})
    assert done.status_code == 422 and "还有节点未完成" in html(done)
    not_final = client.post(
        report_url(milestone),
        {"reported_on": today().isoformat(), "percent": "90", "text": "基本完成", "is_final": "on"},
    )
    assert not_final.status_code == 422 and "完成报告的完成进度应为 100" in html(not_final)
    milestone.refresh_from_db()
    assert milestone.done_on is None and not MilestoneReport.objects.exists()
    bad = client.post(
        report_url(milestone), {"reported_on": "2099-01-01", "percent": "101", "text": ""}
    )
    body = html(bad)
    assert bad.status_code == 422 and "完成进度应在 0～100 之间" in body
    assert "这个字段是必填项" in body and not MilestoneReport.objects.exists()
    future = client.post(
        report_url(milestone), {"reported_on": "2099-01-01", "percent": "10", "text": "提前"}
    )
    assert future.status_code == 422 and "报告日期不能晚于今天" in html(future)
    final = client.post(
        report_url(milestone),
        {
            "reported_on": today().isoformat(),
            "percent": "100",
            "text": "全部完成",
            "is_final": "on",
        },
    )
    assert final.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == today() and milestone.progress == 100
    again = client.post(
        report_url(milestone),
        {"reported_on": today().isoformat(), "percent": "100", "text": "再报"},
    )
    assert again.status_code == 422 and "不能再报告进展" in html(again)
    assert (
        client.post(f"{LIST}{project.pk}/transition/", {"transition": "complete"}).status_code
        == 302
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED and project.completed_on == today()
    # A finished project is not edited any more.
    assert client.get(f"{LIST}{project.pk}/edit/").status_code == 302


def test_reports_only_on_running_projects_and_cancelling_needs_a_reason(world: World) -> None:
    project = county_project(world)
    milestone = make_milestone(project=project, unit=world.units[HOME["county"]], due_on=today())
    client = client_for(world.users["county_official"])
    draft = client.post(
        report_url(milestone), {"reported_on": today().isoformat(), "percent": "10", "text": "早"}
    )
    assert draft.status_code == 422 and "只有实施中的项目可以报告进展" in html(draft)
    no_reason = client.post(f"{LIST}{project.pk}/transition/", {"transition": "cancel"})
    assert no_reason.status_code == 422 and "请填写撤销项目的原因" in html(no_reason)
    stale = client.post(
        f"{LIST}{project.pk}/transition/",
        {"transition": "cancel", "reason": "并入其他项目", "version": project.version + 5},
    )
    assert stale.status_code == 422 and "刚刚已被他人修改" in html(stale)
    ok = client.post(
        f"{LIST}{project.pk}/transition/",
        {"transition": "cancel", "reason": "并入其他项目", "version": project.version},
    )
    assert ok.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.CANCELLED and project.cancel_reason == "并入其他项目"


# --- The list, export and figures ---------------------------------------------------------------------


def test_the_list_filters_by_status_region_and_overdue_in_few_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        project = county_project(world, title=f"项目{n:02d}")
        make_milestone(
            project=project,
            unit=world.units[HOME["county"]],
            due_on=today() - timedelta(days=2) if n % 3 == 0 else today() + timedelta(days=9),
        )
        if n % 2 == 0:
            start(project)
    make_project(
        region=world.regions[HOME["township"]],
        lead_unit=world.units[HOME["county"]],
        title="街道的项目",
    )
    client = client_for(world.users["city_official"])
    with django_assert_max_num_queries(25):
        page = client.get(LIST)
    body = html(page)
    assert "共 13 个项目" in body and "项目11" in body
    overdue = html(client.get(LIST, {"overdue": "on"}))
    # Running (even n) and overdue (n % 3 == 0): 0 and 6.
    assert "共 2 个项目" in overdue and "项目06" in overdue and "项目03" not in overdue
    running = html(client.get(LIST, {"status": "running"}))
    assert "共 6 个项目" in running
    township = html(client.get(LIST, {"region": HOME["township"]}))
    assert "共 1 个项目" in township and "街道的项目" in township


def test_export_has_projects_and_milestones_and_is_audited(world: World) -> None:
    project, milestone = running_with_milestone(world, due=today() - timedelta(days=4))
    county_project(world, title="还没有节点的项目")
    client = client_for(world.users["county_official"])
    answer = client.get(f"{LIST}export.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    titles = [row[1] for row in rows if row and len(row) > 1]
    assert project.title in titles and "还没有节点的项目" in titles
    milestone_row = next(row for row in rows if len(row) > 7 and row[7] == milestone.title)
    assert milestone_row[13] == 4  # days overdue
    assert AuditEvent.objects.filter(
        action="indicators.project_export", actor=world.users["county_official"]
    ).exists()


def test_project_progress_counts_projects_and_milestones_of_the_subtree(world: World) -> None:
    year = today().year
    start_of_year = date(year, 1, 1)
    project = county_project(world, starts_on=start_of_year, ends_on=date(year, 12, 31))
    early = make_milestone(
        project=project, unit=world.units[HOME["county"]], due_on=start_of_year, title="早"
    )
    make_milestone(project=project, unit=world.units[HOME["county"]], due_on=date(year, 12, 31))
    start(project)
    Milestone.objects.filter(pk=early.pk).update(done_on=start_of_year)
    make_project(region=world.regions[AWAY], lead_unit=world.units[AWAY])
    figures = project_progress(world.regions[HOME["county"]], year)
    assert figures["projects"] == 1 and figures["by_status"]["running"] == 1
    assert figures["milestones_due"] == 2 and figures["milestones_done"] == 1
    assert figures["milestones_done_on_time"] == 1
    city = project_progress(world.regions[HOME["city"]], year)
    assert city["projects"] == 2 and city["by_status"]["draft"] == 1


def test_dashboard_links_to_the_projects(world: World) -> None:
    page = html(client_for(world.users["county_official"]).get("/indicators/"))
    assert f'href="{LIST}"' in page
