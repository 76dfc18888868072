"""Issue an Open311 key to a named client system from the command line (``shequ open311-key``).

Only the key is written to standard output, so that it can be piped into a secret store; nothing
personal (the contact) is printed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.cases.actions import open311 as actions
from shequ.cases.queries import open311 as queries


class Command(BaseCommand):
    help = "Open311 keys for client systems: `create NAME [--region CODE] [--contact TEXT]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        create = sub.add_parser("create", help="register a client system and print its new key")
        create.add_argument("name", help="the client system's name, unique")
        create.add_argument(
            "--region", default="", help="region code it files into (default: the whole territory)"
        )
        create.add_argument("--contact", default="", help="who runs the client system")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["region"]:
            region = queries.region_by_code(options["region"])
            if region is None:
                raise CommandError(f"区划代码 {options['region']} 不存在 / no such region")
        else:
            region = queries.root_region()
            if region is None:
                raise CommandError("请先载入行政区划：shequ load-territory FILE")
        try:
            client, key = actions.issue_client(
                name=options["name"], region=region, contact=options["contact"], by=None
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"已为“{client.name}”签发密钥（受理区域 {region.code}）。密钥只显示这一次 / shown once:"
        )
        self.stdout.write(key)
