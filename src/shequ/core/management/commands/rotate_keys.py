"""``shequ manage rotate_keys``: re-encrypt personal data under the active data key (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core import crypto, rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field value that is not under the key ring's active key and cipher. "
        "Safe to interrupt and run again; prints counts only, never values."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=rotation.DEFAULT_BATCH_SIZE,
            help="rows per transaction (default %(default)s)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count and test-decrypt what would be re-encrypted, change nothing",
        )

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        ring = crypto.keyring()
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"active key {ring.active}, cipher {ring.cipher}{' (dry run)' if dry_run else ''}"
        )
        reports = rotation.rotate(batch_size=batch_size, dry_run=dry_run)
        for report in reports:
            line = f"{report.label}: {verb} {report.rotated} of {report.values} values"
            if report.failed:
                line += (
                    f"; {report.failed} could not be decrypted (pk {', '.join(report.failed_pks)}"
                )
                line += ", …)" if report.failed > len(report.failed_pks) else ")"
                self.stdout.write(self.style.ERROR(line))
            else:
                self.stdout.write(line)
        rotated = sum(r.rotated for r in reports)
        failed = sum(r.failed for r in reports)
        self.stdout.write(
            f"total: {verb} {rotated} values; {len(reports)} encrypted fields checked"
        )
        if failed:
            raise CommandError(
                f"values that could not be decrypted with the current key ring: {failed}. "
                "Is a retired key missing from it?"
            )
