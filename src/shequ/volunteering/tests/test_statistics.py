"""Published volunteer statistics: periods (year, quarter, month) and their refusals; the figures per
region and per child in a constant number of queries; the public page (no sign-in, aggregates and
place names only); the staff CSV export (layout, BOM, scope); the public API; and the volunteers
party of five-party linkage."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.organizations import linkage
from shequ.territory.models import Region
from shequ.volunteering.models import ActivitySignUp, ActivityStatus, Volunteer, VolunteerActivity
from shequ.volunteering.queries import statistics as stats
from shequ.volunteering.tests.factories_volunteers import make_volunteer
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

PAGE = reverse("volunteering:statistics")
EXPORT = reverse("volunteering:statistics_export")
API = "/api/v1/volunteering/statistics"
VILLAGE = "320302001201"
AWAY = "320303001001"
_codes = iter(range(1, 10_000))


@pytest.fixture
def world() -> World:
    return build_world()


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


def held(
    world: World,
    community_code: str,
    day: date,
    attendance: list[tuple[Volunteer, str]],
    *,
    people_served: int = 10,
    status: str = ActivityStatus.SETTLED,
) -> VolunteerActivity:
    """An activity held in a community on ``day`` with confirmed hours (made directly: the
    statistics read what the activities feature records)."""
    start = at(day)
    activity = VolunteerActivity.objects.create(
        code=f"HD{next(_codes):06d}",
        region=world.regions[community_code],
        organiser=world.users["community_staff"],
        title="敬老助餐",
        place="活动中心",
        starts_at=start,
        ends_at=start + timezone.timedelta(hours=4),
        needed=5,
        target_group="elderly",
        status=status,
        people_served=people_served,
        attendance_secret=secrets.token_hex(16),
    )
    for volunteer, hours in attendance:
        ActivitySignUp.objects.create(
            activity=activity,
            volunteer=volunteer,
            status="enrolled",
            hours_confirmed=Decimal(hours),
            confirmed_at=start,
        )
    return activity


def approved_on(volunteer: Volunteer, day: date) -> Volunteer:
    Volunteer.objects.filter(pk=volunteer.pk).update(decided_at=at(day))
    return volunteer


# --- Periods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = stats.parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-13", "26", "2026Q5", "1999", "next year", "2026-00"])
def test_bad_periods_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        stats.parse_period(text)
    assert "period" in caught.value.message_dict


# --- Figures -----------------------------------------------------------------------------------------


def make_figures(world: World) -> dict[str, Volunteer]:
    home, village = world.regions[HOME["community"]], world.regions[VILLAGE]
    a = approved_on(make_volunteer(community=home, name="甲"), date(2026, 2, 1))
    b = approved_on(make_volunteer(community=home, name="乙"), date(2026, 8, 1))
    c = approved_on(make_volunteer(community=village, name="丙"), date(2026, 1, 5))
    approved_on(make_volunteer(community=home, name="丁"), date(2026, 10, 1))  # after Q3
    make_volunteer(community=home, name="戊", approve=False)  # pending: never counted
    held(world, HOME["community"], date(2026, 7, 10), [(a, "3"), (b, "2.5")], people_served=20)
    held(world, VILLAGE, date(2026, 8, 3), [(a, "1"), (c, "4")], people_served=5)
    held(world, HOME["community"], date(2026, 10, 2), [(a, "9")])  # next quarter
    held(world, HOME["community"], date(2026, 7, 20), [], status=ActivityStatus.CANCELLED)
    held(world, AWAY, date(2026, 7, 11), [(c, "2")], people_served=7)  # the other county
    return {"a": a, "b": b, "c": c}


def test_the_figures_per_region_and_child(world: World, django_assert_max_num_queries: Any) -> None:
    make_figures(world)
    township = world.regions[HOME["township"]]
    children = list(Region.objects.filter(parent=township).order_by("code"))
    with django_assert_max_num_queries(6):
        table = stats.statistics(township, stats.parse_period("2026Q3"), children)
    total = table.total
    assert (total.registered, total.active, total.hours) == (3, 3, Decimal("10.5"))
    assert (total.activities, total.people_served) == (2, 25)
    rows = {row.region.code: row for row in table.rows}
    home = rows[HOME["community"]]
    assert (home.registered, home.active, home.hours, home.activities) == (2, 2, Decimal("5.5"), 1)
    village = rows[VILLAGE]
    assert (village.registered, village.active, village.hours, village.people_served) == (
        1,
        2,
        Decimal("5"),
        5,
    )


def test_the_city_costs_the_same_queries(world: World, django_assert_max_num_queries: Any) -> None:
    make_figures(world)
    city = world.regions[HOME["city"]]
    with django_assert_max_num_queries(7):
        table = stats.public_statistics(city, stats.parse_period("2026"))
    assert table.total.activities == 4 and table.total.hours == Decimal("21.5")
    assert {row.region.code for row in table.rows} == {"320302", "320303"}


# --- The public page and API -------------------------------------------------------------------------


def test_the_public_page_needs_no_sign_in_and_drills_down(world: World) -> None:
    make_figures(world)
    client = Client()
    top = html(client.get(PAGE + "?period=2026Q3"))
    assert "志愿服务统计" in top and "甲" not in top
    body = html(client.get(PAGE + f"?region={HOME['township']}&period=2026Q3"))
    assert world.regions[VILLAGE].name in body and "10.5" in body
    assert "乙" not in body and "ZY" not in body
    bad = html(client.get(PAGE + "?period=2026-13"))
    assert "统计月份不正确" in bad
    assert client.get(PAGE + "?region=999999").status_code == 404


def test_the_public_api(world: World) -> None:
    make_figures(world)
    client = Client()
    data = client.get(API + f"?region={HOME['township']}&period=2026Q3").json()
    assert data["period"] == "2026Q3" and data["total"]["hours"] == 10.5
    assert {row["region_code"] for row in data["children"]} == {HOME["community"], VILLAGE}
    assert client.get(API + "?period=2026Q9").status_code == 422
    assert client.get(API + "?region=999999").status_code == 404


# --- The CSV export ----------------------------------------------------------------------------------


def test_the_csv_export_layout(world: World) -> None:
    make_figures(world)
    client = client_for(world.users["county_official"])
    response = client.get(EXPORT + f"?region={HOME['township']}&period=2026Q3")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [label for _key, label in stats.CSV_COLUMNS]
    by_code = {row[1]: row for row in rows[1:]}
    assert set(by_code) == {HOME["community"], VILLAGE}
    assert by_code[HOME["community"]][0] == "2026Q3"
    assert by_code[HOME["community"]][5:] == ["2", "2", "5.50", "1", "20"]


def test_the_export_is_scoped_and_needs_the_permission(world: World) -> None:
    assert (
        client_for(world.users["county_official"]).get(EXPORT + f"?region={AWAY}").status_code
        == 404
    )
    assert client_for(world.users["community_staff"]).get(EXPORT).status_code == 403
    head = client_for(world.users["community_head"]).get(EXPORT + "?period=2026")
    assert head.status_code == 200
    rows = list(csv.reader(io.StringIO(head.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [HOME["community"]]
    assert client_for(world.users["community_head"]).get(EXPORT + "?period=x").status_code == 400


# --- Five-party linkage ------------------------------------------------------------------------------


def test_the_volunteers_party_is_registered_and_answers(world: World) -> None:
    found = make_figures(world)
    # The app registers it when it starts; registering again is harmless (other apps' tests may
    # have unregistered it in this process).
    stats.register_linkage_party()
    assert linkage.PARTIES["volunteer"].resolver is stats.volunteers_linked
    assert all(party.code != "volunteer" for party in linkage.pending_parties())
    home, village = world.regions[HOME["community"]], world.regions[VILLAGE]
    other = world.regions["320302002001"]
    # A finished activity with no confirmed attendance does not count.
    held(world, "320302002001", date(2026, 7, 1), [], status=ActivityStatus.FINISHED)
    q3 = linkage.parse_period("2026Q3")
    assert stats.volunteers_linked([home.pk, village.pk, other.pk], q3) == {home.pk, village.pk}
    q4 = linkage.parse_period("2026Q4")
    assert stats.volunteers_linked([home.pk, village.pk], q4) == {home.pk}
    assert found["a"].pk
