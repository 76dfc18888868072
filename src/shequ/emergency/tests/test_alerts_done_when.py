"""Issue #8's "done when", the alerts part, through the pages on the real demo: the demo township's
staff preview and issue a flood alert to the home township; the reach board shows its vulnerable
residents as not reached; the demo grid worker confirms residents on their checklist page; the
board's reached count rises. The demo's past rainstorm alert shows in the console's history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.demo.generator import generate
from shequ.demo.tests.test_demo import territory  # noqa: F401 (fixture)
from shequ.emergency.demo_alerts import load_demo_alerts
from shequ.emergency.models import Alert, AlertDispatch, DispatchStatus
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db

E = "/emergency"


def _accounts() -> dict[str, User]:
    report = generate(scale=0.05)
    return {a.role: User.objects.get(username=a.username) for a in report.accounts}


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def _count(board: str, what: str) -> int:
    return int(_one(rf'data-count="{what}">(\d+)<', board))


def test_done_when_a_flood_alert_fills_the_reach_board(
    territory,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    users = _accounts()
    home = users["resident"].resident_record.community
    if not Alert.objects.filter(is_synthetic=True).exists():  # until the generator loads it
        load_demo_alerts(county=home.parent.parent, seed=1, community=home)
    staff = client_for(users["township_staff"])
    worker = client_for(users["grid_worker"])

    console = _ok(staff.get(f"{E}/"))
    assert "暴雨橙色预警" in console and "现在没有生效中的预警" in console

    # --- The township previews, then issues, a flood alert to the whole township. ----------------
    form = _ok(staff.get(f"{E}/alerts/new/"))
    region = _one(r'name="region" value="(\d+)"', form)
    key = _one(r'name="request_key" value="([^"]+)"', form)
    data = {
        "region": region,
        "kind": "flood",
        "severity": "red",
        "title": "城区防汛红色预警",
        "instructions": "河道水位超警戒，请低洼地区居民立即转移到社区避难场所。",
        "target_regions": [region],
        "area": "",
        "request_key": key,
    }
    preview = _ok(staff.post(f"{E}/alerts/new/", {**data, "preview": "1"}))
    vulnerable = int(_one(r"重点人员 <strong>(\d+)</strong> 人", preview))
    assert vulnerable > 0
    with django_capture_on_commit_callbacks(execute=True):
        issued = staff.post(f"{E}/alerts/new/", {**data, "issue": "1"}, follow=True)
    page = _ok(issued)
    assert "已发布预警" in page
    alert = Alert.objects.get(title="城区防汛红色预警")
    assert alert.checklist_count == vulnerable
    # The fan-out ran at commit (no broker here): every batch sent.
    assert not AlertDispatch.objects.filter(alert=alert).exclude(status=DispatchStatus.SENT)
    assert _count(page, "pending") == vulnerable and _count(page, "reached") == 0

    # --- The grid worker works through the checklist. -------------------------------------------------
    checklist = _ok(worker.get(f"{E}/checklist/"))
    assert "城区防汛红色预警" in checklist
    items = re.findall(r'action="/emergency/checklist/(\d+)/confirm/"', checklist)
    assert items, "the demo grid has vulnerable residents"
    confirmed = items[:3]
    for n, item in enumerate(confirmed):
        status = "reached_phone" if n % 2 == 0 else "reached_in_person"
        done = worker.post(f"{E}/checklist/{item}/confirm/", {"status": status, "note": ""},
                           follow=True)  # fmt: skip
        assert "已记录" in _ok(done)

    board = _ok(staff.get(f"{E}/alerts/{alert.pk}/board/"))
    assert _count(board, "reached") == len(confirmed)
    assert _count(board, "pending") == vulnerable - len(confirmed)
