"""The preparedness API, under ``/api/v1/emergency``:

- ``GET /shelters?region=`` (shelter facilities with the opening open now); ``POST /shelters/open``;
  ``GET /shelters/openings/{opening_id}``; ``POST /shelters/openings/{opening_id}/occupancy``;
  ``POST /shelters/openings/{opening_id}/close``;
- ``GET /supplies?region=&category=&low=``; ``POST /supplies``; ``GET /supplies/{stock_id}`` (with its
  latest movements); ``POST /supplies/{stock_id}/movements`` (idempotent by ``request_key``);
- ``GET /drills?region=&kind=&year=``; ``POST /drills``;
- ``GET /fire-grids?region=``;
- ``GET /informants?region=`` (per community: officers, or missing, or several).

Errors as ``core.api``: no permission → 403; outside the jurisdiction → 404; refused → 422.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import (
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.core.scoping import get_scoped_or_404
from shequ.emergency.actions import preparedness as actions
from shequ.emergency.models import Alert, DrillKind, SupplyCategory
from shequ.emergency.permissions import EmergencyPerm
from shequ.emergency.queries import preparedness as queries
from shequ.emergency.schemas_preparedness import (
    DrillIn,
    DrillOut,
    FireGridOut,
    InformantOut,
    MovementIn,
    MovementOut,
    OccupancyIn,
    OpeningOut,
    OpenShelterIn,
    ShelterOut,
    StockDetailOut,
    StockIn,
    StockOut,
)
from shequ.territory.queries import region_in_scope

router = Router(tags=["emergency"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = EmergencyPerm.VIEW
SHELTERS = EmergencyPerm.MANAGE_SHELTERS
SUPPLIES = EmergencyPerm.MANAGE_SUPPLIES
DRILLS = EmergencyPerm.RECORD_DRILLS
MOVEMENT_FIELDS = {"to_region": "to_region_code"}


def _filter_region(user: Any, code: str, perm: str = VIEW) -> Any:
    """``?region=``: a region outside the jurisdiction is a 422 on ``region``, never a wider list."""
    if not code:
        return None
    try:
        return region_in_scope(user, code, perm)
    except Http404:
        raise invalid("region", _("区域不存在或不在您的管辖范围内。")) from None


def _place(user: Any, code: str, perm: str, field: str) -> Any:
    try:
        return region_in_scope(user, code, perm)
    except Http404:
        raise not_found(field, _("找不到该区域，或不在您的管辖范围内。")) from None


# --- Shelters --------------------------------------------------------------------------------------


def _shelter(f: Any) -> ShelterOut:
    return ShelterOut(
        facility_id=f.pk,
        name=f.name,
        address=f.address,
        community_code=f.community.code,
        capacity=f.capacity,
        opening_id=f.opening_id,
        open_capacity=f.open_capacity,
        occupancy=f.open_occupancy,
    )


def _opening(o: Any) -> OpeningOut:
    return OpeningOut(
        id=o.pk,
        facility_id=o.facility_id,
        name=o.facility.name,
        community_code=o.region.code,
        capacity=o.capacity,
        occupancy=o.occupancy,
        opened_at=o.opened_at,
        closed_at=o.closed_at,
        version=o.version,
    )


@router.get("/shelters", response={200: list[ShelterOut], **ERRORS})
@paginate(PagePagination)
def list_shelters(request: HttpRequest, region: str = Query("", max_length=12)) -> list[ShelterOut]:
    user = user_with(request, VIEW)
    found = queries.shelters(user, _filter_region(user, region))
    return _Lazy(found, _shelter)  # type: ignore[return-value]


@router.post("/shelters/open", response={201: OpeningOut, **ERRORS})
def open_shelter(request: HttpRequest, payload: OpenShelterIn) -> Status[OpeningOut]:
    user = user_with(request, SHELTERS)
    try:
        facility = queries.shelter(user, payload.facility_id, SHELTERS)
    except Http404:
        raise not_found("facility_id") from None
    alert = None
    if payload.alert_id is not None:
        alert = queries_alert(user, payload.alert_id)
    with acting():
        opened = actions.open_shelter(
            facility=facility, alert=alert, capacity=payload.capacity, by=user
        )
    return Status(201, _opening(opened))


def queries_alert(user: Any, alert_id: int) -> Alert:
    try:
        return get_scoped_or_404(Alert.objects.all(), user, VIEW, pk=alert_id)
    except Http404:
        raise not_found("alert_id") from None


@router.get("/shelters/openings/{opening_id}", response={200: OpeningOut, **ERRORS})
def get_opening(request: HttpRequest, opening_id: int) -> OpeningOut:
    return _opening(queries.opening(user_with(request, VIEW), opening_id))


@router.post("/shelters/openings/{opening_id}/occupancy", response={200: OpeningOut, **ERRORS})
def report_occupancy(request: HttpRequest, opening_id: int, payload: OccupancyIn) -> OpeningOut:
    user = user_with(request, SHELTERS)
    opening = queries.opening(user, opening_id, SHELTERS)
    with acting():
        done = actions.report_occupancy(opening=opening, occupancy=payload.occupancy, by=user)
    return _opening(done)


@router.post("/shelters/openings/{opening_id}/close", response={200: OpeningOut, **ERRORS})
def close_shelter(request: HttpRequest, opening_id: int) -> OpeningOut:
    user = user_with(request, SHELTERS)
    opening = queries.opening(user, opening_id, SHELTERS)
    with acting():
        done = actions.close_shelter(opening=opening, by=user)
    return _opening(done)


# --- Supplies --------------------------------------------------------------------------------------


def _stock(s: Any) -> StockOut:
    return StockOut(
        id=s.pk,
        region_code=s.region.code,
        location=s.location,
        category=s.category,
        item=s.item,
        unit=s.unit,
        quantity=s.quantity,
        low_threshold=s.low_threshold,
        is_low=bool(getattr(s, "is_low", False)),
        version=s.version,
    )


def _movement(m: Any) -> MovementOut:
    return MovementOut(
        id=m.pk,
        kind=m.kind,
        delta=m.delta,
        balance_after=m.balance_after,
        reason=m.reason,
        at=m.at,
        counterpart_id=m.counterpart_id,
    )


class _Lazy:
    """A queryset whose rows are turned into schemas only for the page sliced out of it."""

    def __init__(self, queryset: Any, convert: Any) -> None:
        self.queryset, self.convert = queryset, convert

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, part: slice) -> list[Any]:
        return [self.convert(row) for row in self.queryset[part]]


@router.get("/supplies", response={200: list[StockOut], **ERRORS})
@paginate(PagePagination)
def list_supplies(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    category: str = Query("", max_length=16),
    low: bool = False,
) -> list[StockOut]:
    user = user_with(request, VIEW)
    found = queries.stocks(
        user,
        _filter_region(user, region),
        choice(category, SupplyCategory, "category"),
        low,
    )
    return _Lazy(found, _stock)  # type: ignore[return-value]


@router.post("/supplies", response={201: StockOut, **ERRORS})
def create_supply(request: HttpRequest, payload: StockIn) -> Status[StockOut]:
    user = user_with(request, SUPPLIES)
    region = _place(user, payload.region_code, SUPPLIES, "region_code")
    values = payload.dict(exclude={"region_code"})
    with acting():
        made = actions.create_stock(region=region, by=user, **values)
    return Status(201, _stock(queries.stock(user, made.pk)))


@router.get("/supplies/{stock_id}", response={200: StockDetailOut, **ERRORS})
def get_supply(request: HttpRequest, stock_id: int) -> StockDetailOut:
    user = user_with(request, VIEW)
    found = queries.stock(user, stock_id)
    return StockDetailOut(
        **_stock(found).dict(),
        movements=[_movement(m) for m in queries.movements(found)[:200]],
    )


@router.post(
    "/supplies/{stock_id}/movements",
    response={201: MovementOut, **ERRORS},
    summary="登记出入库、报损、盘点或调拨（同一 request_key 只记一次）",
)
def record_movement(
    request: HttpRequest, stock_id: int, payload: MovementIn
) -> Status[MovementOut]:
    user = user_with(request, SUPPLIES)
    found = queries.stock(user, stock_id, SUPPLIES)
    to_region = None
    if payload.to_region_code:
        try:
            to_region = region_in_scope(user, payload.to_region_code, SUPPLIES)
        except Http404:
            raise invalid(
                "to_region_code", _("调入区域不在您的管辖范围内，只能在本辖区内调拨。")
            ) from None
    with acting(MOVEMENT_FIELDS):
        moved = actions.record_movement(
            stock=found,
            kind=payload.kind,
            quantity=payload.quantity,
            reason=payload.reason,
            to_region=to_region,
            to_location=payload.to_location,
            request_key=payload.request_key or None,
            by=user,
        )
    return Status(201, _movement(moved))


# --- Drills ----------------------------------------------------------------------------------------


def _drill(d: Any) -> DrillOut:
    return DrillOut(
        id=d.pk,
        region_code=d.region.code,
        kind=d.kind,
        title=d.title,
        held_on=d.held_on,
        location=d.location,
        participants=d.participants,
        organisers=d.organisers,
        findings=d.findings,
        improvements=d.improvements,
    )


@router.get("/drills", response={200: list[DrillOut], **ERRORS})
@paginate(PagePagination)
def list_drills(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    kind: str = Query("", max_length=16),
    year: int | None = Query(None, ge=2000, le=2100),
) -> list[DrillOut]:
    user = user_with(request, VIEW)
    found = queries.drills(
        user, _filter_region(user, region), choice(kind, DrillKind, "kind"), year
    )
    return _Lazy(found, _drill)  # type: ignore[return-value]


@router.post("/drills", response={201: DrillOut, **ERRORS})
def create_drill(request: HttpRequest, payload: DrillIn) -> Status[DrillOut]:
    user = user_with(request, DRILLS)
    region = _place(user, payload.region_code, DRILLS, "region_code")
    with acting():
        made = actions.record_drill(region=region, by=user, **payload.dict(exclude={"region_code"}))
    return Status(201, _drill(made))


# --- Fire-safety grids and officers ------------------------------------------------------------------


def _fire_grid(g: Any) -> FireGridOut:
    f = getattr(g, "fire_safety", None)
    return FireGridOut(
        grid_code=g.code,
        grid_name=g.name,
        community_code=g.community.code,
        designated=f is not None,
        responsible=(f.responsible.full_name if f and f.responsible else ""),
        last_checked_on=f.last_checked_on if f else None,
        hazards=f.hazards if f else "",
    )


@router.get("/fire-grids", response={200: list[FireGridOut], **ERRORS})
@paginate(PagePagination)
def list_fire_grids(
    request: HttpRequest, region: str = Query("", max_length=12), designated: bool = False
) -> list[FireGridOut]:
    user = user_with(request, VIEW)
    found = queries.fire_grids(user, _filter_region(user, region), designated)
    return _Lazy(found, _fire_grid)  # type: ignore[return-value]


def _informant(c: Any) -> InformantOut:
    posts = c.informant_posts
    return InformantOut(
        community_code=c.code,
        community_name=c.name,
        township_code=c.parent.code if c.parent else "",
        officers=[p.worker.name for p in posts],
        status="missing" if not posts else ("several" if len(posts) > 1 else "ok"),
    )


@router.get("/informants", response={200: list[InformantOut], **ERRORS})
@paginate(PagePagination)
def list_informants(
    request: HttpRequest, region: str = Query("", max_length=12)
) -> list[InformantOut]:
    user = user_with(request, VIEW)
    found = queries.informant_communities(user, _filter_region(user, region))
    return _Lazy(found, _informant)  # type: ignore[return-value]
