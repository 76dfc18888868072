"""The six-standards list, share, export and console items: the share of communities meeting all
six as a ratio of sums with the unassessed counted and named, the list filtered and paged in a fixed
number of queries, the jurisdiction (another county is a 404), and the audited workbook."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from shequ.accounts import actions as accounts
from shequ.accounts.models import Role
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.indicators.models import AssessmentStatus, StandardsAssessment
from shequ.indicators.queries.standards import six_standards_share
from shequ.indicators.tests.factories_standards import filled, reviewed, submitted
from shequ.territory.models import Kind, Level, Region
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
URL = "/indicators/standards/"
HOME_VILLAGE = "320302001201"
HOME_OTHER = "320302002001"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def year() -> int:
    return calendar.localdate().year


def virtual_community(world: World) -> Region:
    township = world.regions[HOME["township"]]
    code = township.code + "901"
    path = township.path + code + "/"
    return Region.objects.create(
        code=code,
        name="【虚拟】社区",
        level=Level.COMMUNITY,
        kind=Kind.URBAN_COMMUNITY,
        parent=township,
        path=path,
        depth=path.count("/") - 1,
        is_virtual=True,
    )


def three_of_four(world: World) -> None:
    """Home county: two communities meet all six, one is reviewed with five; the other county's
    only community was never assessed; a virtual community does not count at all."""
    reviewed(world.regions[HOME["community"]], year())
    reviewed(world.regions[HOME_OTHER], year())
    reviewed(world.regions[HOME_VILLAGE], year(), met=5)
    # A community made virtual after its review (a merger) no longer counts.
    StandardsAssessment.objects.create(
        community=virtual_community(world),
        year=year(),
        status=AssessmentStatus.REVIEWED,
        met_count=6,
    )


def test_the_share_is_a_ratio_of_sums_and_the_unassessed_count_as_not_meeting(
    world: World,
) -> None:
    three_of_four(world)
    assert six_standards_share(world.regions[HOME["county"]], year()) == (2, 3, 3)
    assert six_standards_share(world.regions[HOME["township"]], year()) == (1, 2, 2)
    assert six_standards_share(world.regions[HOME["city"]], year()) == (2, 3, 4)
    assert six_standards_share(world.regions[AWAY], year()) == (0, 0, 1)
    assert six_standards_share(world.regions[HOME["city"]], year() - 1) == (0, 0, 4)
    with pytest.raises(ValidationError):
        filled(Region.objects.get(is_virtual=True), year())

    body = html(client_for(world.users["city_official"]).get(URL, {"year": year()}))
    assert "50.0%" in body  # 2 of 4, the never-assessed one counted
    assert "共 4 个村(社区)，六项全部达标 2 个" in body
    assert "1 个村(社区)尚未完成审核，按未达标计" in body
    assert "未开始 1" in body
    assert "到2025年达到95%以上" in body and "未达到目标" in body
    # Per county: 2 of 3 at home, 0 of 1 elsewhere — each over its own subtree.
    assert "66.7%" in body and "0.0%" in body


def test_an_assessment_in_progress_is_named_not_counted(world: World) -> None:
    submitted(world.regions[HOME["community"]], year())
    filled(world.regions[HOME_OTHER], year())
    assert six_standards_share(world.regions[HOME["county"]], year()) == (0, 0, 3)
    body = html(client_for(world.users["county_official"]).get(URL))
    assert "3 个村(社区)尚未完成审核" in body
    assert "填报中 1" in body and "待审核 1" in body and "未开始 1" in body


def test_the_list_filters_by_status_result_and_township(world: World) -> None:
    three_of_four(world)
    submitted_elsewhere = world.regions[AWAY]
    submitted(submitted_elsewhere, year())
    client = client_for(world.users["city_official"])
    names = {
        code: world.regions[code].name
        for code in (HOME["community"], HOME_VILLAGE, HOME_OTHER, AWAY)
    }

    def shown(**query: Any) -> set[str]:
        body = html(client.get(URL, {"year": year(), **query}))
        return {code for code, name in names.items() if name in body.split("communities-title")[-1]}

    assert shown() == set(names)
    assert shown(status="submitted") == {AWAY}
    assert shown(result="all_met") == {HOME["community"], HOME_OTHER}
    assert shown(result="not_all_met") == {HOME_VILLAGE}
    assert shown(township=HOME["township"]) == {HOME["community"], HOME_VILLAGE}
    assert shown(status="none") == set()
    body = html(client.get(URL, {"year": year(), "result": "not_all_met"}))
    assert "5 / 6" in body


def test_bad_filters_are_named_and_the_list_still_shows(world: World) -> None:
    client = client_for(world.users["county_official"])
    page = client.get(URL, {"year": "20x5", "status": "nonsense", "township": AWAY})
    body = html(page)
    assert page.status_code == 200
    assert body.count("invalid-feedback") == 3  # year, status and township each named
    assert str(year()) in body
    assert client.get(URL, {"region": "abc"}).status_code == 404


def test_a_county_official_of_the_other_county_sees_nothing_of_this_one(world: World) -> None:
    roles = {role.code: role for role in Role.objects.all()}
    other = accounts.create_staff_user(username="away_county", full_name="外县甲", password=None)
    accounts.assign_role(user=other, role=roles["county_official"], region=world.regions["320303"])
    reviewed(world.regions[HOME["community"]], year())
    client = client_for(other)
    assert client.get(URL, {"region": HOME["county"]}).status_code == 404
    assert client.get(URL, {"region": HOME["city"]}).status_code == 404
    assert client.get(f"{URL}{HOME['community']}/").status_code == 404
    assert client.get(f"{URL}export.xlsx", {"region": HOME["county"]}).status_code == 404
    assert client.post(f"{URL}{HOME['community']}/reopen/", {"year": year()}).status_code == 404
    own = html(client.get(URL))
    assert world.regions[AWAY].name in own
    assert world.regions[HOME["community"]].name not in own
    # And the home county official cannot open the other county's community.
    home = client_for(world.users["county_official"])
    assert home.get(f"{URL}{AWAY}/").status_code == 404
    # Community staff see their own community only.
    staff = html(client_for(world.users["community_staff"]).get(URL))
    assert world.regions[HOME["community"]].name in staff
    assert world.regions[HOME_OTHER].name not in staff


def test_staff_without_the_permission_are_refused(world: World) -> None:
    assert client_for(world.users["grid_worker"]).get(URL).status_code == 403
    assert client_for(world.users["auditor"]).get(URL).status_code == 403


def _many_communities(world: World, n: int) -> None:
    township = world.regions[HOME["township"]]
    for i in range(n):
        code = f"{township.code}{300 + i:03d}"
        path = township.path + code + "/"
        community = Region.objects.create(
            code=code,
            name=f"社区{i}",
            level=Level.COMMUNITY,
            kind=Kind.URBAN_COMMUNITY,
            parent=township,
            path=path,
            depth=path.count("/") - 1,
        )
        if i % 3 == 0:
            reviewed(community, year(), met=6 - i % 2)
        elif i % 3 == 1:
            submitted(community, year())


def test_the_list_costs_the_same_queries_for_many_communities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["city_official"])
    query = {"year": year(), "region": HOME["township"]}
    client.get(URL, query)  # warm the per-process caches (roles, calendar)
    reviewed(world.regions[HOME["community"]], year())
    with django_assert_max_num_queries(12) as few:
        assert client.get(URL, query).status_code == 200
    _many_communities(world, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(URL, query)
    assert page.status_code == 200
    assert "第 1 页，共 2 页" in html(page)


def test_the_export_lists_every_community_with_each_decision_and_is_audited(
    world: World,
) -> None:
    three_of_four(world)
    client = client_for(world.users["county_official"])
    response = client.get(f"{URL}export.xlsx", {"year": year()})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'six-standards-{HOME["county"]}-{year()}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[3]
    assert header[:5] == ["县(市、区)", "镇(街道)", "村(社区)", "区划代码", "状态"]
    assert "组织架构规范" in header and "工作保障规范" in header
    by_code = {r[3]: r for r in rows[4:]}
    assert set(by_code) == {HOME["community"], HOME_VILLAGE, HOME_OTHER}  # no virtual, no AWAY
    village = by_code[HOME_VILLAGE]
    assert village[4] == "已审核"
    assert village[5:11] == ["✓", "✓", "✓", "✓", "✓", "✗"]
    assert village[11] == 5 and village[12] == "否"
    assert by_code[HOME["community"]][12] == "是"
    assert "county_official" in rows[2][0]  # stamped with who exported it
    event = AuditEvent.objects.get(action="indicators.standards_export")
    assert event.actor == world.users["county_official"]
    assert event.region_code == HOME["county"]
    # Filters apply to the workbook as to the page.
    only = client.get(f"{URL}export.xlsx", {"year": year(), "result": "all_met"})
    rows = list(load_workbook(io.BytesIO(only.content)).active.iter_rows(values_only=True))
    assert {r[3] for r in rows[4:]} == {HOME["community"], HOME_OTHER}


def test_reviewers_and_communities_see_what_waits_for_them_on_the_console(world: World) -> None:
    assessment = submitted(world.regions[HOME["community"]], year())
    assert "待审核的六个规范评定" in html(client_for(world.users["township_staff"]).get("/"))
    assert "待审核的六个规范评定" in html(client_for(world.users["city_official"]).get("/"))
    assert "待审核的六个规范评定" not in html(client_for(world.users["community_head"]).get("/"))
    from shequ.indicators.actions.standards import return_assessment

    return_assessment(assessment=assessment, reason="补充材料。", by=None)
    assert StandardsAssessment.objects.get().status == AssessmentStatus.RETURNED
    assert "被退回补充的六个规范评定" in html(client_for(world.users["community_staff"]).get("/"))
    assert "被退回补充的六个规范评定" not in html(
        client_for(world.users["township_staff"]).get("/")
    )


def test_the_indicator_dashboard_links_to_the_standards_of_the_same_region_and_year(
    world: World,
) -> None:
    body = html(
        client_for(world.users["city_official"]).get(
            "/indicators/", {"region": HOME["county"], "year": year()}
        )
    )
    assert f"/indicators/standards/?region={HOME['county']}&amp;year={year()}" in body
