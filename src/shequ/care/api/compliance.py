"""API of the care app's `compliance` feature, scoped to the caller's ``care.view`` jurisdiction:

- ``GET /compliance?region=&month=&group=``: the visit rates of a place and its children for a month;
- ``GET /compliance/overdue?region=&group=`` (paged): plans past due and not done, names masked;
- ``GET /compliance/indicator-10?region=&month=``: indicator 10 (hardship visiting mechanism).

``region`` outside the jurisdiction (or unknown) is a 422 on ``region``, a malformed month a 422 on
``month``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from shequ.care.permissions import CarePerm
from shequ.care.queries import compliance as queries
from shequ.care.schemas_compliance import (
    ComplianceOut,
    Indicator10Out,
    Indicator10Row,
    OverdueOut,
    RateOut,
)
from shequ.core.api import ErrorOut, PagePagination, choice, invalid, invalid_from, user_with
from shequ.core.masking import mask_name
from shequ.registry.models import CareGroup
from shequ.territory.api import region_path
from shequ.territory.models import Region

router = Router(tags=["care"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = CarePerm.VIEW


def _region(user: Any, code: str) -> Region:
    path = region_path(user, code, VIEW)
    if not path:
        try:
            return queries.default_region(user)
        except Http404:  # nothing visible at all: say so on ``region``
            raise invalid("region", _("找不到该区域，或不在您的管辖范围内。")) from None
    return Region.objects.defer("geometry").get(path=path)


def _month(text: str) -> date:
    try:
        return queries.parse_month(text)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def _rate_out(row: queries.RateRow) -> RateOut:
    place = row.place
    rate, hardship = row.rate, row.hardship_rate
    return RateOut(
        code=place.code if place is not None else "",
        name=place.name if place is not None else _("未划入网格"),
        level="grid" if row.is_grid else (getattr(place, "level", "") if place else ""),
        due=row.due,
        done=row.done,
        on_time=row.on_time,
        overdue=row.overdue,
        rate=float(rate) if rate is not None else None,
        hardship_due=row.hardship_due,
        hardship_done=row.hardship_done,
        hardship_rate=float(hardship) if hardship is not None else None,
    )


@router.get(
    "/compliance",
    response={200: ComplianceOut, **ERRORS},
    summary="探访率：本地区及各下级地区（网格）某月的应探访、已探访、按时、逾期和特困人员探访率",
)
def get_compliance(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="区划代码；空为本人最上级的地区"),
    month: str = Query("", max_length=7, description="YYYY-MM；空为本月"),
    group: str = Query("", max_length=32, description="关爱类别；空为全部"),
) -> ComplianceOut:
    user = user_with(request, VIEW)
    place = _region(user, region)
    chosen = _month(month)
    group = choice(group.strip(), CareGroup, "group")
    table = queries.dashboard(user, place, chosen, group)
    return ComplianceOut(
        region_code=place.code,
        region_name=place.name,
        month=table.month_code,
        group=group,
        total=_rate_out(table.total),
        children=[_rate_out(row) for row in table.rows],
    )


@router.get(
    "/compliance/overdue",
    response={200: list[OverdueOut], **ERRORS},
    summary="逾期未探访的计划（姓名脱敏，分页）",
)
@paginate(PagePagination)
def list_overdue(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    group: str = Query("", max_length=32),
) -> Any:
    user = user_with(request, VIEW)
    place = _region(user, region)
    group = choice(group.strip(), CareGroup, "group")
    return _OverdueRows(
        queries.overdue_plans(user, queries.OverdueFilters(region=place, group=group))
    )


class _OverdueRows:
    """The overdue plans, turned into rows as the page is read (count and slice go to the database)."""

    def __init__(self, plans: QuerySet[Any]) -> None:
        self.plans = plans
        self.today = queries.calendar.localdate()

    def count(self) -> int:
        return self.plans.count()

    def __getitem__(self, window: slice) -> list[OverdueOut]:
        return [
            OverdueOut(
                id=plan.pk,
                name=mask_name(plan.resident.name),
                group=plan.group,
                group_label=str(plan.get_group_display()),
                mode=plan.mode,
                community_code=plan.community.code,
                community_name=plan.community.name,
                grid_code=plan.grid.code if plan.grid_id and plan.grid else "",
                grid_name=plan.grid.name if plan.grid_id and plan.grid else "",
                visitor=queries.visitor_name(plan),
                due_date=plan.due_date.isoformat(),
                days_overdue=queries.days_overdue(plan, self.today),
            )
            for plan in self.plans[window]
        ]


@router.get(
    "/compliance/indicator-10",
    response={200: Indicator10Out, **ERRORS},
    summary="指标10（探访关爱机制）：规则已设置且本月应探访的特困人员均已探访的村(社区)占比",
)
def get_indicator_10(
    request: HttpRequest,
    region: str = Query("", max_length=12),
    month: str = Query("", max_length=7),
) -> Indicator10Out:
    user = user_with(request, VIEW)
    place = _region(user, region)
    chosen = _month(month)
    share = queries.visible_hardship_share(user, place, chosen)
    value = share.share
    return Indicator10Out(
        region_code=place.code,
        region_name=place.name,
        month=chosen.strftime("%Y-%m"),
        communities=share.communities,
        counting=share.counting,
        share=float(value) if value is not None else None,
        rows=[
            Indicator10Row(
                community_code=community.code,
                community_name=community.name,
                **row,
            )
            for community, row in queries.hardship_rows(share)
        ],
    )
