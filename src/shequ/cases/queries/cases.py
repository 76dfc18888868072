"""Reads of cases. Every list goes through ``scoped`` (a staff member sees the cases at places inside
their jurisdiction, a department the cases handed to it), with the related rows a list shows joined in,
so a page costs the same number of queries whatever its size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from shequ.cases.models import (
    OPEN_STATUSES,
    Callback,
    Case,
    CaseApproval,
    CaseEvent,
    CaseStatus,
    CaseUnit,
    DeadlineState,
    RoutingRule,
    UnitRole,
)
from shequ.cases.numbers import parse
from shequ.cases.permissions import CasesPerm
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Region
from shequ.territory.queries import distance_m

LIST_RELATED = ("region", "grid", "owner", "lead_unit", "service_item")
DUPLICATE_RADIUS_M = 250


def visible_cases(user: Any, perm: str = CasesPerm.VIEW) -> QuerySet[Case]:
    return scoped(Case.objects.all(), user, perm)


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""  # a status, "open", or "" for all
    deadline: str = ""  # a DeadlineState value
    category: str = ""
    kind: str = ""
    region_path: str = ""
    q: str = ""  # a case number, or words of the title
    mine: bool = False
    supervised: bool = False
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None


def inbox(user: Any, filters: CaseFilters = CaseFilters()) -> QuerySet[Case]:
    """The staff inbox: cases in the user's jurisdiction, most urgent first."""
    cases = visible_cases(user)
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.deadline:
        cases = cases.filter(deadline_state=filters.deadline)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.region_path:
        cases = cases.filter(region__path__under=filters.region_path)
    if filters.mine:
        cases = cases.filter(owner=user)
    if filters.supervised:
        cases = cases.filter(supervised=True)
    if filters.submitted_from is not None:
        cases = cases.filter(submitted_at__gte=filters.submitted_from)
    if filters.submitted_to is not None:
        cases = cases.filter(submitted_at__lt=filters.submitted_to)
    if filters.q:
        cases = _search(cases, filters.q)
    return cases.select_related(*LIST_RELATED).order_by(
        F("stage_due_at").asc(nulls_last=True), "-submitted_at", "-id"
    )


# What a row of a staff case list shows (``cases/staff/_row.html`` and the inbox's owner column).
ROW_FIELDS = (
    "kind",
    "category",
    "title",
    "status",
    "deadline_state",
    "supervised",
    "submitted_at",
    "stage_due_at",
    "region__name",
    "grid__name",
    "owner__username",
    "owner__full_name",
)


def as_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` reading only the columns a row of a list shows. Whole rows cost a page of the inbox
    more than its SQL: each case's place and grid brought their boundaries (GeoJSON, parsed), each
    owner an encrypted phone number (decrypted), each case its encrypted requester."""
    return cases.select_related(None).select_related("region", "grid", "owner").only(*ROW_FIELDS)


def page_ids(cases: QuerySet[Case], start: int, stop: int) -> list[int]:
    """The ids of ``cases[start:stop]`` for a list in the inbox's order, picked from indexes.

    The inbox's order puts the cases with a running stage first, by deadline; no other case has a
    stage deadline (``deadlines.stage_times``: only open statuses run a clock), so those follow,
    newest first. The first part comes from the partial index ``case_inbox_open`` alone, without
    reading the table. The second (a place's finished cases: most of its cases) has no index in
    that order; only the pages that reach it pay for sorting it. Read in one query, the first page
    of a county's cases of every status sorted all 183,404 of them (bench_case_inbox: 375 ms).
    Were a finished case ever to keep a stage deadline, it would head the second part instead of
    taking its place by deadline: misplaced, never lost or listed twice.
    A page costs one query; a page that reaches past the running cases, two or three.
    """
    running = cases.filter(status__in=OPEN_STATUSES, stage_due_at__isnull=False)
    ids = list(running.values_list("pk", flat=True)[start:stop])
    if len(ids) == stop - start:
        return ids
    before = start + len(ids) if ids or not start else running.count()
    rest = cases.exclude(status__in=OPEN_STATUSES, stage_due_at__isnull=False)
    return ids + list(rest.values_list("pk", flat=True)[max(0, start - before) : stop - before])


def rows_for(cases: QuerySet[Case], ids: list[int]) -> list[Case]:
    """The cases with these ids, with the joins ``cases`` asks for, in the order of ``ids``."""
    if not ids:
        return []
    found = {case.pk: case for case in cases.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


class CasePaginator(Paginator):
    """Django's paginator for a case list in the inbox's order, reading a page in two steps: its
    ids (``page_ids``), then those rows with their joins (``rows_for``). Cut at the page after the
    joins, PostgreSQL read every case in scope to sort it: 62 ms for a county's 18,431 open cases,
    against 5 ms for their ids from the index. The pager's count is Django's ``COUNT(*)``; for open
    cases it reads the partial index alone."""

    def __init__(self, *args: Any, count_cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_cap = count_cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        """Exact, or at most ``count_cap`` for lists that take in finished cases: counting a
        county's 183,404 cases exactly cost 17 ms of a 58 ms page; counting up to the cap reads only
        that many index entries. ``capped`` tells the page to say "more than"."""
        if self.count_cap is None:
            return int(super().count)
        cases: Any = self.object_list
        # No ORDER BY: sorting before the LIMIT would read every case in scope after all.
        counted = int(cases.order_by().values("pk")[: self.count_cap + 1].count())
        self.capped = counted > self.count_cap
        return min(counted, self.count_cap)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        stop = start + self.per_page
        if stop + self.orphans >= self.count:
            stop = self.count
        cases: Any = self.object_list
        return Page(rows_for(cases, page_ids(cases, start, stop)), number, self)


def _search(cases: QuerySet[Case], q: str) -> QuerySet[Case]:
    """A case number finds that case (key and day must both match); other text, words of the title."""
    parsed = parse(q)
    if parsed is None:
        return cases.filter(title__contains=q.strip())
    pk, day = parsed
    try:
        start = timezone.make_aware(datetime.strptime(day, "%y%m%d"))
    except ValueError:
        return cases.none()
    return cases.filter(pk=pk, submitted_at__gte=start, submitted_at__lt=start + timedelta(days=1))


def case_detail(user: Any, case_id: int) -> Case:
    return get_scoped_or_404(
        Case.objects.select_related(
            *LIST_RELATED,
            "requester",
            "entered_by",
            "escalated_to",
            "duplicate_of",
            "region__parent",
        ),
        user,
        CasesPerm.VIEW,
        pk=case_id,
    )


def timeline(case: Case, *, public_only: bool = False) -> QuerySet[CaseEvent]:
    events = case.events.select_related("unit")
    return events.filter(public=True) if public_only else events


def case_units(case: Case) -> QuerySet[CaseUnit]:
    return case.units.select_related("unit").order_by("assigned_at", "id")


def awaiting_report_in(case: Case) -> QuerySet[CaseUnit]:
    """Units summoned by a whistle that have not reported in yet (listed on the case until they do)."""
    return case_units(case).filter(role=UnitRole.SUMMONED, reported_at__isnull=True)


def dispatch_board(user: Any) -> QuerySet[Case]:
    """Accepted or returned cases waiting to be dispatched, in the user's jurisdiction."""
    return (
        visible_cases(user, CasesPerm.DISPATCH)
        .filter(status__in=(CaseStatus.ACCEPTED, CaseStatus.RETURNED))
        .select_related(*LIST_RELATED)
        .order_by("stage_due_at", "id")
    )


def unit_inbox(user: Any) -> QuerySet[Case]:
    """A department's cases: open ones where one of the user's units is lead, co-handler, or
    summoned and not yet reported in."""
    unit_ids = list(user.jurisdiction(CasesPerm.HANDLE).unit_ids)
    if not unit_ids:
        return Case.objects.none()
    active = CaseUnit.objects.filter(
        case=OuterRef("pk"), unit_id__in=unit_ids, ended_at__isnull=True
    ).filter(~Q(role=UnitRole.SUMMONED) | Q(reported_at__isnull=True))
    return (
        Case.objects.filter(Exists(active), status__in=OPEN_STATUSES)
        .select_related(*LIST_RELATED)
        .order_by("stage_due_at", "id")
    )


def my_cases(user: Any) -> QuerySet[Case]:
    """A resident's own cases (their account submitted them, or staff entered them for it)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return (
        Case.objects.filter(requester=user)
        .select_related("region", "service_item")
        .order_by("-submitted_at", "-id")
    )


def own_case(user: Any, case_id: int) -> Case:
    from django.http import Http404

    case = my_cases(user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def nearby_open_cases(
    *,
    category: str,
    latitude: float | None,
    longitude: float | None,
    radius_m: float = DUPLICATE_RADIUS_M,
    exclude: int | None = None,
    user: Any = None,
) -> list[tuple[Case, float]]:
    """Likely duplicates: open cases of the same category within ``radius_m`` metres, nearest first.

    An indexed latitude/longitude box narrows the candidates; the great-circle distance decides.
    ``user`` restricts them to what that user may see (None: all, for intake by the system)."""
    if latitude is None or longitude is None or not category:
        return []
    dlat = radius_m / 111_000
    dlng = radius_m / (111_000 * max(0.2, math.cos(math.radians(latitude))))
    candidates = Case.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlng, longitude + dlng),
    ).select_related("region")
    if user is not None:
        candidates = candidates & visible_cases(user)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    found = []
    for case in candidates[:200]:
        distance = distance_m(latitude, longitude, case.latitude, case.longitude)  # type: ignore[arg-type]
        if distance <= radius_m:
            found.append((case, distance))
    return sorted(found, key=lambda pair: pair[1])


def routing_for(region: Region, category: str) -> RoutingRule | None:
    """The most specific routing rule for a category at a region or any region above it."""
    paths = []
    path = region.path
    while path:
        paths.append(path)
        path = path[: path.rstrip("/").rfind("/") + 1]
    return (
        RoutingRule.objects.filter(category=category, region__path__in=paths)
        .select_related("unit", "region")
        .prefetch_related("co_units")
        .order_by("-region__depth")
        .first()
    )


def routing_rules(user: Any) -> QuerySet[RoutingRule]:
    return (
        scoped(RoutingRule.objects.all(), user, CasesPerm.MANAGE_ROUTING)
        .select_related("region", "unit")
        .prefetch_related("co_units")
    )


def pending_approvals(user: Any) -> QuerySet[CaseApproval]:
    cases = visible_cases(user, CasesPerm.APPROVE)
    return (
        CaseApproval.objects.filter(status="pending", case__in=cases.values("pk"))
        .select_related("case", "case__region", "requested_by")
        .order_by("requested_at")
    )


def open_callbacks(user: Any) -> QuerySet[Callback]:
    cases = visible_cases(user, CasesPerm.ACCEPT)
    return (
        Callback.objects.filter(done_at__isnull=True, case__in=cases.values("pk"))
        .select_related("case", "case__region", "rating")
        .order_by("due_at")
    )


def deadline_counts(user: Any) -> dict[str, int]:
    """Open cases due soon and overdue in the user's jurisdiction (the console's attention items)."""
    from django.db.models import Count

    rows = (
        visible_cases(user)
        .filter(deadline_state__in=(DeadlineState.DUE_SOON, DeadlineState.OVERDUE))
        .values("deadline_state")
        .annotate(n=Count("id"))
    )
    return {row["deadline_state"]: row["n"] for row in rows}
