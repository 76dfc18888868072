"""``shequ manage scan_duplicates [--region CODE]``: propose likely duplicate records for review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.registry.actions.duplicates import scan_duplicates
from shequ.territory.models import Region


class Command(BaseCommand):
    help = (
        "Find active residents with the same name and birth date, or the same name at the same "
        "address, and open a review candidate for each new pair. Pairs already dismissed or merged "
        "are not proposed again. Prints a count only, never names or numbers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            default="",
            help="division code: only pairs with a record in this region's subtree",
        )

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        place = None
        if region:
            place = Region.objects.filter(code=region).first()
            if place is None:
                raise CommandError(f"no region with code {region}")
        created = scan_duplicates(region=place)
        self.stdout.write(f"{created} new duplicate candidate(s)")
