"""Residents on or off the checklist, and alerts issued through the actions, as the pages make them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from shequ.emergency.actions import alerts as actions
from shequ.emergency.models import Alert, AlertKind, Severity
from shequ.registry import actions as registry
from shequ.registry.models import CareGroup, Relation, Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Grid, Region

_titles = itertools.count(1)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[117.0, 34.0], [117.2, 34.0], [117.2, 34.2], [117.0, 34.2], [117.0, 34.0]]],
}


def tagged(
    community: Region,
    name: str,
    group: str = CareGroup.DIBAO,
    *,
    grid: Grid | None = None,
    alone: bool = False,
    born: date = date(1950, 1, 1),
) -> Resident:
    """A resident with a current care-group tag, in a two-person household unless ``alone``."""
    members = [people.member(name, Relation.HEAD, born=born)]
    if not alone:
        members.append(people.member(f"{name}家属", Relation.SPOUSE, born=date(1982, 3, 3)))
    home = people.household(community, members, grid=grid)
    head = home.head
    assert head is not None
    extra: dict[str, Any] = {}
    if group == CareGroup.DISABLED:
        extra = {"disability_category": "physical", "disability_grade": 2}
    registry.tag_care_group(resident=head, group=group, start_date=date(2020, 1, 1), **extra)
    return head


def family(community: Region, name: str, *, grid: Grid | None = None) -> list[Resident]:
    """Two residents with no care-group tag: reached by the alert, not on the checklist."""
    home = people.household(
        community,
        [people.member(name, Relation.HEAD), people.member(f"{name}家属", Relation.SPOUSE)],
        grid=grid,
    )
    return people.members_of(home)


def issue(
    region: Region,
    *,
    targets: list[Region] | None = None,
    area: Any = None,
    by: Any = None,
    title: str = "",
    kind: str = AlertKind.FLOOD,
    request_key: str | None = None,
) -> Alert:
    return actions.issue_alert(
        region=region,
        kind=kind,
        severity=Severity.ORANGE,
        title=title or f"防汛预警{next(_titles)}",
        instructions="请低洼地区居民及时转移到安全地带。",
        target_regions=targets if targets is not None else ([] if area else [region]),
        area=area,
        request_key=request_key,
        by=by,
    )
