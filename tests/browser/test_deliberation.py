"""The topic journey of issue #9 in a real browser, on the real server and the demo: on a 360-px phone
the demo resident proposes a streetlight topic, neighbours co-sign it past the threshold (through the
actions, in the server's database), the community staff admit, deliberate, decide, hand it over for
implementation and post progress through their pages, and the resident reviews the outcome. The
resident pages pass axe in normal and large-text mode and fit the screen."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.test_journeys import (  # noqa: F401 — the shared fixtures
    ARTIFACTS,
    _axe_violations,
    _sign_in,
    browser,
    server,
)

# One worker runs every journey (see the Makefile): each module starts its own server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
TITLE = "小区路灯损坏，晚上看不清路"

COSIGN = """
from shequ.accounts import actions as accounts
from shequ.participation.actions import deliberation as d
from shequ.participation.models import Topic
from shequ.registry import actions as registry
from shequ.registry.models import Resident
from shequ.registry.tests.factories import member
topic = Topic.objects.get(title=%r)
need = topic.cosign_threshold - topic.cosign_count
for n in range(need):
    home = registry.register_household(community=topic.community, members=[member(f"联署邻居{n}")],
                                       is_synthetic=True)
    person = Resident.objects.get(household=home)
    user = accounts.create_resident_user(phone=f"1964009{n:04d}", full_name=person.name,
                                         password="Browser-pass-1", is_synthetic=True)
    Resident.objects.filter(pk=person.pk).update(account=user)
    d.cosign(topic, by=user)
print(Topic.objects.get(pk=topic.pk).state.stage)
"""


def _manage_shell(running: dict[str, Any], code: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "shequ.cli", "manage", "shell", "-c", code],
        env=running["env"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_topic_from_proposal_to_review_on_a_phone(
    server: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    base = server["base"]
    resident = next(a for a in server["accounts"] if a["role"] == "resident")
    officer = next(a for a in server["accounts"] if a["role"] == "community_staff")
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = phone.new_page()
    problems: dict[str, list[str]] = {}

    def check(label: str) -> None:
        for large in (False, True):
            if large:
                page.locator("[data-shequ-large-text]:visible").first.click()
                page.mouse.move(1, 1)
                page.wait_for_timeout(400)
            found = _axe_violations(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                found.append(f"page is {overflow}px wider than a 360px screen")
            if found:
                problems[f"{label}{' (large text)' if large else ''}"] = found
        page.locator("[data-shequ-large-text]:visible").first.click()

    _sign_in(page, base, resident)
    page.goto(f"{base}/participation/me/topics/")
    check("community topics")
    page.goto(f"{base}/participation/me/topics/propose/")
    check("propose")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=body]", "5号楼前两盏路灯坏了，老人晚上出门不安全。")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert re.search(r"/participation/me/topics/\d+/$", page.url), page.url
    topic_url = page.url
    topic_id = int(re.findall(r"/(\d+)/$", topic_url)[0])
    assert "撤回议题" in page.inner_text("body")
    check("topic page (collecting)")
    page.goto(f"{base}/participation/me/topics/mine/")
    check("my topics")

    assert "under_review" in _manage_shell(server, COSIGN % TITLE)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    _sign_in(staff, base, officer)
    detail = f"{base}/participation/topics/{topic_id}/"
    today = staff.evaluate("new Date().toISOString().slice(0, 10)")
    later = (date.fromisoformat(today) + timedelta(days=20)).isoformat()

    def take(label: str, fill: dict[str, str], check_: str = "") -> None:
        staff.goto(detail)
        staff.click(f".shequ-page-actions a:text-is('{label}')")
        staff.wait_for_load_state()
        for selector, value in fill.items():
            staff.fill(selector, value)
        if check_:
            staff.check(check_)
        staff.click("main form button[type=submit]")
        staff.wait_for_load_state()
        assert staff.url == detail, (label, staff.url, staff.inner_text("body")[:500])

    take("立案", {"textarea[name=answer]": "同意立案，提交居民议事会协商。"})
    staff.click("button[name=do][value=publish]")
    staff.wait_for_load_state()
    take("开始协商", {}, "input[name=mode][value=meeting]")
    take("形成决定", {"textarea[name=decision]": "更换两盏路灯，由物业负责。"})
    take(
        "交付落实",
        {
            "input[name=responsible_party]": "物业服务中心",
            "input[name=implementation_deadline]": later,
        },
    )
    staff.goto(detail)
    staff.fill("#id_progress_body", "灯具已更换一盏。")
    staff.fill("#id_progress_percent", "50")
    staff.click("form[action$='/progress/'] button[type=submit]")
    staff.wait_for_load_state()
    take(
        "落实完成，请居民评议",
        {"textarea[name=note]": "两盏路灯已修复。", "input[name=review_deadline]": later},
    )
    assert _axe_violations(staff) == []

    page.goto(topic_url)
    body = page.inner_text("body")
    assert "更换两盏路灯" in body and "灯具已更换一盏" in body and "同意立案" in body
    check("topic page (reviewing)")
    page.check("input[name=score][value='5']")
    page.fill("textarea[name=comment]", "晚上亮堂了，谢谢社区。")
    page.click("form[action$='/review/'] button[type=submit]")
    page.wait_for_load_state()
    assert "感谢您的评议" in page.inner_text("body")
    check("topic page (reviewed)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deliberation-topic.png"), full_page=True)
    phone.close()
    desk.close()
    assert problems == {}, problems
