"""Reads of accounts data. Lists of users are scoped by where their roles are held."""

from __future__ import annotations

from django.db.models import QuerySet

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
