"""Computing living-circle coverage (L2): every estate's walking distance to the nearest facility of
each category and of each circle's requirement, weighted by its households and elderly residents.

A run covers one city (a root of the territory): facilities near a county border serve estates on the
other side, so a county is never computed alone. ``request_refresh`` is called on commit by every write
that changes where facilities are or which count (a facility registered, moved, closed; a network
imported; the standard edited): it queues one run per city — a run already queued absorbs further
requests — and the task computes it (inline at commit without a broker). ``run_coverage`` claims the run
with a conditional UPDATE, so two workers never compute the same run; the newest finished run is what
pages read, and older ones are removed (``KEEP_RUNS``).

Distances:
- estates under an active ``WalkingNetwork`` (the deepest one whose region holds the estate's
  community) are measured along it: one bounded multi-source shortest-path pass per distinct facility
  set (``network.nearest_points``); an estate whose part of the network has no such facility is marked
  ``unreachable`` (a disconnected network is reported, never silently "far");
- other estates get the straight-line distance × ``DETOUR_FACTOR``, labelled as such on every result.
- The search stops at ``SEARCH_LIMIT_M`` (or the largest circle distance, if larger): beyond it the
  distance is empty, shown as "more than 5 km".

A requirement (circle T, category C) counts facilities of C in service whose ``serves_circle`` is empty or
no wider than T: an upper circle's facility does not meet a lower circle's need (GB 50180-2018). It
applies to estates in urban communities (``CircleKind.URBAN``), rural ones (``RURAL``) or all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, bulk, tasks
from shequ.facilities import network
from shequ.facilities.models import (
    SERVING_STATUSES,
    CircleKind,
    CircleRequirement,
    CoverageEstate,
    CoverageRun,
    EstateAccess,
    Facility,
    LivingCircle,
    Method,
    RunStatus,
    WalkingNetwork,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries.networks import active_networks, graph_of
from shequ.territory.models import Estate, Region

logger = logging.getLogger(__name__)

SEARCH_LIMIT_M = 5000.0
DETOUR_FACTOR = 1.3
KEEP_RUNS = 3
ELDERLY_AGE = 60
BATCH = 5000


# --- Queueing ------------------------------------------------------------------------------------


def _root_of(region: Region) -> Region:
    return Region.objects.get(path=region.path.split("/", 1)[0] + "/")


def _roots() -> list[Region]:
    return list(Region.objects.filter(parent__isnull=True).defer("geometry"))


def request_refresh(
    *, reason: str, region: Region | None = None, by: Any = None, enqueue: bool = True
) -> list[CoverageRun]:
    """Queue a coverage run for the city of ``region`` (every city when None), unless one is queued
    already; the task runs once the current transaction commits (``enqueue=False``: the caller runs
    it with ``run_coverage``)."""
    roots = [_root_of(region)] if region is not None else _roots()
    runs = []
    for root in roots:
        queued = CoverageRun.objects.filter(region=root, status=RunStatus.QUEUED).first()
        if queued is None:
            queued = CoverageRun.objects.create(
                region=root,
                method=Method.STRAIGHT_LINE,
                reason=reason[:200],
                requested_by=by if getattr(by, "pk", None) else None,
            )
            if enqueue:
                from shequ.facilities import tasks as facility_tasks

                tasks.enqueue(facility_tasks.compute_coverage, queued.pk)
        runs.append(queued)
    return runs


def refresh_now(*, region: Region, by: Any) -> CoverageRun:
    """The on-demand rebuild a planner asks for from the coverage page."""
    if by is not None and not by.has_permission(FacilitiesPerm.ANALYSE):
        raise PermissionDenied(_("您没有此项权限。"))
    with transaction.atomic():
        (run,) = request_refresh(reason=_("手动重新计算"), region=region, by=by)
        audit.record(
            "facilities.coverage.request", obj=run, actor=by, object_repr=str(run), region=region
        )
    return run


# --- Inputs --------------------------------------------------------------------------------------


@dataclass
class Inputs:
    estate_ids: np.ndarray
    community_ids: np.ndarray
    community_paths: list[str]
    rural: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    households: np.ndarray
    elderly: np.ndarray
    facility_ids: np.ndarray
    facility_categories: np.ndarray
    facility_circle_m: np.ndarray  # the serving circle's distance, inf when it serves every circle
    facility_lat: np.ndarray
    facility_lng: np.ndarray
    skipped_estates: int = 0


def _weights(root: Region, today: date) -> tuple[dict[int, int], dict[int, int]]:
    from shequ.registry.models import Household, LifeStatus, Resident

    households = dict(
        Household.objects.filter(
            is_active=True, estate__isnull=False, community__path__under=root.path
        )
        .values_list("estate")
        .annotate(n=Count("id"))
        .order_by()
    )
    try:
        cutoff = today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ELDERLY_AGE, day=28)
    elderly = dict(
        Resident.objects.filter(
            status=LifeStatus.ACTIVE,
            household__is_active=True,
            household__estate__isnull=False,
            birth_date__lte=cutoff,
            community__path__under=root.path,
        )
        .values_list("household__estate")
        .annotate(n=Count("id"))
        .order_by()
    )
    return households, elderly


def load_inputs(root: Region, today: date) -> Inputs:
    estates = list(
        Estate.objects.filter(community__path__under=root.path)
        .values_list("id", "community_id", "community__path", "community__is_urban",
                     "centre_lat", "centre_lng")
        .order_by("id")
    )  # fmt: skip
    placed = [e for e in estates if e[4] is not None and e[5] is not None]
    households, elderly = _weights(root, today)
    facilities = list(
        Facility.objects.filter(community__path__under=root.path, status__in=SERVING_STATUSES)
        .values_list("id", "category", "serves_circle__service_radius_m", "lat", "lng")
        .order_by("id")
    )
    return Inputs(
        estate_ids=np.array([e[0] for e in placed], dtype=np.int64),
        community_ids=np.array([e[1] for e in placed], dtype=np.int64),
        community_paths=[e[2] for e in placed],
        rural=np.array([not e[3] for e in placed], dtype=bool),
        lat=np.array([e[4] for e in placed], dtype=np.float64),
        lng=np.array([e[5] for e in placed], dtype=np.float64),
        households=np.array([households.get(e[0], 0) for e in placed], dtype=np.int64),
        elderly=np.array([elderly.get(e[0], 0) for e in placed], dtype=np.int64),
        facility_ids=np.array([f[0] for f in facilities], dtype=np.int64),
        facility_categories=np.array([f[1] for f in facilities], dtype=object),
        facility_circle_m=np.array(
            [np.inf if f[2] is None else f[2] for f in facilities], dtype=np.float64
        ),
        facility_lat=np.array([f[3] for f in facilities], dtype=np.float64),
        facility_lng=np.array([f[4] for f in facilities], dtype=np.float64),
        skipped_estates=len(estates) - len(placed),
    )


# --- Networks ------------------------------------------------------------------------------------


def _network_for_estates(inputs: Inputs, networks: Sequence[WalkingNetwork]) -> np.ndarray:
    """For each estate, the index into ``networks`` of the network it is measured on, -1 for none."""
    chosen = np.full(inputs.estate_ids.size, -1, dtype=np.int64)
    for i, path in enumerate(inputs.community_paths):
        for index, walking in enumerate(networks):
            if path.startswith(walking.region.path):
                chosen[i] = index
                break
    return chosen


# --- Computing -----------------------------------------------------------------------------------


@dataclass
class Measured:
    """Per estate and per facility set: distance (inf: none within the limit), facility id (0: none)
    and whether the set is unreachable from the estate's part of the network."""

    distance: dict[tuple[str, int | None], np.ndarray] = field(default_factory=dict)
    facility: dict[tuple[str, int | None], np.ndarray] = field(default_factory=dict)
    unreachable: dict[tuple[str, int | None], np.ndarray] = field(default_factory=dict)
    snap_m: np.ndarray | None = None


def _facility_sets(
    inputs: Inputs, requirements: Sequence[CircleRequirement]
) -> dict[tuple[str, int | None], np.ndarray]:
    """The facility indices each key counts: (category, None) every facility of the category,
    (category, circle id) those that count for that circle's requirement."""
    sets: dict[tuple[str, int | None], np.ndarray] = {}
    for category in sorted(set(inputs.facility_categories.tolist())):
        sets[(category, None)] = np.flatnonzero(inputs.facility_categories == category)
    for requirement in requirements:
        circle = requirement.circle
        same = inputs.facility_categories == requirement.category
        fits = (inputs.facility_circle_m <= circle.service_radius_m) | np.isinf(
            inputs.facility_circle_m
        )
        sets[(requirement.category, circle.pk)] = np.flatnonzero(same & fits)
    return sets


def _measure_group(
    inputs: Inputs,
    members: np.ndarray,
    sets: dict[tuple[str, int | None], np.ndarray],
    graph: network.WalkingGraph | None,
    limit: float,
    measured: Measured,
) -> None:
    """Measure the estates ``members`` against every facility set, one search per distinct set."""
    lat, lng = inputs.lat[members], inputs.lng[members]
    snap = graph.snap(lat, lng) if graph is not None else None
    if snap is not None and measured.snap_m is not None:
        measured.snap_m[members] = snap[1]
    done: dict[bytes, network.NearestResult] = {}
    for key, indices in sets.items():
        signature = indices.tobytes()
        result = done.get(signature)
        if result is None:
            f_lat, f_lng = inputs.facility_lat[indices], inputs.facility_lng[indices]
            if graph is not None:
                result = network.nearest_points(
                    graph, lat, lng, f_lat, f_lng, limit_m=limit, point_snap=snap
                )
            else:
                result = network.straight_line_points(
                    lat, lng, f_lat, f_lng, limit_m=limit, detour=DETOUR_FACTOR
                )
            done[signature] = result
        measured.distance[key][members] = result.distance_m
        found = result.facility >= 0
        ids = np.zeros(members.size, dtype=np.int64)
        ids[found] = inputs.facility_ids[indices][result.facility[found]]
        measured.facility[key][members] = ids
        measured.unreachable[key][members] = result.unreachable


def measure(
    inputs: Inputs,
    requirements: Sequence[CircleRequirement],
    networks: Sequence[WalkingNetwork],
    limit: float,
) -> tuple[Measured, dict[tuple[str, int | None], np.ndarray], np.ndarray]:
    sets = _facility_sets(inputs, requirements)
    n = inputs.estate_ids.size
    measured = Measured(snap_m=np.zeros(n))
    for key in sets:
        measured.distance[key] = np.full(n, np.inf)
        measured.facility[key] = np.zeros(n, dtype=np.int64)
        measured.unreachable[key] = np.zeros(n, dtype=bool)
    chosen = _network_for_estates(inputs, networks)
    for index in sorted(set(chosen.tolist())):
        members = np.flatnonzero(chosen == index)
        graph = graph_of(networks[index]) if index >= 0 else None
        _measure_group(inputs, members, sets, graph, limit, measured)
    return measured, sets, chosen


def _applies(circle: LivingCircle, rural: np.ndarray) -> np.ndarray:
    if circle.applies_to == CircleKind.URBAN:
        return ~rural
    if circle.applies_to == CircleKind.RURAL:
        return rural
    return np.ones(rural.size, dtype=bool)


def _access_rows(
    inputs: Inputs,
    measured: Measured,
    requirements: Sequence[CircleRequirement],
    estate_row_ids: np.ndarray,
    run_id: int,
) -> Iterable[tuple[Any, ...]]:
    """``EstateAccess`` rows as tuples of ``ACCESS_COLUMNS``, built column-wise with numpy."""
    circles = {r.circle.pk: r.circle for r in requirements}
    for (category, circle_id), distances in measured.distance.items():
        circle = circles.get(circle_id) if circle_id is not None else None
        keep = (
            _applies(circle, inputs.rural) if circle is not None else np.ones(distances.size, bool)
        )
        finite = np.isfinite(distances)
        covered = (
            finite & (distances <= circle.service_radius_m)
            if circle is not None
            else finite & False
        )
        shown = np.where(finite, np.round(distances, 1), np.nan)
        facility = measured.facility[(category, circle_id)]
        unreachable = measured.unreachable[(category, circle_id)]
        for i in np.flatnonzero(keep).tolist():
            yield (
                run_id,
                int(estate_row_ids[i]),
                category,
                circle_id,
                float(shown[i]) if finite[i] else None,
                int(facility[i]) or None,
                bool(unreachable[i]),
                bool(covered[i]),
            )


ACCESS_COLUMNS = (
    "run_id", "estate_id", "category", "circle_id", "distance_m", "facility_id", "unreachable",
    "covered",
)  # fmt: skip
ESTATE_COLUMNS = (
    "run_id", "estate_id", "community_id", "households", "elderly", "is_rural", "snap_m",
)  # fmt: skip


def _batched(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(
    run: CoverageRun, inputs: Inputs, measured: Measured, requirements: Sequence[Any]
) -> None:
    """Store the run's rows with ``core.bulk`` (COPY on PostgreSQL): a city has hundreds of
    thousands of (estate, category) pairs."""
    connection = connections[router.db_for_write(EstateAccess)]
    snap = measured.snap_m if measured.snap_m is not None else np.zeros(inputs.estate_ids.size)
    estate_rows = [
        (run.pk, int(inputs.estate_ids[i]), int(inputs.community_ids[i]),
         int(inputs.households[i]), int(inputs.elderly[i]), bool(inputs.rural[i]),
         round(float(snap[i]), 1))
        for i in range(inputs.estate_ids.size)
    ]  # fmt: skip
    bulk.insert_rows(connection, CoverageEstate, ESTATE_COLUMNS, estate_rows)
    ids = dict(CoverageEstate.objects.filter(run=run).values_list("estate_id", "id"))
    estate_row_ids = np.array([ids[int(e)] for e in inputs.estate_ids], dtype=np.int64)
    rows = _access_rows(inputs, measured, requirements, estate_row_ids, run.pk)
    for batch in _batched(rows, BATCH * 10):
        bulk.insert_rows(connection, EstateAccess, ACCESS_COLUMNS, batch)


def _claim(run_id: int) -> CoverageRun | None:
    claimed = CoverageRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), version=F("version") + 1
    )
    return CoverageRun.objects.select_related("region").get(pk=run_id) if claimed else None


def _search_limit(requirements: Sequence[CircleRequirement]) -> float:
    widest = max((r.circle.service_radius_m for r in requirements), default=0)
    return float(max(SEARCH_LIMIT_M, widest))


def run_coverage(*, run_id: int) -> CoverageRun | None:
    """Compute a queued run; None if another worker has it or it is gone. A failure marks the run
    failed with the reason and leaves the previous finished run in place."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        with transaction.atomic():
            _compute(run)
    except Exception as exc:
        logger.exception("coverage run %s failed", run_id)
        CoverageRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            message=getattr(exc, "message", "") or _("计算失败，请联系系统管理员查看日志。"),
        )
        return None
    _prune(run.region)
    run.refresh_from_db()
    return run


def _compute(run: CoverageRun) -> None:
    requirements = list(CircleRequirement.objects.select_related("circle"))
    inputs = load_inputs(run.region, timezone.localdate())
    networks = active_networks(run.region)
    measured, _sets, chosen = measure(inputs, requirements, networks, _search_limit(requirements))
    _write(run, inputs, measured, requirements)
    on_network = bool(networks) and bool(np.count_nonzero(chosen >= 0))
    updated = CoverageRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        method=Method.NETWORK if on_network else Method.STRAIGHT_LINE,
        network=networks[0] if on_network else None,
        detour_factor=DETOUR_FACTOR,
        estate_count=int(inputs.estate_ids.size),
        facility_count=int(inputs.facility_ids.size),
        off_network_estates=int(np.count_nonzero(chosen < 0)),
        unplaced_estates=inputs.skipped_estates,
    )
    if updated != 1:
        raise ValidationError(_("这次计算已被取消。"))
    audit.record(
        "facilities.coverage.compute",
        obj=run,
        object_repr=str(run),
        region=run.region,
        actor_name="system",
    )


def _prune(root: Region) -> None:
    """Keep the newest ``KEEP_RUNS`` finished runs of the city (with their rows) and no failed ones
    older than the newest finished run."""
    finished = list(
        CoverageRun.objects.filter(region=root, status=RunStatus.DONE)
        .order_by("-finished_at", "-id")
        .values_list("id", flat=True)
    )
    stale = Q(pk__in=finished[KEEP_RUNS:])
    if finished:
        stale |= Q(status=RunStatus.FAILED, pk__lt=finished[0])
    doomed = list(CoverageRun.objects.filter(Q(region=root) & stale).values_list("id", flat=True))
    if doomed:
        EstateAccess.objects.filter(run_id__in=doomed).delete()
        CoverageEstate.objects.filter(run_id__in=doomed).delete()
        CoverageRun.objects.filter(pk__in=doomed).delete()
