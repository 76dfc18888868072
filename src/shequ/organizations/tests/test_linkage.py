"""Five-party linkage (五社联动): each party's rule on its own (in the period or not), the volunteer
party pending until an app registers it, a community covered only with all four, the page per child
region and drilled down to a township's communities with what each lacks, the Excel export, a
malformed period, jurisdiction, and a constant number of queries for many communities."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.organizations import linkage
from shequ.organizations.actions import social as actions
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityNeed,
    NeedMatch,
)
from shequ.organizations.tests.factories_social import (
    make_activity,
    make_org,
    make_project,
    make_site,
    make_staff,
    make_worker,
)
from shequ.territory.models import Kind, Level, Region
from shequ.workforce.models import CommunityWorker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

PAGE = reverse("organizations:linkage")
Q3 = linkage.parse_period("2026Q3")
IN_Q3 = date(2026, 8, 15)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def volunteers_everywhere() -> Iterator[None]:
    """The volunteering app, stood in for: every community asked about is linked."""

    def everyone(ids: Sequence[int], period: linkage.Period) -> set[int]:
        return set(ids)

    party = linkage.PARTIES["volunteer"]
    label, answering = party.label, party.resolver
    linkage.register_party("volunteer", "社区志愿者", everyone)
    yield
    party.label, party.resolver = label, answering  # the volunteering app's own answer again


def home(world: World) -> Region:
    return world.regions[HOME["community"]]


def linked(world: World, code: str, period: linkage.Period = Q3) -> dict[str, bool]:
    community = world.regions[code]
    return linkage.evaluate([community.id], period)[community.id].linked


def charity_entry(community: Region, day: date, number: int = 1) -> CharityEntry:
    fund, _ = CharityFund.objects.get_or_create(
        region=community,
        defaults={
            "code": f"F{community.code}",
            "name": "社区慈善基金",
            "kind": "fund",
            "established_on": date(2024, 1, 1),
        },
    )
    return CharityEntry.objects.create(
        fund=fund, number=number, kind="donation", posted_on=day, amount=100, description="捐款"
    )


def all_four(world: World, community: Region) -> None:
    org = make_org(region=community, serial=community.id)
    make_activity(org=org, community=community, held_on=IN_Q3)
    make_worker(region=community, community=community)
    charity_entry(community, IN_Q3)


# --- The period -----------------------------------------------------------------------------------


def test_periods() -> None:
    assert (Q3.start, Q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    q4 = linkage.parse_period("2026q4")
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))
    year = linkage.parse_period(" 2025 ")
    assert (year.start, year.end) == (date(2025, 1, 1), date(2025, 12, 31))
    for bad in ("2026Q5", "26Q1", "2026-03", "", "Q3", "1800"):
        with pytest.raises(ValidationError):
            linkage.parse_period(bad)


def test_a_malformed_period_is_said_and_the_current_quarter_shown(world: World) -> None:
    body = html(client_for(world.users["community_staff"]).get(PAGE + "?period=2026Q7"))
    assert "统计期应写成年份或季度" in body
    assert linkage.current_period().label in body


# --- Each party -----------------------------------------------------------------------------------


def test_social_organisation_by_activity_or_running_project(world: World) -> None:
    org = make_org(region=home(world))
    assert not linked(world, HOME["community"])["social_organization"]
    make_activity(org=org, community=home(world), held_on=date(2026, 6, 30))  # the quarter before
    assert not linked(world, HOME["community"])["social_organization"]
    village = world.regions["320302001201"]
    project = make_project(
        region=world.regions[HOME["township"]],
        provider=org,
        communities=[village],
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 3, 1),
    )
    assert not linked(world, "320302001201")["social_organization"]  # planned
    actions.transition_project(project=project, transition="start", by=None)
    assert linked(world, "320302001201")["social_organization"]
    assert not linked(world, "320302001201", linkage.parse_period("2026Q2"))["social_organization"]
    make_activity(org=org, community=home(world), held_on=IN_Q3)
    assert linked(world, HOME["community"])["social_organization"]


def test_social_worker_needs_a_qualification_by_the_period_end_and_a_post(world: World) -> None:
    community = home(world)
    make_worker(region=community, community=community, qualified_on=date(2026, 10, 2))
    assert not linked(world, HOME["community"])["social_worker"]
    make_worker(region=community, community=community, status="left", name="离职")
    assert not linked(world, HOME["community"])["social_worker"]
    make_worker(region=community, community=community, post_until=date(2026, 6, 30), name="调走")
    assert not linked(world, HOME["community"])["social_worker"]
    make_worker(region=community, community=community, qualified_on=date(2026, 9, 30), name="新证")
    assert linked(world, HOME["community"])["social_worker"]


def test_a_social_worker_who_left_during_the_period_still_linked_it(world: World) -> None:
    community = home(world)
    worker = make_worker(
        region=community, community=community, status="left", post_until=date(2026, 8, 15)
    )
    CommunityWorker.objects.filter(pk=worker.pk).update(status_since=date(2026, 8, 15))
    assert linked(world, HOME["community"])["social_worker"]
    assert not linked(world, HOME["community"], linkage.parse_period("2026Q4"))["social_worker"]


def test_social_worker_by_qualified_staff_at_the_township_station(world: World) -> None:
    station = make_site(region=world.regions[HOME["township"]], kind="station")
    make_staff(site=station, qualification="", name="无证")
    assert not linked(world, HOME["community"])["social_worker"]
    make_staff(site=station, qualification="assistant", started_on=date(2026, 1, 1))
    assert linked(world, HOME["community"])["social_worker"]
    assert linked(world, "320302001201")["social_worker"]  # the township's other community
    assert not linked(world, "320302002001")["social_worker"]  # another township


def test_charity_by_a_posted_entry_or_a_matched_need(world: World) -> None:
    charity_entry(home(world), date(2026, 10, 1))
    assert not linked(world, HOME["community"])["charity"]
    village = world.regions["320302001201"]
    need = CharityNeed.objects.create(community=village, title="轮椅", kind="goods")
    match = NeedMatch.objects.create(need=need, donor_name="爱心企业")
    NeedMatch.objects.filter(pk=match.pk).update(
        matched_at=timezone.make_aware(timezone.datetime(2026, 8, 1, 10, 0))
    )
    assert linked(world, "320302001201")["charity"]
    charity_entry(home(world), IN_Q3, number=2)
    assert linked(world, HOME["community"])["charity"]


def test_volunteers_are_missing_until_an_app_answers_for_them(world: World) -> None:
    party = linkage.PARTIES["volunteer"]
    answering = party.resolver
    linkage.unregister_party("volunteer")
    try:
        all_four(world, home(world))
        found = linkage.evaluate([home(world).id], Q3)[home(world).id]
    finally:
        party.resolver = answering
    assert not found.covered
    assert found.missing == ["社区志愿者：志愿服务记录尚未接入（志愿者模块上线后自动计入）"]
    assert linkage.covered_communities([home(world).id], Q3) == set()


def test_covered_with_all_four(world: World, volunteers_everywhere: None) -> None:
    all_four(world, home(world))
    village = world.regions["320302001201"]
    assert linkage.covered_communities([home(world).id, village.id], Q3) == {home(world).id}
    missing = linkage.evaluate([village.id], Q3)[village.id].missing
    assert any(text.startswith("社会组织：") for text in missing)
    assert not any(text.startswith("社区志愿者") for text in missing)


# --- The page -------------------------------------------------------------------------------------


def test_the_county_page_per_township_and_the_drill_down(
    world: World, volunteers_everywhere: None
) -> None:
    all_four(world, home(world))
    client = client_for(world.users["county_official"])
    county = html(client.get(PAGE + "?period=2026Q3"))
    assert "320302001" in county and "320303001" not in county
    assert "共 3 个村(社区)，覆盖 1 个" in county
    township = html(client.get(PAGE + "?region=320302001&period=2026Q3"))
    assert "已覆盖" in township and "未覆盖" in township
    assert "本期没有社会组织在本社区开展活动或实施服务项目" in township


def test_the_page_says_why_nobody_is_covered(world: World) -> None:
    all_four(world, home(world))
    body = html(client_for(world.users["community_staff"]).get(PAGE + "?period=2026Q3"))
    # The volunteering app answers for volunteers: none served here in the quarter, and it says so.
    assert "覆盖 0 个" in body and "尚未接入" not in body
    assert str(linkage.PARTIES["volunteer"].missing) in body


def test_another_county_is_a_404(world: World) -> None:
    client = client_for(world.users["county_official"])
    assert client.get(PAGE + "?region=320303").status_code == 404
    assert client.get(PAGE + "?region=abc").status_code == 404


def test_the_export(world: World, volunteers_everywhere: None) -> None:
    all_four(world, home(world))
    response = client_for(world.users["township_staff"]).get(
        reverse("organizations:linkage_export") + "?period=2026Q3"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    names = [row[1] for row in rows[3:]]
    assert home(world).name in names and len(names) == 2
    mine = next(row for row in rows[3:] if row[1] == home(world).name)
    assert list(mine[3:8]) == ["✓", "✓", "✓", "✓", "是"]


def test_many_communities_cost_the_same_queries(
    world: World, volunteers_everywhere: None, django_assert_max_num_queries: Any
) -> None:
    township = world.regions[HOME["township"]]
    for n in range(300, 400):
        code = f"{township.code}{n:03d}"
        community = Region.objects.create(
            code=code,
            name=f"社区{n}",
            level=Level.COMMUNITY,
            kind=Kind.URBAN_COMMUNITY,
            parent=township,
            path=f"{township.path}{code}/",
            depth=township.depth + 1,
        )
        if n % 3 == 0:
            make_worker(region=community, community=community, name=f"社工{n}")
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(16):
        county = html(client.get(PAGE + "?period=2026Q3"))
    with django_assert_max_num_queries(16):
        drilled = html(client.get(PAGE + "?region=320302001&period=2026Q3"))
    assert "共 103 个村(社区)" in county and "社区399" in drilled
