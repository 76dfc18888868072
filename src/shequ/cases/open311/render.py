"""Open311 GeoReport v2 documents: what each resource says, and its two spellings.

JSON is the spec's mechanical mapping of the XML: a list resource is a top-level array, and
``service_code`` is always a string. XML starts with a UTF-8 declaration and has no namespace; a
list's items are named after it (``services`` holds ``service``), a null is an empty element and a
boolean is ``true``/``false`` (GeoReport v2, "Response formats").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _

from shequ.cases.models import AttributeType, Case, CaseStatus, Category, ServiceItem, TimeLimitUnit
from shequ.cases.queries.open311 import open311_status
from shequ.core import calendar

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
FORMATS = ("text/xml", "application/json")
# The element name of one item of each XML list.
ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
DESCRIPTION_MAX = 4000
# Characters XML 1.0 cannot carry at all (control characters other than tab and line breaks).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 with the offset of the city's time zone (the spec requires a time zone)."""
    return calendar.localtime(value).isoformat(timespec="seconds") if value is not None else None


# --- What the resources say ----------------------------------------------------------------------------


def service(item: ServiceItem) -> dict[str, Any]:
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": item.description or None,
        "metadata": bool(item.attributes),
        "type": "realtime",
        "keywords": None,
        "group": str(Category(item.category).label) if item.category in Category.values else None,
    }


def _datatype_hint(datatype: str) -> str:
    hints: dict[str, str] = {
        AttributeType.STRING: _("单行文字"),
        AttributeType.TEXT: _("文字，可以换行"),
        AttributeType.NUMBER: _("数字"),
        AttributeType.DATETIME: _("ISO 8601 日期时间，须带时区，如 2025-01-24T10:00:00+08:00"),
        AttributeType.SINGLE: _("从 values 中选一个 key"),
        AttributeType.MULTI: _("从 values 中选一个或多个 key，用 attribute[code][]= 逐个提交"),
    }
    return str(hints.get(datatype, ""))


def service_definition(item: ServiceItem) -> dict[str, Any]:
    attributes = []
    for number, attribute in enumerate(item.attributes, start=1):
        datatype = attribute.get("datatype", AttributeType.STRING)
        entry: dict[str, Any] = {
            "variable": True,
            "code": str(attribute["code"]),
            "datatype": datatype,
            "required": bool(attribute.get("required")),
            "datatype_description": attribute.get("datatype_description")
            or _datatype_hint(datatype)
            or None,
            "order": int(attribute.get("order") or number),
            "description": attribute.get("description") or None,
        }
        if datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            entry["values"] = [
                {"key": str(v["key"]), "name": str(v.get("name") or v["key"])}
                for v in attribute.get("values") or []
            ]
        attributes.append(entry)
    return {"service_code": item.code, "attributes": attributes}


def _updated_at(case: Case) -> datetime | None:
    if open311_status(case) == "closed" and case.closed_at is not None:
        return case.closed_at
    moments = [
        m
        for m in (
            case.submitted_at,
            case.accepted_at,
            case.dispatched_at,
            case.stage_started_at,
            case.handled_at,
            case.suspended_at,
            case.closed_at,
        )
        if m is not None
    ]
    return max(moments) if moments else None


def request_item(case: Case) -> dict[str, Any]:
    """A published case. Only cases marked public reach here; nothing about the requester is said
    (no name, phone, address or account), and the typed address is left out too."""
    item = case.service_item
    name: str | None
    if item is not None:
        code, name = item.code, item.name
    else:
        # Cases from other channels may have no catalogue item: they are listed under their category.
        code = case.category
        name = str(Category(case.category).label) if case.category in Category.values else None
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": str(CaseStatus(case.status).label),
        "service_name": name,
        "service_code": code,
        "description": case.description[:DESCRIPTION_MAX] if case.is_public else None,
        "agency_responsible": case.lead_unit.name if case.lead_unit is not None else None,
        "requested_datetime": timestamp(case.submitted_at),
        "updated_datetime": timestamp(_updated_at(case)),
        "expected_datetime": timestamp(case.due_at),
        "lat": case.latitude,
        "long": case.longitude,
    }


def service_notice(case: Case) -> str:
    item = case.service_item
    if item is None:
        return str(_("已收到，请凭工单编号查询办理进度。"))
    unit = TimeLimitUnit(item.time_limit_unit).label if item.time_limit_unit else ""
    return str(
        _("已收到，请凭工单编号查询办理进度。该事项的办理时限为 %(value)s %(unit)s。")
        % {"value": item.time_limit_value, "unit": unit}
    )


def created(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "service_request_id": case.number,
            "service_notice": service_notice(case),
            "account_id": None,
        }
    ]


def discovery(*, base_url: str, changeset: datetime | None, contact: str) -> dict[str, Any]:
    stamp = timestamp(changeset) or "2025-01-01T00:00:00+08:00"
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": str(
            _("POST 需要 api_key：请向本平台的安全管理员申请，为每个对接系统签发一个密钥。")
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": stamp,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }


# Our intake names what is wrong by its own field names; a client knows the GeoReport v2 arguments.
PARAMETERS = {
    "location": "lat/long",
    "service_item": "service_code",
    "requester_phone": "phone",
    "requester_name": "first_name/last_name",
    "idempotency_key": "Idempotency-Key",
    "address": "address_string",
}


def errors(exc: ValidationError, status: int) -> list[dict[str, Any]]:
    """The spec's error list from a ``ValidationError``: one entry per message, naming the argument."""
    found = []
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            if key.startswith("attribute_"):
                where = f"attribute[{key.removeprefix('attribute_')}]"
            else:
                where = PARAMETERS.get(key, key)
            for message in messages:
                text = message if key == "__all__" else f"{where}: {message}"
                found.append({"code": status, "description": text})
    else:
        found = [{"code": status, "description": message} for message in exc.messages]
    return found


def error(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


# --- Spelling ------------------------------------------------------------------------------------------


def _fill(element: ElementTree.Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        name = ITEMS[element.tag]
        for child in value:
            _fill(ElementTree.SubElement(element, name), child)
    else:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(root: str, document: Any) -> str:
    element = ElementTree.Element(root)
    if isinstance(document, Mapping):
        _fill(element, document)
    else:
        name = ITEMS[root]
        for item in document:
            _fill(ElementTree.SubElement(element, name), item)
    body = ElementTree.tostring(element, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def respond(fmt: str, root: str, document: Any, *, status: int = 200) -> HttpResponse:
    """``document`` as JSON or as XML under the element ``root`` (``services``, ``errors``, …)."""
    content = to_xml(root, document) if fmt == "xml" else json.dumps(document, ensure_ascii=False)
    return HttpResponse(content.encode(), status=status, content_type=CONTENT_TYPES[fmt])
