"""``GET /api/v1/volunteering/statistics?region=&period=``: the published volunteer statistics of a
place and its children (no sign-in; aggregates and place names only). Without ``region``, the top
place; a malformed period → 422, an unknown place → 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from shequ.core.api import ErrorOut, invalid_from, not_found
from shequ.volunteering.queries import statistics as queries
from shequ.volunteering.queries.statistics import Figures
from shequ.volunteering.schemas_statistics import FiguresOut, StatisticsOut

router = Router(tags=["volunteering"])


def _out(row: Figures) -> FiguresOut:
    return FiguresOut(
        region_code=row.region.code,
        region_name=row.region.name,
        registered=row.registered,
        active=row.active,
        hours=float(row.hours),
        activities=row.activities,
        people_served=row.people_served,
    )


@router.get(
    "/statistics",
    auth=None,
    response={200: StatisticsOut, 404: ErrorOut, 422: ErrorOut},
    summary="志愿服务统计（公开）：注册、活跃志愿者，服务时长，活动次数，服务人次",
)
def get_statistics(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="区划代码；空为最上级"),
    period: str = Query("", max_length=10, description="2026、2026Q3 或 2026-11；空为本年"),
) -> StatisticsOut:
    try:
        chosen = queries.parse_period(period) if period.strip() else queries.current_period()
    except ValidationError as exc:
        raise invalid_from(exc) from None
    try:
        place = queries.public_region(region) if region.strip() else queries.public_roots()[0]
    except (Http404, IndexError):
        raise not_found("region", _("找不到该地区。")) from None
    table = queries.public_statistics(place, chosen)
    return StatisticsOut(
        period=chosen.code,
        period_label=chosen.label,
        start=chosen.start.isoformat(),
        end=chosen.end.isoformat(),
        total=_out(table.total),
        children=[_out(row) for row in table.rows],
    )
