"""Authentication backends. Both refuse inactive users; neither grants Django model permissions —
what a user may do comes from ``User.permissions()``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from shequ.accounts.models import User, UserKind
from shequ.core import crypto
from shequ.core.validators import normalize_phone


class StaffBackend(BaseBackend):
    """Staff: username + password (Argon2)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **_: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = User.objects.filter(username=username, kind=UserKind.STAFF).first()
        if user is None:
            User().set_password(
                password
            )  # same work either way: no timing hint that the name exists
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()


class ResidentBackend(BaseBackend):
    """Residents: mainland mobile number + password. The number is found by its blind index."""

    def authenticate(
        self,
        request: HttpRequest | None,
        phone: str | None = None,
        password: str | None = None,
        **_: Any,
    ) -> User | None:
        if not phone or not password:
            return None
        index = crypto.blind_index("phone", normalize_phone(phone))
        user = User.objects.filter(phone_index=index, kind=UserKind.RESIDENT).first()
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()
