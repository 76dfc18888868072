"""Create one of the first administrators of a new installation (三员分立: one person per role)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shequ.accounts import actions
from shequ.accounts.models import Role
from shequ.territory.models import Region

ROLES = ("system_admin", "security_admin", "security_auditor")


class Command(BaseCommand):
    help = "Create an administrator account (system_admin, security_admin or security_auditor) at a region."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--region", help="region code (default: the root of the territory)")
        parser.add_argument(
            "--password-env",
            help="read the password from this environment variable instead of prompting",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码 {options['region']} 不存在 / no such region")
        else:
            region = Region.objects.filter(parent__isnull=True).order_by("code").first()
            if region is None:
                raise CommandError("请先载入行政区划：shequ load-territory FILE")
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("两次输入的密码不一致 / passwords differ")
        try:
            with transaction.atomic():
                user = actions.create_staff_user(
                    username=options["username"], full_name=options["full_name"], password=password
                )
                actions.assign_role(
                    user=user, role=Role.objects.get(code=options["role"]), region=region
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"已创建 {options['role']} {user.username} @ {region.name}。首次登录时须启用双因素认证。"
        )
