"""Exporting a resident list to Excel: masked unless the user may and says why; audited; watermarked.

The workbook is written in openpyxl's write-only mode, row by row, so a list of 100,000 residents
does not sit in memory. Every export names who made it and when — in the first rows, the page header
and footer, and the document properties — so a copy found later can be traced.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from shequ.core import audit
from shequ.core.exports import safe_cell
from shequ.registry.display import masked
from shequ.registry.models import CareGroup, Resident
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import ResidentFilters, current_tags, search_residents

MAX_ROWS = 200_000  # Excel's own limit is 1,048,576; a list longer than this is not a working list
GROUP_LABELS = dict(CareGroup.choices)


@dataclass(frozen=True)
class ExportResult:
    filename: str
    content: bytes
    rows: int
    unmasked: bool


def _columns() -> list[str]:
    return [
        _("姓名"),
        _("性别"),
        _("出生日期"),
        _("年龄"),
        _("证件号码"),
        _("手机号"),
        _("户编号"),
        _("与户主关系"),
        _("人口类别"),
        _("状态"),
        _("关爱类别"),
        _("村(社区)"),
        _("网格"),
    ]


def _rows(residents: Iterator[Resident], unmasked: bool, today: date) -> Iterator[list[Any]]:
    for resident in residents:
        shown = masked(resident, today=today)
        yield [
            resident.name,
            resident.get_sex_display(),
            resident.birth_date.isoformat() if resident.birth_date else "",
            shown.age if shown.age is not None else "",
            resident.id_number if unmasked else shown.id_number,
            resident.phone if unmasked else shown.phone,
            resident.household.number if resident.household else "",
            resident.get_relation_display(),
            resident.get_residence_status_display(),
            resident.get_status_display(),
            "、".join(
                str(GROUP_LABELS.get(tag.group, tag.group))
                for tag in getattr(resident, "current_tags", [])
            ),
            resident.community.name,
            resident.grid.name if resident.grid else "",
        ]


def export_residents(
    *, user: Any, filters: ResidentFilters, unmasked: bool = False, reason: str = ""
) -> ExportResult:
    """The residents ``user`` can see that match ``filters``, as an .xlsx file. Audited in all cases."""
    if not user.has_permission(RegistryPerm.EXPORT):
        raise PermissionDenied(_("您没有导出居民名单的权限。"))
    reason = reason.strip()
    if unmasked:
        if not user.has_permission(RegistryPerm.EXPORT_UNMASKED):
            raise PermissionDenied(_("您没有导出未脱敏名单的权限。"))
        if len(reason) < 4:
            raise ValidationError({"reason": _("导出未脱敏名单须说明事由（至少4个字）。")})
    residents = search_residents(user, filters).prefetch_related(current_tags())
    if unmasked:
        # The unmasked list is limited to where the user holds that permission, not merely VIEW.
        from shequ.core.scoping import scope_q

        condition = scope_q(Resident, user.jurisdiction(RegistryPerm.EXPORT_UNMASKED))
        residents = residents.filter(condition) if condition is not None else residents.none()
    total = residents.count()
    if total > MAX_ROWS:
        raise ValidationError(
            _("符合条件的居民有 %(n)s 人，超过单次导出上限 %(max)s 人，请缩小范围后再导出。")
            % {"n": f"{total:,}", "max": f"{MAX_ROWS:,}"}
        )
    now = timezone.localtime()
    who = f"{user.full_name}（{user.get_username()}）"
    stamp = now.strftime("%Y-%m-%d %H:%M")
    watermark = _("导出人：%(who)s　导出时间：%(when)s　仅限工作使用，不得外传") % {
        "who": who,
        "when": stamp,
    }

    workbook = Workbook(write_only=True)
    workbook.properties.creator = who
    workbook.properties.title = _("居民名单")
    workbook.properties.description = watermark
    sheet = workbook.create_sheet(_("居民名单"))
    sheet.oddHeader.center.text = watermark
    sheet.oddFooter.center.text = watermark
    bold = Font(bold=True)
    note = WriteOnlyCell(sheet, value=watermark)
    note.font = Font(bold=True, color="B45309")
    sheet.append([note])
    if not unmasked:
        sheet.append([_("证件号码和手机号已脱敏。")])
    else:
        sheet.append([_("未脱敏名单，事由：%(reason)s") % {"reason": reason}])
    header = []
    for title in _columns():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = 0
    for row in _rows(residents.iterator(chunk_size=2000), unmasked, now.date()):
        sheet.append([safe_cell(value) for value in row])
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit.record(
            "registry.export_unmasked" if unmasked else "registry.export",
            actor=user,
            object_type="registry.Resident",
            object_repr=ngettext("居民名单 %(n)s 人", "居民名单 %(n)s 人", rows) % {"n": rows},
            fields=["id_number", "phone"] if unmasked else [],
            reason=reason,
        )
    return ExportResult(
        filename=f"residents-{now:%Y%m%d-%H%M%S}.xlsx",
        content=buffer.getvalue(),
        rows=rows,
        unmasked=unmasked,
    )
