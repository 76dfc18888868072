"""The evaluation report (综合评估 / 专项评估) over HTTP: every section read from the query that owns
it, for the official's own place only (another county is a 404), as a page and as an audited Excel
workbook; a special evaluation with only the sections chosen; bad input named; sections another app's
permission guards saying so; and a query count that does not grow with the child regions.

The story, read on Wednesday 18 June 2025 at 10:00 (Asia/Shanghai):

    targets    Xuzhou's plan; 2024 and 2025 rebuilt — no meetings held, so deliberation-body
               coverage (5, binding) lags everywhere
    cases      one window case in the home community, one in the other county (9 June)
    visits     home community: one done on time (due 10 June), one overdue (due 11 June);
               other county: one due 20 June
    standards  the home community reviewed for 2025 with all six met (1 of the county's 3
               communities, 1 of the city's 4)
    projects   the home county: one running project with a milestone due 1 June, not done
    coverage   none computed yet (a test computes one)
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from shequ.accounts import actions as accounts
from shequ.accounts.models import Role
from shequ.care.tests import factories_compliance as care
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import Case, CaseKind, Channel
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.facilities.actions import coverage as computing
from shequ.facilities.models import RunStatus
from shequ.indicators.actions.rebuild import rebuild
from shequ.indicators.actions.targets import load_default_targets
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.tests import factories_projects as projects
from shequ.indicators.tests import factories_standards as standards
from shequ.territory.models import Estate, Kind, Level
from tests.pages import client_for, html
from tests.world import HOME, World, _region, build_world

pytestmark = pytest.mark.django_db

URL = "/indicators/evaluation/"
EXPORT = "/indicators/evaluation/export.xlsx"
AWAY = "320303"
AWAY_COMMUNITY = "320303001001"
READ_AT = datetime(2025, 6, 18, 10, 0)
SECTION_TITLES = (
    "一、规划指标与目标",
    "二、六个规范",
    "三、工作项目",
    "四、工单统计（三率）",
    "五、探访关爱",
    "六、生活圈覆盖",
)


def _case(world: World, community: str, title: str) -> Case:
    return submit_case(
        Intake(
            channel=Channel.ONLINE,
            kind=CaseKind.COMPLAINT,
            category="environment",
            title=title,
            description=f"{title}，请尽快处理",
            region=world.regions[community],
            requester=world.users["resident"],
        ),
        by=None,
    )


@pytest.fixture
def world() -> World:
    made = build_world()
    load_default_targets(made.regions[HOME["city"]])
    home = made.regions[HOME["community"]]
    with calendar.frozen_time(datetime(2025, 6, 9, 9, 0)) as clock:
        _case(made, HOME["community"], "楼道堆物")
        _case(made, AWAY_COMMUNITY, "路灯不亮")
        care.plan(care.cared_for(home, "王奶奶"), date(2025, 6, 10), done_on=date(2025, 6, 10))
        care.plan(care.cared_for(home, "李爷爷"), date(2025, 6, 11))
        care.plan(care.cared_for(made.regions[AWAY_COMMUNITY], "孙奶奶"), date(2025, 6, 20))
        standards.reviewed(home, 2025)
        project = projects.make_project(
            region=made.regions[HOME["county"]],
            lead_unit=made.units[HOME["county"]],
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
        )
        projects.make_milestone(
            project=project, unit=made.units[HOME["county"]], due_on=date(2025, 6, 1)
        )
        projects.start(project)
        clock.move_to(READ_AT)
        rebuild(2024)
        rebuild(2025)
    return made


def get(client: Any, url: str, query: dict[str, Any] | None = None) -> Any:
    with calendar.frozen_time(READ_AT):
        return client.get(url, query or {})


def _section(body: str, title: str) -> str:
    return body.split(title, 1)[1].split("</section>", 1)[0]


def _cells(text: str, heading: str) -> list[str]:
    """The cells of the table row whose heading is ``heading``."""
    row = text.split(heading, 1)[1].split("</tr>", 1)[0]
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)", row)]


def test_city_official_reads_every_section_of_the_comprehensive_evaluation(world: World) -> None:
    client = client_for(world.users["city_official"])
    page = get(client, URL, {"year": 2025})
    assert page.status_code == 200
    body = html(page)
    for title in SECTION_TITLES:
        assert title in body
    indicators = _section(body, SECTION_TITLES[0])
    assert "约束性" in indicators and "滞后" in indicators
    assert "5. 城乡社区民主协商机构(平台)覆盖率" in indicators
    assert re.findall(r'<th scope="col" class="text-end">(\d{4})</th>', indicators)[:3] == [
        "2023",
        "2024",
        "2025",
    ]
    assert 'data-evaluation-trend="0"' in indicators and 'id="evaluation-trends"' in body
    # One of the city's four communities meets all six standards.
    assert _cells(_section(body, SECTION_TITLES[1]), "六项全部达标") == ["1"]
    assert "25.0%" in _section(body, SECTION_TITLES[1])
    assert _cells(_section(body, SECTION_TITLES[2]), "逾期未完成节点") == ["1"]
    assert _cells(_section(body, SECTION_TITLES[2]), "实施中") == ["1"]
    cases = _section(body, SECTION_TITLES[3])
    assert _cells(cases, world.regions[HOME["county"]].name)[0] == "1"
    assert _cells(cases, world.regions[AWAY].name)[0] == "1"
    assert _cells(cases, "合计")[0] == "2"
    visits = _section(body, SECTION_TITLES[4])
    assert "2025-06" in visits
    # due, done, on time, overdue, rate: the home county's two plans, the other county's one.
    assert _cells(visits, world.regions[HOME["county"]].name)[:5] == ["2", "1", "1", "1", "50.0%"]
    assert _cells(visits, "合计")[:4] == ["3", "1", "1", "1"]
    assert "还没有生活圈覆盖计算结果" in _section(body, SECTION_TITLES[5])
    # The page links to its workbook and can be printed.
    assert f"{EXPORT}?region={HOME['city']}&amp;year=2025&amp;kind=comprehensive" in body
    assert "data-evaluation-print" in body


def test_county_official_sees_only_their_county(world: World) -> None:
    user = world.users["county_official"]
    client = client_for(user)
    page = get(client, URL, {"year": 2025})
    assert page.status_code == 200
    body = html(page)
    assert world.regions[HOME["county"]].name in body
    assert world.leaked_tokens(user, body) == []
    cases = _section(body, SECTION_TITLES[3])
    assert _cells(cases, "合计")[0] == "1"  # the other county's case is not counted
    # One of the county's three communities meets all six standards.
    assert "33.3%" in _section(body, SECTION_TITLES[1])
    assert get(client, URL, {"region": AWAY}).status_code == 404
    assert get(client, URL, {"region": HOME["city"]}).status_code == 404
    assert get(client, EXPORT, {"region": AWAY}).status_code == 404
    assert get(client, URL, {"region": "abc"}).status_code == 404
    # The township below: reachable, with a link back up to the county.
    township = get(client, URL, {"region": HOME["township"], "year": 2025})
    assert township.status_code == 200
    assert f"?region={HOME['county']}&amp;year=2025" in html(township)


def test_roles_without_the_view_permission_are_refused(world: World) -> None:
    for role in ("community_staff", "grid_worker", "unit_handler"):
        client = client_for(world.users[role])
        assert get(client, URL).status_code == 403, role
        assert get(client, EXPORT).status_code == 403, role


def test_a_special_evaluation_holds_only_the_chosen_sections(world: World) -> None:
    client = client_for(world.users["county_official"])
    query = {"year": 2025, "kind": "special", "sections": ["standards", "cases"]}
    body = html(get(client, URL, query))
    assert "2025年专项评估" in body
    assert SECTION_TITLES[1] in body and SECTION_TITLES[3] in body
    for title in (SECTION_TITLES[0], SECTION_TITLES[2], SECTION_TITLES[4], SECTION_TITLES[5]):
        assert title not in body
    # The export link and the child-region links keep the sections.
    assert "kind=special&amp;sections=standards&amp;sections=cases" in body
    made = get(client, EXPORT, {**query, "region": HOME["county"]})
    book = load_workbook(io.BytesIO(made.content))
    assert book.sheetnames == ["封面", "六个规范", "工单统计（三率）"]


def test_a_special_evaluation_without_sections_says_which_field_to_fill_in(world: World) -> None:
    client = client_for(world.users["county_official"])
    page = get(client, URL, {"year": 2025, "kind": "special"})
    assert page.status_code == 200
    body = html(page)
    assert "专项评估请至少选择一项评估内容。" in body
    assert 'aria-describedby="id_sections_helptext id_sections_error"' in body
    assert not any(title in body for title in SECTION_TITLES)
    refused = get(client, EXPORT, {"year": 2025, "kind": "special"})
    assert refused.status_code == 302 and refused["Location"].startswith(URL)
    followed = client.get(refused["Location"])
    assert "专项评估请至少选择一项评估内容。" in followed.content.decode()
    assert not AuditEvent.objects.filter(action="indicators.evaluation_export").exists()
    # A kind that is not one of the choices is named too, and no report is made.
    wrong = html(get(client, URL, {"kind": "annual"}))
    assert "评估类型" in wrong and not any(title in wrong for title in SECTION_TITLES)


def test_a_bad_year_falls_back_to_this_year_like_the_dashboard(world: World) -> None:
    page = get(client_for(world.users["city_official"]), URL, {"year": "20x5"})
    assert page.status_code == 200
    body = html(page)
    assert "2025年综合评估" in body
    assert SECTION_TITLES[0] in body


def test_the_workbook_has_a_cover_and_a_sheet_per_section_and_is_audited(world: World) -> None:
    user = world.users["county_official"]
    made = get(client_for(user), EXPORT, {"year": 2025})
    assert made.status_code == 200
    assert made["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert f"evaluation-comprehensive-{HOME['county']}-2025.xlsx" in made["Content-Disposition"]
    book = load_workbook(io.BytesIO(made.content))
    assert book.sheetnames == [
        "封面",
        "规划指标与目标",
        "六个规范",
        "工作项目",
        "工单统计（三率）",
        "探访关爱",
        "生活圈覆盖",
    ]
    cover = {row[0]: row[1] for row in book["封面"].iter_rows(min_row=4, values_only=True)}
    assert cover["地区"] == world.regions[HOME["county"]].name
    assert cover["区划代码"] == HOME["county"]
    assert cover["年度"] == 2025
    assert cover["评估类型"] == "综合评估"
    assert user.get_username() in cover["导出人"]
    assert cover["导出时间"] == "2025-06-18 10:00"
    rows = list(book["六个规范"].iter_rows(values_only=True))
    figures = {row[0]: row[1] for row in rows if row and len(row) > 1}
    assert figures["村(社区)总数"] == 3 and figures["六项全部达标"] == 1
    assert figures["达标比例(%)"] == pytest.approx(33.3)
    indicator_rows = list(book["规划指标与目标"].iter_rows(values_only=True))
    assert any(
        row[1] and "民主协商" in str(row[1]) and row[3] == "约束性" for row in indicator_rows
    )
    cases = {row[0]: row for row in book["工单统计（三率）"].iter_rows(values_only=True) if row}
    assert cases["合计"][1] == 1
    (event,) = AuditEvent.objects.filter(action="indicators.evaluation_export")
    assert event.actor_id == user.pk and event.region_code == HOME["county"]


def test_sections_guarded_by_another_apps_permission_say_so(world: World) -> None:
    """A reader holding only ``indicators.view`` gets the indicators, the six standards and the
    projects, and is told — not shown — that the cases, visits and coverage are not theirs."""
    role = Role.objects.create(
        code="indicator_reader", name="指标查阅", held_at="county", permissions=[IndicatorPerm.VIEW]
    )
    reader = accounts.create_staff_user(username="reader", full_name="查阅人", password=None)
    accounts.assign_role(user=reader, role=role, region=world.regions[HOME["county"]])
    client = client_for(reader)
    body = html(get(client, URL, {"year": 2025}))
    assert "您没有查看本地区工单统计的权限" in body
    assert "您没有查看本地区探访情况的权限" in body
    assert "您没有查看本地区生活圈覆盖情况的权限" in body
    assert "33.3%" in _section(body, SECTION_TITLES[1])
    # Indicator 10 itself is the plan's figure: it stays.
    assert "10. " in _section(body, SECTION_TITLES[4])
    book = load_workbook(io.BytesIO(get(client, EXPORT, {"year": 2025}).content))
    assert "您没有查看本地区工单统计的权限" in str(list(book["工单统计（三率）"].values))


def test_living_circle_coverage_comes_from_the_latest_run(world: World) -> None:
    for n, estate in enumerate(Estate.objects.order_by("pk")):
        estate.centre_lat, estate.centre_lng = 34.26 + n * 0.001, 117.18
        estate.save(update_fields=["centre_lat", "centre_lng"])
    (run,) = computing.request_refresh(
        reason="test", region=world.regions[HOME["city"]], enqueue=False
    )
    done = computing.run_coverage(run_id=run.pk)
    assert done is not None and done.status == RunStatus.DONE
    body = html(get(client_for(world.users["county_official"]), URL, {"year": 2025}))
    coverage = _section(body, SECTION_TITLES[5])
    assert "还没有生活圈覆盖计算结果" not in coverage
    assert "最近一次覆盖计算" in coverage
    assert world.regions[HOME["township"]].name in coverage  # the child regions' scores


def test_query_count_does_not_grow_with_the_child_regions(world: World) -> None:
    client = client_for(world.users["city_official"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(client, URL, {"year": 2025}).status_code == 200
        return len(captured.captured_queries)

    get(client, URL)  # warm the session and the permission caches alike for both counts
    before = count()
    city = world.regions[HOME["city"]]
    with calendar.frozen_time(datetime(2025, 6, 18, 9, 50)):
        for n in range(4, 10):
            county = _region(world, f"32030{n}", Level.COUNTY, Kind.DISTRICT, city, True)
            township = _region(
                world, f"{county.code}001", Level.TOWNSHIP, Kind.SUBDISTRICT, county, True
            )
            community = _region(
                world, f"{township.code}001", Level.COMMUNITY, Kind.URBAN_COMMUNITY, township, True
            )
            _case(world, community.code, f"新增{n}")
            care.plan(care.cared_for(community, f"新人{n}"), date(2025, 6, 20))
        rebuild(2025)
    after = count()
    assert after == before
    assert before <= 40  # the trends of every indicator in two queries
    body = html(get(client, URL, {"year": 2025}))
    assert _cells(_section(body, SECTION_TITLES[3]), "合计")[0] == str(2 + 6)


def test_the_dashboard_links_to_the_report_for_the_same_region_and_year(world: World) -> None:
    client = client_for(world.users["county_official"])
    body = html(get(client, "/indicators/", {"region": HOME["county"], "year": 2025}))
    assert f"{URL}?region={HOME['county']}&amp;year=2025" in body
    assert "工作项目和节点" in body  # the existing buttons stay


def test_the_english_page_renders(world: World) -> None:
    client = client_for(world.users["city_official"])
    client.cookies["django_language"] = "en"
    page = get(client, URL, {"year": 2025})
    assert page.status_code == 200
    body = html(page)
    assert '<html lang="en"' in body
    assert "Binding" in body  # the indicators' own English
