"""Issue #8's "done when" for home services, through the pages on the real demo: the demo resident
requests a home cleaning, staff schedule it with a demo provider and mark it delivered, the
resident confirms and rates it. (Until the generator calls the loader, the test calls it.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from shequ.accounts.models import User
from shequ.care.demo_homeservices import load_demo_homeservices
from shequ.care.models.homeservices import HomeServiceOrder, HomeServiceStatus
from shequ.core import calendar
from shequ.demo.generator import generate
from shequ.demo.tests.test_demo import territory  # noqa: F401 (fixture)
from shequ.registry.models import Resident
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def test_the_demo_resident_gets_a_home_cleaning_and_rates_it(territory: object) -> None:  # noqa: F811
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    me = Resident.objects.select_related("community").get(account=users["resident"])
    if not HomeServiceOrder.objects.exists():
        load_demo_homeservices(county=me.community.parent.parent, seed=1, community=me.community)
    resident = client_for(users["resident"])
    page = html(resident.get(reverse("care:request_home_service")))
    served = re.findall(r'name="served" value="(\d+)"', page)
    key = re.findall(r'name="request_key" value="([^"]+)"', page)[0]
    assert served, "nobody in the demo resident's household may be served"
    done = resident.post(
        reverse("care:request_home_service"),
        {"kind": "cleaning", "served": served[0], "request_key": key},
    )
    assert done.status_code == 302
    order_id = int(done["Location"].rstrip("/").split("/")[-1])

    staff = client_for(users["community_staff"])
    detail = reverse("care:home_service_detail", kwargs={"order_id": order_id})
    page = html(staff.get(detail))
    provider = re.findall(r'<option value="(\d+)">', page)[0]
    when = calendar.now() + timedelta(days=1)
    stamp = calendar.localtime(when).strftime("%Y-%m-%dT%H:%M")
    staff.post(detail + "schedule/", {"provider": provider, "scheduled_for": stamp})
    with calendar.frozen_time(when + timedelta(hours=2)):
        staff.post(detail + "deliver/", {"delivered_at": stamp, "minutes": 90, "note": "已打扫"})
        mine = reverse("care:my_home_service", kwargs={"order_id": order_id})
        assert "请您确认" in html(resident.get(reverse("care:my_home_services")))
        resident.post(mine + "confirm/", {"rating": 5, "comment": "很满意"})
    order = HomeServiceOrder.objects.get(pk=order_id)
    assert order.status == HomeServiceStatus.CONFIRMED and order.rating == 5
