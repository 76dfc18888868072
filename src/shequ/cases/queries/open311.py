"""Reads behind Open311 GeoReport v2 (public: the admitted catalogue and the cases marked public) and
behind the staff pages that manage the client systems' keys (scoped like every staff read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.cases.models import (
    Case,
    CaseStatus,
    ItemStatus,
    Open311Client,
    ServiceItem,
)
from shequ.cases.numbers import parse
from shequ.cases.permissions import CasesPerm
from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Grid, Level, Region

# GeoReport v2, GET Service Requests: "the last 90 days or the first 1000 requests, whichever is
# smaller"; a start_date/end_date range may not span more than 90 days.
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000

# Open311 knows two states. A case that will get no further work is "closed" whatever the reason.
CLOSED_STATUSES = (
    CaseStatus.CLOSED,
    CaseStatus.RATED,
    CaseStatus.REJECTED,
    CaseStatus.MERGED,
    CaseStatus.WITHDRAWN,
)


def open311_status(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATUSES else "open"


# --- Places --------------------------------------------------------------------------------------------


def jurisdiction(code: str) -> Region | None:
    """The region a ``jurisdiction_id`` names (a division code), or ``None``."""
    return Region.objects.filter(code=code.strip()).first() if code.strip() else None


def place_by_code(code: str) -> tuple[Region | None, Grid | None]:
    """An ``address_id``: a community's division code or a grid's code; (None, None) when neither."""
    code = code.strip()
    if not code:
        return None, None
    grid = Grid.objects.filter(code=code, is_micro=False).select_related("community").first()
    if grid is not None:
        return grid.community, grid
    return Region.objects.filter(code=code, level=Level.COMMUNITY).first(), None


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


# --- Services ------------------------------------------------------------------------------------------


def services(region: Region | None = None) -> QuerySet[ServiceItem]:
    """Admitted items. For a region: those that apply somewhere in it — items of the region, of the
    levels above it, and of the places below it. Without one: every admitted item in the city."""
    items = ServiceItem.objects.filter(status=ItemStatus.ADMITTED)
    if region is not None:
        items = items.filter(
            Q(region__path__in=_ancestor_paths(region.path)) | Q(region__path__under=region.path)
        )
    return items.order_by("category", "code")


def service(code: str, region: Region | None = None) -> ServiceItem:
    """One admitted item by its code (``service_code``); 404 when unknown, not admitted, or not
    applicable in ``region``."""
    item = services(region).filter(code=code).first()
    if item is None:
        raise Http404
    return item


def service_for_request(code: str) -> ServiceItem | None:
    """The admitted item a POSTed ``service_code`` names (the intake checks where it applies)."""
    return ServiceItem.objects.filter(status=ItemStatus.ADMITTED, code=code).first()


# --- Service requests (published cases) ----------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilters:
    numbers: tuple[str, ...] = ()  # case numbers; when given, every other filter is ignored
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open" and/or "closed"
    region: Region | None = None


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The date range of a listing: at most 90 days; the most recent 90 days when none is given."""
    if start is None and end is None:
        end = calendar.now()
        start = end - WINDOW
    elif start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise ValidationError({"start_date": _("start_date 不能晚于 end_date。")})
    if end - start > WINDOW:
        raise ValidationError({"end_date": _("start_date 到 end_date 的跨度不能超过 90 天。")})
    return start, end


def _published() -> QuerySet[Case]:
    # Only cases marked public (public-space reports); personal service requests are never listed.
    return Case.objects.filter(is_public=True).select_related("service_item", "lead_unit")


def _by_numbers(cases: QuerySet[Case], numbers: Sequence[str]) -> list[Case]:
    wanted: dict[int, str] = {}
    for number in numbers:
        parsed = parse(number)
        if parsed is None:
            raise ValidationError(
                {"service_request_id": _("“%(n)s”不是有效的工单编号。") % {"n": number}}
            )
        wanted[parsed[0]] = parsed[1]
    found = cases.filter(pk__in=list(wanted)).order_by("-submitted_at", "-id")
    # The number carries the day as well as the key: both must match.
    return [c for c in found if f"{calendar.localtime(c.submitted_at):%y%m%d}" == wanted[c.pk]]


def published_requests(filters: RequestFilters) -> list[Case]:
    """Public cases for GET Service Requests, newest first, at most ``MAX_RESULTS``."""
    cases = _published()
    if filters.numbers:
        return _by_numbers(cases, filters.numbers[:MAX_RESULTS])
    start, end = window(filters.start, filters.end)
    cases = cases.filter(submitted_at__gte=start, submitted_at__lte=end)
    if filters.region is not None:
        cases = cases.filter(region__path__under=filters.region.path)
    if filters.service_codes:
        codes = list(filters.service_codes)
        # A case without a catalogue item is published under its category (see render.request_item).
        cases = cases.filter(
            Q(service_item__code__in=codes) | Q(service_item__isnull=True, category__in=codes)
        )
    if filters.statuses and set(filters.statuses) != {"open", "closed"}:
        closed = Q(status__in=CLOSED_STATUSES)
        cases = cases.filter(closed if "closed" in filters.statuses else ~closed)
    return list(cases.order_by("-submitted_at", "-id")[:MAX_RESULTS])


def published_request(number: str) -> Case:
    """One public case by its number; 404 when the number is malformed, unknown or not public."""
    if parse(number) is None:
        raise Http404
    found = _by_numbers(_published(), [number])
    if not found:
        raise Http404
    return found[0]


# --- Client systems (staff) ----------------------------------------------------------------------------


def clients(user: Any) -> QuerySet[Open311Client]:
    return (
        scoped(Open311Client.objects.all(), user, CasesPerm.MANAGE_OPEN311)
        .select_related("region", "created_by")
        .order_by("revoked_at", "name")
    )


def client_detail(user: Any, client_id: int) -> Open311Client:
    return get_scoped_or_404(
        Open311Client.objects.select_related("region"), user, CasesPerm.MANAGE_OPEN311, pk=client_id
    )


def client_regions(user: Any) -> QuerySet[Region]:
    """Regions a security administrator may let a client file into: their own, down to townships.

    A client of a county or township places each case by its position or ``address_id``."""
    return (
        scoped(Region.objects.all(), user, CasesPerm.MANAGE_OPEN311)
        .exclude(level=Level.COMMUNITY)
        .order_by("path")
    )


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code.strip()).first() if code.strip() else None


def root_region() -> Region | None:
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def catalogue_changed_at() -> datetime | None:
    """The discovery document's ``changeset``: when an admitted item last changed."""
    latest = (
        ServiceItem.objects.filter(status=ItemStatus.ADMITTED)
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    return latest
