"""Open311 GeoReport v2 writes: API keys for named client systems, and a posted service request
becoming a case through the one intake action.

A key is ``o311_<prefix>_<secret>``. Only its SHA-256 hash is kept; the prefix finds the row, and the
hash is compared in constant time (as ``accounts`` does for API tokens). A key is shown once, when
issued; a revoked key is refused for good.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shequ.cases.actions.handling import clean_text
from shequ.cases.actions.intake import Intake, request_fingerprint, submit_case, submit_once
from shequ.cases.models import Case, CaseKind, Channel, Open311Client
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import open311 as queries
from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.validators import validate_phone
from shequ.territory.models import Grid, Level, Region

KEY_PREFIX = "o311"
# ``last_used_at`` is a hint for administrators, not a log: one write a minute per client is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- Keys ----------------------------------------------------------------------------------------------


def issue_client(
    *, name: str, region: Region, contact: str = "", by: Any
) -> tuple[Open311Client, str]:
    """Register a client system that files cases into ``region`` and issue its key. Returns the client
    and the key — the only time the key is available. ``by=None`` is the command line."""
    require_place(
        by, CasesPerm.MANAGE_OPEN311, region.path, _("您不能为该区域的对接系统签发密钥。")
    )
    name = clean_text(name, field="name", required=True, limit=80)
    contact = clean_text(contact, field="contact", limit=100)
    duplicate = ValidationError({"name": _("已有同名的对接系统，请换一个名称。")})
    if Open311Client.objects.filter(name=name).exists():
        raise duplicate
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            client = Open311Client.objects.create(
                name=name,
                contact=contact,
                region=region,
                prefix=prefix,
                key_hash=hash_key(key),
                created_at=calendar.now(),
                created_by=by,
            )
            audit.record(
                "cases.open311_issue_client",
                obj=client,
                actor=by,
                fields=["name", "contact", "region"],
            )
    except IntegrityError as exc:
        raise duplicate from exc
    return client, key


def revoke_client(*, client: Open311Client, by: Any) -> Open311Client:
    """Revoke the client's key at once. Revoking twice changes nothing."""
    require_place(
        by, CasesPerm.MANAGE_OPEN311, client.region.path, _("您不能吊销该区域对接系统的密钥。")
    )
    now = calendar.now()
    with transaction.atomic():
        updated = Open311Client.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if updated:
            client.revoked_at = now
            audit.record("cases.open311_revoke_client", obj=client, actor=by, fields=["revoked_at"])
    return client


def authenticate(key: str) -> Open311Client | None:
    """The client a key belongs to, or ``None`` for a missing, malformed, wrong or revoked key."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    client = Open311Client.objects.select_related("region").filter(prefix=parts[1]).first()
    if client is None or not hmac.compare_digest(client.key_hash, hash_key(key.strip())):
        return None
    if client.revoked_at is not None:
        return None
    now = calendar.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


# --- POST Service Request ------------------------------------------------------------------------------


@dataclass
class ServiceRequest:
    """The arguments of a GeoReport v2 POST Service Request, as strings (empty = not given)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def _position(request: ServiceRequest) -> tuple[float | None, float | None]:
    lat, lng = request.lat.strip(), request.long.strip()
    if not lat and not lng:
        return None, None
    if not lat or not lng:
        raise ValidationError({"location": _("lat 和 long 须同时提供。")})
    try:
        return float(lat), float(lng)
    except ValueError as exc:
        raise ValidationError({"location": _("lat 和 long 应为数字（WGS84 经纬度）。")}) from exc


def _place(
    client: Open311Client,
    request: ServiceRequest,
    area: Region | None,
    lat: float | None,
    lng: float | None,
) -> tuple[Region, Grid | None]:
    """The community (and grid) of the request: by ``address_id``, by position, or — for a client or
    jurisdiction that is itself one community — that community."""
    from shequ.territory.queries import grid_at

    region: Region | None = None
    grid: Grid | None = None
    if request.address_id.strip():
        region, grid = queries.place_by_code(request.address_id)
        if region is None:
            raise ValidationError(
                {"address_id": _("address_id 应为村(社区)的区划代码或网格编码。")}
            )
    elif lat is not None and lng is not None:
        grid = grid_at(lat, lng)
        region = grid.community if grid is not None else None
    if region is None:
        for candidate in (area, client.region):
            if candidate is not None and candidate.level == Level.COMMUNITY:
                region = candidate
                break
    if region is None:
        raise ValidationError(
            {"location": _("无法确定所在村(社区)：请提供 lat 和 long，或以村(社区)区划代码、网格编码作为 address_id。")}
        )  # fmt: skip
    if not region.path.startswith(client.region.path):
        raise ValidationError({"location": _("该位置不在本对接系统的受理区域内。")})
    if area is not None and not region.path.startswith(area.path):
        raise ValidationError({"location": _("该位置不在 jurisdiction_id 所指的区域内。")})
    return region, grid


def submit_request(
    *,
    client: Open311Client,
    request: ServiceRequest,
    area: Region | None = None,
    idempotency_key: str = "",
) -> tuple[Case, bool]:
    """A client system's service request becomes a case (channel ``open311``), inside the client's
    region and ``area`` (the ``jurisdiction_id``) when given. With an ``idempotency_key`` a retry
    returns the case made the first time (``created`` False). Raises ``ValidationError`` before
    anything is written."""
    code = request.service_code.strip()
    if not code:
        raise ValidationError({"service_code": _("缺少 service_code。")})
    item = queries.service_for_request(code)
    if item is None:
        raise ValidationError({"service_code": _("未知的 service_code“%(c)s”。") % {"c": code}})
    if not (
        request.lat.strip()
        or request.long.strip()
        or request.address_string.strip()
        or request.address_id.strip()
    ):
        raise ValidationError(
            {"location": _("缺少位置：请提供 lat 和 long，或 address_string，或 address_id。")}
        )
    lat, lng = _position(request)
    region, grid = _place(client, request, area, lat, lng)
    phone = ""
    if request.phone.strip():
        try:
            phone = validate_phone(request.phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    # Chinese names are written family name first.
    name = f"{request.last_name.strip()}{request.first_name.strip()}"
    data = Intake(
        channel=Channel.OPEN311,
        kind=CaseKind.SERVICE_REQUEST,
        service_item=item,
        description=request.description.strip() or item.name,
        region=region,
        grid=grid,
        latitude=lat,
        longitude=lng,
        address=request.address_string,
        attributes=request.attributes,
        requester_name=name,
        requester_phone=phone,
        anonymous=not (name or phone),
        client=client,
        external_id=idempotency_key.strip()[:80],
    )
    if not idempotency_key.strip():
        return submit_case(data), True
    return submit_once(
        data,
        key=idempotency_key,
        owner=f"open311:{client.pk}",
        fingerprint=request_fingerprint({**asdict(request), "area": area.code if area else ""}),
    )
