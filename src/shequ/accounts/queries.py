"""Reads of accounts data. Lists of users are scoped by where their roles are held."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.models import RoleAssignment, User, UserKind
from shequ.accounts.permissions import AccountsPerm
from shequ.core import crypto
from shequ.core.scoping import scoped
from shequ.core.validators import normalize_phone


def resident_by_phone(phone: str) -> User | None:
    index = crypto.blind_index("phone", normalize_phone(phone))
    return User.objects.filter(phone_index=index, kind=UserKind.RESIDENT, is_active=True).first()


def visible_assignments(user: User) -> QuerySet[RoleAssignment]:
    return scoped(RoleAssignment.objects.all(), user, AccountsPerm.VIEW_USERS).select_related(
        "user", "role", "region", "grid", "handling_unit"
    )


def visible_staff(user: User) -> QuerySet[User]:
    """Staff who hold a role somewhere inside ``user``'s jurisdiction."""
    assignment_user_ids = visible_assignments(user).values("user_id")
    return User.objects.filter(pk__in=assignment_user_ids, kind=UserKind.STAFF)


def place_labels(assignments: list[RoleAssignment]) -> dict[int, str]:
    """A readable place for each assignment: "鼓楼区 黄楼街道 万通社区居委会 第一网格" (one query).

    The root of the territory is left out below it: everyone in the city knows which city it is.
    """
    from shequ.territory.queries import trails

    regions = [a.grid.community if a.grid else a.region for a in assignments if a.grid or a.region]
    found = trails([r for r in regions if r is not None])
    labels: dict[int, str] = {}
    for a in assignments:
        if a.handling_unit is not None:
            labels[a.pk] = a.handling_unit.name
            continue
        region = a.grid.community if a.grid else a.region
        if region is None:
            continue
        names = [crumb.name for crumb in found.get(region.code, [])[1:]] + [region.name]
        if a.grid is not None:
            names.append(a.grid.name)
        labels[a.pk] = " ".join(names)
    return labels


def holders(
    perm: str,
    *,
    regions: Sequence[Any] = (),
    units: Sequence[Any] = (),
    grids: Sequence[Any] = (),
) -> list[User]:
    """Active users who hold ``perm`` through a role held exactly at one of ``regions``, ``units`` or
    ``grids`` (objects or ids) today, by username: who to tell about work arriving there.

    One query: the assignments at those places with their users and roles. The permission is picked
    out here, not in SQL, because a role's permissions are a JSON list that SQLite cannot search.
    """
    from shequ.core import calendar

    places = {"region__in": regions, "handling_unit__in": units, "grid__in": grids}
    wanted = [Q(**{lookup: list(values)}) for lookup, values in places.items() if values]
    if not wanted:
        return []
    found = (
        RoleAssignment.objects.valid_on(calendar.localdate())
        .filter(reduce(operator.or_, wanted), user__is_active=True)
        .select_related("user", "role")
        .order_by()
    )
    users = {a.user_id: a.user for a in found if perm in a.role.permissions}
    return sorted(users.values(), key=lambda user: user.username)
