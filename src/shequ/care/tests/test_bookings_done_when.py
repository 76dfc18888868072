"""Issue #8's "done when", the bookings part, on the real demo: the demo resident (an elderly
household head) finds the meal table of their community on the resident pages, books a seat at the
next lunch for themself, and sees it in "my bookings". Everything the resident does goes through
the pages, reading ids from the links and forms on them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.care.demo_bookings import load_demo_bookings
from shequ.care.models.bookings import BookableService, Booking, BookingStatus
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.registry.models import Resident
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


def test_the_demo_resident_books_a_meal_table_seat_and_sees_it(
    territory,  # noqa: F811
) -> None:
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not BookableService.objects.filter(
        is_synthetic=True
    ).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_bookings(county=county, seed=DEFAULT_SEED, community=home, users=users)
    me = Resident.objects.get(account=users["resident"])
    assert me.age_on(calendar.localdate()) >= 60, "the demo resident must be 60+ for the meal table"
    client = client_for(users["resident"])

    # Tomorrow morning, so that every lunch of the next days is still open.
    tomorrow = calendar.localtime().replace(hour=8, minute=0) + timedelta(days=1)
    with calendar.frozen_time(tomorrow):
        browse = _ok(client.get("/care/me/book/?kind=meal_table"))
        service_url = _one(r'href="(/care/me/book/\d+/)"', browse)
        page = _ok(client.get(service_url))
        assert "红烧肉" in page or "米饭" in page
        form = _one(
            r'(<form method="post" action="/care/me/book/\d+/".*?</form>)', page.replace("\n", " ")
        )
        data = {
            "slot": _one(r'name="slot" value="(\d+)"', form),
            "request_key": _one(r'name="request_key" value="([^"]+)"', form),
            "resident": _one(r'<option value="(\d+)"[^>]*>' + re.escape(me.name), form),
        }
        done = client.post(service_url, data, follow=True)
        mine = _ok(client.get("/care/me/bookings/"))

    assert "预约成功" in _ok(done)
    booking = Booking.objects.get(resident=me)
    assert booking.status == BookingStatus.BOOKED and booking.slot.service.kind == "meal_table"
    assert booking.slot.service.name in mine and "已预约" in mine and "取消预约" in mine
