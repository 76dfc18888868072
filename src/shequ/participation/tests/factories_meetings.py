"""Deliberation bodies, meetings, polls and the residents who attend and vote, made through the real
actions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.participation.actions import meetings as actions
from shequ.participation.models.meetings import (
    BodyKind,
    DeliberationBody,
    Meeting,
    MeetingKind,
    Poll,
)
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)
_names = itertools.count(1)


def resident_user(resident: Resident) -> Any:
    """A sign-in account linked to ``resident``."""
    user = accounts.create_resident_user(
        phone=f"196{next(_phones) + 40000000:08d}",
        full_name=resident.name,
        password="Resident-pass-1",
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user


def staff_at(community: Region) -> Any:
    """A community staff member held at ``community``."""
    from shequ.accounts.models import Role

    user = accounts.create_staff_user(
        username=f"meetings-staff-{community.code}-{next(_names)}",
        full_name="议事工作人员",
        password=None,
    )
    accounts.assign_role(user=user, role=Role.objects.get(code="community_staff"), region=community)
    return user


def villager(community: Region, name: str | None = None, **fields: Any) -> tuple[Resident, Any]:
    """A resident of ``community`` with a linked account."""
    person = registry.resident(community, name or f"议事居民{next(_names)}", **fields)
    return person, resident_user(person)


def make_body(
    community: Region,
    *,
    by: Any = None,
    name: str = "居民议事会",
    members: int = 1,
    constituted_on: date | None = None,
) -> DeliberationBody:
    body = actions.create_body(
        by=by,
        community=community,
        kind=BodyKind.RESIDENTS_COUNCIL,
        name=name,
        constituted_on=constituted_on or date(2025, 1, 1),
    )
    for _n in range(members):
        person = registry.resident(community, f"议事员{next(_names)}")
        actions.add_member(body=body, by=by, resident=person, start_on=body.constituted_on)
    return body


def make_meeting(
    community: Region,
    *,
    by: Any,
    body: DeliberationBody | None = None,
    title: str = "民生月谈",
    in_days: int = 3,
    starts_at: Any = None,
    **values: Any,
) -> Meeting:
    return actions.create_meeting(
        by=by,
        community=community,
        body=body,
        kind=values.pop("kind", MeetingKind.MONTHLY_TALK),
        title=title,
        place=values.pop("place", "社区党群服务中心二楼会议室"),
        starts_at=starts_at or calendar.now() + timedelta(days=in_days),
        **values,
    )


def in_session(community: Region, *, by: Any, **kw: Any) -> Meeting:
    meeting = make_meeting(community, by=by, **kw)
    return actions.transition(meeting=meeting, name="open", by=by)


def make_poll(
    community: Region,
    *,
    by: Any,
    question: str = "是否同意更换路灯",
    options: tuple[str, ...] = ("同意", "不同意", "弃权"),
    open_days: int | None = 3,
    **kw: Any,
) -> Poll:
    poll = actions.create_poll(
        by=by, community=community, question=question, options=list(options), **kw
    )
    if open_days is not None:
        actions.poll_transition(
            poll=poll, name="open", by=by, closes_at=calendar.now() + timedelta(days=open_days)
        )
    return poll
