"""Issue #10's dashboard in a real browser on the demo: the city official opens last year's
indicators, sees them against their targets with binding ones marked, reads the trend and the map of
districts, drills down from the city to a district to a township, and sees what data is missing; a
county official is refused another county."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core import calendar
from tests.browser.test_journeys import (  # noqa: F401 — the shared fixtures
    ARTIFACTS,
    _axe_violations,
    _sign_in,
    browser,
    server,
)

# One worker runs every journey (see the Makefile): each module starts its own server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_city_official_reads_the_indicators_and_drills_down(
    server: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    year = calendar.localdate().year - 1
    base = server["base"]
    official = next(a for a in server["accounts"] if a["role"] == "city_official")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, official)
    page.goto(f"{base}/indicators/?year={year}")
    main = page.inner_text("main")
    assert "每百户居民拥有社区综合服务设施面积" in main, main[:800]
    assert "约束性" in main
    assert "目标" in main
    # The charts drew (ECharts renders SVG) and the map shows the districts.
    page.wait_for_selector("#indicator-trend svg")
    page.wait_for_selector("#indicator-children svg")
    page.wait_for_selector("#indicator-map[data-regions-drawn]")
    assert int(page.get_attribute("#indicator-map", "data-regions-drawn") or "0") > 0
    assert _axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "indicators-city.png"), full_page=True)

    # Choose another indicator for the charts.
    page.select_option("select[name=indicator]", "home_service_elderly_share")
    page.click("main form[method=get] button[type=submit]")
    page.wait_for_load_state()
    assert "9. " in page.inner_text("#charts-title")

    # City → district → township, through the drill-down table.
    for _level in ("district", "township"):
        link = page.locator("section[aria-labelledby=children-title] tbody th a").first
        name = link.inner_text().strip()
        link.click()
        page.wait_for_load_state()
        assert name in page.inner_text("main h1"), page.inner_text("main h1")
    main = page.inner_text("main")
    assert "下级地区" in main
    assert "数据不完整" in main  # the demo leaves some communities' data missing, named
    page.screenshot(path=str(ARTIFACTS / "indicators-township.png"), full_page=True)
    context.close()


def test_a_county_official_cannot_open_another_county(
    server: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    base = server["base"]
    official = next(a for a in server["accounts"] if a["role"] == "county_official")
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, official)
    page.goto(f"{base}/indicators/")
    assert official["place"] in page.inner_text("main h1")
    own = page.get_attribute("main form[method=get] input[name=region]", "value")
    other = "320382" if own != "320382" else "320381"
    response = page.goto(f"{base}/indicators/?region={other}")
    assert response is not None and response.status == 404
    context.close()
