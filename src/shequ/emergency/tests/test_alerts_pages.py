"""The alert pages over HTTP: a township previews and issues an alert (a double click issues once),
the live board counts per grid and per community, a grid worker reveals a phone for the call and
confirms on the checklist, the township closes the alert; residents see their community's active
alerts. Scope: another county's alert is a 404; a community's staff see the township's alert that
reaches them, only their own items on the board; lists cost a fixed number of queries."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.emergency.models import Alert, AlertStatus, ReachItem, ReachStatus
from shequ.emergency.tests.factories_alerts import SQUARE, family, issue, tagged
from shequ.registry.models import CareGroup
from shequ.volunteering.tests.factories_party import resident_user
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

CONSOLE = reverse("emergency:console")
NEW = reverse("emergency:alert_create")
CHECKLIST = reverse("emergency:my_checklist")
MINE = reverse("emergency:my_alerts")


@pytest.fixture
def world() -> World:
    return build_world()


def township(world: World) -> Any:
    return world.regions[HOME["township"]]


def populate(world: World, n: int = 3) -> list[Any]:
    community, grid = world.regions[HOME["community"]], world.grids[HOME["grid"]]
    found = [tagged(community, f"关爱{i}号", CareGroup.DIBAO, grid=grid) for i in range(n)]
    family(community, "普通户", grid=world.grids[HOME["community"] + "002"])
    found.append(tagged(world.regions["320302002001"], "邻镇老人", CareGroup.OLDEST_OLD))
    return found


def detail_url(alert: Alert, step: str = "") -> str:
    return reverse("emergency:alert_detail", kwargs={"alert_id": alert.pk}) + (
        f"{step}/" if step else ""
    )


def _form(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "region": township(world).pk,
        "kind": "flood",
        "severity": "red",
        "title": "城区内涝预警",
        "instructions": "请低洼地区居民向高处转移。",
        "target_regions": [township(world).pk],
        "area": "",
        "request_key": "key-1",
        **extra,
    }


def test_a_township_previews_and_issues_an_alert_once(world: World) -> None:
    populate(world)
    staff = client_for(world.users["township_staff"])
    page = html(staff.get(NEW))
    assert 'name="request_key"' in page and "划定区域" in page
    preview = html(staff.post(NEW, {**_form(world), "preview": "1"}))
    assert "在册居民 <strong>8</strong> 人" in preview and "<strong>3</strong> 人" in preview
    assert not Alert.objects.exists()
    first = staff.post(NEW, {**_form(world), "issue": "1"})
    again = staff.post(NEW, {**_form(world), "issue": "1"})  # the double click
    alert = Alert.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == detail_url(alert)
    assert alert.checklist_count == 3 and alert.resident_count == 8
    board = html(staff.get(detail_url(alert)))
    assert 'hx-trigger="every 5s"' in board
    assert re.search(r'data-count="pending">3<', board)
    assert "城区内涝预警" in html(staff.get(CONSOLE))


def test_bad_input_on_the_page_is_shown_under_the_field(world: World) -> None:
    populate(world)
    staff = client_for(world.users["township_staff"])
    empty_area = staff.post(NEW, {**_form(world, target_regions=[], area=json.dumps(SQUARE)),
                                  "issue": "1"})  # fmt: skip
    assert empty_area.status_code == 422
    assert "没有在册居民" in html(empty_area)
    bad_polygon = staff.post(NEW, {**_form(world, area='{"type": "Polygon", "coordinates": []}'),
                                   "issue": "1"})  # fmt: skip
    assert bad_polygon.status_code == 422 and "划定范围有误" in html(bad_polygon)
    outside = staff.post(
        NEW, {**_form(world, target_regions=[world.regions["320303001"].pk]), "issue": "1"}
    )
    assert outside.status_code == 422  # not among the choices: the form refuses it
    assert not Alert.objects.exists()


def test_community_staff_cannot_open_the_issue_page(world: World) -> None:
    for role in ("community_head", "community_staff", "grid_worker"):
        assert client_for(world.users[role]).get(NEW).status_code == 403


def test_the_grid_worker_confirms_and_the_board_rises(world: World) -> None:
    populate(world)
    alert = issue(township(world), by=world.users["township_staff"])
    worker = client_for(world.users["grid_worker"])
    page = html(worker.get(CHECKLIST))
    assert "关***" in page and "关爱0号" not in page  # masked
    assert "邻镇" not in page
    ids = [int(x) for x in re.findall(r'id="item-(\d+)"', page)]
    assert len(ids) == 3
    # Reveal the phone for the call: audited, shown only in the answer.
    revealed = html(worker.post(reverse("emergency:reach_reveal", kwargs={"reach_item_id": ids[0]}),
                                HTTP_HX_REQUEST="true"))  # fmt: skip
    phone = ReachItem.objects.get(pk=ids[0]).resident.phone
    assert f"tel:{phone}" in revealed
    assert AuditEvent.objects.filter(action="emergency.reveal_phone").count() == 1
    confirm = reverse("emergency:confirm_reach", kwargs={"reach_item_id": ids[0]})
    done = worker.post(confirm, {"status": "reached_phone", "note": ""}, follow=True)
    assert "已记录" in html(done)
    escalate = reverse("emergency:confirm_reach", kwargs={"reach_item_id": ids[1]})
    refused = worker.post(escalate, {"status": "escalated", "note": ""}, follow=True)
    assert "上报时请说明情况" in html(refused)
    worker.post(escalate, {"status": "escalated", "note": "家中无人"})
    board = html(client_for(world.users["township_staff"]).get(detail_url(alert, "board")))
    assert re.search(r'data-count="reached">1<', board)
    assert re.search(r'data-count="escalated">1<', board)
    assert re.search(r'data-count="pending">1<', board)
    # A second confirmation of the same item is told who did it.
    again = worker.post(confirm, {"status": "reached_in_person", "note": ""}, follow=True)
    assert "已由" in html(again)


def test_closing_the_alert_ends_the_checklist(world: World) -> None:
    populate(world)
    alert = issue(township(world), by=world.users["township_staff"])
    staff = client_for(world.users["township_staff"])
    assert "解除预警" in html(staff.get(detail_url(alert)))
    staff.post(detail_url(alert, "close"), {"reason": "降雨结束"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert "hx-trigger" not in html(staff.get(detail_url(alert)))
    worker = client_for(world.users["grid_worker"])
    assert 'id="item-' not in html(worker.get(CHECKLIST))
    item = ReachItem.objects.filter(alert=alert).first()
    refused = worker.post(
        reverse("emergency:confirm_reach", kwargs={"reach_item_id": item.pk}),
        {"status": "reached_phone"},
        follow=True,
    )
    assert "已解除" in html(refused)
    item.refresh_from_db()
    assert item.status == ReachStatus.PENDING


def test_scope_other_county_is_404_and_community_sees_own_items(world: World) -> None:
    populate(world)
    elsewhere = tagged(world.regions["320303001001"], "外区老人")
    away = issue(world.regions["320303001"], by=None, title="外区预警")
    home_alert = issue(township(world), by=None, title="本镇预警")
    staff = client_for(world.users["township_staff"])
    assert staff.get(detail_url(away)).status_code == 404
    assert staff.get(detail_url(away, "board")).status_code == 404
    assert "外区预警" not in html(staff.get(CONSOLE))
    head = client_for(world.users["community_head"])
    assert "本镇预警" in html(head.get(CONSOLE))
    board = html(head.get(detail_url(home_alert, "board")))
    assert re.search(r'data-count="pending">3<', board)  # not the neighbouring township's
    outsider = client_for(world.outsider)
    assert outsider.get(detail_url(home_alert)).status_code == 404
    item = ReachItem.objects.get(resident=elsewhere)
    worker = client_for(world.users["grid_worker"])
    assert worker.post(reverse("emergency:confirm_reach", kwargs={"reach_item_id": item.pk}),
                       {"status": "reached_phone"}).status_code == 404  # fmt: skip
    assert head.post(detail_url(home_alert, "close"), {"reason": "越权"}).status_code == 403


def test_lists_cost_a_fixed_number_of_queries(world: World, django_assert_max_num_queries) -> None:
    populate(world, n=12)
    alert = issue(township(world), by=None)
    township_client = client_for(world.users["township_staff"])
    worker = client_for(world.users["grid_worker"])
    for client, url in (
        (township_client, CONSOLE),
        (township_client, detail_url(alert, "board")),
        (township_client, detail_url(alert)),
        (worker, CHECKLIST),
    ):
        client.get(url)  # warm the session and role caches
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_residents_see_their_communitys_active_alerts(world: World) -> None:
    people_ = populate(world)
    person = people_[0]
    me = client_for(resident_user(person))
    assert "没有生效中的预警" in html(me.get(MINE))
    alert = issue(township(world), by=None, title="暴雨红色预警")
    page = html(me.get(MINE))
    assert "暴雨红色预警" in page and "请低洼地区居民及时转移到安全地带。" in page
    from shequ.emergency.actions.alerts import close_alert

    close_alert(alert=alert, reason="结束", by=None)
    assert "暴雨红色预警" not in html(me.get(MINE))
    assert client_for(world.users["grid_worker"]).get(MINE).status_code == 403
