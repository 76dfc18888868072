"""Django's ``changepassword``, through the audited action."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts import actions
from shequ.accounts.models import User


class Command(BaseCommand):
    help = "Set a user's password (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("用户不存在 / no such user")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("两次输入的密码不一致 / passwords differ")
        try:
            actions.set_password(user=user, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write("密码已修改 / password changed")
