"""``shequ manage load_demo_catalog COUNTY_CODE COMMUNITY_CODE``: the demo service catalogue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.cases.demo import load_demo_catalog
from shequ.territory.models import Level, Region


class Command(BaseCommand):
    help = "Load the demo service catalogue for a county and one of its communities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("county")
        parser.add_argument("community")

    def handle(self, *args: Any, county: str, community: str, **options: Any) -> None:
        try:
            county_region = Region.objects.get(code=county, level=Level.COUNTY)
            community_region = Region.objects.get(code=community, level=Level.COMMUNITY)
        except Region.DoesNotExist:
            raise CommandError("unknown county or community code") from None
        if not community_region.path.startswith(county_region.path):
            raise CommandError("the community is not in the county")
        counts = load_demo_catalog(county=county_region, community=community_region)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
