"""Elections, rolls and the residents on them, made through the real actions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.participation.actions import elections as actions
from shequ.participation.models.elections import Election
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region


def make_election(
    community: Region, *, by: Any = None, title: str = "第十二届居民委员会换届选举", **values: Any
) -> Election:
    today = calendar.localdate()
    values.setdefault("election_day", today + timedelta(days=60))
    values.setdefault("registration_closes", today + timedelta(days=30))
    return actions.create_election(by=by, community=community, title=title, **values)


def adult(
    community: Region, name: str = "李明", *, born: date = date(1980, 5, 1), **kw: Any
) -> Resident:
    return registry.resident(community, name, born=born, **kw)


def published(election: Election, *, by: Any = None) -> Election:
    actions.build_roll(election=election, by=by)
    return actions.publish(election=election, by=by)


_phones = itertools.count(1)


def resident_user(resident: Resident) -> Any:
    """A sign-in account linked to ``resident`` (on a number no other factory uses)."""
    while True:
        phone = f"195{next(_phones) + 55000000:08d}"
        try:
            user = accounts.create_resident_user(
                phone=phone, full_name=resident.name, password="Resident-pass-1"
            )
        except ValidationError:
            continue
        break
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user
