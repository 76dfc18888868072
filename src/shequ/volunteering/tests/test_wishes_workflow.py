"""The declared workflows, enumerated: every staff transition of a wish and every transition of a
check-in fires from each of its sources and lands on its target, with an event on the timeline; from
any other state it is refused and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.volunteering.actions import party as party_actions
from shequ.volunteering.actions import wishes as actions
from shequ.volunteering.models import CheckInStatus, Wish, WishStatus
from shequ.volunteering.tests.factories_party import make_org, make_wish, member_user
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _wish_in(world: World, state: str, member: Any) -> Wish:
    """A wish brought to ``state`` through the actions."""
    wish = make_wish(community=world.regions[HOME["community"]])
    if state == WishStatus.OPEN:
        actions.open_wish(wish=wish, by=None)
    elif state == WishStatus.FULFILLED:
        actions.assign_wish(wish=wish, by=None, member=member)
        actions.fulfil_wish(wish=wish, by=None, note="完成")
    return wish


def _fire(name: str, wish: Wish, staff: Any, member: Any) -> None:
    steps = {
        "assign": lambda: actions.assign_wish(wish=wish, by=staff, member=member),
        "open": lambda: actions.open_wish(wish=wish, by=staff),
        "decline": lambda: actions.decline_wish(wish=wish, by=staff, reason="不属于微心愿"),
        "refer": lambda: actions.refer_wish(wish=wish, by=staff),
        "confirm": lambda: actions.staff_confirm_wish(wish=wish, by=staff),
    }
    steps[name]()


@pytest.mark.parametrize(
    ("name", "source"),
    [(t.name, s) for t in actions.WISH_FLOW.transitions for s in t.sources],
)
def test_every_staff_transition_of_a_wish(world: World, name: str, source: str) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    _user, member = member_user(
        org=org, community=world.regions[HOME["community"]], checked_in=True
    )
    wish = _wish_in(world, source, member)
    assert wish.status == source
    _fire(name, wish, world.users["community_staff"], member)
    wish.refresh_from_db()
    assert wish.status == actions.WISH_FLOW.get(name).target
    assert wish.events.order_by("-pk").first().status == wish.status


@pytest.mark.parametrize("name", [t.name for t in actions.WISH_FLOW.transitions])
def test_a_staff_transition_from_a_wrong_state_is_refused(world: World, name: str) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    _user, member = member_user(
        org=org, community=world.regions[HOME["community"]], checked_in=True
    )
    wish = make_wish(community=world.regions[HOME["community"]])
    actions.decline_wish(wish=wish, by=None, reason="重复")
    with pytest.raises(ValidationError):
        _fire(name, wish, world.users["community_staff"], member)
    wish.refresh_from_db()
    assert wish.status == WishStatus.DECLINED


@pytest.mark.parametrize(
    ("name", "source"),
    [(t.name, s) for t in party_actions.CHECKIN_FLOW.transitions for s in t.sources],
)
def test_every_transition_of_a_checkin(world: World, name: str, source: str) -> None:
    home = world.regions[HOME["community"]]
    user, _member = member_user(org=make_org(region=home), community=home)
    checkin = party_actions.check_in(user=user)
    if source == CheckInStatus.CONFIRMED:
        party_actions.decide_checkin(checkin=checkin, approve=True, by=None)
    staff = world.users["community_staff"]
    if name == "end":
        party_actions.end_checkin(checkin=checkin, by=staff, note="已搬离")
    else:
        party_actions.decide_checkin(checkin=checkin, approve=name == "confirm", by=staff, note="x")
    checkin.refresh_from_db()
    assert checkin.status == party_actions.CHECKIN_FLOW.get(name).target


def test_the_assignees_task_page_renders(world: World) -> None:
    home = world.regions[HOME["community"]]
    user, member = member_user(org=make_org(region=home), community=home, checked_in=True)
    wish = make_wish(community=home)
    actions.assign_wish(wish=wish, by=None, member=member)
    page = html(client_for(user).get(reverse("volunteering:my_task", args=[wish.number])))
    assert wish.title in page and "提交完成情况" in page
    staff_page = html(
        client_for(world.users["community_staff"]).get(
            reverse("volunteering:wish_detail", args=[wish.number])
        )
    )
    assert wish.resident.name in staff_page
