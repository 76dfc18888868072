"""URL parameter values for the every-URL-every-role test: the six standards. Per county, at its
community: an assessment with an evidence file named 【SE…】 and statements marked 【SS…】 (seen only
by staff whose jurisdiction holds the community); plus an id that does not exist."""

from __future__ import annotations

from typing import Any

from shequ.core import calendar
from shequ.indicators.actions import standards as actions
from shequ.indicators.models import Standard, StandardsEvidence
from shequ.indicators.tests.factories_standards import filled
from shequ.participation.tests.factories_disclosures import png_bytes, upload

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _evidence(world: Any) -> list[StandardsEvidence]:
    found = getattr(world, "standards_evidence", None)
    if found is not None:
        return found
    found = []
    year = calendar.localdate().year
    for county, code in PLACES.items():
        community = world.regions[code]
        statement_mark, file_mark = f"【SS{county}】", f"【SE{county}】"
        for mark in (statement_mark, file_mark):
            world.all_tokens[mark] = community.path
        filled(community, year, mark=statement_mark)
        line = actions.save_line(
            community=community,
            year=year,
            standard=Standard.PREMISES,
            statement=f"{statement_mark}党群服务中心面积达标。",
            uploads=[upload(f"{file_mark}.png", png_bytes())],
            by=None,
        )
        found.append(StandardsEvidence.objects.get(line=line))
    world.standards_evidence = found
    return found


def _evidence_ids(world: Any, model: Any) -> list[str]:
    return [str(e.pk) for e in _evidence(world)] + [NOWHERE]


PROVIDERS: dict[str, Any] = {"evidence_id": _evidence_ids}
