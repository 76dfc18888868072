"""The alerts API, under ``/api/v1/emergency``:

- ``GET /alerts`` (``?status=active|closed``), ``POST /alerts`` (issue; with ``Idempotency-Key`` a
  retry returns the alert already issued, 200 with ``Idempotent-Replayed: true``);
- ``GET /alerts/{alert_id}``, ``GET /alerts/{alert_id}/board``, ``GET /alerts/{alert_id}/reach-items``
  (``?status=``, ``?grid=``; scoped, paged), ``POST /alerts/{alert_id}/close``;
- ``POST /reach-items/{reach_item_id}/confirm``.

Errors as ``core.api``.
"""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ErrorOut, PagePagination, acting, choice, invalid, user_with
from shequ.emergency.actions import alerts as actions
from shequ.emergency.models import Alert, AlertStatus, ReachItem, ReachStatus
from shequ.emergency.permissions import EmergencyPerm
from shequ.emergency.queries import alerts as queries
from shequ.emergency.schemas_alerts import (
    AlertIn,
    AlertOut,
    BoardOut,
    BoardRowOut,
    CloseIn,
    ConfirmIn,
    ReachItemOut,
)
from shequ.territory.models import Region

router = Router(tags=["emergency"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = EmergencyPerm.VIEW
ISSUE = EmergencyPerm.ISSUE_ALERTS
CONFIRM = EmergencyPerm.CONFIRM_REACH


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="预警（本辖区）")
@paginate(PagePagination)
def list_alerts(request: HttpRequest, status: str = Query("")) -> QuerySet[Alert]:
    user = user_with(request, VIEW)
    alerts = queries.visible_alerts(user).prefetch_related("target_regions")
    if choice(status, AlertStatus, "status"):
        alerts = alerts.filter(status=status)
    return alerts


def _places(user: object, payload: AlertIn) -> tuple[Region, list[Region]]:
    regions = queries.issuing_regions(user)
    if payload.region:
        region = next((r for r in regions if r.code == payload.region), None)
    else:
        region = regions[0] if len(regions) == 1 else None
    if region is None:
        raise invalid("region", _("请填写您发布预警的区划代码（您任职的镇街或以上）。"))
    codes = list(dict.fromkeys(c.strip() for c in payload.target_regions if c.strip()))
    found = {r.code: r for r in Region.objects.filter(code__in=codes, path__under=region.path)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise invalid(
            "target_regions",
            _("发布范围中有不存在或不在您辖区内的区划代码：%(codes)s。")
            % {"codes": "、".join(missing[:10])},
        )
    return region, [found[c] for c in codes]


@router.post(
    "/alerts",
    response={200: AlertOut, 201: AlertOut, **ERRORS},
    summary="发布预警；带 Idempotency-Key 重试时返回第一次发布的预警",
)
def issue_alert(
    request: HttpRequest,
    payload: AlertIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="客户端生成的唯一键（1–100 个字符）"
    ),
) -> Status[Alert]:
    user = user_with(request, ISSUE)
    region, targets = _places(user, payload)
    key = None
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 100:
            raise invalid("Idempotency-Key", _("Idempotency-Key 应为 1 到 100 个字符。"))
        digest = hashlib.sha256(f"{user.pk}:{idempotency_key}".encode()).hexdigest()[:48]
        key = f"api-{digest}"
        replay = Alert.objects.filter(request_key=key).first()
        if replay is not None:
            response["Idempotent-Replayed"] = "true"
            return Status(200, replay)
    with acting():
        alert = actions.issue_alert(
            region=region,
            kind=payload.kind,
            severity=payload.severity,
            title=payload.title,
            instructions=payload.instructions,
            target_regions=targets,
            area=payload.area,
            request_key=key,
            by=user,
        )
    return Status(201, alert)


@router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS})
def get_alert(request: HttpRequest, alert_id: int) -> Alert:
    return queries.alert(user_with(request, VIEW), alert_id)


@router.get("/alerts/{alert_id}/board", response={200: BoardOut, **ERRORS}, summary="联系进度")
def get_board(request: HttpRequest, alert_id: int) -> BoardOut:
    user = user_with(request, VIEW)
    alert = queries.alert(user, alert_id)
    board = queries.board(user, alert)

    def rows(found: list[queries.BoardRow]) -> list[BoardRowOut]:
        return [
            BoardRowOut(code=r.code, name=r.name, reached=r.reached, pending=r.pending,
                        escalated=r.escalated, total=r.total)
            for r in found
        ]  # fmt: skip

    return BoardOut(
        alert_id=alert.pk,
        reached=board.total.reached,
        pending=board.total.pending,
        escalated=board.total.escalated,
        total=board.total.total,
        grids=rows(board.grids),
        communities=rows(board.communities),
    )


@router.get("/alerts/{alert_id}/reach-items", response={200: list[ReachItemOut], **ERRORS})
@paginate(PagePagination)
def list_reach_items(
    request: HttpRequest,
    alert_id: int,
    status: str = Query(""),
    grid: str = Query("", max_length=20),
) -> QuerySet[ReachItem]:
    user = user_with(request, VIEW)
    alert = queries.alert(user, alert_id)
    return queries.reach_items(user, alert, choice(status, ReachStatus, "status"), grid)


@router.post("/alerts/{alert_id}/close", response={200: AlertOut, **ERRORS}, summary="解除预警")
def close_alert(request: HttpRequest, alert_id: int, payload: CloseIn) -> Alert:
    user = user_with(request, ISSUE)
    alert = queries.alert(user, alert_id)
    with acting():
        return actions.close_alert(alert=alert, reason=payload.reason, by=user)


@router.post(
    "/reach-items/{reach_item_id}/confirm",
    response={200: ReachItemOut, **ERRORS},
    summary="确认已联系重点人员，或上报",
)
def confirm_reach(request: HttpRequest, reach_item_id: int, payload: ConfirmIn) -> ReachItem:
    user = user_with(request, CONFIRM)
    item = queries.checklist_item(user, reach_item_id)
    with acting():
        return actions.confirm_reach(item=item, status=payload.status, note=payload.note, by=user)
