"""Baselines and targets: loaded from a plan's indicator file (Xuzhou's by default) or entered by
hand. The file has one row per indicator: ``code``, ``baseline_<year>``, ``target_<year>`` columns
for any years, and ``property`` (``binding`` or ``expected``)."""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.text import enumerate_items
from shequ.indicators.definitions import BY_CODE
from shequ.indicators.models import IndicatorTarget
from shequ.indicators.permissions import IndicatorPerm
from shequ.territory.models import Level, Region

COLUMN = re.compile(r"^(baseline|target)_(\d{4})$")
PROPERTIES = {"binding": True, "约束性": True, "expected": False, "预期性": False}


def _number(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError(
            _("%(where)s：“%(text)s”不是数字。") % {"where": where, "text": text}
        ) from None
    if not value.is_finite() or value < 0:
        raise ValidationError(_("%(where)s：数值不能为负数。") % {"where": where})
    return value


def parse_targets(text: str) -> list[dict[str, Any]]:
    """The rows of a targets file, checked: every error names the line and column; nothing is
    returned unless the whole file is valid."""
    reader = csv.DictReader(text.splitlines())
    columns = [c for c in (reader.fieldnames or []) if COLUMN.match(c or "")]
    if "code" not in (reader.fieldnames or []) or not columns:
        raise ValidationError(_("文件须有 code 列和至少一个 baseline_年份 或 target_年份 列。"))
    errors: list[str] = []
    parsed: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        if code not in BY_CODE:
            errors.append(
                _("第%(line)s行：未知的指标代码“%(code)s”。") % {"line": line, "code": code}
            )
            continue
        prop = (row.get("property") or "").strip()
        if prop and prop not in PROPERTIES:
            errors.append(_("第%(line)s行：property 只能是 binding 或 expected。") % {"line": line})
            continue
        for column in columns:
            cell = (row.get(column) or "").strip()
            if not cell:
                continue
            kind, year = COLUMN.match(column).groups()  # type: ignore[union-attr]
            try:
                value = _number(
                    cell, _("第%(line)s行 %(column)s") % {"line": line, "column": column}
                )
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            parsed.append(
                {
                    "indicator": code,
                    "year": int(year),
                    "value": value,
                    "is_baseline": kind == "baseline",
                    "is_binding": PROPERTIES.get(prop, False),
                }
            )
    if errors:
        raise ValidationError(errors)
    return parsed


@transaction.atomic
def load_targets(text: str, *, region: Region, by: Any = None, source: str = "") -> int:
    """Put a targets file's values on ``region`` (the city, for a city's plan), replacing what was
    there for the same indicator and year. All or nothing."""
    require_place(by, IndicatorPerm.TARGETS, region.path, _("您没有权限设置该地区的指标目标。"))
    rows = parse_targets(text)
    for row in rows:
        IndicatorTarget.objects.update_or_create(
            indicator=row["indicator"],
            region=region,
            year=row["year"],
            defaults={
                "value": row["value"],
                "is_baseline": row["is_baseline"],
                "is_binding": row["is_binding"],
                "source": source[:200],
                "entered_by": by,
                "entered_at": calendar.now(),
            },
        )
    if by is not None:
        audit.record("indicators.load_targets", actor=by, region=region, object_repr=source[:200])
    return len(rows)


def load_default_targets(region: Region) -> int:
    """Xuzhou's plan (专栏1), bundled with the platform."""
    path = Path(__file__).resolve().parent.parent / "data" / "plan-indicators.csv"
    return load_targets(
        path.read_text(encoding="utf-8"), region=region, source=_("徐州市三年行动实施方案专栏1")
    )


@transaction.atomic
def set_target(
    *,
    region: Region,
    indicator: str,
    year: int,
    value: Any,
    is_baseline: bool,
    is_binding: bool,
    source: str = "",
    by: Any,
) -> IndicatorTarget:
    """Enter one baseline or target by hand (a region's own, e.g. a county's stricter target),
    replacing the one for the same indicator and year."""
    require_place(by, IndicatorPerm.TARGETS, region.path, _("您没有权限设置该地区的指标目标。"))
    errors: dict[str, list[str]] = {}
    if indicator not in BY_CODE:
        errors["indicator"] = [_("请选择指标。")]
    elif not BY_CODE[indicator].applies_at(region.level):
        errors["indicator"] = [
            _("该指标只在%(levels)s计算，不能给%(place)s设目标。")
            % {
                "levels": enumerate_items(
                    Level(level).label for level in BY_CODE[indicator].levels
                ),
                "place": region.name,
            }
        ]
    if not (isinstance(year, int) and 2000 <= year <= 2100):
        errors["year"] = [_("年度应在 2000～2100 之间。")]
    try:
        number = _number(str(value), _("数值"))
    except ValidationError as error:
        errors["value"] = error.messages
    if errors:
        raise ValidationError(errors)
    target, _created = IndicatorTarget.objects.update_or_create(
        indicator=indicator,
        region=region,
        year=year,
        defaults={
            "value": number,
            "is_baseline": is_baseline,
            "is_binding": is_binding,
            "source": source.strip()[:200],
            "entered_by": by,
            "entered_at": calendar.now(),
        },
    )
    audit.record(
        "indicators.set_target",
        obj=target,
        actor=by,
        region=region,
        fields=["value", "is_baseline", "is_binding"],
    )
    return target


@transaction.atomic
def remove_target(target: IndicatorTarget, *, by: Any) -> None:
    """Take a baseline or target away (the region then takes its nearest ancestor's)."""
    region = target.region
    require_place(by, IndicatorPerm.TARGETS, region.path, _("您没有权限设置该地区的指标目标。"))
    audit.record("indicators.remove_target", obj=target, actor=by, region=region)
    IndicatorTarget.objects.filter(pk=target.pk).delete()
