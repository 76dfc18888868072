"""The visit journey of issue #8 in a real browser, on the real server and the demo: the demo grid
worker signs in, opens their visits page, records a visit with the finding "no food", sees the case
number, and the visit's page shows it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.test_journeys import (  # noqa: F401 — the shared fixtures
    ARTIFACTS,
    _sign_in,
    browser,
    server,
)

# One worker runs every journey (see the Makefile): each module starts its own server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_grid_worker_records_a_visit_whose_finding_opens_a_case(
    server: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    account = next(a for a in server["accounts"] if a["role"] == "grid_worker")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, server["base"], account)
    page.goto(f"{server['base']}/care/visits/")
    body = page.inner_text("body")
    assert "今天" in body and "已逾期" in body, body[:500]
    visits = page.locator("a[href*='/care/visits/plans/'][href$='/record/']")
    assert visits.count() > 0, "the demo grid worker has no visits due"
    visits.first.click()
    page.wait_for_load_state()
    assert "记录探访" in page.inner_text("body")
    page.check("input[name=mode][value=in_person]")
    page.check("input[name=findings][value=no_food]")
    page.fill("textarea[name=note]", "家中没有存粮")
    page.click("form[data-locate] button[type=submit]")
    page.wait_for_load_state()
    body = page.inner_text("body")
    found = re.search(r"工单\s*([A-Z0-9-]+)", body)
    assert found, body[:800]
    number = found.group(1)
    assert re.search(r"/care/visits/\d+/$", page.url), page.url
    assert page.inner_text("[data-case-number]").strip() == number
    assert "缺少食物" in body and "紧急" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "care-visit.png"), full_page=True)
    context.close()
