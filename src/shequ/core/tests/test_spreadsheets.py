"""Reading uploaded spreadsheets (``core.spreadsheets``): what a file is, its encoding, headers, cells,
Excel's merged cells and formulas, and the encrypted storage of uploads (streamed, flat in memory)."""

from __future__ import annotations

import codecs
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from shequ.core import crypto, spreadsheets
from shequ.core.spreadsheets import Column, SpreadsheetError

COLUMNS = [
    Column("key", "户编号(同一户填相同编号)", required=True, aliases=("户号",)),
    Column("name", "姓名", required=True),
    Column("id_number", "证件号码", required=True, aliases=("身份证号",), kind="identifier"),
    Column("born", "出生日期", kind="date"),
    Column("phone", "手机号"),
]
CONTEXT = "test.upload"


def store(tmp_path: Path, content: bytes, name: str = "f.bin") -> spreadsheets.StoredFile:
    return spreadsheets.store_encrypted([content], tmp_path / name, context=CONTEXT)


def rows_of(tmp_path: Path, content: bytes, fmt: str = "csv") -> list[spreadsheets.Row]:
    stored = store(tmp_path, content)
    with spreadsheets.open_encrypted(stored.path, context=CONTEXT) as stream:
        encoding = spreadsheets.detect_encoding(stream) if fmt == "csv" else ""
        return list(spreadsheets.open_sheet(stream, fmt=fmt, columns=COLUMNS, encoding=encoding))


def xlsx(build: Any) -> bytes:
    workbook = Workbook()
    build(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- What a file is -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "文件是空的"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "看起来是图片"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "看起来是图片"),
        (b"%PDF-1.7\n", "看起来是 PDF 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "旧版 Excel（.xls）"),
        (b"Rar!\x1a\x07\x00", "看起来是压缩包"),
        (b"abc\x00\x01\x02def", "是二进制文件"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_named_for_what_it_is(
    head: bytes, message: str
) -> None:
    with pytest.raises(SpreadsheetError) as raised:
        spreadsheets.sniff(head)
    assert message in raised.value.message


def test_spreadsheets_are_recognised_by_content() -> None:
    assert spreadsheets.sniff("姓名,证件号码\n".encode("gbk")) == "csv"
    assert spreadsheets.sniff(codecs.BOM_UTF16_LE + "姓名".encode("utf-16-le")) == "csv"
    assert spreadsheets.sniff(xlsx(lambda sheet: sheet.append(["姓名"]))[:100]) == "xlsx"


def test_a_zip_must_be_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    buffer.seek(0)
    with pytest.raises(SpreadsheetError, match="不是 Excel"):
        spreadsheets.check_xlsx(buffer)
    with pytest.raises(SpreadsheetError, match="已损坏"):
        spreadsheets.check_xlsx(io.BytesIO(b"PK\x03\x04" + bytes(100)))


# --- Encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("姓名,证件号码\n张三,1\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "姓名\n张三\n".encode(), "utf-8-sig"),
        ("姓名\n张三\n".encode("gbk"), "gb18030"),
        ("姓名\n䶮\n".encode("gb18030"), "gb18030"),
        ("name\nZhang\n".encode("ascii"), "utf-8"),
        (codecs.BOM_UTF16_LE + "姓名\t证件号码\n".encode("utf-16-le"), "utf-16"),
    ],
)
def test_the_encoding_is_read_from_the_content(content: bytes, expected: str) -> None:
    assert spreadsheets.detect_encoding(io.BytesIO(content)) == expected


def test_a_gbk_byte_deep_in_the_file_is_found(tmp_path: Path) -> None:
    """The first 3 MiB are plain ASCII (valid UTF-8); the first Chinese name comes after them."""
    ascii_rows = b"".join(b"1,ZHANG SAN,E%08d\n" % n for n in range(150_000))
    content = "户号,姓名,证件号码\n".encode("gbk") + ascii_rows + "2,张三,E1\n".encode("gbk")
    assert len(content) > 3 * spreadsheets.CHUNK
    stored = store(tmp_path, content)
    with spreadsheets.open_encrypted(stored.path, context=CONTEXT) as stream:
        assert spreadsheets.detect_encoding(stream) == "gb18030"
        rows = list(spreadsheets.open_sheet(stream, fmt="csv", columns=COLUMNS, encoding="gb18030"))
    assert rows[-1].values == {"key": "2", "name": "张三", "id_number": "E1"}


def test_an_undecodable_file_is_refused() -> None:
    with pytest.raises(SpreadsheetError, match="无法识别 CSV 文件的文字编码"):
        spreadsheets.detect_encoding(io.BytesIO(b"a,b\n\x80\xff\x80\xff\n"))


# --- Headers ----------------------------------------------------------------------------------


def test_headers_match_labels_aliases_and_loose_spellings(tmp_path: Path) -> None:
    content = (
        "户编号（同一户填相同编号）, 姓 名 ,身份证号,＊出生日期\n1,张三,X1,1980/1/2\n".encode()
    )
    (row,) = rows_of(tmp_path, content)
    assert row.number == 2
    assert row.values == {"key": "1", "name": "张三", "id_number": "X1", "born": "1980/1/2"}


def test_title_rows_above_the_header_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    content = "居民登记表,,\n\n户号,姓名,证件号码\n1,甲,A\n,,\n\n2,乙,B\n".encode()
    rows = rows_of(tmp_path, content)
    assert [(row.number, row.get("name")) for row in rows] == [(4, "甲"), (7, "乙")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("户号,姓名", "缺少必填的列：证件号码。请使用导入模板中的列名。"),
        ("户号,名字,身份证", "缺少必填的列：姓名、证件号码。无法识别的列：名字、身份证。"),
        ("户号,姓名,证件号码,备注", "无法识别的列：备注。请使用导入模板中的列名。"),
        ("户号,姓名,证件号码,身份证号", "列“身份证号”出现了不止一次。"),
        ("甲,乙,丙", "找不到表头"),
    ],
)
def test_header_problems_are_named(tmp_path: Path, header: str, message: str) -> None:
    with pytest.raises(SpreadsheetError) as raised:
        rows_of(tmp_path, f"{header}\n1,2,3\n".encode())
    assert message in raised.value.message


# --- Cells ----------------------------------------------------------------------------------------


def test_identifier_cells_that_excel_damaged_are_reported(tmp_path: Path) -> None:
    content = '户号,姓名,证件号码\n1,甲,3.20302E+17\n2,乙,\'320302198001011234\n3,丙,="32030219800101123X"\n'.encode()
    first, second, third = rows_of(tmp_path, content)
    assert (
        first.problems and "科学计数法" in first.problems[0][1] and "id_number" not in first.values
    )
    assert second.values["id_number"] == "320302198001011234" and not second.problems
    assert third.values["id_number"] == "32030219800101123X"


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (13900001111, "text", ("13900001111", None)),
        (13900001111.0, "text", ("13900001111", None)),
        (2.5, "text", ("2.5", None)),
        (datetime(1980, 1, 2), "date", ("1980-01-02", None)),
        (date(1980, 1, 2), "text", ("1980-01-02", None)),
        (29222, "date", ("1980-01-02", None)),
        (20240131, "date", ("20240131", None)),
        ("  张三\u3000", "text", ("张三", None)),
        (None, "text", ("", None)),
    ],
)
def test_cell_values_become_text(value: Any, kind: str, expected: tuple[str, Any]) -> None:
    assert spreadsheets.cell_text(value, kind) == expected


def test_a_number_in_an_identifier_column_is_a_problem() -> None:
    text, problem = spreadsheets.cell_text(320302198001011234, "identifier")
    assert text == "" and problem is not None and "存成了数字" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", date(2024, 1, 31)),
        ("2024/1/31", date(2024, 1, 31)),
        ("2024.1.31", date(2024, 1, 31)),
        ("20240131", date(2024, 1, 31)),
        ("2024年1月31日", date(2024, 1, 31)),
        ("２０２４－０１－３１", date(2024, 1, 31)),
        ("2024-01-31 00:00:00", date(2024, 1, 31)),
    ],
)
def test_dates_in_the_usual_spellings(text: str, expected: date) -> None:
    assert spreadsheets.parse_date(text) == expected


def test_impossible_and_unreadable_dates_are_told_apart() -> None:
    with pytest.raises(spreadsheets.BadDate) as impossible:
        spreadsheets.parse_date("2023-02-29")
    assert impossible.value.impossible
    with pytest.raises(spreadsheets.BadDate) as noise:
        spreadsheets.parse_date("去年春天")
    assert not noise.value.impossible


# --- Excel ----------------------------------------------------------------------------------------


def test_excel_merged_cells_formulas_and_error_values_are_reported(tmp_path: Path) -> None:
    def build(sheet: Any) -> None:
        sheet.append(["户号", "姓名", "证件号码", "出生日期"])
        sheet.append(["1", "甲", "A1", datetime(1980, 1, 2)])
        sheet.append([None, "乙", "A2", "=TODAY()"])
        sheet.append(["2", "丙", 320302198001011234, "#N/A"])
        sheet["D4"].data_type = "e"
        sheet.merge_cells("A2:A3")

    first, second, third = rows_of(tmp_path, xlsx(build), fmt="xlsx")
    assert first.values["born"] == "1980-01-02"
    assert [key for key, _problem in first.problems] == ["key"]
    assert "合并单元格（A2:A3）" in first.problems[0][1]
    assert {key for key, _problem in second.problems} == {"key", "born"}
    assert "公式" in dict(second.problems)["born"]
    assert "存成了数字" in dict(third.problems)["id_number"]
    assert "错误值" in dict(third.problems)["born"]


def test_a_merged_header_is_refused(tmp_path: Path) -> None:
    def build(sheet: Any) -> None:
        sheet.append(["户号", "姓名", "证件号码", None])
        sheet.merge_cells("C1:D1")

    with pytest.raises(SpreadsheetError, match="表头中有合并单元格（C1:D1）"):
        rows_of(tmp_path, xlsx(build), fmt="xlsx")


def test_the_template_reads_back_through_the_same_reader(tmp_path: Path) -> None:
    content = spreadsheets.template_xlsx(
        COLUMNS,
        sheet_title="居民",
        example={"key": "示例", "name": "张三", "id_number": "32030219800101123X"},
        choices={"phone": ["a", "b"]},
        instructions=[("姓名", "必填")],
    )
    (row,) = rows_of(tmp_path, content, fmt="xlsx")
    assert row.values == {"key": "示例", "name": "张三", "id_number": "32030219800101123X"}
    csv_content = spreadsheets.template_csv(COLUMNS, example={"key": "示例", "name": "张三"})
    assert csv_content.startswith(codecs.BOM_UTF8)
    assert rows_of(tmp_path, csv_content)[0].values == {"key": "示例", "name": "张三"}


# --- Encrypted storage ------------------------------------------------------------------------


def test_stored_files_are_sealed_and_read_back_with_seeks(tmp_path: Path) -> None:
    content = bytes(range(256)) * 9000 + "张三".encode()  # over two chunks
    stored = spreadsheets.store_encrypted(
        [content[:1000], content[1000:]], tmp_path / "a.bin", context=CONTEXT
    )
    assert (stored.size, stored.head) == (len(content), content[: spreadsheets.HEAD_BYTES])
    assert "张三".encode() not in stored.path.read_bytes()
    assert stored.path.stat().st_mode & 0o777 == 0o600
    with spreadsheets.open_encrypted(stored.path, context=CONTEXT) as stream:
        assert stream.read() == content
        stream.seek(spreadsheets.CHUNK - 3)
        assert stream.read(6) == content[spreadsheets.CHUNK - 3 : spreadsheets.CHUNK + 3]
        stream.seek(-6, io.SEEK_END)
        assert stream.read() == "张三".encode()


def test_an_empty_file_round_trips(tmp_path: Path) -> None:
    stored = store(tmp_path, b"")
    with spreadsheets.open_encrypted(stored.path, context=CONTEXT) as stream:
        assert stream.read() == b""


@pytest.mark.parametrize("damage", ["flip", "truncate", "context"])
def test_tampered_truncated_or_misplaced_files_fail_to_decrypt(tmp_path: Path, damage: str) -> None:
    content = b"x" * (spreadsheets.CHUNK + 10)
    stored = store(tmp_path, content)
    raw = bytearray(stored.path.read_bytes())
    context = CONTEXT
    if damage == "flip":
        raw[-5] ^= 1
    elif damage == "truncate":
        del raw[-(10 + 28) :]  # the last record gone: the one before was not sealed as last
    else:
        context = "another.context"
    stored.path.write_bytes(bytes(raw))
    with (
        pytest.raises(crypto.DecryptionError),
        spreadsheets.open_encrypted(stored.path, context=context) as stream,
    ):
        stream.read()


def test_writing_past_the_limit_stops_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(SpreadsheetError, match="文件太大"):
        spreadsheets.store_encrypted(
            [b"a" * 600, b"b" * 600], tmp_path / "big.bin", context=CONTEXT, limit=1000
        )
    assert list(tmp_path.iterdir()) == []


def _big_csv(target: int) -> Iterator[bytes]:
    yield "户号,姓名,证件号码,手机号\n".encode()
    padding = "号" * 300
    line = 0
    written = 0
    while written < target:
        chunk = "".join(
            f"{n},张{n},E{n:08d},{padding}\n" for n in range(line, line + 1000)
        ).encode()
        line += 1000
        written += len(chunk)
        yield chunk


def test_a_100_mb_file_streams_with_flat_memory(tmp_path: Path, settings: Any) -> None:
    settings.SHEQU_IMPORT_MAX_BYTES = 120 * 1024 * 1024
    tracemalloc.start()
    try:
        stored = spreadsheets.store_encrypted(
            _big_csv(100 * 1024 * 1024), tmp_path / "big.bin", context=CONTEXT,
            limit=spreadsheets.max_bytes(),
        )  # fmt: skip
        assert stored.size > 100 * 1024 * 1024
        count = 0
        with spreadsheets.open_encrypted(stored.path, context=CONTEXT) as stream:
            encoding = spreadsheets.detect_encoding(stream)
            sheet = spreadsheets.open_sheet(
                stream, fmt="csv", columns=COLUMNS, encoding=encoding, size=stored.size
            )
            for _row in sheet:
                count += 1
                if count == 10_000:
                    early_progress = sheet.progress()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert encoding == "utf-8" and count > 100_000
    assert early_progress is not None and 0 < early_progress < 0.2
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


# --- Repeats ------------------------------------------------------------------------------------


def test_repeat_finder_groups_rows_sharing_a_key(tmp_path: Path) -> None:
    finder = spreadsheets.RepeatFinder(tmp_path / "scratch")
    for row, key in enumerate([b"a", b"b", b"a", b"c", b"b", b"a"], start=2):
        finder.add(1, key, row)
    finder.add(2, b"a", 99)
    assert sorted(finder.repeats(1)) == [[2, 4, 7], [3, 6]]
    assert list(finder.repeats(2)) == []
    finder.close()
    assert not (tmp_path / "scratch").exists()
