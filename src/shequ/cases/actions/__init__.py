"""Every write to the service catalogue. Each checks the actor's jurisdiction, validates, audits in the
same transaction; transitions go through ``workflow.ADMISSION``."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import (
    LIST_TYPES,
    AbolishedCertificate,
    AttributeType,
    Category,
    Channel,
    ServiceItem,
    TimeLimitUnit,
)
from shequ.cases.permissions import CasesPerm
from shequ.cases.workflow import ADMISSION, EDITABLE
from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.territory.models import Level, Region

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
ATTRIBUTE_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# 准入制度 applies to work placed on townships and communities; county and city items are published.
NEEDS_ADMISSION = (Level.TOWNSHIP, Level.COMMUNITY)
ITEM_FIELDS = (
    "name",
    "name_en",
    "category",
    "description",
    "required_materials",
    "legal_basis",
    "time_limit_value",
    "time_limit_unit",
    "channels",
    "fee",
    "attributes",
    "home_visit_possible",
    "appointment_possible",
)


def _require_place(by: Any, perm: str, path: str) -> None:
    """``by`` (None = the system) must hold ``perm`` over the place with this materialised path."""
    require_place(by, perm, path, _("该事项不在您的管辖范围内，或您没有此项权限。"))


def clean_materials(materials: Any) -> list[dict[str, Any]]:
    if not isinstance(materials, list):
        raise ValidationError({"required_materials": _("材料清单格式不正确。")})
    cleaned = []
    for number, material in enumerate(materials, start=1):
        if not isinstance(material, dict):
            raise ValidationError({"required_materials": _("材料清单格式不正确。")})
        name = str(material.get("name") or "").strip()
        if not name:
            raise ValidationError(
                {"required_materials": _("第%(n)d项材料没有填写名称。") % {"n": number}}
            )
        try:
            raw: Any = material.get("copies")
            copies = 1 if raw is None or raw == "" else int(raw)
        except (TypeError, ValueError):
            copies = 0
        if copies < 1:
            raise ValidationError(
                {"required_materials": _("第%(n)d项材料的份数应为正整数。") % {"n": number}}
            )
        cleaned.append(
            {
                "name": name[:100],
                "note": str(material.get("note") or "").strip()[:300],
                "copies": copies,
                "original_required": bool(material.get("original_required")),
            }
        )
    return cleaned


def clean_attributes(attributes: Any) -> list[dict[str, Any]]:
    """Open311 service-definition attributes: unique codes, known datatypes, list types with values."""
    if not isinstance(attributes, list):
        raise ValidationError({"attributes": _("申报字段格式不正确。")})
    cleaned = []
    seen: set[str] = set()
    for number, attribute in enumerate(attributes, start=1):
        if not isinstance(attribute, dict):
            raise ValidationError({"attributes": _("申报字段格式不正确。")})
        code = str(attribute.get("code") or "").strip()
        if not ATTRIBUTE_CODE_RE.match(code):
            raise ValidationError(
                {
                    "attributes": _("第%(n)d个字段的代码只能由字母、数字、下划线和短横线组成。")
                    % {"n": number}
                }
            )
        if code in seen:
            raise ValidationError({"attributes": _("字段代码“%(code)s”重复。") % {"code": code}})
        seen.add(code)
        datatype = attribute.get("datatype")
        if datatype not in AttributeType.values:
            raise ValidationError({"attributes": _("第%(n)d个字段的类型不正确。") % {"n": number}})
        description = str(attribute.get("description") or "").strip()
        if not description:
            raise ValidationError({"attributes": _("第%(n)d个字段没有填写说明。") % {"n": number}})
        values = []
        for value in attribute.get("values") or []:
            if isinstance(value, dict):
                key, label = (
                    str(value.get("key") or "").strip(),
                    str(value.get("name") or "").strip(),
                )
            else:
                key = label = str(value).strip()
            if key:
                values.append({"key": key, "name": label or key})
        if datatype in LIST_TYPES and not values:
            raise ValidationError(
                {"attributes": _("第%(n)d个字段是选择题，请填写可选项。") % {"n": number}}
            )
        if len({v["key"] for v in values}) != len(values):
            raise ValidationError({"attributes": _("第%(n)d个字段的可选项重复。") % {"n": number}})
        try:
            order = int(attribute.get("order") or number)
        except (TypeError, ValueError):
            order = number
        cleaned.append(
            {
                "code": code,
                "datatype": datatype,
                "required": bool(attribute.get("required")),
                "description": description[:200],
                "order": order,
                "values": values if datatype in LIST_TYPES else [],
            }
        )
    return sorted(cleaned, key=lambda a: a["order"])


def _clean_item(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    name = str(values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写事项名称。")})
    cleaned["name"] = name
    if values.get("category") not in Category.values:
        raise ValidationError({"category": _("请选择事项类别。")})
    limit = values.get("time_limit_value")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise ValidationError({"time_limit_value": _("办理时限应为正整数。")})
    if values.get("time_limit_unit") not in TimeLimitUnit.values:
        raise ValidationError({"time_limit_unit": _("时限单位不正确。")})
    channels = values.get("channels") or []
    unknown = [c for c in channels if c not in Channel.values]
    if unknown or not channels:
        raise ValidationError({"channels": _("请从列表中选择至少一个受理渠道。")})
    cleaned["channels"] = [c for c in Channel.values if c in channels]
    cleaned["required_materials"] = clean_materials(values.get("required_materials") or [])
    cleaned["attributes"] = clean_attributes(values.get("attributes") or [])
    cleaned["fee"] = str(values.get("fee") or "").strip() or "免费"
    return cleaned


def _check_units(units: list[HandlingUnit], region: Region) -> None:
    """Handling units must sit at the item's region or above it (a county department, say)."""
    for unit in units:
        if not region.path.startswith(unit.region.path):
            raise ValidationError(
                {"handling_units": _("承办单位“%(name)s”不在本辖区。") % {"name": unit.name}}
            )


def _defaults(values: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name_en": "",
        "description": "",
        "required_materials": [],
        "legal_basis": "",
        "time_limit_unit": TimeLimitUnit.WORKING_DAYS,
        "channels": [Channel.WINDOW],
        "fee": "免费",
        "attributes": [],
        "home_visit_possible": False,
        "appointment_possible": False,
    }
    base.update(values)
    unknown = set(base) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown service-item fields: {sorted(unknown)}")
    return base


@transaction.atomic
def create_item(
    *,
    code: str,
    region: Region,
    by: Any,
    handling_units: list[HandlingUnit] | None = None,
    **values: Any,
) -> ServiceItem:
    """A new draft item at ``region``."""
    _require_place(by, CasesPerm.MANAGE_CATALOG, region.path)
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            {"code": _("事项编码只能由字母、数字和短横线组成，以字母或数字开头，最长40位。")}
        )
    cleaned = _clean_item(_defaults(values))
    units = list(handling_units or [])
    _check_units(units, region)
    if ServiceItem.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": _("事项编码“%(code)s”已被使用。") % {"code": code}})
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(code=code, region=region, **cleaned)
    except IntegrityError:
        raise ValidationError(
            {"code": _("事项编码“%(code)s”已被使用。") % {"code": code}}
        ) from None
    item.handling_units.set(units)
    audit.record("cases.item.create", obj=item, actor=by, object_repr=str(item), region=region)
    return item


@transaction.atomic
def update_item(
    *,
    item: ServiceItem,
    by: Any,
    version: int | None = None,
    handling_units: list[HandlingUnit] | None = None,
    **values: Any,
) -> ServiceItem:
    """Change a draft (or refused) item; ``version`` is the one the editor saw."""
    _require_place(by, CasesPerm.MANAGE_CATALOG, item.region.path)
    if item.status not in EDITABLE:
        raise ValidationError(_("只有草稿或未准入的事项可以修改；已准入的事项请先撤销再重新编制。"))
    current = {name: getattr(item, name) for name in ITEM_FIELDS}
    current.update(values)
    cleaned = _clean_item(_defaults(current))
    if handling_units is not None:
        _check_units(list(handling_units), item.region)
    seen = item.version if version is None else version
    updated = ServiceItem.objects.filter(pk=item.pk, version=seen, status__in=EDITABLE).update(
        version=F("version") + 1, updated_at=timezone.now(), **cleaned
    )
    if updated != 1:
        raise ValidationError(_("该事项刚刚已被他人修改，请刷新页面后重试。"))
    if handling_units is not None:
        item.handling_units.set(handling_units)
    item.refresh_from_db()
    changed = [name for name in ITEM_FIELDS if name in values]
    audit.record(
        "cases.item.update",
        obj=item,
        actor=by,
        fields=changed,
        object_repr=str(item),
        region=item.region,
    )
    return item


def _needs_admission(item: ServiceItem) -> bool:
    return item.region.level in NEEDS_ADMISSION


@transaction.atomic
def submit_item(*, item: ServiceItem, by: Any) -> ServiceItem:
    _require_place(by, CasesPerm.MANAGE_CATALOG, item.region.path)
    if not _needs_admission(item):
        raise ValidationError(_("县级及以上的事项无需准入审核，请直接发布。"))
    if not item.required_materials and not item.attributes:
        raise ValidationError(_("请先填写所需材料或网上申报字段，再提交准入审核。"))
    ADMISSION.fire(item, "submit", by=by, updated_at=timezone.now())
    audit.record("cases.item.submit", obj=item, actor=by, object_repr=str(item), region=item.region)
    return item


@transaction.atomic
def publish_item(*, item: ServiceItem, by: Any) -> ServiceItem:
    _require_place(by, CasesPerm.MANAGE_CATALOG, item.region.path)
    if _needs_admission(item):
        raise ValidationError(_("镇(街道)和村(社区)的事项须经县级准入审核后才能发布。"))
    now = timezone.now()
    ADMISSION.fire(item, "publish", by=by, admitted_by=by, admitted_at=now, updated_at=now)
    audit.record(
        "cases.item.publish", obj=item, actor=by, object_repr=str(item), region=item.region
    )
    return item


def _require_county_over(by: Any, item: ServiceItem) -> None:
    """Admission is the county's: the approver holds ``ADMIT_ITEMS`` at a county covering the item."""
    if by is None:
        return
    _require_place(by, CasesPerm.ADMIT_ITEMS, item.region.path)


@transaction.atomic
def admit_item(*, item: ServiceItem, by: Any, note: str = "") -> ServiceItem:
    _require_county_over(by, item)
    now = timezone.now()
    ADMISSION.fire(
        item,
        "admit",
        by=by,
        admission_note=note.strip(),
        admitted_by=by,
        admitted_at=now,
        updated_at=now,
    )
    audit.record("cases.item.admit", obj=item, actor=by, object_repr=str(item), region=item.region)
    return item


@transaction.atomic
def refuse_item(*, item: ServiceItem, by: Any, reason: str) -> ServiceItem:
    _require_county_over(by, item)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写不予准入的理由。")})
    ADMISSION.fire(item, "refuse", by=by, admission_note=reason, updated_at=timezone.now())
    audit.record(
        "cases.item.refuse",
        obj=item,
        actor=by,
        reason=reason,
        object_repr=str(item),
        region=item.region,
    )
    return item


@transaction.atomic
def withdraw_item(*, item: ServiceItem, by: Any, reason: str) -> ServiceItem:
    _require_place(by, CasesPerm.MANAGE_CATALOG, item.region.path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销的理由。")})
    ADMISSION.fire(item, "withdraw", by=by, admission_note=reason, updated_at=timezone.now())
    audit.record(
        "cases.item.withdraw",
        obj=item,
        actor=by,
        reason=reason,
        object_repr=str(item),
        region=item.region,
    )
    return item


def _clean_certificate(name: str, reason: str) -> tuple[str, str]:
    name, reason = (name or "").strip(), (reason or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写证明名称。")
    if not reason:
        errors["reason"] = _("请说明取消的理由，以及居民可以到哪里获取相应证明。")
    if errors:
        raise ValidationError(errors)
    return name, reason


@transaction.atomic
def add_abolished_certificate(
    *, region: Region, name: str, reason: str, by: Any, basis: str = "", keywords: str = ""
) -> AbolishedCertificate:
    _require_place(by, CasesPerm.MANAGE_CATALOG, region.path)
    name, reason = _clean_certificate(name, reason)
    if AbolishedCertificate.objects.filter(region=region, name=name).exists():
        raise ValidationError({"name": _("本区域已有同名的证明事项。")})
    certificate = AbolishedCertificate.objects.create(
        region=region, name=name, reason=reason, basis=basis.strip(), keywords=keywords.strip()
    )
    audit.record(
        "cases.certificate.add", obj=certificate, actor=by, object_repr=name, region=region
    )
    return certificate


@transaction.atomic
def update_abolished_certificate(
    *,
    certificate: AbolishedCertificate,
    by: Any,
    name: str,
    reason: str,
    basis: str = "",
    keywords: str = "",
) -> AbolishedCertificate:
    _require_place(by, CasesPerm.MANAGE_CATALOG, certificate.region.path)
    name, reason = _clean_certificate(name, reason)
    clash = AbolishedCertificate.objects.filter(region=certificate.region, name=name).exclude(
        pk=certificate.pk
    )
    if clash.exists():
        raise ValidationError({"name": _("本区域已有同名的证明事项。")})
    AbolishedCertificate.objects.filter(pk=certificate.pk).update(
        name=name,
        reason=reason,
        basis=basis.strip(),
        keywords=keywords.strip(),
        updated_at=timezone.now(),
    )
    certificate.refresh_from_db()
    audit.record(
        "cases.certificate.update",
        obj=certificate,
        actor=by,
        object_repr=name,
        region=certificate.region,
    )
    return certificate


@transaction.atomic
def remove_abolished_certificate(
    *, certificate: AbolishedCertificate, by: Any, reason: str
) -> None:
    """Removing an entry (the certificate is issued again) is rare and audited with the reason."""
    _require_place(by, CasesPerm.MANAGE_CATALOG, certificate.region.path)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写删除的理由。")})
    audit.record(
        "cases.certificate.remove",
        obj=certificate,
        actor=by,
        reason=reason.strip(),
        object_repr=certificate.name,
        region=certificate.region,
    )
    certificate.delete()
