"""The home-service API, under ``/api/v1/care``.

- staff (``care.view`` to read, ``care.home_services`` to act, in their jurisdiction):
  ``GET /home-services`` (``status``, ``kind``, ``provider``, ``region``, ``month`` = YYYY-MM),
  ``POST /home-services`` (on behalf of a resident by id; idempotent by ``request_key``),
  ``GET /home-services/{order_id}``, ``POST .../schedule``, ``POST .../deliver``;
- ``POST /home-services/{order_id}/confirm``: the resident or a member of their household (their
  own session or token), or staff recording the resident's answer on a callback;
- ``GET /home-services/coverage?region=&from=&to=`` (indicator 9, ``care.statistics``).

Errors as ``core.api``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.care.actions import homeservices as actions
from shequ.care.models.homeservices import HomeServiceKind, HomeServiceOrder, HomeServiceStatus
from shequ.care.permissions import CarePerm
from shequ.care.queries import homeservices as queries
from shequ.care.schemas_homeservices import (
    ConfirmIn,
    CoverageOut,
    CoverageRowOut,
    DeliverIn,
    OrderIn,
    OrderOut,
    ScheduleIn,
)
from shequ.core import calendar
from shequ.core.api import (
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.organizations.models import Provider
from shequ.territory.api import region_path
from shequ.territory.queries import child_regions, region_in_scope

router = Router(tags=["care"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = CarePerm.VIEW
HOME_SERVICES = CarePerm.HOME_SERVICES
STATISTICS = CarePerm.STATISTICS


@router.get("/home-services", response={200: list[OrderOut], **ERRORS}, summary="居家服务单")
@paginate(PagePagination)
def list_orders(
    request: HttpRequest,
    status: str = Query(""),
    kind: str = Query(""),
    provider: int | None = Query(None),
    region: str = Query("", max_length=12),
    month: str = Query("", max_length=7),
) -> QuerySet[HomeServiceOrder]:
    user = user_with(request, VIEW)
    first = None
    if month:
        try:
            first = date.fromisoformat(month + "-01")
        except ValueError:
            raise invalid("month", _("请按“年-月”填写，例如 2026-05。")) from None
    filters = queries.OrderFilters(
        status=choice(status, HomeServiceStatus, "status"),
        kind=choice(kind, HomeServiceKind, "kind"),
        provider_id=provider,
        region_path=region_path(user, region, VIEW),
        month=first,
    )
    return queries.order_list(user, filters)


@router.get(
    "/home-services/coverage", response={200: CoverageOut, **ERRORS}, summary="居家养老服务覆盖率"
)
def coverage(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    from_: date | None = Query(None, alias="from"),  # noqa: B008
    to: date | None = Query(None),  # noqa: B008
) -> dict[str, Any]:
    user = user_with(request, STATISTICS)
    if not region:
        raise invalid("region", _("请指定区域。"))
    try:
        place = region_in_scope(user, region, STATISTICS)
    except Http404:
        raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    today = calendar.localdate()
    start, end = from_ or today.replace(day=1), to or today
    if end < start or end - start > timedelta(days=366):
        raise invalid("to", _("统计期间须在一年以内，且结束日期不早于开始日期。"))
    found = queries.home_service_coverage(place, start, end, child_regions(user, place, STATISTICS))

    def row(r: queries.CoverageRow) -> CoverageRowOut:
        assert r.region is not None
        return CoverageRowOut(
            region_code=r.region.code,
            region_name=r.region.name,
            elderly=r.elderly,
            served=r.served,
            share=r.share,
        )

    return {
        "region_code": place.code,
        "period_start": start,
        "period_end": end,
        "total": row(found.total),
        "children": [row(c) for c in found.children],
    }


@router.post("/home-services", response={201: OrderOut, **ERRORS}, summary="代居民申请居家服务")
def create(request: HttpRequest, payload: OrderIn) -> Status[HomeServiceOrder]:
    user = user_with(request, HOME_SERVICES)
    try:
        person = queries.resident_to_serve(user, payload.resident_id)
    except Http404:
        raise not_found("resident_id", _("您辖区的人口库中没有该居民。")) from None
    with acting({"resident": "resident_id"}):
        order = actions.request_service(
            resident=person,
            by=user,
            kind=payload.kind,
            details=payload.details,
            preferred_date=payload.preferred_date,
            request_key=payload.request_key or None,
        )
    return Status(201, order)


@router.get("/home-services/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, order_id: int) -> HomeServiceOrder:
    return queries.order(user_with(request, VIEW), order_id)


def _staff(request: HttpRequest, order_id: int) -> tuple[Any, HomeServiceOrder]:
    user = user_with(request, HOME_SERVICES)
    return user, queries.order(user, order_id, HOME_SERVICES)


@router.post("/home-services/{order_id}/schedule", response={200: OrderOut, **ERRORS})
def schedule(request: HttpRequest, order_id: int, payload: ScheduleIn) -> HomeServiceOrder:
    user, order = _staff(request, order_id)
    provider = Provider.objects.select_related("region").filter(pk=payload.provider_id).first()
    with acting({"provider": "provider_id"}):
        return actions.schedule(
            order=order, by=user, provider=provider, scheduled_for=payload.scheduled_for
        )


@router.post("/home-services/{order_id}/deliver", response={200: OrderOut, **ERRORS})
def deliver(request: HttpRequest, order_id: int, payload: DeliverIn) -> HomeServiceOrder:
    user, order = _staff(request, order_id)
    with acting():
        return actions.mark_delivered(
            order=order,
            by=user,
            delivered_at=payload.delivered_at,
            minutes=payload.minutes,
            note=payload.note,
        )


@router.post("/home-services/{order_id}/confirm", response={200: OrderOut, **ERRORS})
def confirm(request: HttpRequest, order_id: int, payload: ConfirmIn) -> HomeServiceOrder:
    """The resident or their household (own session or token), or staff recording a callback."""
    user: Any = request.user
    if getattr(user, "is_resident", False):
        try:
            order = queries.own_order(user, order_id)
        except Http404:
            raise not_found("order_id") from None
    else:
        user, order = _staff(request, order_id)
    with acting():
        return actions.confirm_and_rate(
            order=order, by=user, rating=payload.rating, comment=payload.comment
        )
