"""Time-bank accounts and transfers made through the actions, as the pages make them.

``attended`` makes a finished activity and a confirmed attendance directly (the activities feature's
own factories belong to it); ``earn`` credits it through ``credit_hours`` as the organiser's
confirmation does."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Region
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models import (
    ActivitySignUp,
    ActivityStatus,
    SignUpStatus,
    TargetGroup,
    TimeAccount,
    TimeTransfer,
    Volunteer,
    VolunteerActivity,
)
from shequ.volunteering.tests.factories_volunteers import make_volunteer

_codes = itertools.count(1)


def attended(
    resident: Resident, *, region: Region | None = None, hours: str = "3"
) -> ActivitySignUp:
    """A settled activity of ``region`` (the resident's community by default) that ``resident``
    attended, with ``hours`` confirmed."""
    region = region or resident.community
    volunteer = Volunteer.objects.filter(resident=resident).first() or make_volunteer(
        community=resident.community, resident=resident
    )
    starts = timezone.now() - timedelta(days=1)
    activity = VolunteerActivity.objects.create(
        code=f"HDTB{next(_codes):08d}",
        region=region,
        organiser_id=_organiser_id(),
        title="敬老院助餐",
        place="社区敬老院",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        needed=5,
        target_group=TargetGroup.ELDERLY,
        status=ActivityStatus.SETTLED,
        attendance_secret="x" * 32,
    )
    return ActivitySignUp.objects.create(
        activity=activity,
        volunteer=volunteer,
        status=SignUpStatus.ENROLLED,
        signed_in_at=starts,
        signed_out_at=starts + timedelta(hours=3),
        hours_computed=Decimal(hours),
        hours_confirmed=Decimal(hours),
        confirmed_at=timezone.now(),
    )


def _organiser_id() -> int:
    from shequ.accounts.models import User

    user = User.objects.order_by("pk").first()
    if user is None:
        user = User.objects.create(username="timebank-organiser")
    return user.pk


def earn(resident: Resident, hours: str = "3", *, region: Region | None = None) -> TimeTransfer:
    """``resident`` earned ``hours`` from a volunteer activity."""
    return actions.credit_hours(signup=attended(resident, region=region, hours=hours), by=None)


def member(community: Region, name: str = "王时间", hours: str = "") -> TimeAccount:
    """A resident's member account, with ``hours`` earned when given."""
    person = people.resident(community, name)
    if hours:
        earn(person, hours)
    return actions.member_account(person)


_keys = itertools.count(1)


def key() -> str:
    return f"test-key-{next(_keys)}"


def move(
    source: TimeAccount, target: TimeAccount, hours: str, kind: str, **extra: Any
) -> TimeTransfer:
    return actions.post_transfer(
        source=source,
        target=target,
        hours=hours,
        kind=kind,
        memo=extra.pop("memo", "测试"),
        request_key=extra.pop("request_key", key()),
        by=extra.pop("by", None),
        **extra,
    )
