"""Admin pages of the shared kernel: role permissions decide, and saving a day refreshes the calendar."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from shequ.accounts.models import Role, RoleAssignment, User
from shequ.core import calendar
from shequ.core.models import AuditEvent, CalendarDay, Delivery, Notification
from shequ.territory.models import Region

pytestmark = pytest.mark.django_db
BACKEND = "shequ.accounts.backends.StaffBackend"


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar.invalidate()
    yield
    calendar.invalidate()


def staff_with(*perms: str, username: str = "admin1") -> User:
    region, _ = Region.objects.get_or_create(
        code="320302",
        defaults={
            "name": "鼓楼区",
            "level": "county",
            "kind": "district",
            "path": "320302/",
            "depth": 1,
        },
    )
    role = Role.objects.create(code=f"r-{username}", name=username, permissions=list(perms))
    user = User.objects.create(username=username, full_name=username)
    RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_calendar_admin_requires_manage_calendar() -> None:
    outsider = client_for(staff_with("core.use_admin", username="outsider"))
    assert outsider.get("/admin/core/calendarday/").status_code == 403
    assert (
        outsider.post(
            "/admin/core/calendarday/add/", {"date": "2025-03-10", "kind": "holiday", "name": "x"}
        ).status_code
        == 403
    )
    assert not CalendarDay.objects.exists()


def test_saving_a_day_in_admin_changes_deadlines_at_once() -> None:
    admin_client = client_for(staff_with("core.use_admin", "core.manage_calendar"))
    assert calendar.is_working_day(date(2025, 3, 10)) is True  # cached before the change

    response = admin_client.post(
        "/admin/core/calendarday/add/",
        {"date": "2025-03-10", "kind": "holiday", "name": "临时休假"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert calendar.is_working_day(date(2025, 3, 10)) is False
    assert AuditEvent.objects.filter(action="core.add_calendar_day").exists()

    listing = admin_client.get("/admin/core/calendarday/?year=2025&kind=holiday&q=临时")
    assert listing.status_code == 200
    assert "临时休假" in listing.content.decode()

    day = CalendarDay.objects.get()
    assert (
        admin_client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert calendar.is_working_day(date(2025, 3, 10)) is True


def test_notification_admin_shows_only_ones_own_and_is_read_only() -> None:
    me = staff_with("core.use_admin", username="me")
    other = staff_with("core.use_admin", username="other")
    mine = Notification.objects.create(recipient=me, topic="t", subject="给我的通知")
    theirs = Notification.objects.create(recipient=other, topic="t", subject="别人的通知")
    client = client_for(me)

    page = client.get("/admin/core/notification/").content.decode()
    assert "给我的通知" in page and "别人的通知" not in page
    assert client.get(f"/admin/core/notification/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/core/notification/{theirs.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/core/notification/add/").status_code == 403


def test_delivery_admin_requires_view_audit() -> None:
    Delivery.objects.create(
        channel="sms", backend="console", destination_masked="138****5678", topic="t"
    )
    assert (
        client_for(staff_with("core.use_admin", username="plain"))
        .get("/admin/core/delivery/")
        .status_code
        == 403
    )
    auditor = client_for(staff_with("core.use_admin", "core.view_audit", username="auditor"))
    page = auditor.get("/admin/core/delivery/")
    assert page.status_code == 200
    assert "138****5678" in page.content.decode()
    assert auditor.get("/admin/core/delivery/add/").status_code == 403
