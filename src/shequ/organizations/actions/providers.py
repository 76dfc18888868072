"""Every write about service providers (S4) and property management (V5): providers and their red
property designation, who manages each estate, owners' and property-management committees, complaint
cases linked to providers, sanctions and commendations, and credit assessments.

Each action checks the actor's jurisdiction (``require_place``), validates everything before it
writes, audits in the same transaction and refuses bad input with a ``ValidationError`` keyed by
field, in Chinese. A provider's changes carry its ``version``: a change started from an older one is
refused, whoever clicked second.

Property companies are managed under ``organizations.manage_property``, other providers under
``organizations.edit``; credit events under ``organizations.manage_credit``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import Case, CaseKind
from shequ.core import audit
from shequ.core.fielderrors import FieldErrors
from shequ.core.scoping import require_place, scope_q
from shequ.core.validators import validate_phone, validate_uscc
from shequ.organizations.models import (
    CaseLink,
    CommitteeKind,
    CommitteeStatus,
    CreditAssessment,
    CreditEvent,
    CreditEventKind,
    EstateCommittee,
    EstateManagement,
    ManagementMode,
    Provider,
    ProviderCase,
    ProviderKind,
    SocialOrganization,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries.providers import (
    POINT_RANGES,
    WINDOW_DAYS,
    CreditComponents,
    credit_components,
    credit_score,
    visible_providers,
)
from shequ.territory.models import Estate, Level, Region

logger = logging.getLogger(__name__)
PROVIDER_LEVELS = (Level.COUNTY, Level.TOWNSHIP)
# A landline as printed on a company's letterhead: 0516-83801234, 051683801234, 0516-8380123.
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MAX_COMMITTEE_MEMBERS = 99
EARLIEST = date(1990, 1, 1)


def _refusal() -> str:
    return _("该服务主体不在您的管辖范围内，或您没有此项权限。")


def perm_for(kind: str) -> str:
    """Property companies are the property office's (V5); the others are organisations' business."""
    return (
        OrganizationsPerm.MANAGE_PROPERTY
        if kind == ProviderKind.PROPERTY
        else OrganizationsPerm.EDIT
    )


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _text(values: Mapping[str, Any], name: str, limit: int) -> str:
    return str(values.get(name) or "").strip()[:limit]


def _date(value: Any, field: str, label: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ValidationError(
                {field: _("%(label)s应为日期，例如 2025-03-01。") % {"label": label}}
            ) from exc
    if value < EARLIEST or value > timezone.localdate() + timedelta(days=3660):
        raise ValidationError({field: _("%(label)s不合常理，请检查。") % {"label": label}})
    return value


# --- Providers ------------------------------------------------------------------------------------


PROVIDER_FIELDS = (
    "kind",
    "name",
    "uscc",
    "legal_representative",
    "contact_phone",
    "address",
    "services",
    "handling_unit",
    "social_organization",
    "is_state_owned",
    "is_red_property",
    "red_property_since",
    "is_active",
)


def clean_phone(value: Any) -> str:
    """A mobile number (validated) or a landline with its area code; "" when none."""
    text = str(value or "").strip()
    if not text:
        return ""
    compact = re.sub(r"[\s()（）]", "", text)
    if _LANDLINE_RE.match(compact):
        return compact
    try:
        return validate_phone(compact)
    except ValidationError as exc:
        raise ValidationError(
            {
                "contact_phone": _(
                    "联系电话应为11位手机号码，或带区号的固定电话（例如 0516-83801234）。"
                )
            }
        ) from exc


def _clean_uscc(value: Any, exclude: int | None, by: Any = None) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({"uscc": _("请填写统一社会信用代码。")})
    try:
        code = validate_uscc(text)
    except ValidationError as exc:
        raise ValidationError({"uscc": exc.messages}) from exc
    taken = Provider.objects.filter(uscc=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    other = taken.only("pk", "name").first()
    if other is None:
        return code
    # The code is unique city-wide, so a duplicate is refused wherever it is registered; its name
    # is told only to someone who may see that provider.
    if by is None or visible_providers(by).filter(pk=other.pk).exists():
        message = _("统一社会信用代码 %(code)s 已登记为“%(name)s”，请勿重复登记。") % {
            "code": code,
            "name": other.name,
        }
    else:
        message = _("统一社会信用代码 %(code)s 已在其他地区登记，请勿重复登记。") % {"code": code}
    raise ValidationError({"uscc": message})


def _check_region(by: Any, region: Region, kind: str) -> None:
    if region.level not in PROVIDER_LEVELS:
        raise ValidationError(
            {"region": _("服务主体应登记到县(区)或乡镇(街道)，不能登记到村(社区)或市。")}
        )
    require_place(by, perm_for(kind), region.path, _refusal())


def _in_scope(by: Any, model: type[Any], obj: Any, perm: str) -> bool:
    if by is None:
        return True
    condition = scope_q(model, by.jurisdiction(perm))
    return condition is not None and model.objects.filter(condition, pk=obj.pk).exists()


def clean_provider(
    values: Mapping[str, Any], *, by: Any, region: Region, provider: Provider | None = None
) -> dict[str, Any]:
    """Every field of a provider checked together (``values`` as typed; texts are fine)."""
    errors = FieldErrors()
    kind = values.get("kind") or (provider.kind if provider else "")
    if kind not in ProviderKind.values:
        errors.add("kind", _("请选择服务类型。"))
    cleaned: dict[str, Any] = {
        "kind": kind,
        "name": _text(values, "name", 150),
        "legal_representative": _text(values, "legal_representative", 60),
        "address": _text(values, "address", 200),
        "services": str(values.get("services") or "").strip()[:2000],
        "is_state_owned": bool(values.get("is_state_owned")),
        "is_active": bool(values.get("is_active", True)),
    }
    if not cleaned["name"]:
        errors.add("name", _("请填写服务主体名称。"))
    cleaned["uscc"] = errors.absorb(
        _clean_uscc, values.get("uscc"), provider.pk if provider else None, by
    )
    if "contact_phone" in values:
        cleaned["contact_phone"] = errors.absorb(clean_phone, values.get("contact_phone")) or ""
    unit = values.get("handling_unit")
    if unit is not None and not isinstance(unit, HandlingUnit):
        unit = HandlingUnit.objects.filter(pk=unit).first() if str(unit).isdigit() else None
        if unit is None and values.get("handling_unit") not in ("", None):
            errors.add("handling_unit", _("承办单位不存在。"))
    if unit is not None:
        if not _in_scope(by, HandlingUnit, unit, perm_for(kind)) and not (
            provider is not None and provider.handling_unit_id == unit.pk
        ):
            errors.add("handling_unit", _("承办单位不在您的管辖范围内。"))
        else:
            taken = Provider.objects.filter(handling_unit=unit)
            if provider is not None:
                taken = taken.exclude(pk=provider.pk)
            if taken.exists():
                errors.add(
                    "handling_unit",
                    _("承办单位“%(unit)s”已对应其他服务主体。") % {"unit": unit.name},
                )
    cleaned["handling_unit"] = unit
    org = values.get("social_organization")
    if org is not None and not isinstance(org, SocialOrganization):
        org = SocialOrganization.objects.filter(pk=org).first() if str(org).isdigit() else None
        if org is None and values.get("social_organization") not in ("", None):
            errors.add("social_organization", _("社会组织不存在。"))
    if org is not None and not (
        _in_scope(by, SocialOrganization, org, OrganizationsPerm.VIEW)
        or (provider is not None and provider.social_organization_id == org.pk)
    ):
        errors.add("social_organization", _("社会组织不在您的管辖范围内。"))
    cleaned["social_organization"] = org
    red = bool(values.get("is_red_property"))
    since = errors.absorb(
        _date, values.get("red_property_since"), "red_property_since", _("红色物业认定日期")
    )
    if red and kind != ProviderKind.PROPERTY:
        errors.add("is_red_property", _("只有物业服务企业可以认定为红色物业。"))
    if red and since is None and "red_property_since" not in errors.found:
        errors.add("red_property_since", _("请填写红色物业认定日期。"))
    if since is not None and since > timezone.localdate():
        errors.add("red_property_since", _("红色物业认定日期不能晚于今天。"))
    cleaned["is_red_property"] = red
    cleaned["red_property_since"] = since if red else None
    errors.raise_if_any()
    return cleaned


def _save_uniquely(provider: Provider, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            provider.save(**kwargs)
    except IntegrityError as exc:
        # Two registrations of one code at the same instant: the second is told, as if sequential.
        raise ValidationError(
            {
                "uscc": _("统一社会信用代码 %(code)s 已登记，请勿重复登记。")
                % {"code": provider.uscc}
            }
        ) from exc


@transaction.atomic
def register_provider(
    *, region: Region, by: Any, is_synthetic: bool = False, **values: Any
) -> Provider:
    """Register a provider at a county or township. ``values``: ``PROVIDER_FIELDS`` as typed."""
    _check_region(by, region, str(values.get("kind") or ""))
    cleaned = clean_provider(values, by=by, region=region)
    provider = Provider(region=region, is_synthetic=is_synthetic, **cleaned)
    _save_uniquely(provider)
    audit.record(
        "organizations.provider.register",
        obj=provider,
        actor=by,
        object_repr=provider.name,
        region=region,
    )
    return provider


def _stale() -> ValidationError:
    return ValidationError(
        {"version": _("该服务主体刚刚已被他人修改，请刷新页面后再修改。")}, code="stale"
    )


@transaction.atomic
def update_provider(
    *, provider: Provider, by: Any, version: int | None = None, **values: Any
) -> Provider:
    """Change a provider. Only the fields given change; ``contact_phone`` left out (or ``None``)
    keeps the stored number. A change started from an older ``version`` is refused."""
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    if version is not None and current.version != int(version):
        raise _stale()
    region = values.pop("region", None) or current.region
    kind = str(values.get("kind") or current.kind)
    require_place(by, perm_for(current.kind), current.region.path, _refusal())
    _check_region(by, region, kind)
    merged = {name: getattr(current, name) for name in PROVIDER_FIELDS if name != "contact_phone"}
    merged.update({k: v for k, v in values.items() if k in PROVIDER_FIELDS})
    if merged.get("contact_phone") is None:
        merged.pop("contact_phone", None)
    cleaned = clean_provider(merged, by=by, region=region, provider=current)
    before = {name: getattr(current, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(current, name, value)
    current.region = region
    changed = [n for n in cleaned if before[n] != cleaned[n]]
    if region.pk != provider.region_id:
        changed.append("region")
    if not changed:
        return current
    current.version = F("version") + 1
    current.updated_at = timezone.now()
    _save_uniquely(current)
    current.refresh_from_db()
    audit.record(
        "organizations.provider.update",
        obj=current,
        actor=by,
        fields=changed,
        object_repr=current.name,
        region=current.region,
    )
    return current


@transaction.atomic
def revoke_red_property(
    *, provider: Provider, by: Any, reason: str, version: int | None = None
) -> Provider:
    """撤销红色物业认定, with the reason (kept in the audit log)."""
    require_place(by, perm_for(provider.kind), provider.region.path, _refusal())
    reason = str(reason or "").strip()[:300]
    if not reason:
        raise ValidationError({"reason": _("请填写撤销红色物业认定的原因。")})
    query = Provider.objects.filter(pk=provider.pk, is_red_property=True)
    if version is not None:
        query = query.filter(version=version)
    updated = query.update(
        is_red_property=False,
        red_property_since=None,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        if not Provider.objects.filter(pk=provider.pk, is_red_property=True).exists():
            raise ValidationError({"reason": _("该企业不是红色物业，无需撤销。")})
        raise _stale()
    provider.refresh_from_db()
    audit.record(
        "organizations.provider.revoke_red_property",
        obj=provider,
        actor=by,
        fields=["is_red_property", "red_property_since"],
        reason=reason,
        object_repr=provider.name,
        region=provider.region,
    )
    return provider


# --- Estate management ----------------------------------------------------------------------------


def _estate_refusal() -> str:
    return _("该小区不在您的管辖范围内，或您没有管理物业的权限。")


def require_estate(by: Any, estate: Estate) -> None:
    if by is None:
        return
    path = estate.grid.path if estate.grid is not None else estate.community.path
    where = by.jurisdiction(OrganizationsPerm.MANAGE_PROPERTY)
    if not by.has_permission(OrganizationsPerm.MANAGE_PROPERTY) or not (
        where.covers_path(estate.community.path) or where.covers_path(path)
    ):
        raise PermissionDenied(_estate_refusal())


def open_management(estate: Estate) -> EstateManagement | None:
    return EstateManagement.objects.filter(estate=estate, ended_on__isnull=True).first()


def _clean_management_provider(mode: str, provider: Provider | None) -> Provider | None:
    if mode == ManagementMode.SELF_MANAGED:
        return None
    if provider is None:
        raise ValidationError({"provider": _("请选择管理该小区的物业企业。")})
    if provider.kind != ProviderKind.PROPERTY:
        raise ValidationError(
            {"provider": _("“%(name)s”不是物业服务企业，不能管理小区。") % {"name": provider.name}}
        )
    if not provider.is_active:
        raise ValidationError(
            {"provider": _("“%(name)s”已停止经营，不能管理小区。") % {"name": provider.name}}
        )
    if mode == ManagementMode.STATE_FALLBACK and not provider.is_state_owned:
        raise ValidationError(
            {
                "provider": _("国有物业兜底须由国有物业企业承担，“%(name)s”不是国有企业。")
                % {"name": provider.name}
            }
        )
    return provider


@transaction.atomic
def set_estate_management(
    *,
    estate: Estate,
    by: Any,
    mode: str,
    started_on: Any,
    provider: Provider | None = None,
    contract_ends_on: Any = None,
    note: str = "",
) -> EstateManagement:
    """Who manages ``estate`` from ``started_on``. The open row, if any, ends the day before; the new
    start must come after the open row's start."""
    require_estate(by, estate)
    errors = FieldErrors()
    if mode not in ManagementMode.values:
        errors.add("mode", _("请选择管理方式。"))
    start = errors.absorb(_date, started_on, "started_on", _("开始日期"), required=True)
    contract = errors.absorb(_date, contract_ends_on, "contract_ends_on", _("合同到期日"))
    if mode in ManagementMode.values:
        provider = errors.absorb(_clean_management_provider, mode, provider)
    if start and contract and contract <= start:
        errors.add("contract_ends_on", _("合同到期日应晚于开始日期。"))
    errors.raise_if_any()
    assert start is not None
    Estate.objects.select_for_update().filter(pk=estate.pk).first()  # one change at a time
    current = open_management(estate)
    if current is not None:
        if start <= current.started_on:
            raise ValidationError(
                {
                    "started_on": _("开始日期应晚于现行管理方式的开始日期（%(date)s）。")
                    % {"date": current.started_on.isoformat()}
                }
            )
        current.ended_on = start - timedelta(days=1)
        current.save(update_fields=["ended_on"])
    else:
        last = EstateManagement.objects.filter(estate=estate).order_by("-ended_on").first()
        if last is not None and last.ended_on is not None and start <= last.ended_on:
            raise ValidationError(
                {
                    "started_on": _("开始日期应晚于上一段管理的结束日期（%(date)s）。")
                    % {"date": last.ended_on.isoformat()}
                }
            )
    row = EstateManagement.objects.create(
        estate=estate,
        mode=mode,
        provider=provider,
        started_on=start,
        contract_ends_on=contract,
        note=str(note or "").strip()[:200],
        recorded_by=_actor(by),
    )
    audit.record(
        "organizations.estate_management.set",
        obj=row,
        actor=by,
        object_repr=str(row),
        region=estate.community,
    )
    return row


@transaction.atomic
def end_estate_management(
    *, estate: Estate, by: Any, ended_on: Any, note: str = ""
) -> EstateManagement:
    """The estate has no property management from the day after ``ended_on`` (a company left and
    nobody took over yet)."""
    require_estate(by, estate)
    end = _date(ended_on, "ended_on", _("结束日期"), required=True)
    assert end is not None
    Estate.objects.select_for_update().filter(pk=estate.pk).first()
    current = open_management(estate)
    if current is None:
        raise ValidationError({"ended_on": _("该小区目前没有在管的物业管理，无需结束。")})
    if end < current.started_on:
        raise ValidationError(
            {
                "ended_on": _("结束日期不能早于开始日期（%(date)s）。")
                % {"date": current.started_on.isoformat()}
            }
        )
    current.ended_on = end
    if note:
        current.note = str(note).strip()[:200]
    current.save(update_fields=["ended_on", "note"])
    audit.record(
        "organizations.estate_management.end",
        obj=current,
        actor=by,
        object_repr=str(current),
        region=estate.community,
    )
    return current


# --- Committees -----------------------------------------------------------------------------------


def _count(value: Any, field: str, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("%(label)s应为整数。") % {"label": label}}) from exc
    if number < 0 or number > MAX_COMMITTEE_MEMBERS:
        raise ValidationError(
            {
                field: _("%(label)s应在 0～%(max)d 之间。")
                % {"label": label, "max": MAX_COMMITTEE_MEMBERS}
            }
        )
    return number


def clean_committee(values: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    kind = values.get("kind")
    if kind not in CommitteeKind.values:
        errors.add("kind", _("请选择业委会或物管会。"))
    status = values.get("status") or CommitteeStatus.ACTIVE
    if status not in CommitteeStatus.values:
        errors.add("status", _("请选择状态。"))
    established = errors.absorb(
        _date, values.get("established_on"), "established_on", _("成立日期"), required=True
    )
    term_ends = errors.absorb(_date, values.get("term_ends_on"), "term_ends_on", _("任期届满日"))
    members = errors.absorb(_count, values.get("members"), "members", _("委员人数"))
    party = errors.absorb(_count, values.get("party_members"), "party_members", _("党员人数"))
    if established and established > timezone.localdate():
        errors.add("established_on", _("成立日期不能晚于今天。"))
    if established and term_ends and term_ends <= established:
        errors.add("term_ends_on", _("任期届满日应晚于成立日期。"))
    if members is None and "members" not in errors.found:
        errors.add("members", _("请填写委员人数。"))
    elif members == 0:
        errors.add("members", _("委员人数至少为 1 人。"))
    if members and party is not None and party > members:
        errors.add(
            "party_members",
            _("党员人数（%(party)d）不能多于委员人数（%(members)d）。")
            % {"party": party, "members": members},
        )
    errors.raise_if_any()
    return {
        "kind": kind,
        "status": status,
        "established_on": established,
        "term_ends_on": term_ends,
        "members": members,
        "party_members": party or 0,
        "chair_name": _text(values, "chair_name", 60),
        "filed_with": _text(values, "filed_with", 120),
    }


@transaction.atomic
def record_committee(*, estate: Estate, by: Any, **values: Any) -> EstateCommittee:
    """Record an owners' committee (业委会) or property-management committee (物管会) of ``estate``."""
    require_estate(by, estate)
    cleaned = clean_committee(values)
    committee = EstateCommittee.objects.create(estate=estate, recorded_by=_actor(by), **cleaned)
    audit.record(
        "organizations.committee.record",
        obj=committee,
        actor=by,
        object_repr=str(committee),
        region=estate.community,
    )
    return committee


@transaction.atomic
def update_committee(*, committee: EstateCommittee, by: Any, **values: Any) -> EstateCommittee:
    require_estate(by, committee.estate)
    current = EstateCommittee.objects.select_for_update().get(pk=committee.pk)
    merged = {
        name: getattr(current, name)
        for name in (
            "kind",
            "status",
            "established_on",
            "term_ends_on",
            "members",
            "party_members",
            "chair_name",
            "filed_with",
        )
    }
    merged.update(values)
    cleaned = clean_committee(merged)
    changed = [n for n, v in cleaned.items() if getattr(current, n) != v]
    for name, value in cleaned.items():
        setattr(current, name, value)
    current.save()
    audit.record(
        "organizations.committee.update",
        obj=current,
        actor=by,
        fields=changed,
        object_repr=str(current),
        region=committee.estate.community,
    )
    return current


# --- Cases about providers ------------------------------------------------------------------------


@transaction.atomic
def link_case(
    *,
    provider: Provider,
    case: Case,
    by: Any,
    link: str = CaseLink.COMPLAINT,
    estate: Estate | None = None,
) -> ProviderCase:
    """Link a case to ``provider``: a complaint against it, or a case it handled. The caller has
    found ``case`` through a scoped read; the actor must manage providers of this kind where the
    case is. A complaint link needs a case of kind complaint; an estate must be in the case's
    community."""
    require_place(by, perm_for(provider.kind), case.region.path, _refusal())
    if link not in CaseLink.values:
        raise ValidationError({"link": _("关联类型不正确。")})
    if link == CaseLink.COMPLAINT and case.kind != CaseKind.COMPLAINT:
        raise ValidationError(
            {
                "case": _("工单 %(number)s 是“%(kind)s”，不是投诉，不能作为投诉关联。")
                % {"number": case.number, "kind": case.get_kind_display()}
            }
        )
    if estate is not None and estate.community_id != case.region_id:
        raise ValidationError({"estate": _("所选小区不在该工单所在的村(社区)。")})
    if ProviderCase.objects.filter(provider=provider, case=case).exists():
        raise ValidationError(
            {"case": _("工单 %(number)s 已关联到该服务主体。") % {"number": case.number}}
        )
    try:
        with transaction.atomic():
            row = ProviderCase.objects.create(
                provider=provider, case=case, link=link, estate=estate, linked_by=_actor(by)
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"case": _("工单 %(number)s 已关联到该服务主体。") % {"number": case.number}}
        ) from exc
    audit.record(
        "organizations.provider.link_case",
        obj=row,
        actor=by,
        object_repr=f"{provider.name} · {case.number}",
        region=case.region,
    )
    return row


# --- Credit ---------------------------------------------------------------------------------------


def clean_points(kind: str, value: Any) -> Decimal:
    if kind not in POINT_RANGES:
        raise ValidationError({"kind": _("请选择处罚（通报批评）或表彰奖励。")})
    try:
        points = Decimal(str(value).strip()).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"points": _("分值应为数字。")}) from exc
    if kind == CreditEventKind.SANCTION and points > 0:
        points = -points  # "扣 10 分" typed as 10
    low, high = POINT_RANGES[kind]
    if not low <= points <= high:
        if kind == CreditEventKind.SANCTION:
            message = _("处罚（通报批评）扣分应在 5～30 分之间，您填写的是 %(points)s。")
        else:
            message = _("表彰奖励加分应在 2～10 分之间，您填写的是 %(points)s。")
        raise ValidationError({"points": message % {"points": abs(points)}})
    return points


@transaction.atomic
def record_credit_event(
    *,
    provider: Provider,
    by: Any,
    kind: str,
    points: Any,
    occurred_on: Any,
    document: str = "",
    note: str = "",
) -> CreditEvent:
    """Record a sanction (行政处罚、通报批评) or a commendation (表彰奖励) of ``provider``."""
    require_place(by, OrganizationsPerm.MANAGE_CREDIT, provider.region.path, _refusal())
    errors = FieldErrors()
    cleaned_points = errors.absorb(clean_points, kind, points)
    day = errors.absorb(_date, occurred_on, "occurred_on", _("发生日期"), required=True)
    if day is not None and day > timezone.localdate():
        errors.add("occurred_on", _("发生日期不能晚于今天。"))
    document = str(document or "").strip()[:80]
    if kind == CreditEventKind.SANCTION and not document:
        errors.add("document", _("处罚须填写处罚决定书或通报的文书编号。"))
    errors.raise_if_any()
    event = CreditEvent.objects.create(
        provider=provider,
        kind=kind,
        points=cleaned_points,
        occurred_on=day,
        document=document,
        note=str(note or "").strip()[:300],
        recorded_by=_actor(by),
    )
    audit.record(
        "organizations.credit_event.record",
        obj=event,
        actor=by,
        object_repr=f"{provider.name} · {event.get_kind_display()} {event.points}",
        region=provider.region,
    )
    return event


def _basis(parts: CreditComponents, points: dict[str, str]) -> dict[str, Any]:
    return {
        "as_of": parts.as_of.isoformat(),
        "window_days": WINDOW_DAYS,
        "ratings": parts.ratings,
        "average_stars": str(parts.average_stars) if parts.average_stars is not None else None,
        "complaints": parts.complaints,
        "sanctions": parts.sanctions,
        "commendations": parts.commendations,
        "points": points,
    }


@transaction.atomic
def reassess_provider(
    *, provider: Provider, by: Any = None, force: bool = False, as_of: date | None = None
) -> CreditAssessment | None:
    """Compute ``provider``'s credit now and store it as an assessment when the score or level
    changed, or when asked (``force``: an official's 重新评定, a provider never assessed). Returns
    the new assessment, or ``None`` when nothing changed."""
    if by is not None:
        require_place(by, OrganizationsPerm.MANAGE_CREDIT, provider.region.path, _refusal())
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    parts = credit_components(current, as_of=as_of)
    score, level, points = credit_score(parts)
    first = current.credit_assessed_at is None
    if not (force or first or score != current.credit_score or level != current.credit_level):
        return None
    now = timezone.now()
    assessment = CreditAssessment.objects.create(
        provider=current, assessed_at=now, score=score, level=level, basis=_basis(parts, points)
    )
    Provider.objects.filter(pk=current.pk).update(
        credit_score=score, credit_level=level, credit_assessed_at=now
    )
    provider.credit_score, provider.credit_level, provider.credit_assessed_at = score, level, now
    audit.record(
        "organizations.provider.reassess",
        obj=current,
        actor=by,
        fields=["credit_score", "credit_level"],
        object_repr=f"{current.name} {level} {score}",
        region=current.region,
    )
    return assessment


def reassess_all(*, batch_size: int = 200) -> int:
    """Reassess every active provider, each in its own transaction, ``batch_size`` ids read at a
    time; one provider failing does not stop the rest. Returns how many assessments were stored."""
    stored = 0
    last = 0
    while True:
        ids = list(
            Provider.objects.filter(is_active=True, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return stored
        for provider in Provider.objects.filter(pk__in=ids).select_related("region"):
            try:
                if reassess_provider(provider=provider) is not None:
                    stored += 1
            except Exception:
                logger.exception("reassess provider %s failed", provider.pk)
        last = ids[-1]


def reveal_contact(*, provider: Provider, reason: str, by: Any) -> str:
    """The provider's contact phone in full, for staff who may change the provider and say why.
    Audited."""
    return audit.reveal(
        provider,
        "contact_phone",
        reason=reason,
        allowed=("contact_phone",),
        action="organizations.reveal",
        actor=by,
        require=lambda: require_place(
            by, perm_for(provider.kind), provider.region.path, _refusal()
        ),
        object_repr=provider.name,
        region=provider.region,
    )
