"""Case statistics (工单统计) over HTTP: the three rates and the rest, counted exactly on cases driven
through their whole life cycle with the clock frozen; the scope; the query count; the Excel export.

The March 2026 story (all in the home township unless said; Monday 2 March is a working day, and a
stage "due in one working day" is due at close of business the next working day):

    A  online, accepted Mon 10:00, dispatched to the county unit, whistle → unit reports in at once,
       handled Mon 14:00 (due Mon 9 Mar), closed, rated 5★                        on time, resolved
    B  online, left waiting; the sweep on Wed 09:00 finds it overdue; accepted Wed 10:00 (late),
       whistle → unit reports the next day (late); handled Thu 12 Mar (due Wed 11) — late; rated 3★
    C  online, accepted and handled the same day, closed, rated 1★ → back to work (整改), callback
       done the next morning (on time); whistle → city unit that never reports in
    D  window, rejected Mon 10:00                                                  on time
    E  online, withdrawn by the resident
    F  grid patrol, resolved on the spot
    G  window, never accepted; overdue since the Wed sweep                          late, overdue
    K  window, merged into G
    J  window, submitted Thu 19 Mar (waiting, not late yet)
    I  online, in the other township of the home county (left waiting: late)
    H  the outsider's case in the other county, through a whole life cycle

The page is read on Friday 20 March 2026 at 10:00, so "this month" is 1–20 March.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.sweep import sweep_deadlines
from shequ.cases.models import Callback, Case, CaseKind, Channel
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.territory.models import Kind, Level, Region
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

URL = reverse("cases:statistics")
EXPORT = reverse("cases:statistics_export")
READ_AT = datetime(2026, 3, 20, 10, 0)
OTHER_TOWNSHIP_COMMUNITY = "320302002001"
OUTSIDE_COMMUNITY = "320303001001"
PHONE = "13912345678"


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(out, "JPEG")
    out.seek(0)
    out.name = "scene.jpg"
    return out


def _online(world: World, title: str, community: str = HOME["community"]) -> Case:
    return submit_case(
        Intake(
            channel=Channel.ONLINE,
            kind=CaseKind.COMPLAINT,
            category="environment",
            title=title,
            description=f"{title}，请尽快处理",
            region=world.regions[community],
            requester=world.users["resident"],
        )
    )


def _window(world: World, title: str, *, by: Any = None, community: str = HOME["community"]):
    return submit_case(
        Intake(
            channel=Channel.WINDOW,
            kind=CaseKind.COMPLAINT,
            category="environment",
            title=title,
            description=f"{title}，请尽快处理",
            region=world.regions[community],
            requester_name="张秘密",
            requester_phone=PHONE,
        ),
        by=by or world.users["community_staff"],
    )


def _close_self(case: Case, by: Any) -> None:
    """Accepted already: handled by the accepting office, verified and closed now."""
    handling.start_self(case=case, by=by)
    handling.handle(case=case, by=by, result="已处理")
    handling.verify(case=case, by=by, passed=True)
    handling.close(case=case, by=by)


def _story(world: World) -> dict[str, Case]:
    desk, township = world.users["community_staff"], world.users["township_staff"]
    unit, resident = world.users["unit_handler"], world.users["resident"]
    county_unit, city_unit = world.units["320302"], world.units["320300"]
    outsider = world.outsider
    cases: dict[str, Case] = {}
    with calendar.frozen_time(datetime(2026, 3, 2, 9, 0)) as clock:
        for name in "ABCE":
            cases[name] = _online(world, f"事项{name}")
        for name in "DGK":
            cases[name] = _window(world, f"事项{name}")
        cases["I"] = _online(world, "事项I", OTHER_TOWNSHIP_COMMUNITY)
        cases["H"] = _window(world, "事项H", by=outsider, community=OUTSIDE_COMMUNITY)
        clock.move_to(datetime(2026, 3, 2, 9, 30))
        cases["F"] = submit_case(
            Intake(
                channel=Channel.GRID_PATROL,
                kind=CaseKind.GRID_EVENT,
                category="environment",
                title="事项F",
                description="路面积水，已疏通",
                grid=world.grids[HOME["grid"]],
                latitude=34.26,
                longitude=117.18,
                resolved_on_spot=True,
                result="已疏通",
                photos=[_photo()],
            ),
            by=world.users["grid_worker"],
        )

        clock.move_to(datetime(2026, 3, 2, 10, 0))
        a, c = cases["A"], cases["C"]
        handling.accept(case=a, by=desk)
        handling.accept(case=c, by=desk)
        handling.reject(case=cases["D"], by=desk, reason="不属于受理范围")
        handling.withdraw(case=cases["E"], requester=resident, reason="已自行解决")
        handling.merge(case=cases["K"], into=cases["G"], by=township, note="同一问题")
        handling.dispatch(case=a, by=township, lead=county_unit)
        handling.whistle(case=a, by=township, units=[county_unit], note="请到场")
        handling.accept(case=cases["H"], by=outsider)
        _close_self(cases["H"], outsider)
        clock.move_to(datetime(2026, 3, 2, 11, 0))
        handling.report_in(case=a, by=unit, note="已到场")
        handling.sign(case=a, by=unit)
        _close_self(c, desk)
        clock.move_to(datetime(2026, 3, 2, 14, 0))
        handling.handle(case=a, by=unit, result="已清运")
        handling.verify(case=a, by=desk, passed=True)
        handling.close(case=a, by=desk)
        clock.move_to(datetime(2026, 3, 2, 16, 0))
        ratings.rate(case=a, requester=resident, stars=5)
        ratings.rate(case=c, requester=resident, stars=1, comment="没有处理好")
        handling.whistle(case=c, by=township, units=[city_unit], note="请市局到场")

        clock.move_to(datetime(2026, 3, 3, 10, 0))
        callback = Callback.objects.get(case=c)
        ratings.record_callback(callback=callback, by=desk, note="已回访，继续整改")

        clock.move_to(datetime(2026, 3, 4, 9, 0))
        sweep_deadlines()  # B, G and I waited past Tuesday's close of business
        clock.move_to(datetime(2026, 3, 4, 10, 0))
        b = cases["B"]
        handling.accept(case=b, by=desk)
        handling.start_self(case=b, by=desk)
        handling.whistle(case=b, by=township, units=[county_unit], note="请到场")
        clock.move_to(datetime(2026, 3, 5, 10, 0))
        handling.report_in(case=b, by=unit)
        clock.move_to(datetime(2026, 3, 12, 10, 0))
        handling.handle(case=b, by=desk, result="已处理")
        handling.verify(case=b, by=desk, passed=True)
        handling.close(case=b, by=desk)
        ratings.rate(case=b, requester=resident, stars=3)

        clock.move_to(datetime(2026, 3, 19, 9, 0))
        cases["J"] = _window(world, "事项J")
    return cases


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def story(world: World) -> dict[str, Case]:
    return _story(world)


def _get(user: Any, url: str = URL, **params: str) -> Any:
    with calendar.frozen_time(READ_AT):
        return client_for(user).get(url, params)


def _row(body: str, table_id: str, label: str) -> str:
    """The HTML of the first row of table ``table_id`` whose header cell contains ``label``."""
    table = body.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    for row in table.split("<tr")[1:]:
        header = row.split("</th>", 1)[0]
        if label in header:
            return row
    raise AssertionError(f"no row {label!r} in {table_id}")


def _cells(row: str) -> list[str]:
    """The text of each ``<td>`` of a row, tags removed and whitespace squeezed."""
    import re

    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_township_official_sees_each_rate_counted_exactly(world: World, story) -> None:
    response = _get(world.users["township_staff"])
    assert response.status_code == 200
    body = html(response)
    assert "2026-03-01 至 2026-03-20" in body
    total = _cells(_row(body, "region-table", "合计"))
    # received, accepted, rejected, merged, withdrawn
    assert total[:5] == ["9", "4", "1", "1", "1"]
    # response: A, C, D, F answered in time; B answered late; G late and waiting; E, K, J not counted
    assert total[5] == "66.7% (4/6)"
    # closed in the period: A (on time), B (late), F (on the spot); C went back to work
    assert total[6] == "3"
    assert total[7] == "66.7% (2/3)"
    # resolution: first ratings 5★ (A), 3★ (B), 1★ (C) and F on the spot → 3 of 4
    assert total[8] == "75% (3/4)"
    # satisfaction: one rating of three is 4★ or more
    assert total[9] == "33.3% (1/3)"
    # bad ratings, whistles, open (C, G, J), overdue (G)
    assert total[10:] == ["1", "3", "3", "1"]
    community = _cells(_row(body, "region-table", world.regions[HOME["community"]].name))
    assert community == total
    village = _cells(_row(body, "region-table", world.regions["320302001201"].name))
    assert village[:5] == ["0"] * 5 and village[5] == "—" and village[7:10] == ["—"] * 3


def test_ratings_callbacks_backlog_and_summons(world: World, story) -> None:
    body = html(_get(world.users["township_staff"]))
    stars = {n: _cells(_row(body, "ratings-table", f"{n}星"))[0] for n in range(1, 6)}
    assert stars == {1: "1", 2: "0", 3: "1", 4: "0", 5: "1"}
    assert _cells(_row(body, "ratings-table", "差评"))[0] == "1"
    assert _cells(_row(body, "ratings-table", "按时回访"))[0] == "1"
    assert _cells(_row(body, "ratings-table", "待回访"))[0] == "0"
    # C and G were submitted 18 days ago, J yesterday
    backlog = _cells(_row(body, "backlog-table", "合计"))
    assert backlog == ["1", "0", "0", "0", "0", "2", "3", "1"]
    county_unit = _cells(_row(body, "summons-table", world.units["320302"].name))
    assert county_unit == ["2", "1", "1", "0"]  # summoned, on time, late, awaited
    city_unit = _cells(_row(body, "summons-table", world.units["320300"].name))
    assert city_unit[:3] == ["1", "0", "0"] and city_unit[3].startswith("1")
    assert "1 已超时" in city_unit[3]


def test_unit_table_counts_the_lead_unit_cases(world: World, story) -> None:
    body = html(_get(world.users["township_staff"]))
    unit = _cells(_row(body, "unit-table", world.units["320302"].name))
    # A only: received, closed, on time 1/1, resolved 1/1, satisfied 1/1, no bad, none open
    assert unit == ["1", "1", "100% (1/1)", "100% (1/1)", "100% (1/1)", "0", "0", "0"]
    own = _cells(_row(body, "unit-table", "未派遣"))
    assert own[:2] == ["8", "2"]


def test_overdue_list_links_to_the_case(world: World, story) -> None:
    body = html(_get(world.users["township_staff"]))
    table = body.split('id="overdue-table"', 1)[1].split("</table>", 1)[0]
    g = story["G"]
    assert "事项G" in table
    assert "事项J" not in table and "事项C" not in table
    assert f'href="{reverse("cases:case", kwargs={"case_id": g.pk})}"' in table


def test_scope_counts_only_the_users_jurisdiction(world: World, story) -> None:
    # The county sees both of its townships (I is late, never answered), never the outsider's H.
    body = html(_get(world.users["county_official"]))
    total = _cells(_row(body, "region-table", "合计"))
    assert total[0] == "10" and total[5] == "57.1% (4/7)"
    other = _cells(_row(body, "region-table", world.regions["320302002"].name))
    assert other[0] == "1" and other[5] == "0% (0/1)"
    assert "事项H" not in body
    # The township official never counts the other township's case, nor may they open it.
    assert _get(world.users["township_staff"], region="320302002").status_code == 404
    assert _get(world.users["township_staff"], region="320302").status_code == 404
    assert _get(world.users["township_staff"], region=OUTSIDE_COMMUNITY).status_code == 404
    # The community head sees their own community only.
    body = html(_get(world.users["community_head"]))
    assert _cells(_row(body, "region-table", "合计"))[0] == "9"
    # The city sees all three counties' cases, H included.
    body = html(_get(world.users["city_official"]))
    assert _cells(_row(body, "region-table", "合计"))[0] == "11"


def test_drilling_down_to_a_community(world: World, story) -> None:
    body = html(_get(world.users["township_staff"], region=HOME["community"]))
    assert _cells(_row(body, "region-table", "合计"))[0] == "9"
    assert world.regions[HOME["township"]].name in body  # the breadcrumb back up


@pytest.mark.parametrize("role", ["unit_handler", "grid_worker", "community_staff", "resident"])
def test_who_has_no_statistics_permission_is_refused(world: World, role: str) -> None:
    assert _get(world.users[role]).status_code == 403
    assert _get(world.users[role], EXPORT).status_code == 403
    assert _get(world.outsider).status_code == 403


def test_an_earlier_period_counts_nothing_and_shows_dashes(world: World, story) -> None:
    body = html(_get(world.users["township_staff"], date_from="2026-02-01", date_to="2026-02-28"))
    total = _cells(_row(body, "region-table", "合计"))
    assert total[0] == "0" and total[5] == "—" and total[7:10] == ["—", "—", "—"]
    assert total[-2:] == ["3", "1"]  # the backlog is today's, whatever the period


def test_bad_dates_are_named_and_nothing_is_counted(world: World) -> None:
    body = html(_get(world.users["township_staff"], date_from="2026-03-10", date_to="2026-03-01"))
    assert "结束日期不能早于开始日期。" in body and 'id="region-table"' not in body
    body = html(_get(world.users["township_staff"], date_from="2026-13-45"))
    assert 'id="id_date_from_error"' in body and 'id="region-table"' not in body
    body = html(_get(world.users["township_staff"], region="32<script>"))
    assert "区域代码不正确" in body and "<script>" not in body.split("<main", 1)[1]


def _extra_communities(world: World, n: int) -> list[Region]:
    township = world.regions[HOME["township"]]
    made = []
    for i in range(n):
        code = f"{township.code}{300 + i}"
        made.append(
            region := Region.objects.create(
                code=code,
                name=f"新社区{i}",
                level=Level.COMMUNITY,
                kind=Kind.URBAN_COMMUNITY,
                parent=township,
                path=f"{township.path}{code}/",
                depth=township.depth + 1,
            )
        )
        world.regions[code] = region
    return made


def _busy_cases(world: World, n: int, places: list[str]) -> None:
    """``n`` cases spread over ``places``: a third waiting, a third in work with a whistle, a third
    closed and rated."""
    township, resident = world.users["township_staff"], world.users["resident"]
    with calendar.frozen_time(datetime(2026, 3, 2, 9, 0)):
        for i in range(n):
            case = _online(world, f"批量{i}", places[i % len(places)])
            if i % 3 == 0:
                continue
            handling.accept(case=case, by=township)
            handling.whistle(case=case, by=township, units=[world.units["320302"]], note="到场")
            if i % 3 == 2:
                _close_self(case, township)
                ratings.rate(case=case, requester=resident, stars=1 + i % 5)


def _count_queries(user: Any) -> int:
    client = client_for(user)
    with calendar.frozen_time(READ_AT), CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_cases_or_regions(
    world: World, django_assert_max_num_queries: Any
) -> None:
    township = world.users["township_staff"]
    _busy_cases(world, 2, [HOME["community"]])
    few = _count_queries(township)
    extra = _extra_communities(world, 5)
    _busy_cases(world, 20, [HOME["community"], "320302001201", *[r.code for r in extra]])
    many = _count_queries(township)
    assert many == few
    client = client_for(township)
    with calendar.frozen_time(READ_AT), django_assert_max_num_queries(few):
        assert client.get(URL).status_code == 200


def test_export_has_one_sheet_per_table_with_the_numbers_and_no_personal_data(
    world: World, story
) -> None:
    response = _get(world.users["township_staff"], EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "区域统计",
        "承办单位",
        "积压工单",
        "超期工单",
        "吹哨报到",
        "评价与回访",
    ]
    regions = [list(row) for row in book["区域统计"].iter_rows(values_only=True)]
    header, *rows = regions[2:]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["区域"] == "合计"
    assert total["收件量"] == 9 and total["受理"] == 4 and total["合并"] == 1
    assert total["响应率(%)"] == 66.7 and (total["按时响应"], total["应响应"]) == (4, 6)
    assert total["按期办结率(%)"] == 66.7 and total["解决率(%)"] == 75
    assert total["满意率(%)"] == 33.3 and total["超期"] == 1
    village = dict(zip(header, rows[1], strict=True))
    assert village["响应率(%)"] == "—"
    overdue = [list(row) for row in book["超期工单"].iter_rows(values_only=True)][3:]
    assert len(overdue) == 1 and overdue[0][1] == world.regions[HOME["community"]].name
    every_cell = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for secret in ("张秘密", PHONE, "事项G", "居民甲", world.users["township_staff"].full_name):
        assert secret not in every_cell
    event = AuditEvent.objects.get(action="cases.statistics_export")
    assert event.actor == world.users["township_staff"]
    assert event.region_code == HOME["township"]


def test_export_of_another_township_is_refused_and_not_audited(world: World, story) -> None:
    response = _get(world.users["township_staff"], EXPORT, region="320302002")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="cases.statistics_export").exists()
