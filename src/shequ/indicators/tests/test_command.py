"""The command dashboard (综合指挥平台) over HTTP: each number on the wall counted on hand-built
data, only inside the official's subtree; the panels fragment htmx polls; the permission; and a
query count that does not grow with the number of child regions.

The story, read on Wednesday 18 June 2025 at 10:00 (Asia/Shanghai):

    case A   home community, window, submitted Mon 9 June, never accepted → overdue by the sweep
    case X   the other county, the same                                       (never counted at home)
    case B   home community, submitted today 09:30
    case C   the home county's other township, submitted today 09:40
    case Y   the other county, submitted today                                  (never counted at home)
    visits   home community: one due today, one done today (due yesterday), one overdue (due 10 June);
             other township: one due today; other county: one due today and one overdue
    alerts   one issued by the home county (active), one by the other county (active)
    targets  Xuzhou's plan; 2025 rebuilt — no meetings held, so deliberation-body coverage
             (5, binding) lags everywhere
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.care.tests import factories_compliance as care
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.sweep import sweep_deadlines
from shequ.cases.models import Case, CaseKind, Channel
from shequ.cases.numbers import grouped
from shequ.core import calendar
from shequ.emergency.tests.factories_alerts import issue
from shequ.indicators.actions.rebuild import rebuild
from shequ.indicators.actions.targets import load_default_targets
from shequ.indicators.definitions import INDICATORS
from shequ.indicators.models import Status
from shequ.indicators.queries.values import cards
from shequ.territory.models import Kind, Level
from tests.pages import client_for, html
from tests.world import HOME, World, _region, build_world

pytestmark = pytest.mark.django_db

URL = "/indicators/command/"
PANELS = "/indicators/command/panels/"
AWAY = "320303"
AWAY_COMMUNITY = "320303001001"
OTHER_TOWNSHIP = "320302002"
OTHER_COMMUNITY = "320302002001"
READ_AT = datetime(2025, 6, 18, 10, 0)
TODAY = READ_AT.date()
SECRET_NAME = "张秘密"
DELIBERATION = next(i for i in INDICATORS if i.code == "deliberation_body_coverage")


def _case(world: World, community: str, title: str) -> Case:
    """A window case entered by the community's desk where the world has one, else a resident's
    online request."""
    desk = {HOME["community"]: world.users["community_staff"], AWAY_COMMUNITY: world.outsider}
    by = desk.get(community)
    return submit_case(
        Intake(
            channel=Channel.WINDOW if by is not None else Channel.ONLINE,
            kind=CaseKind.COMPLAINT,
            category="environment",
            title=title,
            description=f"{title}，请尽快处理",
            region=world.regions[community],
            **(
                {"requester_name": SECRET_NAME, "requester_phone": "13912345678"}
                if by is not None
                else {"requester": world.users["resident"]}
            ),
        ),
        by=by,
    )


@pytest.fixture
def story() -> dict[str, Any]:
    world = build_world()
    load_default_targets(world.regions[HOME["city"]])
    made: dict[str, Any] = {"world": world}
    with calendar.frozen_time(datetime(2025, 6, 9, 9, 0)) as clock:
        made["A"] = _case(world, HOME["community"], "楼道堆物A")
        made["X"] = _case(world, AWAY_COMMUNITY, "楼道堆物X")
        clock.move_to(datetime(2025, 6, 18, 9, 0))
        sweep_deadlines()
        clock.move_to(datetime(2025, 6, 18, 9, 30))
        made["B"] = _case(world, HOME["community"], "路灯不亮B")
        clock.move_to(datetime(2025, 6, 18, 9, 40))
        made["C"] = _case(world, OTHER_COMMUNITY, "路灯不亮C")
        made["Y"] = _case(world, AWAY_COMMUNITY, "路灯不亮Y")
        home, other, away = (
            world.regions[HOME["community"]],
            world.regions[OTHER_COMMUNITY],
            world.regions[AWAY_COMMUNITY],
        )
        granny = care.cared_for(home, "王奶奶")
        care.plan(granny, TODAY)
        care.plan(care.cared_for(home, "李爷爷"), date(2025, 6, 17), done_on=TODAY)
        care.plan(care.cared_for(home, "赵奶奶"), date(2025, 6, 10))
        care.plan(care.cared_for(other, "钱爷爷"), TODAY)
        care.plan(care.cared_for(away, "孙奶奶"), TODAY)
        care.plan(care.cared_for(away, "周爷爷"), date(2025, 6, 11))
        made["alert"] = issue(world.regions[HOME["county"]], title="防汛预警本县")
        made["away_alert"] = issue(world.regions[AWAY], title="防汛预警外县")
        rebuild(2025)
    return made


def _figure(body: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', body)
    assert found, name
    return int(found.group(1))


def _child_row(body: str, code: str) -> list[str]:
    row = body.split(f'data-region="{code}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_county_official_sees_every_number_of_their_county_only(story: dict[str, Any]) -> None:
    world = story["world"]
    client = client_for(world.users["county_official"])
    with calendar.frozen_time(READ_AT):
        page = client.get(URL)
    assert page.status_code == 200
    body = html(page)
    assert world.regions[HOME["county"]].name in body
    # Cases: B and C received today; A, B, C open; A overdue. X and Y are in the other county.
    assert _figure(body, "received-today") == 2
    assert _figure(body, "open") == 3
    assert _figure(body, "overdue") == 1
    # Per township: received, open, overdue, visits due today, done today, overdue.
    assert _child_row(body, HOME["township"]) == ["1", "2", "1", "1", "1", "1"]
    assert _child_row(body, OTHER_TOWNSHIP) == ["1", "1", "0", "1", "0", "0"]
    # The most overdue cases: number, category, place, days — no title, no requester.
    overdue = body.split('id="command-overdue"', 1)[1].split("</section>", 1)[0]
    assert grouped(story["A"].number) in overdue
    assert "环境卫生" in overdue and world.regions[HOME["community"]].name in overdue
    assert grouped(story["X"].number) not in body
    assert "楼道堆物A" not in body and SECRET_NAME not in body
    days = re.findall(r'<td class="is-bad-text">(\d+)</td>', overdue)
    story["A"].refresh_from_db()
    due = calendar.localtime(story["A"].stage_due_at).date()
    assert days == [str((TODAY - due).days)] and int(days[0]) >= 5
    # Visits: due today at home and in the other township; one done today; one overdue.
    assert _figure(body, "visits-due-today") == 2
    assert _figure(body, "visits-done-today") == 1
    assert _figure(body, "visits-overdue") == 1
    assert "王奶奶" not in body
    # Alerts: the county's own, not the other county's.
    assert _figure(body, "active-alerts") == 1
    assert "防汛预警本县" in body and "防汛预警外县" not in body
    # Indicators of 2025: every status counted, the binding lagging one named.
    county_cards = cards(world.regions[HOME["county"]], 2025)
    for status in (Status.MET, Status.ON_TRACK, Status.LAGGING, Status.NO_DATA):
        expected = sum(1 for c in county_cards if c.status == status)
        assert _figure(body, f"indicators-{status}") == expected
    assert _figure(body, "indicators-lagging") >= 1
    lagging = body.split('id="command-indicators"', 1)[1].split("</section>", 1)[0]
    assert f"{DELIBERATION.number}. {DELIBERATION.short_name}" in lagging
    assert "2025" in lagging
    assert world.leaked_tokens(world.users["county_official"], body) == []


def test_the_city_sees_both_counties_and_the_wall_refreshes_itself(
    story: dict[str, Any],
) -> None:
    world = story["world"]
    client = client_for(world.users["city_official"])
    with calendar.frozen_time(READ_AT):
        body = html(client.get(URL))
    assert _figure(body, "received-today") == 3
    assert _figure(body, "open") == 5
    assert _figure(body, "overdue") == 2
    assert _figure(body, "visits-due-today") == 3
    assert _figure(body, "visits-overdue") == 2
    assert _figure(body, "active-alerts") == 2
    assert _child_row(body, HOME["county"]) == ["2", "3", "1", "2", "1", "1"]
    assert _child_row(body, AWAY) == ["1", "2", "1", "1", "0", "1"]
    # Refreshing: htmx fetches the panels every minute; without JavaScript the page reloads.
    assert f'hx-get="{PANELS}?region={HOME["city"]}"' in body
    assert 'hx-trigger="every 60s"' in body
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in body
    assert "<time>10:00</time>" in body
    # A child region's row opens that region's wall.
    assert f'href="{URL}?region={HOME["county"]}"' in body


def test_the_panels_fragment_carries_the_same_numbers(story: dict[str, Any]) -> None:
    world = story["world"]
    client = client_for(world.users["county_official"])
    with calendar.frozen_time(datetime(2025, 6, 18, 10, 7)):
        fragment = client.get(PANELS, {"region": HOME["township"]}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = html(fragment)
    assert body.startswith('<div id="command-panels"') and "<html" not in body
    assert "<time>10:07</time>" in body
    assert _figure(body, "received-today") == 1
    assert _figure(body, "open") == 2
    assert _figure(body, "overdue") == 1
    assert _figure(body, "visits-due-today") == 1
    assert _figure(body, "active-alerts") == 1  # the county's alert reaches the township
    assert f'hx-get="{PANELS}?region={HOME["township"]}"' in body
    assert "no-store" in fragment["Cache-Control"] or "no-cache" in fragment["Cache-Control"]


def test_another_county_and_the_city_are_not_found_for_a_county_official(
    story: dict[str, Any],
) -> None:
    client = client_for(story["world"].users["county_official"])
    for url in (URL, PANELS):
        assert client.get(url, {"region": AWAY}).status_code == 404
        assert client.get(url, {"region": HOME["city"]}).status_code == 404
        assert client.get(url, {"region": "abc"}).status_code == 404


def test_township_staff_see_their_township_and_roles_without_command_are_refused() -> None:
    world = build_world()
    township = client_for(world.users["township_staff"]).get(URL)
    assert township.status_code == 200
    assert world.regions[HOME["township"]].name in html(township)
    for role in ("community_head", "community_staff", "grid_worker", "unit_handler", "auditor"):
        client = client_for(world.users[role])
        assert client.get(URL).status_code == 403, role
        assert client.get(PANELS).status_code == 403, role


def test_signed_out_wall_reloads_instead_of_swapping_in_the_sign_in_page() -> None:
    build_world()
    from django.test import Client

    anonymous = Client()
    polled = anonymous.get(PANELS, headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    assert anonymous.get(URL).status_code == 302


def test_the_wall_is_linked_from_the_nav_and_the_indicator_dashboard_for_holders_only() -> None:
    world = build_world()
    county = client_for(world.users["county_official"])
    dashboard = html(county.get("/indicators/"))
    assert f'href="{URL}?region={HOME["county"]}"' in dashboard
    assert f'href="{URL}"' in dashboard  # the nav
    head = html(client_for(world.users["community_head"]).get("/indicators/"))
    assert URL not in head


def test_query_count_does_not_grow_with_the_child_regions(
    story: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    world = story["world"]
    client = client_for(world.users["city_official"])

    def count() -> int:
        with calendar.frozen_time(READ_AT), CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    client.get(URL)  # warm the session and the permission caches alike for both counts
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
            care.plan(care.cared_for(community, f"新人{n}"), TODAY)
    assert count() == before
    with calendar.frozen_time(READ_AT), django_assert_max_num_queries(30):
        body = html(client.get(URL))
    assert _figure(body, "received-today") == 3 + 6
    assert _child_row(body, "320309") == ["1", "1", "0", "1", "0", "0"]
