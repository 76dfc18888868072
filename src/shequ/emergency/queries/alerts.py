"""Reads of the alerts feature (G3): who an alert reaches, the alerts a user may see, the live reach
board, the grid worker's checklist and the resident's own alerts.

Who an alert reaches (``Targets``): every active resident (alive, registration active, not merged)
whose community is under one of the chosen regions, plus — for a drawn area — the residents of the
grids whose centre falls inside it (a grid without a centre counts by its community's centre) and the
residents without a grid of the communities whose centre falls inside it. The area is checked
against the places of the issuing region's subtree only.

Who is vulnerable (on the checklist, ``VULNERABLE_GROUPS``): a current care-group tag in the groups
below (低保、特困、空巢/独居/高龄/失能老人、困境儿童、留守儿童、残疾人、严重精神障碍患者), anybody living
alone (the only active member of their household) and anybody with a disability tag. The other care
groups (veterans, party members, the unemployed, community corrections) are not, by themselves, a
reason to be checked on in an emergency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from shapely.geometry import Point, shape
from shapely.prepared import prep

from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.emergency.models import (
    Alert,
    AlertDispatch,
    AlertStatus,
    ReachItem,
    ReachReason,
    ReachStatus,
)
from shequ.emergency.permissions import EmergencyPerm
from shequ.registry.models import CareGroup, CareGroupTag, LifeStatus, Resident
from shequ.registry.queries import own_resident as own_resident
from shequ.territory.models import Grid, Level, Region

VIEW = EmergencyPerm.VIEW
CONFIRM = EmergencyPerm.CONFIRM_REACH
ISSUE = EmergencyPerm.ISSUE_ALERTS

VULNERABLE_GROUPS = (
    CareGroup.DIBAO,
    CareGroup.EXTREME_POVERTY,
    CareGroup.EMPTY_NEST_ELDERLY,
    CareGroup.LIVING_ALONE_ELDERLY,
    CareGroup.OLDEST_OLD,
    CareGroup.DEPENDENT_ELDERLY,
    CareGroup.CHILD_IN_DIFFICULTY,
    CareGroup.LEFT_BEHIND_CHILD,
    CareGroup.SEVERE_MENTAL_DISORDER,
)
# Levels at which an alert may be issued (the issuer's role is held there): township and above.
ISSUING_LEVELS = (Level.TOWNSHIP, Level.COUNTY, Level.CITY)
TARGET_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
RECENT_CLOSED = 20


# --- Who an alert reaches ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """The places an alert reaches: subtrees (``paths``), whole grids and grid-less residents of
    communities picked by a drawn area."""

    paths: tuple[str, ...] = ()
    grid_ids: tuple[int, ...] = ()
    community_ids: tuple[int, ...] = ()  # residents without a grid, picked by the area

    @property
    def is_empty(self) -> bool:
        return not (self.paths or self.grid_ids or self.community_ids)

    def resident_q(self) -> Q:
        """The filter on ``Resident`` (place only; see ``reached_residents`` for the rest)."""
        condition = Q(pk__in=[])
        for path in self.paths:
            condition |= Q(community__path__under=path)
        if self.grid_ids:
            condition |= Q(grid_id__in=list(self.grid_ids))
        if self.community_ids:
            condition |= Q(grid__isnull=True, community_id__in=list(self.community_ids))
        return condition


def area_places(region: Region, area: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(grid ids, community ids) of ``region``'s subtree whose centre falls inside ``area`` (a
    validated GeoJSON Polygon or MultiPolygon). A grid without a centre counts by its community's."""
    inside = prep(shape(area))
    grids = Grid.objects.filter(path__under=region.path, is_micro=False).values_list(
        "pk", "centre_lat", "centre_lng", "community__centre_lat", "community__centre_lng"
    )
    grid_ids = []
    for pk, lat, lng, c_lat, c_lng in grids.order_by("pk"):
        if lat is None or lng is None:
            lat, lng = c_lat, c_lng
        if lat is not None and lng is not None and inside.contains(Point(lng, lat)):
            grid_ids.append(pk)
    communities = Region.objects.filter(
        path__under=region.path,
        level=Level.COMMUNITY,
        centre_lat__isnull=False,
        centre_lng__isnull=False,
    ).values_list("pk", "centre_lat", "centre_lng")
    community_ids = [
        pk for pk, lat, lng in communities.order_by("pk") if inside.contains(Point(lng, lat))
    ]
    return grid_ids, community_ids


def targets_for(
    region: Region, target_regions: Iterable[Region], area: dict[str, Any] | None
) -> Targets:
    grid_ids: list[int] = []
    community_ids: list[int] = []
    if area:
        grid_ids, community_ids = area_places(region, area)
    paths = sorted({r.path for r in target_regions})
    # A subtree inside another chosen subtree adds nothing.
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Targets(tuple(paths), tuple(grid_ids), tuple(community_ids))


def targets_of(alert: Alert) -> Targets:
    """The alert's targets, as they were resolved when it was issued (the area again from its centres:
    grids do not move)."""
    return targets_for(alert.region, alert.target_regions.all(), alert.area)


def reached_residents(targets: Targets) -> QuerySet[Resident]:
    """The active residents an alert with these targets reaches."""
    if targets.is_empty:
        return Resident.objects.none()
    return Resident.objects.filter(
        targets.resident_q(), status=LifeStatus.ACTIVE, merged_into__isnull=True
    )


def _current_tags(day: date) -> QuerySet[CareGroupTag]:
    return CareGroupTag.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day),
        resident_id=OuterRef("pk"),
        start_date__lte=day,
    )


def vulnerable_rows(targets: Targets, day: date | None = None) -> QuerySet[Resident]:
    """The reached residents who go on the checklist, one query: id, community, grid and the three
    flags behind ``reasons`` (``care_group``, ``living_alone``, ``disability``)."""
    day = day or calendar.localdate()
    housemates = (
        Resident.objects.filter(
            household_id=OuterRef("household_id"),
            status=LifeStatus.ACTIVE,
            merged_into__isnull=True,
        )
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        reached_residents(targets)
        .annotate(
            care=Exists(_current_tags(day).filter(group__in=VULNERABLE_GROUPS)),
            disabled=Exists(_current_tags(day).filter(group=CareGroup.DISABLED)),
            members=Coalesce(Subquery(housemates), 0),
        )
        .filter(Q(care=True) | Q(disabled=True) | Q(members=1))
        .order_by("pk")
    )


def reasons_of(care: bool, disabled: bool, alone: bool) -> list[str]:
    reasons = []
    if care:
        reasons.append(ReachReason.CARE_GROUP.value)
    if alone:
        reasons.append(ReachReason.LIVING_ALONE.value)
    if disabled:
        reasons.append(ReachReason.DISABILITY.value)
    return reasons


@dataclass(frozen=True)
class Preview:
    residents: int
    vulnerable: int


def preview(targets: Targets) -> Preview:
    """How many residents and vulnerable residents an alert with these targets would reach."""
    return Preview(
        residents=reached_residents(targets).count(),
        vulnerable=vulnerable_rows(targets).count(),
    )


# --- Where a user may issue ----------------------------------------------------------------------------


def issuing_regions(user: Any) -> list[Region]:
    """The places (township or above) where ``user`` holds a role that issues alerts."""
    if not user.has_permission(ISSUE):
        return []
    paths = user.jurisdiction(ISSUE).region_paths
    if not paths:
        return []
    return list(Region.objects.filter(path__in=paths, level__in=ISSUING_LEVELS).order_by("path"))


def target_choices(user: Any) -> list[Region]:
    """Townships and communities (and counties) a user may address an alert to, by path."""
    places = issuing_regions(user)
    if not places:
        return []
    condition = Q(pk__in=[])
    for place in places:
        condition |= Q(path__under=place.path)
    return list(
        Region.objects.filter(
            condition, level__in=(Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
        ).order_by("path")[:2000]
    )


# --- Alerts a user may see ----------------------------------------------------------------------------


def visible_alerts(user: Any, perm: str = VIEW) -> QuerySet[Alert]:
    """Alerts filed in the user's subtree, and alerts that reach a place of theirs (a community's
    staff and grid workers see the township's alert that reaches them)."""
    filed = scoped(Alert.objects.all(), user, perm).values("pk")
    reaching = scoped(AlertDispatch.objects.all(), user, perm).values("alert_id")
    if not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.filter(Q(pk__in=filed) | Q(pk__in=reaching)).select_related("region")


def console(user: Any) -> tuple[list[Alert], list[Alert]]:
    """(active alerts, the most recent closed ones) in the user's view."""
    alerts = visible_alerts(user)
    active = list(alerts.filter(status=AlertStatus.ACTIVE)[:100])
    closed = list(alerts.filter(status=AlertStatus.CLOSED)[:RECENT_CLOSED])
    return active, closed


def active_alerts(user: Any, region: Region, perm: str = VIEW) -> QuerySet[Alert]:
    """The active alerts the user may see (for ``perm``) filed at or below ``region``, or reaching
    a community below it (a city's alert reaching a county counts in the county), newest first."""
    reaching = AlertDispatch.objects.filter(community__path__under=region.path).values("alert_id")
    return visible_alerts(user, perm).filter(
        Q(region__path__under=region.path) | Q(pk__in=reaching), status=AlertStatus.ACTIVE
    )


def alert(user: Any, alert_id: int) -> Alert:
    try:
        return visible_alerts(user).get(pk=alert_id)
    except (Alert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_close(user: Any, found: Alert) -> bool:
    return bool(
        found.status == AlertStatus.ACTIVE
        and user.has_permission(ISSUE)
        and user.jurisdiction(ISSUE).covers_path(found.region.path)
    )


# --- The reach board ---------------------------------------------------------------------------------


@dataclass
class BoardRow:
    name: str
    code: str
    pending: int = 0
    reached: int = 0
    escalated: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.reached + self.escalated

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.total) if self.total else 0


@dataclass
class Board:
    total: BoardRow
    grids: list[BoardRow] = field(default_factory=list)
    communities: list[BoardRow] = field(default_factory=list)


def _counts() -> dict[str, Any]:
    return {
        "pending": Count("pk", filter=Q(status=ReachStatus.PENDING)),
        "reached": Count(
            "pk", filter=Q(status__in=(ReachStatus.REACHED_PHONE, ReachStatus.REACHED_IN_PERSON))
        ),
        "escalated": Count("pk", filter=Q(status=ReachStatus.ESCALATED)),
    }


def board(user: Any, found: Alert) -> Board:
    """Reached / not reached / escalated per grid (and per community), for the items the user may
    see: one grouped query, plus the names of the grids and communities (two more)."""
    items = scoped(ReachItem.objects.filter(alert=found), user, VIEW)
    rows = list(items.order_by().values("community_id", "grid_id").annotate(**_counts()))
    grid_names = Grid.objects.in_bulk({r["grid_id"] for r in rows if r["grid_id"]})
    community_names = Region.objects.in_bulk({r["community_id"] for r in rows})
    total = BoardRow(name="", code="")
    per_grid: list[BoardRow] = []
    per_community: dict[int, BoardRow] = {}
    for r in rows:
        community = community_names[r["community_id"]]
        grid = grid_names.get(r["grid_id"]) if r["grid_id"] else None
        row = BoardRow(
            name=f"{community.name} {grid.name}" if grid else f"{community.name}",
            code=grid.code if grid else community.code,
            pending=r["pending"],
            reached=r["reached"],
            escalated=r["escalated"],
        )
        per_grid.append(row)
        c = per_community.setdefault(
            community.pk, BoardRow(name=community.name, code=community.code)
        )
        for part in (c, total):
            part.pending += row.pending
            part.reached += row.reached
            part.escalated += row.escalated
    per_grid.sort(key=lambda row: (-row.pending, row.code))
    communities = sorted(per_community.values(), key=lambda row: (-row.pending, row.code))
    return Board(
        total=total, grids=per_grid, communities=communities if len(communities) > 1 else []
    )


def reach_items(
    user: Any, found: Alert, status: str = "", grid_code: str = ""
) -> QuerySet[ReachItem]:
    items = scoped(ReachItem.objects.filter(alert=found), user, VIEW)
    if status:
        items = items.filter(status=status)
    if grid_code:
        items = items.filter(grid__code=grid_code)
    return items.select_related("resident", "grid", "community", "confirmed_by").order_by(
        "grid__code", "pk"
    )


# --- The grid worker's checklist -----------------------------------------------------------------------


def checklist(user: Any) -> QuerySet[ReachItem]:
    """Items of active alerts the user confirms (pending first, then escalated, then reached)."""
    return (
        scoped(ReachItem.objects.filter(alert__status=AlertStatus.ACTIVE), user, CONFIRM)
        .select_related("resident", "grid", "community", "alert", "confirmed_by")
        .annotate(
            rank=Case(
                When(status=ReachStatus.PENDING, then=Value(0)),
                When(status=ReachStatus.ESCALATED, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("-alert_id", "rank", "grid__code", "pk")
    )


def checklist_item(user: Any, item_id: int) -> ReachItem:
    return get_scoped_or_404(
        ReachItem.objects.select_related("resident", "grid", "community", "alert__region"),
        user,
        CONFIRM,
        pk=item_id,
    )


# --- The resident's own alerts --------------------------------------------------------------------------


def alerts_for_resident(resident: Resident | None) -> QuerySet[Alert]:
    """Active alerts that reach the resident's community."""
    if resident is None:
        return Alert.objects.none()
    return Alert.objects.filter(
        status=AlertStatus.ACTIVE,
        pk__in=AlertDispatch.objects.filter(community_id=resident.community_id).values("alert_id"),
    )


def reached_count(found: Alert) -> dict[str, int]:
    """Counts over all the alert's items (for the API and the history), one query."""
    return ReachItem.objects.filter(alert=found).aggregate(**_counts())
