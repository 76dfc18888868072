"""The arguments of Open311 GeoReport v2 calls, read from the query string or the form body.

"An empty parameter must be treated exactly like a missing one" (GeoReport v2, general rules), so every
reader strips and treats "" as absent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from shequ.cases.actions.open311 import ServiceRequest
from shequ.cases.queries import open311 as queries
from shequ.core import calendar
from shequ.territory.models import Region

_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?P<many>\[\])?$")
STATUSES = ("open", "closed")


def _value(data: QueryDict, name: str) -> str:
    return str(data.get(name) or "").strip()


def _list(data: QueryDict, name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _value(data, name).split(",") if part.strip())


class UnknownJurisdiction(Exception):
    """A ``jurisdiction_id`` that names no region: the spec answers 404."""


def region(data: QueryDict) -> Region | None:
    """``jurisdiction_id``: a division code (the city, a county, …); absent means the whole city."""
    code = _value(data, "jurisdiction_id")
    if not code:
        return None
    found = queries.jurisdiction(code)
    if found is None:
        raise UnknownJurisdiction(code)
    return found


def _instant(data: QueryDict, name: str) -> datetime | None:
    raw = _value(data, name)
    if not raw:
        return None
    try:
        # W3C/ISO 8601; a value without an offset is read as the city's local time.
        return calendar.localtime(datetime.fromisoformat(raw))
    except ValueError as exc:
        raise ValidationError(
            {name: _("日期时间格式不正确，应为 ISO 8601，如 2025-01-24T10:00:00+08:00。")}
        ) from exc


def request_filters(data: QueryDict) -> queries.RequestFilters:
    statuses = tuple(s.lower() for s in _list(data, "status"))
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        raise ValidationError({"status": _("status 只能是 open 或 closed。")})
    return queries.RequestFilters(
        numbers=_list(data, "service_request_id"),
        service_codes=_list(data, "service_code"),
        start=_instant(data, "start_date"),
        end=_instant(data, "end_date"),
        statuses=statuses,
        region=region(data),
    )


def attributes(data: QueryDict) -> dict[str, Any]:
    """``attribute[code]=v`` → ``{code: v}``; ``attribute[code][]=v1&attribute[code][]=v2`` → a list."""
    found: dict[str, Any] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code = match["code"].strip()
        if match["many"]:
            values = [v.strip() for v in data.getlist(key) if v.strip()]
            if values:
                found[code] = values
        else:
            value = _value(data, key)
            if value:
                found[code] = value
    return found


def service_request(data: QueryDict) -> ServiceRequest:
    names = (
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "description",
        "first_name",
        "last_name",
        "phone",
    )
    return ServiceRequest(**{n: _value(data, n) for n in names}, attributes=attributes(data))
