"""Visit compliance: rates per place and month with their edge cases (no plans, cancelled plans,
done late, plans of another county), drill-down, scoping, fixed query counts on every page, the
overdue list and its masked, audited export, workload, never visited, and the console item."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.accounts.models import User
from shequ.care.attention import attention_items
from shequ.care.models import VisitPlanStatus
from shequ.care.queries import compliance as queries
from shequ.care.tests import factories_compliance as f
from shequ.core import calendar
from shequ.core.models import AuditEvent
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

NOW = "2026-05-20 10:00"
MAY = date(2026, 5, 1)
C1 = "320302001001"
VILLAGE = "320302001201"
T2C = "320302002001"
AWAY = "320303001001"
DASH = reverse("care:dashboard")
OVERDUE = reverse("care:overdue")
EXPORT = reverse("care:overdue_export")
WORKLOAD = reverse("care:workload")
NEVER = reverse("care:never_visited")


@pytest.fixture
def frozen() -> Any:
    with calendar.frozen_time(NOW) as clock:
        yield clock


@pytest.fixture
def world(frozen: Any) -> World:
    return build_world()


@pytest.fixture
def data(world: World) -> dict[str, Any]:
    """Plans of May 2026 in the home community (and one elsewhere), as the module docstring says."""
    home, away = world.regions[C1], world.regions[AWAY]
    g1, g2 = world.grids[C1 + "001"], world.grids[C1 + "002"]
    worker = world.users["grid_worker"]
    county_rule = f.rule(world.regions["320302"])
    f.rule(world.regions["320302"], "living_alone_elderly")
    away_rule = f.rule(world.regions["320303"])
    p: dict[str, Any] = {}
    p["a"] = f.cared_for(home, "王甲一", grid=g1)
    p["b"] = f.cared_for(home, "李乙二", grid=g1)
    p["c"] = f.cared_for(home, "赵丙三", grid=g2)
    p["d"] = f.cared_for(home, "钱丁四", grid=g2)
    p["e"] = f.cared_for(home, "孙戊五", grid=g1)
    p["f"] = f.cared_for(home, "周己六", grid=g1, group="living_alone_elderly")
    p["x"] = f.cared_for(away, "吴外七", grid=world.grids[AWAY + "001"])
    f.plan(
        p["a"], date(2026, 5, 10), done_on=date(2026, 5, 8), visitor=worker, visit_rule=county_rule
    )
    f.plan(
        p["b"], date(2026, 5, 10), done_on=date(2026, 5, 15), visitor=worker, visit_rule=county_rule
    )
    f.plan(p["c"], date(2026, 5, 12), visit_rule=county_rule)
    f.plan(p["d"], date(2026, 5, 25), visitor=worker, visit_rule=county_rule)
    f.plan(p["e"], date(2026, 5, 10), status=VisitPlanStatus.CANCELLED, visit_rule=county_rule)
    f.plan(
        p["f"], date(2026, 5, 31), done_on=date(2026, 5, 18), group="living_alone_elderly",
        visitor=worker,
    )  # fmt: skip
    f.plan(p["a"], date(2026, 4, 10), visitor=worker, visit_rule=county_rule)  # April: overdue
    f.plan(p["x"], date(2026, 5, 10), visit_rule=away_rule)
    f.visit(p["a"], date(2026, 5, 8), worker)
    f.visit(p["b"], date(2026, 1, 5), worker)
    return p


def _row(table: queries.Dashboard, code: str) -> queries.RateRow:
    return next(row for row in table.rows if row.place is not None and row.place.code == code)


# --- Rates --------------------------------------------------------------------------------------------


def test_rates_of_a_township_count_cancelled_late_and_foreign_plans_right(
    world: World, data: dict[str, Any]
) -> None:
    user = world.users["township_staff"]
    table = queries.dashboard(user, world.regions["320302001"], MAY)
    home = _row(table, C1)
    # Cancelled e is not due; b was done late; c is overdue; d is not due yet; x is elsewhere.
    assert (home.due, home.done, home.on_time, home.overdue) == (5, 3, 2, 1)
    assert home.rate == Decimal("60.0")
    assert (home.hardship_due, home.hardship_done, home.hardship_rate) == (4, 2, Decimal("50.0"))
    assert home.hardship_short
    village = _row(table, VILLAGE)
    assert village.due == 0 and village.rate is None and village.hardship_rate is None
    assert (table.total.due, table.total.done, table.total.overdue) == (5, 3, 1)


def test_county_rows_and_group_filter(world: World, data: dict[str, Any]) -> None:
    user = world.users["county_official"]
    table = queries.dashboard(user, world.regions["320302"], MAY, "living_alone_elderly")
    assert _row(table, "320302001").due == 1 and _row(table, "320302001").rate == Decimal("100.0")
    assert _row(table, "320302002").rate is None
    assert table.total.due == 1


def test_a_community_drills_down_to_its_grids(world: World, data: dict[str, Any]) -> None:
    table = queries.dashboard(world.users["community_staff"], world.regions[C1], MAY)
    g1, g2 = _row(table, C1 + "001"), _row(table, C1 + "002")
    assert (g1.due, g1.done, g2.due, g2.overdue) == (3, 3, 2, 1)
    assert g1.rate == Decimal("100.0")


def test_the_dashboard_page_shows_no_plans_and_links_down(
    world: World, data: dict[str, Any]
) -> None:
    client = client_for(world.users["township_staff"])
    body = html(client.get(DASH, {"month": "2026-05"}))
    assert "无计划" in body
    assert f"?region={C1}&amp;month=2026-05" in body
    assert "60.0%" in body
    body = html(client.get(DASH, {"region": C1, "month": "2026-05"}))
    assert f"grid={C1}001" in body  # grids link to their overdue list
    assert "100.0%" in body


def test_a_wrong_month_is_said_and_this_month_shown(world: World, data: dict[str, Any]) -> None:
    client = client_for(world.users["township_staff"])
    body = html(client.get(DASH, {"month": "2026-13"}))
    assert "月份格式不正确" in body
    assert "2026-05" in body


def test_scoping_of_the_dashboard(world: World, data: dict[str, Any]) -> None:
    township = client_for(world.users["township_staff"])
    assert township.get(DASH, {"region": "320302002"}).status_code == 404
    assert township.get(DASH, {"region": "320303"}).status_code == 404
    assert township.get(DASH, {"region": "nonsense"}).status_code == 404
    body = html(township.get(DASH))
    assert "【320302002】" not in body and "【320303】" not in body
    # A grid worker sees their community with their grid only; totals from their grid alone.
    table = queries.dashboard(world.users["grid_worker"], world.regions[C1], MAY)
    assert [row.place.code for row in table.rows if row.place] == [C1 + "001"]
    assert table.total.due == 3
    assert client_for(world.users["resident"]).get(DASH).status_code in (302, 403)


@pytest.mark.parametrize(
    "role,code",
    [
        ("township_staff", "320302001"),
        ("county_official", "320302"),
        ("community_staff", C1),
        ("city_official", "320300"),
    ],
)
def test_dashboard_queries_are_fixed(
    world: World, data: dict[str, Any], role: str, code: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users[role])
    client.get(DASH, {"region": code})  # warm the session and caches
    with django_assert_max_num_queries(9):  # the same for a community, township, county, city
        assert client.get(DASH, {"region": code}).status_code == 200


# --- The overdue list and its export ---------------------------------------------------------------


def test_overdue_list_masks_names_and_counts_days(world: World, data: dict[str, Any]) -> None:
    client = client_for(world.users["township_staff"])
    body = html(client.get(OVERDUE))
    assert "赵**" in body and "赵丙三" not in body
    assert "王**" in body  # April's plan of a
    assert "吴外七" not in body and "吴**" not in body  # elsewhere
    assert ">8<" in body  # c: due 12 May, today 20 May
    assert "钱**" not in body  # d is not due yet
    body = html(client.get(OVERDUE, {"region": C1, "grid": C1 + "002"}))
    assert "赵**" in body and "王**" not in body
    assert client.get(OVERDUE, {"region": C1, "grid": AWAY + "001"}).status_code == 404


def test_overdue_list_query_count(
    world: World, data: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    home = world.regions[C1]
    for n in range(15):
        person = f.cared_for(home, f"郑{n}号", grid=world.grids[C1 + "001"])
        f.plan(person, date(2026, 5, 2))
    client = client_for(world.users["county_official"])
    client.get(OVERDUE)
    with django_assert_max_num_queries(8):
        assert client.get(OVERDUE).status_code == 200


def test_export_is_masked_and_audited(world: World, data: dict[str, Any]) -> None:
    user = world.users["county_official"]
    response = client_for(user).get(EXPORT, {"region": "320302"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "赵**" in cells and "王**" in cells
    assert not any("赵丙三" in c or "吴" in c for c in cells)
    event = AuditEvent.objects.get(action="care.overdue_export")
    assert event.actor_id == user.pk and event.region_code == "320302"


def test_export_needs_the_statistics_permission(world: World, data: dict[str, Any]) -> None:
    assert client_for(world.users["community_staff"]).get(EXPORT).status_code == 403
    body = html(client_for(world.users["community_staff"]).get(OVERDUE))
    assert EXPORT not in body


# --- Workload and never visited -------------------------------------------------------------------


def test_workload(world: World, data: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    client = client_for(world.users["township_staff"])
    client.get(WORKLOAD)
    with django_assert_max_num_queries(9):
        body = html(client.get(WORKLOAD, {"month": "2026-05"}))
    load = queries.workload(world.users["township_staff"], world.regions["320302001"], MAY)
    (row,) = list(load.visitors)
    assert (row["assigned"], row["done"], row["overdue"]) == (4, 3, 0)
    assert [(r["community__code"], r["count"]) for r in load.unassigned] == [(C1, 1)]
    assert world.users["grid_worker"].full_name in body


def test_never_visited(
    world: World, data: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    home = world.regions[C1]
    veteran = f.cared_for(home, "冯无规", grid=world.grids[C1 + "001"], group="veteran")
    assert veteran
    user = world.users["township_staff"]
    region = world.regions["320302001"]
    ever = {r.name for r in queries.never_visited(user, region)}
    assert ever == {"赵丙三", "钱丁四", "孙戊五", "周己六"}  # a and b visited; no rule for veterans
    recent = {r.name for r in queries.never_visited(user, region, recent=True)}
    assert recent == ever | {"李乙二"}  # b's visit is from January
    client = client_for(user)
    client.get(NEVER)
    with django_assert_max_num_queries(10):
        body = html(client.get(NEVER, {"window": "recent"}))
    assert "李**" in body and "李乙二" not in body and "冯**" not in body
    assert "吴**" not in body


def test_never_visited_without_rules_is_empty(world: World) -> None:
    f.cared_for(world.regions[C1], "陈无规", grid=world.grids[C1 + "001"])
    assert not queries.never_visited(world.users["township_staff"], world.regions[C1]).exists()


# --- The console item -----------------------------------------------------------------------------


def test_attention_counts_overdue_visits_in_the_jurisdiction(
    world: World, data: dict[str, Any]
) -> None:
    def count(user: User | None) -> int | None:
        items = attention_items(user)
        return items[0].count if items else 0

    assert count(world.users["grid_worker"]) == 1  # a's April plan in the home grid
    assert count(world.users["township_staff"]) == 2
    assert count(world.outsider) == 1
    assert count(world.users["resident"]) == 0
    (item,) = attention_items(world.users["township_staff"])
    assert item.url == OVERDUE


# --- Every compliance URL as every role (as tests/scope/test_every_url.py does) ------------------

URLS = [DASH, OVERDUE, EXPORT, WORKLOAD, NEVER, "/api/v1/care/compliance",
        "/api/v1/care/compliance/overdue", "/api/v1/care/compliance/indicator-10"]  # fmt: skip


def test_every_compliance_url_as_every_role(world: World, data: dict[str, Any]) -> None:
    users: list[Any] = [*world.users.values(), world.outsider, None]
    for user in users:
        client = client_for(user) if user is not None else Client()
        for url in URLS:
            for region in ("", "320302", "320303", C1, AWAY, "320302001001001"):
                query = {"region": region, "month": "2026-05"} if region else {}
                response = client.get(url, query)
                assert response.status_code < 500, (user, url, region)
                if response.status_code == 200 and "xlsx" not in url:
                    leaked = world.leaked_tokens(user, response.content.decode())
                    assert leaked == [], (user, url, region, leaked)
