"""Real-browser journeys: the real server (`shequ setup` + `shequ serve`, gunicorn) with the real Xuzhou
territory and demo, driven by Playwright in the system Chromium. Every demo role signs in and sees its home.

Skipped when no Chromium is installed, except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from shequ.accounts.roles import BUILTIN_ROLES

# One worker runs every journey (see the Makefile): each module starts its own server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"Chromium is required in CI for the browser journeys (looked for {CHROMIUM})"
            )
        pytest.skip("no system Chromium (apt-get install chromium) — browser journeys skipped")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _journey_database(tmp: Path) -> tuple[str, Any]:
    """A database of the same kind as the suite's: a fresh PostgreSQL database, or an SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'journey.sqlite3'}", None
    import psycopg

    parsed = urlparse(url)
    # Per test worker (pytest-xdist), should journeys ever run on more than one.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{parsed.path.lstrip('/') or 'shequ'}_journey{'_' + worker if worker else ''}"
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parsed._replace(path=f"/{name}").geturl(), drop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    tmp = tmp_path_factory.mktemp("journey")
    database_url, drop = _journey_database(tmp)
    env = {
        **os.environ,
        "SHEQU_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
    }
    for key in ("SHEQU_TESTING", "SHEQU_SECRET_KEY", "SHEQU_DATA_KEYS", "CELERY_BROKER_URL"):
        env.pop(key, None)
    shequ = [sys.executable, "-m", "shequ.cli"]
    accounts_file = tmp / "accounts.json"
    setup = subprocess.run(  # noqa: S603
        [*shequ, "setup", "--accounts-file", str(accounts_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [*shequ, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(
                "server did not start:\n" + (tmp / "server.log").read_text()[-3000:]
            )
        time.sleep(0.3)
    try:
        yield {
            "base": base,
            "accounts": json.loads(accounts_file.read_text()),
            "log": tmp / "server.log",
            "env": env,
        }
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        if drop is not None:
            drop()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def _totp(secret: str) -> str:
    from django_otp.oath import totp

    padded = secret + "=" * (-len(secret) % 8)
    return f"{totp(base64.b32decode(padded)):06d}"


def _sign_in(page: Any, base: str, account: dict[str, Any]) -> None:
    if account.get("phone"):
        page.goto(f"{base}/accounts/resident/login/")
        page.fill("input[name=phone]", account["phone"])
    else:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", account["username"])
    page.fill("input[name=password]", account["password"])
    page.click("main form[action$='/login/'] button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/2fa/" in page.url:
        secret = page.inner_text("#totp-secret").strip()
        page.fill("input[name=otp_token]", _totp(secret))
        page.click("main form[action$='/2fa/'] button[type=submit]")
        page.wait_for_load_state()


def test_every_demo_role_signs_in_and_sees_its_home(server: dict[str, Any], browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    accounts = server["accounts"]
    roles = {account["role"] for account in accounts}
    assert roles == {spec.code for spec in BUILTIN_ROLES}, (
        f"one demo account per built-in role expected, got {sorted(roles)}"
    )
    for account in accounts:
        resident = bool(account.get("phone"))
        context = browser.new_context(
            viewport={"width": 360, "height": 780} if resident else {"width": 1280, "height": 900},
            locale="zh-CN",
        )
        page = context.new_page()
        _sign_in(page, server["base"], account)
        assert urlparse(page.url).path == "/", f"{account['role']}: ended at {page.url}"
        body = page.inner_text("body")
        if resident:
            assert "我的消息" in body, f"resident home not shown: {body[:300]}"
        else:
            assert "需要我关注的事" in body, (
                f"{account['role']}: console home not shown: {body[:300]}"
            )
            assert account["place"] in body, (
                f"{account['role']}: their place {account['place']} not shown"
            )
        page.screenshot(path=str(ARTIFACTS / f"home-{account['role']}.png"), full_page=True)
        context.close()


def test_township_staff_sees_only_its_township(server: dict[str, Any], browser: Any) -> None:
    account = next(a for a in server["accounts"] if a["role"] == "township_staff")
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server["base"], account)
    page.goto(f"{server['base']}/territory/")
    body = page.inner_text("body")
    assert account["place"] in body
    # A township of another county: its page is not found, and the browser never lists it.
    response = page.goto(f"{server['base']}/territory/320382001/")
    assert response is not None and response.status == 404
    page.goto(f"{server['base']}/territory/search/?q=邳州")
    assert "320382" not in page.content()
    context.close()


def test_large_text_toggle_persists(server: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(server["base"] + "/")
    assert "large-text" not in (page.get_attribute("html", "class") or "")
    page.locator("[data-shequ-large-text]:visible").first.click()
    page.reload()
    assert "large-text" in (page.get_attribute("html", "class") or "")
    context.close()


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RESIDENT_PAGES = [
    "/",
    "/accounts/resident/login/",
    "/accounts/resident/register/",
    "/accounts/resident/code/",
    "/accounts/login/",
    "/cases/services/",
    "/cases/services/certificates/",
    "/organizations/providers/directory/",
    "/organizations/providers/directory/?kind=property",
    "/volunteering/statistics/",
]


def _axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                          target: v.nodes[0] && v.nodes[0].target.join(' ')}));
        }"""
    )
    return [f"{v['id']} ({v['impact']}, {v['nodes']}×, e.g. {v['target']})" for v in result]


@pytest.mark.parametrize("large_text", [False, True])
def test_resident_pages_pass_accessibility_checks_on_a_small_phone(
    server: dict[str, Any], browser: Any, large_text: bool
) -> None:
    resident = next(a for a in server["accounts"] if a["role"] == "resident")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    if large_text:
        host = urlparse(server["base"]).hostname
        context.add_cookies(
            [{"name": "shequ_large_text", "value": "1", "domain": host, "path": "/"}]
        )
    page = context.new_page()
    problems: dict[str, list[str]] = {}

    def check(path: str) -> None:
        page.goto(server["base"] + path)
        found = _axe_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            found.append(f"page is {overflow}px wider than a 360px screen")
        if found:
            problems[path] = found

    for path in RESIDENT_PAGES:
        check(path)
    _sign_in(page, server["base"], resident)
    # The demo resident account is linked to a registry record: their own pages have content.
    for path in (
        "/",
        "/inbox/",
        "/accounts/password/",
        "/registry/me/",
        "/registry/me/household/",
        "/registry/me/consents/",
        "/registry/me/requests/",
        "/registry/me/requests/new/",
        "/registry/me/requests/new/?kind=correction",
        "/volunteering/me/",
        "/volunteering/me/register/",
        "/volunteering/me/activities/",
        "/volunteering/me/activities/browse/",
        "/volunteering/me/time-account/",
        "/volunteering/me/wishes/",
        "/care/me/home-services/",
        "/care/me/home-services/new/",
        "/care/me/book/",
        "/care/me/bookings/",
        "/emergency/me/alerts/",
        "/emergency/me/shelters/",
    ):
        check(path)
    context.close()
    assert not problems, problems


# --- A resident's request from submission to rating (S2, S4) ---------------------------------------

# Staff work the case through the actions, in a process of its own against the journey's database:
# accept, dispatch to the home handling unit, sign and handle there, verify and close at the desk.
STAFF_STEPS = """
from shequ.accounts.models import User
from shequ.cases.actions import handling
from shequ.cases.models import Case

case = Case.objects.get(pk=CASE_ID)
desk = User.objects.get(username="community_staff")
unit_handler = User.objects.get(username="unit_handler")
unit = next(a.handling_unit for a in unit_handler.active_assignments() if a.handling_unit)
handling.accept(case=case, by=desk, note="已受理，请耐心等待")
handling.add_note(case=case, by=desk, note="内部备注：只给工作人员看")
handling.dispatch(case=case, by=desk, lead=unit)
handling.sign(case=case, by=unit_handler)
handling.handle(case=case, by=unit_handler, result="已经修好了路灯")
handling.verify(case=case, by=desk, passed=True)
handling.close(case=case, by=desk)
print(case.status)
"""


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), "orange").save(out, "JPEG")
    return out.getvalue()


def test_resident_submits_online_and_rates_the_closed_case(
    server: dict[str, Any], browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    base = server["base"]
    resident = next(a for a in server["accounts"] if a["role"] == "resident")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    problems: dict[str, list[str]] = {}

    def check(label: str) -> None:
        """axe at 360 px, in normal and in large-text mode (switched on the page, so a POST answer
        is never sent again), and nothing wider than the screen."""
        for large in (False, True):
            if large:
                page.locator("[data-shequ-large-text]:visible").first.click()
                # Away from the button, past its colour transition, before measuring contrast.
                page.mouse.move(1, 1)
                page.wait_for_timeout(400)
            found = _axe_violations(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                found.append(f"page is {overflow}px wider than a 360px screen")
            if found:
                problems[f"{label}{' (large text)' if large else ''}"] = found
        page.locator("[data-shequ-large-text]:visible").first.click()

    # Anyone: following a case by number, and a service hall's kiosk.
    page.goto(f"{base}/cases/follow/")
    check("/cases/follow/")
    page.goto(f"{base}/cases/kiosk/")
    check("/cases/kiosk/ (not set up)")

    _sign_in(page, base, resident)
    page.goto(f"{base}/cases/submit/")
    assert "办理服务事项" in page.inner_text("main"), "the linked record's community is preselected"
    check("/cases/submit/")
    page.locator("main a[href^='/cases/submit/'][href*='?community=']").filter(
        has_not_text="反映问题"
    ).first.click()
    page.wait_for_load_state()
    assert "一次告知" in page.inner_text("main")
    check(urlparse(page.url).path + " (materials first)")

    page.goto(f"{base}/cases/submit/")
    page.click("main a[href^='/cases/submit/other/']")
    page.wait_for_load_state()
    check("/cases/submit/other/")
    page.check("input[name=kind][value=problem]")
    page.select_option("select[name=category]", "environment")
    page.fill("textarea[name=description]", "小区东门路灯不亮，晚上走路看不清")
    page.fill("input[name=address]", "东门岗亭旁")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}],
    )
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert "您的工单号" in body, body[:500]
    number = page.inner_text(".shequ-case-number").strip()
    assert len(number.replace("-", "")) == 14
    check("submitted (the number)")
    page.screenshot(path=str(ARTIFACTS / "case-submitted.png"), full_page=True)
    page.click("text=查看办理进度")
    page.wait_for_load_state()
    case_path = urlparse(page.url).path
    case_id = case_path.rstrip("/").rsplit("/", 1)[-1]
    assert "提交时的照片" in page.inner_text("main")
    check(case_path + " (submitted)")

    staff = subprocess.run(  # noqa: S603
        [
            *(sys.executable, "-m", "shequ.cli", "manage", "shell", "-c"),
            STAFF_STEPS.replace("CASE_ID", str(int(case_id))),
        ],
        env=server["env"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert staff.returncode == 0 and "closed" in staff.stdout, staff.stderr[-3000:]

    page.goto(f"{base}/cases/mine/")
    assert number in page.inner_text("main") and "已办结" in page.inner_text("main")
    check("/cases/mine/")
    page.goto(base + case_path)
    main = page.inner_text("main")
    assert "已经修好了路灯" in main and "已受理，请耐心等待" in main
    assert "内部备注" not in main, "internal notes never reach the resident"
    check(case_path + " (closed, rating)")
    # Keyboard: the levels are a radio group; arrow keys move between them.
    page.focus("#id_stars_0")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#id_stars_1"), "arrow keys choose the next level"
    page.fill("textarea[name=comment]", "修得很快，谢谢")
    page.click("main form:has(input[name=do][value=rate]) button[type=submit]")
    page.wait_for_load_state()
    assert "感谢您的评价" in page.inner_text("main")
    assert "您已评价" in page.inner_text("main")
    check(case_path + " (rated)")
    page.screenshot(path=str(ARTIFACTS / "case-rated.png"), full_page=True)

    # A service hall's kiosk, set up by the community's desk: the setup page gives its start URL.
    desk = next(a for a in server["accounts"] if a["role"] == "community_staff")
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff_page = staff_context.new_page()
    _sign_in(staff_page, base, desk)
    staff_page.goto(f"{base}/cases/kiosk-setup/")
    staff_page.fill("input[name=label]", "便民服务大厅 1号机")
    staff_page.click("main form button[type=submit]")
    staff_page.wait_for_load_state()
    found = _axe_violations(staff_page)
    if found:
        problems["/cases/kiosk-setup/ (terminal URL)"] = found
    terminal_url = staff_page.input_value("#kiosk-url")
    assert "/cases/kiosk/?terminal=" in terminal_url, staff_page.inner_text("main")[:500]
    staff_context.close()
    # The kiosk: the start screen and the first step after it.
    page.goto(terminal_url)
    check("/cases/kiosk/ (start)")
    page.locator("main button[name=category]").first.click()
    page.wait_for_load_state()
    assert page.locator("textarea[name=description]").is_visible()
    check("/cases/kiosk/ (describe)")
    page.screenshot(path=str(ARTIFACTS / "kiosk-describe.png"), full_page=True)
    context.close()
    assert not problems, problems


def _gaps(page: Any) -> int:
    return int(page.inner_text("[data-measure=gaps]").strip().replace(",", ""))


def test_an_official_finds_a_gap_sites_a_day_care_centre_and_the_coverage_updates(
    server: dict[str, Any], browser: Any
) -> None:
    """Issue #5's "done when": the county official opens the living-circle map (the quarter-hour
    elderly-care circle's day-care centres by default), sees the estates without one, asks where to put
    one, registers a facility at the first suggestion, and the coverage is computed again."""
    ARTIFACTS.mkdir(exist_ok=True)
    base = server["base"]
    official = next(a for a in server["accounts"] if a["role"] == "county_official")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, official)
    page.goto(f"{base}/facilities/coverage/")
    assert "一刻钟养老服务圈" in page.inner_text("#headline")
    before = _gaps(page)
    assert before > 0 and page.locator("#gaps-table tbody tr").count() > 0
    page.wait_for_selector("#coverage-map[data-estates-drawn]")
    assert int(page.get_attribute("#coverage-map", "data-estates-drawn") or 0) > 0
    assert _axe_violations(page) == []

    page.fill("input[name=sites]", "1")
    page.click("main form[aria-label] button[type=submit]")
    page.wait_for_load_state()
    site = page.locator("#sites-table tbody tr").first
    added = int(site.locator("td").nth(1).inner_text())
    assert added > 0
    page.screenshot(path=str(ARTIFACTS / "coverage-siting.png"), full_page=True)
    site.locator("a", has_text="在此登记设施").click()
    page.wait_for_load_state()
    assert page.eval_on_selector("select[name=category]", "e => e.value") == "elderly_day_care"
    page.fill("input[name=name]", "新建老年人日间照料中心")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "已登记设施" in page.inner_text("main"), page.inner_text("main")[:800]

    page.goto(f"{base}/facilities/coverage/")
    after = _gaps(page)
    assert after < before, (before, after)
    context.close()


def test_a_county_official_reads_staffing_drills_down_and_records_a_training(
    server: dict[str, Any], browser: Any
) -> None:
    """Issue #6's "done when": the county official sees, for each township, the workers, certified
    social workers, grids without a grid worker and the generalist model — and workers per 10,000
    urban residents for the county —, drills down to a community, records a training course with an
    attendee, and reads the five-party linkage with what each community lacks."""
    ARTIFACTS.mkdir(exist_ok=True)
    base = server["base"]
    official = next(a for a in server["accounts"] if a["role"] == "county_official")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, official)

    page.goto(f"{base}/workforce/staffing/")
    table = page.locator("main table").first
    assert table.locator("tbody tr").count() > 0
    total = table.locator("tfoot tr").inner_text()
    assert "数据不完整" not in total, total  # the demo enters the county's urban population
    assert _axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "staffing-county.png"), full_page=True)

    table.locator("tbody tr th a").first.click()  # a township
    page.wait_for_load_state()
    page.locator("main table tbody tr th a").first.click()  # a community
    page.wait_for_load_state()
    assert page.locator("#staffing-workers ~ ul li").count() > 0, page.inner_text("main")[:800]
    worker_name = page.locator("#staffing-workers ~ ul li a").first.inner_text().strip()
    community = page.locator("main h1").inner_text()

    page.goto(f"{base}/workforce/training/new/")
    page.select_option("select[name=region]", index=1)  # the county, first by path
    page.fill("input[name=title]", "社区工作者政策法规培训")
    page.select_option("select[name=level]", "county")
    page.fill("input[name=organiser]", "县民政局")
    today = time.strftime("%Y-%m-%d")
    page.fill("input[name=starts_on]", today)
    page.fill("input[name=ends_on]", today)
    page.fill("input[name=hours]", "6")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "已登记培训课程" in page.inner_text("main"), page.inner_text("main")[:800]

    options = page.locator("#attend-community option")
    labels = [options.nth(i).inner_text().strip() for i in range(options.count())]
    wanted = next(i for i, label in enumerate(labels) if label and label in community)
    page.select_option("#attend-community", index=wanted)
    page.click("main form[method=get] button[type=submit]")
    page.wait_for_load_state()
    page.locator("label.form-check-label", has_text=worker_name).first.click()
    page.click("main form[method=post] button[type=submit]:has-text('登记')")
    page.wait_for_load_state()
    assert worker_name in page.inner_text("main table"), page.inner_text("main")[:800]
    assert _axe_violations(page) == []

    page.goto(f"{base}/organizations/linkage/")
    # Every party is answered now (the volunteering app answers for volunteers): no "not yet" note.
    assert page.locator("main .alert-warning").count() == 0
    assert page.locator("main table tbody tr").count() > 0
    context.close()


# --- A resident volunteers, signs in and out by the QR code, and sees the hours (issue #7) -----------

# The activity is posted and signed up for before it starts (publishing and signing up are refused
# after the start); then time passes, in a process of its own against the journey's database: the
# activity is now 30 minutes under way and ends in 90 minutes.
ACTIVITY_UNDER_WAY = """
from datetime import timedelta
from shequ.core import calendar
from shequ.volunteering.models import VolunteerActivity

now = calendar.now()
moved = VolunteerActivity.objects.filter(code="ACTIVITY_CODE", status="recruiting").update(
    starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=90)
)
print("moved", moved)
"""


def test_a_resident_volunteers_signs_in_by_qr_and_sees_the_hours(
    server: dict[str, Any], browser: Any
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    ARTIFACTS.mkdir(exist_ok=True)
    base = server["base"]
    accounts = {a["role"]: a for a in server["accounts"]}
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = phone_context.new_page()
    desk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = desk_context.new_page()
    problems: dict[str, list[str]] = {}

    def check(page: Any, label: str) -> None:
        # Away from the button just clicked, past its colour transition, before measuring contrast.
        page.mouse.move(1, 1)
        page.wait_for_timeout(400)
        found = _axe_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if page is phone and overflow > 0:
            found.append(f"page is {overflow}px wider than a 360px screen")
        if found:
            problems[label] = found

    # The resident registers as a volunteer.
    _sign_in(phone, base, accounts["resident"])
    phone.goto(f"{base}/volunteering/me/register/")
    name = phone.inner_text("main p.fs-5").split("，", 1)[0].strip()
    phone.check("input[name=skills][value=elderly_care]")
    phone.check("input[name=availability][value=weekend]")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    assert "已提交志愿者注册" in phone.inner_text("body"), phone.inner_text("main")[:500]
    check(phone, "/volunteering/me/ (pending)")

    # The community's staff approve, then post an activity starting in 10 minutes and publish it.
    _sign_in(desk, base, accounts["community_staff"])
    desk.goto(f"{base}/volunteering/volunteers/?status=pending&q={name}")
    desk.locator("main table a[href^='/volunteering/volunteers/']").first.click()
    desk.wait_for_load_state()
    assert name in desk.inner_text("main")
    desk.select_option("main form[action$='/decide/'] select[name=decision]", "approve")
    desk.click("main form[action$='/decide/'] button[type=submit]")
    desk.wait_for_load_state()
    assert "已审核" in desk.inner_text("body"), desk.inner_text("main")[:500]

    start = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    start += timedelta(minutes=10)
    desk.goto(f"{base}/volunteering/activities/new/")
    desk.select_option("select[name=region]", index=1)
    desk.fill("input[name=title]", "周末陪伴独居老人")
    desk.fill("input[name=place]", "社区活动中心")
    desk.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    desk.fill("input[name=ends_at]", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    desk.fill("input[name=needed]", "5")
    desk.select_option("select[name=target_group]", "elderly")
    desk.click("main form button[type=submit]")
    desk.wait_for_load_state()
    detail = urlparse(desk.url).path
    assert detail.startswith("/volunteering/activities/"), desk.inner_text("main")[:800]
    code = detail.rstrip("/").rsplit("/", 1)[-1]
    desk.click("main button[name=transition][value=publish]")
    desk.wait_for_load_state()
    assert "已发布招募" in desk.inner_text("body"), desk.inner_text("main")[:500]

    # The resident signs up.
    phone.goto(f"{base}/volunteering/me/activities/browse/")
    check(phone, "/volunteering/me/activities/browse/")
    phone.click(f"main a[href='/volunteering/me/activities/{code}/']")
    phone.wait_for_load_state()
    phone.click("main form:has(input[name=do][value=sign_up]) button[type=submit]")
    phone.wait_for_load_state()
    assert "报名成功" in phone.inner_text("body"), phone.inner_text("main")[:500]
    check(phone, "/volunteering/me/activities/<code>/ (enrolled)")

    shift = subprocess.run(  # noqa: S603
        [
            *(sys.executable, "-m", "shequ.cli", "manage", "shell", "-c"),
            ACTIVITY_UNDER_WAY.replace("ACTIVITY_CODE", code),
        ],
        env=server["env"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert shift.returncode == 0 and "moved 1" in shift.stdout, shift.stderr[-3000:]

    # Sign in and out: the organiser's phone shows the QR code; the volunteer's phone opens it.
    for mode, button, said in (("in", "确认签到", "签到成功"), ("out", "确认签退", "签退成功")):
        desk.goto(f"{base}/volunteering/activities/{code}/attendance/?mode={mode}")
        url = desk.get_attribute("[data-attend-url]", "data-attend-url") or ""
        assert "/volunteering/attend/" in url, desk.inner_text("main")[:500]
        phone.goto(url)
        check(phone, f"/volunteering/attend/ ({mode})")
        phone.click(f"main form button:has-text('{button}')")
        phone.wait_for_load_state()
        assert said in phone.inner_text("body"), phone.inner_text("main")[:500]

    # The organiser finishes the activity, confirms 2 hours and settles.
    desk.goto(base + detail)
    finish = desk.locator("main form:has(input[name=transition][value=finish])")
    finish.locator("input[name=people_served]").fill("4")
    finish.locator("textarea[name=summary]").fill("陪伴4位独居老人。")
    finish.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert "活动已结束" in desk.inner_text("body"), desk.inner_text("main")[:800]
    hours = desk.locator("main form[action*='/hours/']").first
    hours.locator("input[name=hours]").fill("2")
    hours.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert "服务时长 2.00 小时" in desk.inner_text("body"), desk.inner_text("main")[:800]
    desk.click("main button[name=transition][value=settle]")
    desk.wait_for_load_state()
    assert "已确认全部时长" in desk.inner_text("body"), desk.inner_text("main")[:800]

    # The resident's time account shows the hours.
    phone.goto(f"{base}/volunteering/me/time-account/")
    main = phone.inner_text("main")
    assert "+2.00" in main and "志愿服务" in main, main[:800]
    check(phone, "/volunteering/me/time-account/ (credited)")
    phone.screenshot(path=str(ARTIFACTS / "volunteer-time-account.png"), full_page=True)

    # And posts a wish: its page (with the withdraw button) on the phone.
    phone.goto(f"{base}/volunteering/me/wishes/")
    phone.select_option("select[name=category]", "repair")
    phone.fill("input[name=title]", "厨房水龙头漏水，想请人修一下")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    assert "心愿已提交" in phone.inner_text("body"), phone.inner_text("main")[:500]
    check(phone, "/volunteering/me/wishes/<number>/ (posted)")
    phone_context.close()
    desk_context.close()
    assert not problems, problems
