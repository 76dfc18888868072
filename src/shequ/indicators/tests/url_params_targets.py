"""URL parameter values for the every-URL-every-role test: targets. A target of each county, its
source marked 【TG…】 (seen only by holders of indicators.targets whose jurisdiction holds the
county); plus an id that does not exist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shequ.indicators.models import IndicatorTarget

COUNTIES = ("320302", "320303")


def _target_ids(world: Any, _model: Any) -> list[str]:
    found = getattr(world, "target_ids", None)
    if found is None:
        found = []
        for code in COUNTIES:
            county = world.regions[code]
            mark = f"【TG{code}】"
            world.all_tokens[mark] = county.path
            target = IndicatorTarget.objects.create(
                indicator="deliberation_body_coverage",
                region=county,
                year=2025,
                value=Decimal(100),
                source=f"{mark}县级方案",
            )
            found.append(str(target.pk))
        world.target_ids = found
    return [*found, "99999999"]


PROVIDERS = {"target_id": _target_ids}
