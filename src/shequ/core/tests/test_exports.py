"""The stamped workbook every list export starts from, and the export size check."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.exports import check_export_size, exported_by, safe_row, stamped_sheet


@dataclass
class Person:
    full_name: str
    username: str

    def get_username(self) -> str:
        return self.username


WHO = Person("张三", "zhangsan")
NOW = timezone.make_aware(datetime(2026, 3, 4, 9, 5))


def _read(content: bytes) -> tuple[object, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    return workbook, list(sheet.iter_rows(values_only=True))


def test_a_stamped_sheet_opens_with_title_note_and_bold_header() -> None:
    out = stamped_sheet(WHO, "服务设施清单", ["名称", "地址"], now=NOW)
    out.append(["=SUM(A1)", 3])
    workbook, rows = _read(out.content())
    note = "导出人：张三（zhangsan）　导出时间：2026-03-04 09:05　仅限工作使用"
    assert out.who == "张三（zhangsan）" == exported_by(WHO)
    assert out.note == note
    assert rows == [
        ("服务设施清单", None),
        (note, None),
        ("名称", "地址"),
        ("'=SUM(A1)", 3),
    ]
    sheet = workbook.worksheets[0]  # type: ignore[attr-defined]
    assert sheet.title == "服务设施清单"
    assert sheet["A1"].font.bold and sheet["A3"].font.bold and sheet["B3"].font.bold
    assert not sheet["A2"].font.bold
    assert sheet.oddHeader.center.text == note
    properties = workbook.properties  # type: ignore[attr-defined]
    assert (properties.creator, properties.title, properties.description) == (
        "张三（zhangsan）",
        "服务设施清单",
        note,
    )


def test_sheet_name_subtitle_and_own_note() -> None:
    out = stamped_sheet(
        WHO,
        "社区工作者培训",
        ["姓名"],
        sheet_name="参训名单",
        subtitle="+2026-03-01 至 2026-03-02",
        note="某社区　2026年一季度",
        now=NOW,
    )
    workbook, rows = _read(out.content())
    assert workbook.worksheets[0].title == "参训名单"  # type: ignore[attr-defined]
    assert rows == [
        ("社区工作者培训",),
        ("'+2026-03-01 至 2026-03-02",),
        ("某社区　2026年一季度",),
        ("姓名",),
    ]
    assert out.now == NOW


def test_the_size_check_names_the_figures() -> None:
    check_export_size(10, 10, "有 %(n)s 个，上限 %(max)s 个")
    with pytest.raises(ValidationError) as raised:
        check_export_size(12345, 10000, "有 %(n)s 个，上限 %(max)s 个")
    assert raised.value.messages == ["有 12,345 个，上限 10,000 个"]
    with pytest.raises(ValidationError) as raised:
        check_export_size(2, 1, "过多")
    assert raised.value.messages == ["过多"]


def test_safe_row_makes_formulas_text() -> None:
    assert safe_row(["=1", "-2", "@x", "ok", 5]) == ["'=1", "'-2", "'@x", "ok", 5]
