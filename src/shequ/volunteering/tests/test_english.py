"""Every volunteering page reads in English when English is chosen: staff pages, the resident's own
pages (volunteer, time account, wishes, party check-in) and the public statistics. Names, titles and
notes people entered stay as entered."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.volunteering import models
from shequ.volunteering.tests.factories_activities import enrol, make_activity, volunteer_user
from shequ.volunteering.tests.factories_party import make_org, make_wish, member_user
from shequ.volunteering.tests.factories_timebank import earn
from shequ.web.tests.test_i18n import EN, english_pages
from tests.scope.test_every_url import concrete_urls
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

# Fields whose text is what people typed, shown as entered in either language.
ENTERED = {
    models.VolunteerActivity: ("title", "place", "description", "summary"),
    models.VolunteerTeam: ("name", "description"),
    models.Volunteer: ("introduction", "decision_note"),
    models.Recognition: ("title", "awarded_by_name"),
    models.PartyOrganization: ("name", "workplace"),
    models.PartyMemberCheckin: ("offer", "note"),
    models.Wish: ("title", "description", "fulfilment_note", "decline_reason"),
    models.WishEvent: ("note",),
    models.TimeTransfer: ("memo",),
    models.PointsEntry: ("note",),
}


def _pages(client: Any, urls: list[str]) -> int:
    return english_pages(client, urls, ENTERED)


def _world_with_everything() -> tuple[World, Any]:
    world = build_world()
    home = world.regions[HOME["community"]]
    user, volunteer = volunteer_user(home, "周志愿")
    activity = make_activity(community=home, by=world.users["community_staff"])
    enrol(activity, user)
    earn(volunteer.resident, "3")
    org = make_org(region=world.regions[HOME["county"]])
    member_user(org=org, community=home, name="吴党员", checked_in=True)
    make_wish(community=home, resident=volunteer.resident, opened=True)
    return world, user


def test_staff_and_public_volunteering_pages_in_english(client: Any) -> None:
    world, _user = _world_with_everything()
    urls = [u for u in concrete_urls(world) if u.startswith("/volunteering/") and "/me/" not in u]
    client.cookies.load(EN)
    assert _pages(client, ["/volunteering/statistics/"]) == 1
    for role in ("community_staff", "county_official"):
        client.force_login(world.users[role])
        assert _pages(client, urls) > 20, role


def test_resident_volunteering_pages_in_english(client: Any) -> None:
    world, user = _world_with_everything()
    urls = [u for u in concrete_urls(world) if u.startswith("/volunteering/me/")]
    client.cookies.load(EN)
    client.force_login(user)
    assert _pages(client, urls) >= 8
    # A resident who has not registered yet sees the registration page and the explanations.
    client.force_login(world.users["resident"])
    _pages(client, urls)
