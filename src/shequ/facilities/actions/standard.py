"""Editing the living-circle standard: circles (distance, who they apply to) and the categories each circle
requires. One standard serves the whole platform; a city official edits it. Every change asks for a
coverage refresh on commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.facilities.models import CircleKind, CircleRequirement, FacilityCategory, LivingCircle
from shequ.facilities.permissions import FacilitiesPerm

MAX_DISTANCE_M = 10_000


def _require(by: Any) -> None:
    if by is not None and not by.has_permission(FacilitiesPerm.MANAGE_STANDARD):
        raise PermissionDenied(_("您没有维护生活圈标准的权限。"))


def _refresh(reason: str, by: Any) -> None:
    from shequ.facilities.actions import coverage

    transaction.on_commit(lambda: coverage.request_refresh(reason=reason, by=by))


@transaction.atomic
def update_circle(
    *,
    circle: LivingCircle,
    by: Any,
    name: str,
    name_en: str = "",
    service_radius_m: Any,
    minutes: Any = None,
    applies_to: str,
    categories: Iterable[str],
    basis: str = "",
) -> LivingCircle:
    """Change a circle and set the categories it requires (replacing the previous list)."""
    _require(by)
    _save_circle(circle, name, name_en, service_radius_m, minutes, applies_to, basis, categories)
    audit.record(
        "facilities.standard.update",
        obj=circle,
        actor=by,
        fields=["name", "service_radius_m", "applies_to", "requirements"],
        object_repr=circle.name,
    )
    _refresh(_("生活圈标准“%(name)s”有变动") % {"name": circle.name}, by)
    return circle


@transaction.atomic
def add_circle(
    *,
    by: Any,
    code: str,
    name: str,
    name_en: str = "",
    service_radius_m: Any,
    minutes: Any = None,
    applies_to: str,
    categories: Iterable[str],
    basis: str = "",
) -> LivingCircle:
    _require(by)
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationError({"code": _("编码只能由英文字母、数字和下划线组成。")})
    if LivingCircle.objects.filter(code=code).exists():
        raise ValidationError({"code": _("编码“%(code)s”已被使用。") % {"code": code}})
    circle = LivingCircle(code=code, order=LivingCircle.objects.count() * 10 + 10)
    _save_circle(circle, name, name_en, service_radius_m, minutes, applies_to, basis, categories)
    audit.record("facilities.standard.add", obj=circle, actor=by, object_repr=circle.name)
    _refresh(_("新增生活圈层级“%(name)s”") % {"name": circle.name}, by)
    return circle


def _number(value: Any, field: str, low: int, high: int, message: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: message}) from exc
    if not low <= number <= high:
        raise ValidationError({field: message})
    return number


def _save_circle(
    circle: LivingCircle,
    name: str,
    name_en: str,
    service_radius_m: Any,
    minutes: Any,
    applies_to: str,
    basis: str,
    categories: Iterable[str],
) -> None:
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"name": _("请填写层级名称。")})
    distance = _number(
        service_radius_m, "service_radius_m", 50, MAX_DISTANCE_M,
        _("步行距离应为 50～%(max)d 米之间的整数。") % {"max": MAX_DISTANCE_M},
    )  # fmt: skip
    walk = None
    if minutes not in (None, ""):
        walk = _number(minutes, "minutes", 1, 120, _("步行时间应为 1～120 分钟。"))
    if applies_to not in CircleKind.values:
        raise ValidationError({"applies_to": _("请选择适用范围。")})
    chosen = sorted(set(categories))
    unknown = [c for c in chosen if c not in FacilityCategory.values]
    if unknown:
        raise ValidationError(
            {"categories": _("设施类别不存在：%(c)s") % {"c": ", ".join(unknown)}}
        )
    circle.name, circle.name_en, circle.basis = (
        name,
        (name_en or "").strip()[:100],
        (basis or "")[:200],
    )
    circle.service_radius_m, circle.minutes, circle.applies_to = distance, walk, applies_to
    circle.updated_at = timezone.now()
    circle.save()
    CircleRequirement.objects.filter(circle=circle).exclude(category__in=chosen).delete()
    have = set(CircleRequirement.objects.filter(circle=circle).values_list("category", flat=True))
    CircleRequirement.objects.bulk_create(
        CircleRequirement(circle=circle, category=c) for c in chosen if c not in have
    )
