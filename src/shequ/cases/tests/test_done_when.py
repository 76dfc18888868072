"""Issue #4's "done when", as one story through the pages a real user clicks.

A resident submits a request online with a photo and a grid worker reports an event with a photo;
township staff accept, dispatch and blow the whistle; the department reports in and handles the case;
the grid worker verifies; the desk closes it; the resident, told at every step, follows it by number
with a code sent to the phone and rates it; a bad rating opens a callback; statistics show the 三率.
The working-day deadline across National Day is checked on its own below.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shequ.cases.models import Callback, Case, CaseStatus, CaseUnit
from shequ.cases.numbers import grouped
from shequ.core import calendar
from shequ.core.models import Notification
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world() -> World:
    world = build_world()
    grid = world.grids[HOME["grid"]]
    grid.centre_lat, grid.centre_lng = 34.2600, 117.1800
    grid.save()
    return world


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(out, "JPEG")
    return SimpleUploadedFile("scene.jpg", out.getvalue(), content_type="image/jpeg")


def _form_token(body: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', body)
    assert match, f"no {name} on the form"
    return match.group(1)


def _act(client: Client, case: Case, action: str, data: dict[str, Any]) -> None:
    url = reverse("cases:case_act", kwargs={"case_id": case.pk, "action": action})
    response = client.post(url, {f"{action}-{k}": v for k, v in data.items()})
    assert response.status_code == 302, (action, html(response)[:3000])
    page = html(client.get(reverse("cases:case", kwargs={"case_id": case.pk})))
    assert "已完成" in page, action


def test_done_when_story(
    world: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    resident = world.users["resident"]
    community = HOME["community"]

    # A resident submits a complaint online, with a photo.
    you = client_for(resident)
    url = reverse("cases:submit_other") + f"?community={community}"
    token = _form_token(html(you.get(url)), "token")
    response = you.post(
        url,
        {
            "token": token,
            "community": community,
            "kind": "complaint",
            "category": "environment",
            "description": "小区东门路灯不亮，晚上看不清路",
            "address": "东门",
            "latitude": "34.2602",
            "longitude": "117.1799",
            "requester_phone": resident.phone,
            "photos": [_photo()],
        },
    )
    assert response.status_code in (200, 302), html(response)[:2000]
    case = Case.objects.get(requester=resident)
    assert case.photos.count() == 1 and case.channel == "online"
    assert case.grid == world.grids[HOME["grid"]]  # "use my location" placed it in the grid

    # A grid worker reports an event from the phone: photo and GPS; the grid is found.
    worker = client_for(world.users["grid_worker"])
    report = reverse("cases:grid_report")
    token = _form_token(html(worker.get(report)), "form_token")
    response = worker.post(
        report,
        {
            "form_token": token,
            "category": "environment",
            "description": "东门外井盖破损",
            "latitude": "34.2601",
            "longitude": "117.1801",
            "grid": "",
            "result": "",
            "photos": [_photo()],
        },
    )
    assert response.status_code == 302
    event = Case.objects.get(kind="grid_event")
    assert event.grid == world.grids[HOME["grid"]] and event.photos.count() == 1

    # Township staff accept (and own) the resident's case, dispatch it and blow the whistle.
    township = client_for(world.users["township_staff"])
    inbox = html(township.get(reverse("cases:inbox")))
    assert grouped(case.number) in inbox and grouped(event.number) in inbox
    unit = world.units[HOME["county"]]
    _act(township, case, "accept", {"priority": "normal", "note": ""})
    case.refresh_from_db()
    assert case.owner == world.users["township_staff"]
    _act(township, case, "dispatch", {"lead": unit.pk, "note": "请尽快处理"})
    _act(township, case, "whistle", {"units": [unit.pk], "note": "请到现场会商"})
    page = html(township.get(reverse("cases:case", kwargs={"case_id": case.pk})))
    assert "待报到" in page or "报到时限" in page

    # The department reports in, signs for the case and handles it with a photo.
    department = client_for(world.users["unit_handler"])
    assert grouped(case.number) in html(department.get(reverse("cases:unit_inbox")))
    _act(department, case, "report_in", {"note": "已到场"})
    assert CaseUnit.objects.get(case=case, role="summoned").reported_at is not None
    _act(department, case, "sign", {})
    url = reverse("cases:case_act", kwargs={"case_id": case.pk, "action": "handle"})
    response = department.post(url, {"handle-result": "已更换灯泡", "handle-photos": [_photo()]})
    assert response.status_code == 302, html(response)[:2000]

    # The grid worker verifies; the owner closes.
    _act(worker, case, "verify", {"note": "现场核实已修好"})
    _act(township, case, "close", {"note": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    # The resident was told at acceptance, dispatch, handling and closing.
    subjects = list(
        Notification.objects.filter(recipient=resident, topic="cases.progress").values_list(
            "subject", flat=True
        )
    )
    for told in ("已受理", "已派遣", "已办理完成", "已办结"):
        assert any(told in s for s in subjects), (told, subjects)

    # They follow the case by number with a code sent to their phone, and rate it: two stars.
    anyone = Client()
    with django_capture_on_commit_callbacks(execute=True):
        anyone.post(
            reverse("cases:follow"),
            {"step": "send", "number": grouped(case.number), "phone": resident.phone},
        )
    code = re.findall(r"验证码是(\d{6})", caplog.text)[-1]
    response = anyone.post(
        reverse("cases:follow"), {"step": "verify", "number": case.number, "code": code}
    )
    followed = reverse("cases:followed_case", kwargs={"case_id": case.pk})
    assert response.status_code == 302 and response["Location"] == followed
    assert "已办结" in html(anyone.get(followed))
    mine = reverse("cases:my_case", kwargs={"case_id": case.pk})
    response = you.post(mine, {"do": "rate", "stars": "2", "comment": "修得太慢"})
    assert response.status_code == 302

    # A bad rating opens a callback within one working day, and the case goes back to work.
    callback = Callback.objects.get(case=case)
    assert calendar.working_days_between(callback.rating.rated_at, callback.due_at) <= 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.rectification
    assert "差评待回访" in html(client_for(world.users["community_staff"]).get("/"))

    # Statistics show the 三率 for the township.
    stats = html(client_for(world.users["township_staff"]).get(reverse("cases:statistics")))
    for rate in ("响应率", "按期办结率", "解决率", "满意率"):
        assert rate in stats


def test_a_case_accepted_before_national_day_is_due_after_it(world: World) -> None:
    from shequ.cases.actions import handling
    from shequ.cases.actions.intake import Intake, submit_case

    with calendar.frozen_time(datetime(2026, 9, 30, 10, 0)):
        case = submit_case(
            Intake(
                channel="window",
                kind="complaint",
                category="environment",
                description="楼道灯不亮",
                region=world.regions[HOME["community"]],
                requester_name="王五",
                requester_phone="13912345670",
            ),
            by=world.users["community_staff"],
        )
        handling.accept(case=case, by=world.users["community_staff"])
    due = calendar.localtime(case.due_at).date()
    # Five working days from 30 September 2026: the National Day holiday (1–7 October) does not
    # count, so the case falls due well after it.
    assert due > datetime(2026, 10, 7).date()
    assert calendar.working_days_between(case.accepted_at, case.due_at) == 5
