"""Activities and sign-ups made through the actions, as the pages make them."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.registry.models import Resident
from shequ.territory.models import Region
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.models import ActivitySignUp, TargetGroup, Volunteer, VolunteerActivity
from shequ.volunteering.tests.factories_volunteers import make_volunteer

_phones = itertools.count(1)


def make_activity(
    *,
    community: Region,
    by: Any,
    title: str = "敬老院陪伴",
    starts_in: timedelta = timedelta(days=2),
    hours: float = 3,
    needed: int = 5,
    publish: bool = True,
    starts_at: datetime | None = None,
    **fields: Any,
) -> VolunteerActivity:
    """A post in ``community`` by ``by`` (an organiser there), published unless told otherwise."""
    start = starts_at or (calendar.now() + starts_in).replace(microsecond=0)
    activity = actions.create_activity(
        by=by,
        region=community,
        title=title,
        place=fields.pop("place", "社区活动中心"),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        needed=needed,
        target_group=fields.pop("target_group", TargetGroup.ELDERLY),
        **fields,
    )
    if publish:
        actions.transition_activity(activity=activity, name="publish", by=by)
    return activity


def volunteer_user(
    community: Region,
    name: str = "李志愿",
    *,
    volunteer: Volunteer | None = None,
    **resident_fields: Any,
) -> tuple[Any, Volunteer]:
    """A resident account linked to an approved volunteer of ``community`` (``resident_fields`` go
    to the registry factory: ``born``, ``sex`` …)."""
    volunteer = volunteer or make_volunteer(community=community, name=name, **resident_fields)
    user = accounts.create_resident_user(
        phone=f"199{next(_phones) + 10000000:08d}", full_name=name, password="Volunteer-pass-1"
    )
    Resident.objects.filter(pk=volunteer.resident_id).update(account=user)
    return user, volunteer


def enrol(activity: VolunteerActivity, user: Any) -> ActivitySignUp:
    return actions.sign_up(activity=activity, by=user)


def started(
    activity: VolunteerActivity, *, ago: timedelta = timedelta(hours=4)
) -> VolunteerActivity:
    """Move an activity's times into the past (tests of what happens during and after it)."""
    length = activity.ends_at - activity.starts_at
    start = (calendar.now() - ago).replace(microsecond=0)
    VolunteerActivity.objects.filter(pk=activity.pk).update(starts_at=start, ends_at=start + length)
    activity.refresh_from_db()
    return activity
