"""Issue #8's "done when" for visits, through the pages and the API on the real demo: the demo grid
worker sees this month's visits, records one whose finding ("no food") opens an emergency-assistance
case on the fast track, and the community's visit rate for the month goes up by that visit."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.models import User
from shequ.care.models import Visit, VisitPlan
from shequ.cases.models import Priority
from shequ.core import calendar
from shequ.demo.generator import generate
from shequ.demo.tests.test_demo import territory  # noqa: F401 (fixture)
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def _community_rate(client: Any, code: str) -> dict[str, Any]:
    response = client.get("/api/v1/care/compliance", {"region": code})
    assert response.status_code == 200, response.content
    return json.loads(response.content)["total"]


def test_the_grid_worker_records_a_visit_and_the_rate_updates(territory: object) -> None:  # noqa: F811
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    worker = client_for(users["grid_worker"])
    head = client_for(users["community_head"])

    mine = html(worker.get(reverse("care:my_visits")))
    links = re.findall(r'href="(/care/visits/plans/(\d+)/record/)"', mine)
    today = calendar.localdate()
    this_month = [
        (url, plan_id)
        for url, plan_id in links
        if VisitPlan.objects.filter(
            pk=plan_id, due_date__year=today.year, due_date__month=today.month
        ).exists()
    ]
    assert this_month, "the demo grid worker has no visits due this month"
    url, plan_id = this_month[0]
    form = html(worker.get(url))
    key = re.findall(r'name="request_key" value="([^"]+)"', form)[0]

    visit_community = VisitPlan.objects.select_related("community").get(pk=plan_id).community
    before = _community_rate(head, visit_community.code)

    answer = {
        "mode": "in_person",
        "findings": ["no_food"],
        "note": "家中没有存粮",
        "request_key": key,
    }
    answer.update({name: "yes" for name in re.findall(r'name="(item_\d+)"', form)})
    done = worker.post(url, answer)
    assert done.status_code == 302, html(done)[:2000]
    # A retry of the same submission (a slow connection) lands on the same visit, with no second case.
    again = worker.post(url, answer)
    assert again.status_code == 302 and again["Location"] == done["Location"]

    visit = Visit.objects.select_related("case").get(plan_id=plan_id)
    assert visit.case is not None and visit.case.priority == Priority.EMERGENCY
    page = html(worker.get(done["Location"]))
    assert visit.case.number in page

    after = _community_rate(head, visit_community.code)
    assert after["done"] == before["done"] + 1
    assert after["due"] == before["due"]
