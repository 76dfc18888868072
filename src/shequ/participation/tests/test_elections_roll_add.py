"""Staff put a resident on the roll by hand (补登) from the election's page: found by name in the
community, with a reason; a minor is refused with the reason and nothing is written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from shequ.participation.models.elections import RollBasis, RollEntry
from shequ.participation.tests.factories_elections import adult, make_election
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_staff_find_a_resident_and_add_them_with_a_reason(world: World) -> None:
    community = world.regions[HOME["community"]]
    staff = client_for(world.users["community_staff"])
    election = make_election(community)
    person = adult(community, "补登甲", born=date(1970, 1, 1))
    detail = reverse("participation:election_detail", kwargs={"election_id": election.pk})
    page = html(staff.get(detail, {"find": "补登甲"}))
    assert (
        "补登甲" in page
        and reverse("participation:roll_entry_add", kwargs={"election_id": election.pk}) in page
    )
    add = reverse("participation:roll_entry_add", kwargs={"election_id": election.pk})
    refused = staff.post(add, {"resident": person.pk, "reason": ""}, follow=True)
    assert "补登原因" in html(refused)
    assert not RollEntry.objects.filter(election=election, resident=person).exists()
    staff.post(add, {"resident": person.pk, "reason": "户籍迁入后漏登"})
    entry = RollEntry.objects.get(election=election, resident=person)
    assert entry.basis == RollBasis.MANUAL


def test_a_minor_is_refused_with_the_reason(world: World) -> None:
    community = world.regions[HOME["community"]]
    staff = client_for(world.users["community_staff"])
    election = make_election(community)
    child = adult(community, "补登乙", born=date.today().replace(year=date.today().year - 10))
    add = reverse("participation:roll_entry_add", kwargs={"election_id": election.pk})
    page = html(staff.post(add, {"resident": child.pk, "reason": "家长要求"}, follow=True))
    assert "未满" in page
    assert not RollEntry.objects.filter(election=election, resident=child).exists()


def test_a_grid_worker_may_not_add_and_another_county_is_not_found(world: World) -> None:
    community = world.regions[HOME["community"]]
    election = make_election(community)
    person = adult(community, "补登丙", born=date(1970, 1, 1))
    add = reverse("participation:roll_entry_add", kwargs={"election_id": election.pk})
    assert client_for(world.users["grid_worker"]).post(
        add, {"resident": person.pk, "reason": "漏登"}
    ).status_code in (403, 404)
    assert client_for(world.outsider).post(
        add, {"resident": person.pk, "reason": "漏登"}
    ).status_code in (403, 404)
    assert not RollEntry.objects.filter(election=election).exists()
