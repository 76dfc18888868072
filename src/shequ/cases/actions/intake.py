"""Intake on every channel: one action, ``submit_case``, behind the window, the phone hotline, the
kiosk, home visits, appointments, proxies, the resident's own page, grid patrol and Open311.

Everything is checked before anything is written — the service item and its channels, the place,
the text, every photo (re-encoded, EXIF gone) — so bad input leaves nothing behind. A request for a
certificate communities no longer issue is answered with the reason instead of becoming a case.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cases.actions.handling import (
    clean_text,
    desk_staff,
    log,
    move,
    stage_fields,
    tell_requester,
    tell_staff,
)
from shequ.cases.actions.photos import prepare_photos, store_photos
from shequ.cases.models import (
    LIST_TYPES,
    AbolishedCertificate,
    AttributeType,
    Case,
    CaseKind,
    CaseStatus,
    Category,
    Channel,
    EventKind,
    IdempotencyRecord,
    ItemStatus,
    Priority,
    ServiceItem,
)
from shequ.cases.permissions import CasesPerm
from shequ.core import audit, calendar
from shequ.core.validators import validate_phone
from shequ.territory.models import Grid, Level, Region

# Channels where staff enter the case for someone else (代办): they need ``cases.intake``.
STAFF_CHANNELS = (
    Channel.WINDOW,
    Channel.PHONE,
    Channel.HOME_VISIT,
    Channel.APPOINTMENT,
    Channel.PROXY,
)
PUBLIC_CATEGORIES = (Category.ENVIRONMENT, Category.PUBLIC_SAFETY, Category.PROPERTY_DISPUTES)
# Mainland China's extent: a position outside it is a typing or GPS error. Nearer, a position must lie
# within ``MAX_KM_FROM_COMMUNITY`` of the community it is filed under (when that has a centre).
LAT_RANGE, LNG_RANGE = (18.0, 54.0), (73.0, 135.5)
MAX_KM_FROM_COMMUNITY = 30


class CertificateAbolished(ValidationError):
    """The request is for a certificate communities no longer issue: the answer is the reason."""

    def __init__(self, certificate: AbolishedCertificate) -> None:
        self.certificate = certificate
        super().__init__(
            _("“%(name)s”已取消，社区不再开具。%(reason)s")
            % {"name": certificate.name, "reason": certificate.reason}
        )


@dataclass
class Intake:
    """What a channel collected. ``region`` (a community) or a GPS position must place the case."""

    channel: str
    description: str
    kind: str = CaseKind.SERVICE_REQUEST
    category: str = ""
    title: str = ""
    service_item: ServiceItem | None = None
    priority: str = Priority.NORMAL
    region: Region | None = None
    grid: Grid | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    requester: Any = None
    requester_name: str = ""
    requester_phone: str = ""
    requester_resident: Any = None
    anonymous: bool = False
    proxy_name: str = ""
    photos: list[Any] = field(default_factory=list)
    external_id: str = ""
    client: Any = None
    is_public: bool | None = None
    # Grid patrol: the worker settled it on the spot; ``result`` says how.
    resolved_on_spot: bool = False
    result: str = ""


# --- Checking --------------------------------------------------------------------------------------


def _clean_position(data: Intake) -> tuple[float | None, float | None]:
    if data.latitude is None and data.longitude is None:
        return None, None
    try:
        lat, lng = float(data.latitude), float(data.longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"location": _("位置坐标不正确。")}) from exc
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]):
        raise ValidationError({"location": _("定位坐标不在有效范围内，请检查定位。")})
    return round(lat, 6), round(lng, 6)


def _check_distance(region: Region, lat: float | None, lng: float | None) -> None:
    from shequ.territory.queries import distance_m

    if lat is None or lng is None or region.centre_lat is None or region.centre_lng is None:
        return
    if distance_m(lat, lng, region.centre_lat, region.centre_lng) > MAX_KM_FROM_COMMUNITY * 1000:
        raise ValidationError(
            {"location": _("定位与所选村(社区)相距太远，请检查定位或所选村(社区)。")}
        )


def _place(
    data: Intake, lat: float | None, lng: float | None, by: Any
) -> tuple[Region, Grid | None]:
    """The community (and grid) of the case: given, found from the GPS position, or refused."""
    from shequ.territory.queries import grid_at

    grid = data.grid
    region = data.region
    if grid is None and lat is not None and lng is not None:
        among = None
        if region is not None:
            # The community was chosen: the position only picks which of its grids.
            among = Grid.objects.filter(community=region)
        elif data.channel == Channel.GRID_PATROL and by is not None:
            own = by.jurisdiction(CasesPerm.REPORT).grid_paths
            if own:
                among = Grid.objects.filter(path__in=own)
        grid = grid_at(lat, lng, among=among)
        if grid is None and among is not None and region is None:
            grid = grid_at(lat, lng)
    if grid is not None:
        if grid.is_micro and grid.parent_id is not None:
            grid = grid.parent
        if region is not None and grid is not None and grid.community_id != region.pk:
            raise ValidationError({"location": _("所选网格不属于所选村(社区)。")})
        region = grid.community if grid is not None else region
    if region is None:
        raise ValidationError({"location": _("请选择所在村(社区)，或提供定位。")})
    if region.level != Level.COMMUNITY:
        raise ValidationError({"location": _("请选择到村(社区)一级。")})
    return region, grid


def _check_item(data: Intake, region: Region) -> None:
    item = data.service_item
    if item is None:
        if data.kind == CaseKind.SERVICE_REQUEST and data.channel == Channel.ONLINE:
            raise ValidationError({"service_item": _("请选择要办理的服务事项。")})
        return
    if item.status != ItemStatus.ADMITTED:
        raise ValidationError({"service_item": _("该服务事项暂未开放办理。")})
    if not region.path.startswith(item.region.path):
        raise ValidationError({"service_item": _("该服务事项不适用于所选村(社区)。")})
    if item.channels and data.channel not in item.channels and data.channel != Channel.OPEN311:
        raise ValidationError(
            {"service_item": _("该服务事项不能通过“%(channel)s”办理。")
             % {"channel": Channel(data.channel).label}}
        )  # fmt: skip


def clean_attribute_values(item: ServiceItem | None, values: dict[str, Any]) -> dict[str, Any]:
    """The online form's answers, checked against the item's Open311-style attribute definitions."""
    if item is None:
        return {}
    cleaned: dict[str, Any] = {}
    for attribute in item.attributes:
        code, label = attribute["code"], attribute.get("description") or attribute["code"]
        raw = values.get(code)
        empty = raw is None or raw == "" or raw == []
        if empty:
            if attribute.get("required"):
                raise ValidationError({f"attribute_{code}": _("请填写“%(f)s”。") % {"f": label}})
            continue
        datatype = attribute.get("datatype")
        keys = {str(v["key"]) for v in attribute.get("values") or []}
        if datatype == AttributeType.NUMBER:
            try:
                cleaned[code] = float(raw)  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    {f"attribute_{code}": _("“%(f)s”应为数字。") % {"f": label}}
                ) from exc
        elif datatype == AttributeType.DATETIME:
            try:
                cleaned[code] = datetime.fromisoformat(str(raw)).isoformat()
            except ValueError as exc:
                raise ValidationError(
                    {f"attribute_{code}": _("“%(f)s”的日期时间格式不正确。") % {"f": label}}
                ) from exc
        elif datatype in LIST_TYPES:
            chosen = raw if isinstance(raw, list) else [raw]
            chosen = [str(c) for c in chosen]
            if (datatype == AttributeType.SINGLE and len(chosen) != 1) or not set(chosen) <= keys:
                raise ValidationError(
                    {f"attribute_{code}": _("“%(f)s”的选项不正确。") % {"f": label}}
                )
            cleaned[code] = chosen if datatype == AttributeType.MULTI else chosen[0]
        else:
            cleaned[code] = clean_text(raw, field=f"attribute_{code}", limit=500)
    return cleaned


def _abolished(data: Intake, region: Region, description: str) -> AbolishedCertificate | None:
    from shequ.cases.queries import abolished_certificate_for

    if data.kind != CaseKind.SERVICE_REQUEST:
        return None
    if data.service_item is None and data.category not in ("", Category.CERTIFICATION):
        return None
    return abolished_certificate_for(f"{data.title} {description}", region)


def _check_requester(data: Intake, by: Any) -> None:
    if data.channel in STAFF_CHANNELS and (by is None or not by.has_permission(CasesPerm.INTAKE)):
        raise PermissionDenied(_("您没有代居民录入诉求的权限。"))
    if data.channel == Channel.GRID_PATROL and (
        by is None or not by.has_permission(CasesPerm.REPORT)
    ):
        raise PermissionDenied(_("只有网格员可以巡查上报。"))
    if data.requester_phone:
        try:
            data.requester_phone = validate_phone(data.requester_phone)
        except ValidationError as exc:  # name the field, as every other intake error does
            raise ValidationError({"requester_phone": exc.messages}) from exc
    if data.channel in STAFF_CHANNELS and not data.anonymous:
        if not data.requester_name.strip() and data.requester is None:
            raise ValidationError({"requester_name": _("请填写申请人姓名。")})
        if not data.requester_phone and data.requester is None:
            raise ValidationError(
                {"requester_phone": _("请填写申请人联系电话，用于告知办理进度。")}
            )
    if data.channel == Channel.PROXY and not data.proxy_name.strip():
        raise ValidationError({"proxy_name": _("请填写代办人姓名。")})


# --- Submitting ------------------------------------------------------------------------------------


def submit_case(data: Intake, *, by: Any = None) -> Case:
    """Create a case from any channel. ``by`` is the staff member entering it (None for a resident
    online, the kiosk or a client system). Raises ``ValidationError`` (``CertificateAbolished`` for
    an abolished certificate) before anything is written."""
    if data.channel not in Channel.values:
        raise ValidationError({"channel": _("受理渠道不正确。")})
    if data.kind not in CaseKind.values:
        raise ValidationError({"kind": _("诉求类型不正确。")})
    if data.priority not in Priority.values:
        raise ValidationError({"priority": _("紧急程度不正确。")})
    _check_requester(data, by)
    description = clean_text(data.description, field="description", required=True)
    lat, lng = _clean_position(data)
    # A grid event is placed by GPS; a worker whose phone cannot locate names their grid instead.
    if data.kind == CaseKind.GRID_EVENT and lat is None and data.grid is None:
        raise ValidationError({"location": _("网格事件需要定位，请打开手机定位后重试。")})
    region, grid = _place(data, lat, lng, by)
    _check_distance(region, lat, lng)
    place_path = grid.path if grid is not None else region.path
    if data.channel == Channel.GRID_PATROL and by is not None:
        if not by.jurisdiction(CasesPerm.REPORT).covers_path(place_path):
            raise ValidationError({"location": _("定位不在您负责的网格内。")})
    elif data.channel in STAFF_CHANNELS and by is not None:
        # Staff take in cases for places in their own jurisdiction only (a township's window may
        # take any of its communities').
        holder = by.jurisdiction(CasesPerm.INTAKE)
        if not (holder.covers_path(place_path) or holder.covers_path(region.path)):
            raise PermissionDenied(_("所选地点不在您的管辖范围内。"))
    _check_item(data, region)
    category = data.service_item.category if data.service_item else data.category
    if category not in Category.values:
        raise ValidationError({"category": _("请选择诉求类别。")})
    certificate = _abolished(data, region, description)
    if certificate is not None:
        raise CertificateAbolished(certificate)
    attributes = clean_attribute_values(data.service_item, data.attributes)
    title = clean_text(data.title, field="title", limit=120) or _title_from(description)
    address = clean_text(data.address, field="address", limit=200)
    result = clean_text(data.result, field="result", required=data.resolved_on_spot)
    if data.resolved_on_spot and not data.photos:
        raise ValidationError({"photos": _("就地解决需要上传处理后的现场照片。")})
    photos = prepare_photos(data.photos)
    now = calendar.now()
    is_public = data.is_public if data.is_public is not None else (
        data.kind in (CaseKind.GRID_EVENT, CaseKind.ALARM) or category in PUBLIC_CATEGORIES
    )  # fmt: skip
    case = Case(
        kind=data.kind,
        service_item=data.service_item,
        category=category,
        channel=data.channel,
        priority=data.priority,
        title=title,
        description=description,
        attributes=attributes,
        region=region,
        grid=grid,
        latitude=lat,
        longitude=lng,
        address=address,
        is_public=is_public,
        requester=data.requester,
        requester_resident=data.requester_resident,
        requester_name=clean_text(data.requester_name, field="requester_name", limit=60)
        or (getattr(data.requester, "full_name", "") if data.requester is not None else ""),
        requester_phone=data.requester_phone
        or (getattr(data.requester, "phone", "") if data.requester is not None else ""),
        anonymous=data.anonymous,
        entered_by=by,
        proxy_name=clean_text(data.proxy_name, field="proxy_name", limit=60),
        external_id=data.external_id[:80],
        client=data.client,
        submitted_at=now,
    )
    for key, value in stage_fields(case, CaseStatus.SUBMITTED, now).items():
        setattr(case, key, value)
    # No savepoint: nothing in here is retried on its own, and inside ``submit_once`` it would cost
    # two more round trips.
    with transaction.atomic(savepoint=False):
        case.save()
        log(case, EventKind.TRANSITION, by=by, at=now, action="submit", to_status=case.status)
        audit.record("cases.submit", obj=case, actor=by, object_repr=case.number)
        if data.resolved_on_spot:
            move(case, "resolve_on_spot", by=by, note=result, at=now, result=result,
                 resolved_on_spot=True, owner=by, accepted_at=now, handled_at=now, closed_at=now)  # fmt: skip
            store_photos(case, photos, stage="handled", by=by, at=now)
        else:
            tell_staff(desk_staff(case), case, gettext_lazy("有新的诉求待受理"))
            store_photos(case, photos, stage="reported", by=by, at=now)
    return case


def _title_from(description: str) -> str:
    first = description.splitlines()[0] if description else ""
    return first[:30] + ("…" if len(first) > 30 else "")


def resolve_on_spot_notice(case: Case) -> None:
    tell_requester(case, "resolve_on_spot")


# --- Idempotency (API: ``Idempotency-Key``) ------------------------------------------------------------


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def submit_once(
    data: Intake, *, key: str, owner: str, fingerprint: str, by: Any = None
) -> tuple[Case, bool]:
    """``submit_case`` keyed by an idempotency key: a retry with the same key and body returns the case
    made the first time (``created`` False); the same key with a different body is refused."""
    key = key.strip()
    if not key or len(key) > 100:
        raise ValidationError({"idempotency_key": _("Idempotency-Key 应为 1 到 100 个字符。")})
    existing = _recorded(owner, key)
    if existing is not None:
        return _replay(existing, fingerprint), False
    try:
        with transaction.atomic():
            case = submit_case(data, by=by)
            IdempotencyRecord.objects.create(
                key=key, owner=owner, request_hash=fingerprint, case=case, created_at=calendar.now()
            )
    except IntegrityError:
        # The same key raced in from a second connection: answer with the winner's case.
        existing = _recorded(owner, key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), False
    return case, True


def _recorded(owner: str, key: str) -> IdempotencyRecord | None:
    """The record of a request made earlier with this key. Its case is read only for a retry, not
    joined into the lookup every first request makes (bench/bench_case_intake.py)."""
    return next(iter(IdempotencyRecord.objects.filter(owner=owner, key=key)[:1]), None)


def _replay(record: IdempotencyRecord, fingerprint: str) -> Case:
    if record.request_hash != fingerprint or record.case is None:
        raise ValidationError({"idempotency_key": _("该 Idempotency-Key 已用于另一份不同的请求。")})
    return record.case


IDEMPOTENCY_KEEP_DAYS = 7


def purge_idempotency_records() -> int:
    """Forget idempotency keys after a week: a client retries within minutes, not days."""
    from datetime import timedelta

    cutoff = calendar.now() - timedelta(days=IDEMPOTENCY_KEEP_DAYS)
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]
