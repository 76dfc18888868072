"""Issue #9's "done when", the disclosures part, on the real demo: a published finance disclosure
of the home community receives an objection from the demo resident through the resident pages, the
supervision committee member answers it through theirs, and the answer shows on the resident page
and on the public page; an objection after the deadline is refused. Ids are read from the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.demo_disclosures import load_demo_disclosures
from shequ.participation.models.disclosures import Disclosure, Objection, ObjectionStatus
from shequ.territory.models import Level, Region
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def test_an_objection_is_answered_and_published_and_a_late_one_refused(
    territory,  # noqa: F811
) -> None:
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not Disclosure.objects.filter(is_synthetic=True).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_disclosures(county=county, seed=DEFAULT_SEED, community=home, users=users)
    resident = client_for(users["resident"])
    words = "路灯维修支出与实际更换的数量对不上，请公开更换清单。"

    listing = _ok(resident.get("/participation/me/disclosures/?category=finances"))
    page_url = _one(r'href="(/participation/me/disclosures/\d+/)"', listing)
    page = _ok(resident.get(page_url))
    assert "提交异议" in page
    form = _one(
        r'(<form method="post" action="/participation/me/disclosures/\d+/object/".*?</form>)',
        page.replace("\n", " "),
    )
    action = _one(r'action="([^"]+)"', form)
    key = _one(r'name="request_key" value="([^"]+)"', form)
    done = resident.post(action, {"body": words, "request_key": key}, follow=True)
    assert "异议已提交" in _ok(done)
    again = resident.post(action, {"body": words, "request_key": key}, follow=True)
    assert again.status_code == 200
    objection = Objection.objects.get(body=words)
    assert Objection.objects.filter(body=words).count() == 1
    assert objection.disclosure.category == "finances"

    supervisor = client_for(users["supervision_member"])
    queue = _ok(supervisor.get("/participation/objections/"))
    respond_url = f"/participation/objections/{objection.pk}/respond/"
    assert respond_url in queue
    _ok(supervisor.get(respond_url))
    answer = "监督委员会已核对：本季度更换路灯18盏，清单已张贴在社区公告栏。"
    answered = supervisor.post(respond_url, {"response": answer, "version": "0"}, follow=True)
    assert "已答复" in _ok(answered)
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED

    shown = _ok(resident.get(page_url))
    assert answer in shown and words in shown
    public = _ok(
        Client().get(
            f"/participation/public/disclosure/{0}/".replace(
                "disclosure/0", f"disclosures/item/{objection.disclosure_id}"
            )
        )
    )
    assert answer in public
    me = users["resident"].full_name
    assert me not in public  # the objector's name is masked
    archive = _ok(Client().get(f"/participation/public/disclosures/{home.code}/"))
    assert objection.disclosure.title in archive

    deadline = objection.disclosure.objection_deadline
    assert deadline is not None
    late = calendar.localtime().replace(hour=10) + timedelta(
        days=(deadline - calendar.localdate()).days + 1
    )
    with calendar.frozen_time(late):
        closed = _ok(resident.get(page_url))
        assert "提交异议" not in closed
        refused = resident.post(action, {"body": "再提一条", "request_key": "late-1"}, follow=True)
        text = _ok(refused)
    assert "异议期已于" in text and "截止" in text
    assert not Objection.objects.filter(body="再提一条").exists()
