"""Authentication backends. Both refuse inactive users; neither grants Django model permissions —
what a user may do comes from ``User.permissions()``."""

from __future__ import annotations

import abc
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from shequ.accounts.models import User, UserKind
from shequ.core import crypto
from shequ.core.validators import normalize_phone


class _PasswordBackend(BaseBackend, abc.ABC):
    @abc.abstractmethod
    def find(self, credentials: dict[str, Any]) -> User | None:
        """The account these credentials name, if any (each backend knows how it finds people)."""

    def authenticate(
        self, request: HttpRequest | None, password: str | None = None, **credentials: Any
    ) -> User | None:
        if not password:
            return None
        user = self.find(credentials)
        if user is None:
            User().set_password(
                password
            )  # same work either way: no timing hint that the account exists
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()


class StaffBackend(_PasswordBackend):
    """Staff: username + password (Argon2)."""

    def find(self, credentials: dict[str, Any]) -> User | None:
        username = credentials.get("username")
        if not username:
            return None
        return User.objects.filter(username=username, kind=UserKind.STAFF).first()


class ResidentBackend(_PasswordBackend):
    """Residents: mainland mobile number + password. The number is found by its blind index."""

    def find(self, credentials: dict[str, Any]) -> User | None:
        phone = credentials.get("phone")
        if not phone:
            return None
        index = crypto.blind_index("phone", normalize_phone(str(phone)))
        return User.objects.filter(phone_index=index, kind=UserKind.RESIDENT).first()
