"""Safe spreadsheet output: a cell that starts like a formula is made text (CSV/Excel injection);
and the stamped workbook every Excel export of a list starts from (who made it, when, for work use
only)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


# --- Stamped workbooks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, its bytes and how many rows it holds."""

    filename: str
    content: bytes
    rows: int


def check_export_size(total: int, maximum: int, message: Any) -> None:
    """Refuse an export of more than ``maximum`` rows: ``message`` (which may name ``%(n)s`` and
    ``%(max)s``, the figures with thousands separators) as a ``ValidationError``."""
    if total > maximum:
        raise ValidationError(message % {"n": f"{total:,}", "max": f"{maximum:,}"})


def exported_by(user: Any) -> str:
    """How an export names who made it: full name and username."""
    return f"{user.full_name}（{user.get_username()}）"


@dataclass
class StampedSheet:
    """A write-only workbook with one sheet, stamped with who made it and when."""

    workbook: Workbook
    sheet: Any
    who: str
    note: str
    now: datetime

    def append(self, values: Iterable[Any]) -> None:
        """A data row, made safe against formula injection."""
        self.sheet.append(safe_row(values))

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def stamped_sheet(
    user: Any,
    title: str,
    header: Iterable[str],
    *,
    sheet_name: str | None = None,
    subtitle: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> StampedSheet:
    """A write-only workbook whose one sheet (``sheet_name``, else ``title``) opens with ``title``
    in bold, ``subtitle`` if any, the note of who exported it and when (also in the workbook's
    properties and the printed page header), and ``header`` in bold; rows follow with
    ``StampedSheet.append``. ``note`` replaces the usual note."""
    now = now or timezone.localtime()
    who = exported_by(user)
    if note is None:
        note = _("导出人：%(who)s　导出时间：%(when)s　仅限工作使用") % {
            "who": who,
            "when": now.strftime("%Y-%m-%d %H:%M"),
        }
    workbook = Workbook(write_only=True)
    workbook.properties.creator = who
    workbook.properties.title = title
    workbook.properties.description = note
    sheet = workbook.create_sheet(sheet_name or title)
    sheet.oddHeader.center.text = note
    bold = Font(bold=True)

    def bold_cell(value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        return cell

    sheet.append([bold_cell(title)])
    if subtitle is not None:
        sheet.append(safe_row([subtitle]))
    sheet.append([note])
    sheet.append([bold_cell(text) for text in header])
    return StampedSheet(workbook, sheet, who, note, now)
