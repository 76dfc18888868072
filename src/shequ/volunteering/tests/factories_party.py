"""Party organisations, members, check-ins and wishes made through the actions, as the pages make
them."""

from __future__ import annotations

import itertools
from typing import Any

from shequ.accounts import actions as accounts
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Region
from shequ.volunteering.actions import party as actions
from shequ.volunteering.actions import wishes as wish_actions
from shequ.volunteering.models import PartyMember, PartyMemberCheckin, PartyOrganization, Wish

_phones = itertools.count(1)


def make_org(
    *, region: Region, name: str = "市税务局机关党委", kind: str = "organ"
) -> PartyOrganization:
    return actions.create_organization(region=region, name=name, kind=kind, by=None)


def resident_user(resident: Resident) -> Any:
    """A resident sign-in account linked to ``resident``."""
    user = accounts.create_resident_user(
        phone=f"198{next(_phones) + 20000000:08d}", full_name=resident.name, password="Party-pass-1"
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    resident.account = user
    return user


def make_member(
    *,
    org: PartyOrganization,
    community: Region,
    name: str = "王党员",
    resident: Resident | None = None,
) -> PartyMember:
    person = resident or people.resident(community, name)
    return actions.add_member(organization=org, id_number="", resident=person, by=None)


def member_user(
    *, org: PartyOrganization, community: Region, name: str = "王党员", checked_in: bool = False
) -> tuple[Any, PartyMember]:
    """A resident account of a rostered member; checked in and confirmed when asked."""
    member = make_member(org=org, community=community, name=name)
    user = resident_user(member.resident)
    if checked_in:
        confirm(actions.check_in(user=user, offer="助老"))
    return user, member


def confirm(checkin: PartyMemberCheckin) -> PartyMemberCheckin:
    return actions.decide_checkin(checkin=checkin, approve=True, by=None)


def make_wish(
    *,
    community: Region,
    resident: Resident | None = None,
    title: str = "想请人帮忙修水龙头",
    opened: bool = False,
) -> Wish:
    person = resident or people.resident(community, "赵心愿")
    wish = wish_actions.post_wish(resident=person, by=None, category="repair", title=title)
    if opened:
        wish_actions.open_wish(wish=wish, by=None)
    return wish
