"""``shequ manage load_territory [FILE] [--dry-run]``: load a division file (default: the bundled
Xuzhou file) and print what changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.territory.loading import BUNDLED_FILE, DivisionFileError, load_divisions


class Command(BaseCommand):
    help = "Load the division tree from a code,name,level,parent_code file (NBS statistical codes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(BUNDLED_FILE),
            help="CSV file (default: bundled Xuzhou file)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_divisions(options["file"], dry_run=options["dry_run"])
        except FileNotFoundError as exc:
            raise CommandError(_("找不到文件：%(path)s") % {"path": options["file"]}) from exc
        except DivisionFileError as exc:
            count = len(exc.errors)
            numbered = "\n".join(
                f"{n}. {message}" for n, (_line, message) in enumerate(exc.errors, 1)
            )
            raise CommandError(
                _("文件有 %(n)d 处错误，未写入任何数据：") % {"n": count} + "\n" + numbered
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
