"""``shequ manage demo [--reset] [--scale X] [--seed N] [--accounts-file PATH]``: load the synthetic
demo over the loaded territory and print the demo accounts, with their passwords, once."""

from __future__ import annotations

import argparse
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.demo.generator import (
    COUNT_LABELS,
    DEFAULT_SEED,
    MAX_SCALE,
    DemoAccount,
    DemoError,
    generate,
    reset,
)
from shequ.demo.population import CITY_RESIDENTS

FULL = "full"


def _scale(value: str) -> float | str:
    """``--scale``: a number, or ``full`` for the whole city's population."""
    if value.strip().lower() == FULL:
        return FULL
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("规模须为数字（0 到 %(max)g）或 full。") % {"max": MAX_SCALE}
        ) from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def account_table(accounts: list[DemoAccount]) -> list[str]:
    header = (_("角色"), _("位置"), _("用户名 / 手机号"), _("密码"))
    rows = [(a.role_name, a.place, a.login, a.password) for a in accounts]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if row is header:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def write_accounts_file(path: str, accounts: list[DemoAccount]) -> None:
    """The accounts as JSON, readable by the owner only (0600), for the browser tests."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file already existed with wider permissions
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            json.dump([a.as_dict() for a in accounts], handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    finally:
        if fd != -1:
            os.close(fd)


class Command(BaseCommand):
    help = (
        "Load the synthetic demo (grids, estates, buildings, units, one account per role, "
        "a synthetic resident population)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo data first, then regenerate it"
        )
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help="multiply grids, estates and households per community; 'full' for the whole "
            f"city ({CITY_RESIDENTS:,} residents in every community)",
        )
        parser.add_argument(
            "--residents",
            type=int,
            default=None,
            help="spread a population of about this many residents over every community",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument(
            "--accounts-file", default="", help="also write the demo accounts as JSON (mode 0600)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["reset"]:
                deleted = reset()
                if any(deleted.values()):
                    removed = "，".join(
                        f"{COUNT_LABELS[k]} {v:,}"
                        for k, v in deleted.items()
                        if k in COUNT_LABELS and v
                    )
                    self.stdout.write(_("已删除原有演示数据：%(what)s。") % {"what": removed})
            scale, residents = options["scale"], options["residents"]
            if scale == FULL:
                scale, residents = 1.0, residents or CITY_RESIDENTS
            report = generate(
                seed=options["seed"], scale=scale, residents=residents, stdout=self.stdout
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc

        if not report.created:
            for line in report.lines():
                self.stdout.write(line)
            self.stdout.write(
                _(
                    "演示账号的密码只在生成时显示一次。如需重新生成演示数据和密码：shequ demo --reset"
                )
            )
            if options["accounts_file"]:
                self.stdout.write(
                    _("未写入账号文件 %(path)s：密码已无法取回，请用 --reset 重新生成。")
                    % {"path": options["accounts_file"]}
                )
            return

        if options["accounts_file"]:
            # Written before anything is printed, so that a closed terminal or pipe cannot lose them.
            write_accounts_file(options["accounts_file"], report.accounts)
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(_("演示账号（居民用手机号登录；手机号为虚构的演示号码）："))
        for line in account_table(report.accounts):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                _(
                    "密码只在此刻显示一次，数据库里只保存其摘要。运行 shequ demo --reset 可重新生成。"
                )
            )
        )
        if options["accounts_file"]:
            self.stdout.write(
                _("账号已写入 %(path)s（仅本人可读）。") % {"path": options["accounts_file"]}
            )
