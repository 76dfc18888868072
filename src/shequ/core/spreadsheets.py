"""Spreadsheets that people upload (CSV and Excel .xlsx), read row by row, and kept encrypted meanwhile.

Generic: nothing here knows what the rows mean. An importer declares its ``Column``s, opens the stored
file with ``open_sheet`` and gets ``Row``s of text keyed by column, with the problems found in their
cells; a whole-file problem raises ``SpreadsheetError`` with a message for the person who uploaded it.

- **What a file is** is decided by its content (``sniff``), never by its name or content type: a PNG
  renamed ``.xlsx`` or a CSV sent as ``application/vnd.ms-excel`` is recognised for what it is.
- **CSV encoding** (``detect_encoding``): UTF-16 or UTF-8 by their byte-order marks; otherwise UTF-8 if
  the *whole* file decodes as UTF-8 (a GBK byte sequence may first appear on row 90,000), else GB18030,
  which contains GBK and GB 2312 — what Excel and WPS on Chinese Windows write. A charset label sent with
  the upload is ignored: offices label GBK files "utf-8" all the time.
- **Excel** through openpyxl's read-only mode, which streams the sheet XML. That mode does not report
  merged cells, so their ``<mergeCell>`` entries are read from the sheet XML in the zip first; formula
  cells and error values are reported (paste as values), numbers Excel made of an ID number are caught.
- **Headers** are matched against the declared columns (label or alias, ignoring spaces, full-width
  forms, ``*`` and a trailing hint in brackets); title rows above the header are skipped. Missing and
  unrecognised headers are reported by name.
- **Size**: ``SHEQU_IMPORT_MAX_BYTES`` (default 200 MB). Everything streams: memory does not grow with
  the file.
- **At rest** (``EncryptedWriter``, ``open_encrypted``): the plain bytes are sealed in 1 MiB chunks with
  the key ring's active key and cipher (``core.crypto``); each chunk's additional data binds the file's
  context, its position and whether it is the last, so chunks cannot be reordered, dropped or truncated
  unnoticed. ``EncryptingUploadHandler`` does this while the upload arrives, so no plain copy of an
  upload ever touches the disk.
- ``RepeatFinder`` finds keys repeated across a file of any size on disk (a scratch SQLite file), for
  checks such as "the same ID number on two rows".
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import secrets
import sqlite3
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from shequ.core import crypto
from shequ.core.text import enumerate_items

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024  # plain bytes per sealed chunk
HEAD_BYTES = 8192  # what ``sniff`` looks at
HEADER_SCAN_ROWS = 10  # title rows allowed above the header
MAX_MERGED_RANGES = 10_000
CSV_SAMPLE = 64 * 1024


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; ``message`` says why and what to do, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Columns and rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column an importer understands.

    ``kind``: ``"text"``; ``"identifier"`` (a number that must stay text, such as an ID number: a cell
    Excel stored as a number is a problem, because Excel keeps only 15 significant digits); ``"date"``
    (Excel dates become ``YYYY-MM-DD``; Excel serial numbers are converted).
    """

    key: str
    label: str | Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    kind: str = "text"


@dataclass
class Row:
    """One non-blank data row: its number as the spreadsheet shows it, text per column key (columns the
    file lacks are absent), and problems found in its cells as (column key, message)."""

    number: int
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def normalise_header(text: str) -> str:
    """Header text compared loosely: full-width forms folded, spaces, ``*`` and ``:`` removed."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s*:：]", "", folded).lower()


def _without_hint(text: str) -> str:
    """``户编号(同一户填相同编号)`` → ``户编号``: a trailing explanation in brackets."""
    return re.sub(r"\([^()]*\)$", "", text)


# --- Sniffing, size, encoding --------------------------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "SHEQU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def too_large_message(size: int | None, limit: int) -> str:
    if size is None:
        return _("文件太大，最大允许 %(limit)s。请拆分成几个文件分别导入。") % {
            "limit": human_size(limit)
        }
    return _("文件太大（%(size)s），最大允许 %(limit)s。请拆分成几个文件分别导入。") % {
        "size": human_size(size),
        "limit": human_size(limit),
    }


_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"RIFF",
    b"II*\x00",
)
_ARCHIVE_MAGIC = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_BOMS = {
    codecs.BOM_UTF8: "utf-8-sig",
    codecs.BOM_UTF16_LE: "utf-16",
    codecs.BOM_UTF16_BE: "utf-16",
}


def _not_a_spreadsheet(what: str) -> SpreadsheetError:
    return SpreadsheetError(
        _("文件内容不是表格（%(what)s）。请上传 Excel（.xlsx）或 CSV 文件。") % {"what": what}
    )


def sniff(head: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` from a file's first bytes, or ``SpreadsheetError`` saying what it is."""
    if not head:
        raise SpreadsheetError(_("文件是空的。"))
    if head.startswith(_ZIP):
        return "xlsx"  # confirmed by ``check_xlsx``: a .docx or a plain zip starts the same way
    if head.startswith(_OLE2):
        raise SpreadsheetError(
            _(
                "这是旧版 Excel（.xls）或 WPS 格式的文件。请在 Excel 或 WPS 中“另存为” .xlsx 或 CSV "
                "后再上传。"
            )
        )
    if head.startswith(b"%PDF"):
        raise _not_a_spreadsheet(_("看起来是 PDF 文件"))
    if head.startswith(_IMAGE_MAGIC):
        raise _not_a_spreadsheet(_("看起来是图片"))
    if head.startswith(_ARCHIVE_MAGIC):
        raise _not_a_spreadsheet(_("看起来是压缩包"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        raise _not_a_spreadsheet(_("是二进制文件"))
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if control > len(head) // 100:
        raise _not_a_spreadsheet(_("是二进制文件"))
    return "csv"


def check_xlsx(stream: IO[bytes]) -> None:
    """The zip really is an Excel workbook (not a .docx, a .zip or a damaged file)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetError(
            _("Excel 文件已损坏或无法读取，请在 Excel 中重新保存后再上传。")
        ) from None
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(
            _("这个压缩文件不是 Excel（.xlsx）表格（可能是 Word 文档或压缩包）。")
        )
    # A zip bomb: far more XML than any real sheet of the allowed size would unpack to.
    if total > 40 * max_bytes():
        raise SpreadsheetError(too_large_message(None, max_bytes()))
    stream.seek(0)


def detect_encoding(stream: IO[bytes]) -> str:
    """The encoding of a CSV file, read by content to the very end; the stream is rewound."""
    head = stream.read(4)
    stream.seek(0)
    for bom, name in _BOMS.items():
        if head.startswith(bom):
            if name == "utf-16" or _decodes(stream, "utf-8-sig"):
                return name
            break
    for name in ("utf-8", "gb18030"):
        if _decodes(stream, name):
            return name
    raise SpreadsheetError(
        _("无法识别 CSV 文件的文字编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再上传。")
    )


def _decodes(stream: IO[bytes], encoding: str) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


# --- Dates ------------------------------------------------------------------------------------

_DATE_SEPARATED = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = date(1899, 12, 30)


class BadDate(ValueError):
    """Not a date. ``impossible`` tells a well-formed but non-existent date (2023-02-30) from noise."""

    def __init__(self, impossible: bool) -> None:
        super().__init__("impossible date" if impossible else "unrecognised date")
        self.impossible = impossible


def parse_date(text: str) -> date:
    """``2024-01-31``, ``2024/1/31``, ``2024.1.31``, ``2024年1月31日`` or ``20240131``."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = _DATE_SEPARATED.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise BadDate(impossible=False)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadDate(impossible=True) from None


# --- Cells ----------------------------------------------------------------------------------------

_SPACES = " \t\r\n\u3000\xa0\ufeff"
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+]?\d+$")


def _numeric_identifier() -> str:
    return _(
        "这一格被 Excel 存成了数字，号码的后几位可能已经变成 0。请把这一列设置为“文本”格式，"
        "重新填写后再导入。"
    )


def _scientific_identifier() -> str:
    return _(
        "这一格被 Excel 转成了科学计数法（如 3.2E+17），号码已不完整。请把这一列设置为“文本”"
        "格式，重新填写后再导入。"
    )


def cell_text(value: Any, kind: str = "text") -> tuple[str, str | None]:
    """A cell's value as text for a column of ``kind``, and the problem with it (or None)."""
    if isinstance(value, str):
        text = value.strip(_SPACES)
        if kind == "identifier" and text:
            if text.startswith("'"):
                text = text[1:]
            elif text.startswith('="') and text.endswith('"'):
                text = text[2:-1]
            if _SCIENTIFIC.match(text):
                return "", _scientific_identifier()
        return text, None
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("1" if value else "0"), None
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat(), None
        return value.isoformat(sep=" ", timespec="seconds"), None
    if isinstance(value, date | time):
        return value.isoformat(), None
    if isinstance(value, timedelta):
        return str(value), None
    if isinstance(value, int | float):
        if kind == "identifier":
            return "", _numeric_identifier()
        if isinstance(value, float) and not value.is_integer():
            return repr(value), None
        number = int(value)
        if kind == "date" and 0 < number < 100_000:
            return (EXCEL_EPOCH + timedelta(days=number)).isoformat(), None
        return str(number), None
    return str(value).strip(_SPACES), None


def _formula_problem() -> str:
    return _("这一格是公式。请选中表格，复制后“选择性粘贴 → 数值”，再导入。")


def _error_value_problem() -> str:
    return _("这一格是 Excel 的错误值（如 #N/A），请改为正确的内容。")


def _merged_problem(ref: str) -> str:
    return _("这一格属于合并单元格（%(ref)s）。请取消合并，并在每一行都填写完整。") % {"ref": ref}


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class _RawRow:
    number: int
    # (value, problem) per column position: the value as read (text, or a number or date from Excel),
    # made text under its column's kind once the header says which column it is.
    cells: list[tuple[Any, str | None]]
    merged: list[tuple[int, int, str]]  # (first column, last column, ref), 0-based columns


class Sheet:
    """The data rows of a spreadsheet, after its header. Iterate for ``Row``s; read once."""

    def __init__(
        self,
        raw_rows: Iterator[_RawRow],
        columns: Iterable[Column],
        *,
        progress: Callable[[], float | None],
        fmt: str,
        encoding: str = "",
    ) -> None:
        self.columns = {column.key: column for column in columns}
        self.format = fmt
        self.encoding = encoding
        self._progress = progress
        self._raw = raw_rows
        self.header_row, self.positions = self._find_header()

    def progress(self) -> float | None:
        """How far through the file reading has got, 0–1, when it can be told."""
        return self._progress()

    def label(self, key: str) -> str:
        return str(self.columns[key].label)

    def _match(self, text: str) -> str | None:
        wanted = normalise_header(text)
        if not wanted:
            return None
        for candidate in (wanted, _without_hint(wanted)):
            for column in self.columns.values():
                names = (str(column.label), *column.aliases)
                if any(
                    candidate in (normalise_header(name), _without_hint(normalise_header(name)))
                    for name in names
                ):
                    return column.key
        return None

    def _find_header(self) -> tuple[int, dict[int, str]]:
        required = {key for key, column in self.columns.items() if column.required}
        best: tuple[int, _RawRow, dict[int, str], list[str]] | None = None
        seen = 0
        for raw in self._raw:
            texts = [cell_text(value)[0] for value, _problem in raw.cells]
            if not any(texts):
                continue
            seen += 1
            positions: dict[int, str] = {}
            unknown: list[str] = []
            for position, text in enumerate(texts):
                key = self._match(text)
                if key is not None:
                    if key in positions.values():
                        raise SpreadsheetError(
                            _("列“%(name)s”出现了不止一次。") % {"name": text.strip()}
                        )
                    positions[position] = key
                elif text:
                    unknown.append(text.strip())
            if positions and (best is None or len(positions) > best[0]):
                best = (len(positions), raw, positions, unknown)
            if required <= set(positions.values()) and positions:
                if raw.merged:
                    raise SpreadsheetError(
                        _("表头中有合并单元格（%(ref)s），请取消合并。") % {"ref": raw.merged[0][2]}
                    )
                if unknown:
                    raise self._header_error([], unknown)
                return raw.number, positions
            if seen >= HEADER_SCAN_ROWS:
                break
        if best is None:
            names = enumerate_items(c.label for c in self.columns.values() if c.required)
            raise SpreadsheetError(
                _("找不到表头。表格的第一行应为列名，例如：%(names)s。") % {"names": names}
            )
        _count, _raw, positions, unknown = best
        found = set(positions.values())
        missing = [str(c.label) for k, c in self.columns.items() if c.required and k not in found]
        raise self._header_error(missing, unknown)

    def _header_error(self, missing: list[str], unknown: list[str]) -> SpreadsheetError:
        parts = []
        if missing:
            parts.append(_("缺少必填的列：%(names)s。") % {"names": enumerate_items(missing)})
        if unknown:
            parts.append(_("无法识别的列：%(names)s。") % {"names": enumerate_items(unknown[:10])})
        parts.append(_("请使用导入模板中的列名。"))
        return SpreadsheetError("".join(parts))

    def __iter__(self) -> Iterator[Row]:
        kinds = {position: self.columns[key].kind for position, key in self.positions.items()}
        for raw in self._raw:
            values: dict[str, str] = {}
            problems: list[tuple[str, str]] = []
            for position, key in self.positions.items():
                if position >= len(raw.cells):
                    continue
                value, problem = raw.cells[position]
                text = ""
                if problem is not None:
                    pass
                elif value.__class__ is str and kinds[position] == "text":
                    text = value.strip(_SPACES)  # most cells: the fast path of cell_text
                else:
                    text, problem = cell_text(value, kinds[position])
                if text:
                    values[key] = text
                if problem is not None:
                    problems.append((key, problem))
            for first, last, ref in raw.merged:
                keys = [self.positions[p] for p in range(first, last + 1) if p in self.positions]
                if keys:
                    problems.append((keys[0], _merged_problem(ref)))
            if values or problems:
                yield Row(raw.number, values, problems)


def _csv_rows(stream: IO[bytes], encoding: str, size: int) -> tuple[Iterator[_RawRow], Callable]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = text.read(CSV_SAMPLE)
    first_line = sample.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=lambda d: (first_line.count(d), d == ","))
    text.seek(0)

    def rows() -> Iterator[_RawRow]:
        reader = csv.reader(text, delimiter=delimiter)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise SpreadsheetError(
                    _("第 %(row)s 行格式有误（可能是引号不配对或单元格过长），请检查后重新保存。")
                    % {"row": number + 1}
                ) from None
            number += 1
            yield _RawRow(number, [(cell, None) for cell in cells], [])

    def progress() -> float | None:
        try:
            return min(1.0, stream.tell() / size) if size else None
        except (OSError, ValueError):
            return None

    return rows(), progress


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _merged_ranges(
    archive: zipfile.ZipFile, sheet_path: str
) -> list[tuple[int, int, int, int, str]]:
    """(first row, last row, first column, last column, ref) of every merged range, by first row.

    Read from the raw XML because openpyxl's read-only mode skips ``<mergeCells>``; they follow the
    cell data, so the whole part is scanned, streaming, with an overlap for matches split by a read.
    """
    found: list[tuple[int, int, int, int, str]] = []
    tail = b""
    with archive.open(sheet_path) as part:
        while True:
            chunk = part.read(CHUNK)
            if not chunk:
                break
            data = tail + chunk
            end = 0
            for match in _MERGE_RE.finditer(data):
                first_col = _column_index(match[1])
                first_row = int(match[2])
                last_col = _column_index(match[3]) if match[3] else first_col
                last_row = int(match[4]) if match[4] else first_row
                ref = (match[1] + match[2]).decode()
                if match[3]:
                    ref += ":" + (match[3] + match[4]).decode()
                found.append((first_row, last_row, first_col, last_col, ref))
                end = match.end()
                if len(found) > MAX_MERGED_RANGES:
                    raise SpreadsheetError(
                        _("表格中合并单元格过多，请取消所有合并单元格后再导入。")
                    )
            tail = data[max(end, len(data) - 512) :]
    found.sort()
    return found


def _xlsx_rows(stream: IO[bytes]) -> tuple[Iterator[_RawRow], Callable]:
    from openpyxl import load_workbook

    check_xlsx(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged file; none carries data we need
        raise SpreadsheetError(
            _("Excel 文件已损坏或无法读取，请在 Excel 中重新保存后再上传。")
        ) from None
    if not workbook.worksheets:
        raise SpreadsheetError(_("Excel 文件中没有工作表。"))
    sheet = workbook.worksheets[0]
    # The workbook's open zip and the sheet's part name: openpyxl keeps them as private attributes
    # (3.1, pinned in requirements/constraints.txt); the tests read merged cells through them.
    merged = _merged_ranges(workbook._archive, sheet._worksheet_path)
    # The stored dimension is often wrong (some programs write A1:A1): read every row that exists.
    total = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > 1 else None
    sheet.reset_dimensions()
    state = {"row": 0}

    def rows() -> Iterator[_RawRow]:
        active: list[tuple[int, int, int, int, str]] = []
        pending = iter(merged)
        upcoming = next(pending, None)
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                state["row"] = number
                while upcoming is not None and upcoming[0] <= number:
                    active.append(upcoming)
                    upcoming = next(pending, None)
                active = [m for m in active if m[1] >= number]
                texts: list[tuple[Any, str | None]] = []
                for cell in cells:
                    data_type = getattr(cell, "data_type", "n")
                    if data_type == "f":
                        texts.append(("", _formula_problem()))
                    elif data_type == "e":
                        texts.append(("", _error_value_problem()))
                    else:
                        texts.append((cell.value, None))
                yield _RawRow(number, texts, [(m[2], m[3], m[4]) for m in active])
        finally:
            workbook.close()

    def progress() -> float | None:
        return min(1.0, state["row"] / total) if total else None

    return rows(), progress


def open_sheet(
    stream: IO[bytes], *, fmt: str, columns: Iterable[Column], encoding: str = "", size: int = 0
) -> Sheet:
    """The rows of ``stream`` (a seekable binary file) under ``columns``.

    For CSV pass the ``encoding`` from ``detect_encoding``; ``size`` lets ``Sheet.progress`` report how
    far reading has got.
    """
    if fmt == "xlsx":
        raw, progress = _xlsx_rows(stream)
    else:
        raw, progress = _csv_rows(stream, encoding or "utf-8", size)
    return Sheet(raw, columns, progress=progress, fmt=fmt, encoding=encoding)


# --- Storing uploads encrypted ------------------------------------------------------------------

_FILE_MAGIC = b"SHQENC1\n"
_RECORD_OVERHEAD = crypto.NONCE_BYTES + crypto.TAG_BYTES


def _aad(context: str, index: int, last: bool) -> bytes:
    return f"{context}|{index}|{'last' if last else 'more'}".encode()


@dataclass(frozen=True)
class StoredFile:
    """An encrypted file on disk and what is known of its plain content."""

    path: Path
    size: int
    sha256: str
    head: bytes  # the first bytes, for ``sniff``; kept in memory only


class EncryptedWriter:
    """Writes plain bytes to ``path`` sealed in chunks; ``close`` returns the ``StoredFile``.

    ``limit``: writing more raises ``SpreadsheetError`` (too large) and removes the partial file.
    """

    def __init__(self, path: Path, *, context: str, limit: int | None = None) -> None:
        self.path = path
        self.context = context
        self.limit = limit
        self._ring = crypto.keyring()
        self._partial = path.with_name(path.name + ".part")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out = os.fdopen(fd, "wb")
        kid = self._ring.active.encode()
        self._out.write(
            _FILE_MAGIC
            + crypto.ALG_CODES[self._ring.cipher].encode()
            + struct.pack(">B", len(kid))
            + kid
        )
        self._buffer = bytearray()
        self._index = 0
        self._size = 0
        self._head = b""
        self._hash = hashlib.sha256()
        self._closed = False

    def _seal(self, data: bytes, last: bool) -> None:
        nonce = os.urandom(crypto.NONCE_BYTES)
        sealed = crypto._seal(
            self._ring.cipher,
            self._ring.keys[self._ring.active],
            nonce,
            data,
            _aad(self.context, self._index, last),
        )
        self._out.write(nonce + sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self.limit is not None and self._size > self.limit:
            self.discard()
            raise SpreadsheetError(too_large_message(None, self.limit))
        if len(self._head) < HEAD_BYTES:
            self._head += data[: HEAD_BYTES - len(self._head)]
        self._hash.update(data)
        self._buffer += data
        # A full chunk is sealed only once more data follows it, so the last record is always the
        # one sealed as "last", whatever the file's length.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> StoredFile:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.close()
        os.replace(self._partial, self.path)
        self._closed = True
        return StoredFile(self.path, self._size, self._hash.hexdigest(), self._head)

    def discard(self) -> None:
        if not self._closed:
            self._out.close()
            self._partial.unlink(missing_ok=True)
            self._closed = True


def store_encrypted(
    chunks: Iterable[bytes], path: Path, *, context: str, limit: int | None = None
) -> StoredFile:
    writer = EncryptedWriter(path, context=context, limit=limit)
    try:
        for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.discard()
        raise
    return writer.close()


class EncryptedReader(io.RawIOBase):
    """The plain bytes of a file written by ``EncryptedWriter``: seekable, one chunk decrypted at a time."""

    def __init__(self, path: Path, *, context: str) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 (closed in close())
        self.context = context
        magic = self._file.read(len(_FILE_MAGIC))
        alg_code = self._file.read(1).decode("ascii", "replace")
        (kid_length,) = struct.unpack(">B", self._file.read(1) or b"\x00")
        kid = self._file.read(kid_length).decode("ascii", "replace")
        ring = crypto.keyring()
        if magic != _FILE_MAGIC or alg_code not in crypto.ALG_NAMES or kid not in ring.keys:
            self._file.close()
            raise crypto.DecryptionError("not a readable encrypted upload")
        self._alg = crypto.ALG_NAMES[alg_code]
        self._key = ring.keys[kid]
        self._start = self._file.tell()
        body = os.fstat(self._file.fileno()).st_size - self._start
        record = CHUNK + _RECORD_OVERHEAD
        self._records = max(1, -(-body // record))
        last_record = body - (self._records - 1) * record
        self._size = (self._records - 1) * CHUNK + max(0, last_record - _RECORD_OVERHEAD)
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        else:
            position = self._size + offset
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        record = CHUNK + _RECORD_OVERHEAD
        self._file.seek(self._start + index * record)
        raw = self._file.read(record)
        last = index == self._records - 1
        try:
            plain = crypto._open(
                self._alg,
                self._key,
                raw[: crypto.NONCE_BYTES],
                raw[crypto.NONCE_BYTES :],
                _aad(self.context, index, last),
            )
        except Exception as exc:  # InvalidTag: tampered, truncated or the wrong file
            raise crypto.DecryptionError("stored upload failed authentication") from exc
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        index, offset = divmod(self._position, CHUNK)
        data = self._chunk(index)[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = None
        super().close()


def open_encrypted(path: Path, *, context: str) -> io.BufferedReader:
    return io.BufferedReader(EncryptedReader(path, context=context), buffer_size=64 * 1024)


class EncryptedUpload(UploadedFile):
    """An upload already stored encrypted by ``EncryptingUploadHandler``: ``stored`` says where."""

    def __init__(self, stored: StoredFile, *, name: str, content_type: str | None) -> None:
        super().__init__(None, name, content_type, stored.size)
        self.stored = stored

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        with open_encrypted(self.stored.path, context=UPLOAD_CONTEXT) as stream:
            while chunk := stream.read(chunk_size or CHUNK):
                yield chunk

    def discard(self) -> None:
        self.stored.path.unlink(missing_ok=True)


# The additional data of every stored upload: a stored file moves (renamed) from the upload handler to
# its importer without being sealed again.
UPLOAD_CONTEXT = "core.upload"


class EncryptingUploadHandler(FileUploadHandler):
    """Seals an uploaded file into ``directory`` as it arrives; never writes it in clear.

    Stops reading a file larger than ``limit`` at once (``too_large`` is then set and the form
    receives no file). Install it before the request body is read (the view must be ``csrf_exempt``
    and check CSRF itself afterwards, as Django's documentation on upload handlers describes).
    """

    def __init__(self, request: Any = None, *, directory: Path, limit: int) -> None:
        super().__init__(request)
        self.directory = directory
        self.limit = limit
        self.too_large = False
        self._writer: EncryptedWriter | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.content_length is not None and self.content_length > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        path = self.directory / f"upload-{secrets.token_hex(12)}.bin"
        self._writer = EncryptedWriter(path, context=UPLOAD_CONTEXT, limit=self.limit)
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        assert self._writer is not None
        try:
            self._writer.write(raw_data)
        except SpreadsheetError:
            self.too_large = True
            self._writer = None
            raise StopUpload(connection_reset=False) from None
        return None

    def file_complete(self, file_size: int) -> EncryptedUpload | None:
        if self._writer is None:
            return None
        stored = self._writer.close()
        self._writer = None
        return EncryptedUpload(stored, name=self.file_name or "", content_type=self.content_type)

    def upload_interrupted(self) -> None:
        if self._writer is not None:
            self._writer.discard()
            self._writer = None


# --- Repeated keys across a file --------------------------------------------------------------


class RepeatFinder:
    """Which rows share a key, for files of any length: the keys wait in a scratch SQLite file.

    ``add(kind, key, row)`` for each row (``kind`` separates independent checks), then ``repeats(kind)``
    gives each group of two or more rows that share a key, rows ascending. Keys should be digests, not
    personal values: the scratch file is removed by ``close`` but lives on disk until then. ``db`` is
    the scratch database itself, for a caller's own tables of per-row facts (no personal values either).
    """

    FLUSH = 20_000

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE seen (kind INTEGER, key BLOB, row INTEGER);"
        )
        os.chmod(path, 0o600)
        self._pending: list[tuple[int, bytes, int]] = []
        self._indexed = False

    def add(self, kind: int, key: bytes, row: int) -> None:
        self._pending.append((kind, key, row))
        if len(self._pending) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.db.executemany("INSERT INTO seen VALUES (?, ?, ?)", self._pending)
            self._pending.clear()

    def repeats(self, kind: int) -> Iterator[list[int]]:
        self._flush()
        if not self._indexed:
            self.db.execute("CREATE INDEX seen_key ON seen (kind, key)")
            self._indexed = True
        query = "SELECT group_concat(row) FROM seen WHERE kind = ? GROUP BY key HAVING COUNT(*) > 1"
        for (rows,) in self.db.execute(query, (kind,)):
            yield sorted(int(r) for r in rows.split(","))

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


# --- Templates --------------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_xlsx(
    columns: list[Column],
    *,
    sheet_title: str,
    example: dict[str, str] | None = None,
    choices: dict[str, list[str]] | None = None,
    instructions: list[tuple[str, str]] | None = None,
    instructions_title: str = "",
) -> bytes:
    """A workbook with the header row (required columns marked), an example row, drop-down lists for
    columns with ``choices``, identifier and date columns formatted as text, and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    example_font = Font(italic=True, color="808080")
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=str(column.label))
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(12, len(str(column.label)) * 2 + 2)
        if column.kind in ("identifier", "date") or column.key in (choices or {}):
            sheet.column_dimensions[letter].number_format = "@"
        if example is not None:
            value = sheet.cell(row=2, column=position, value=example.get(column.key, ""))
            value.font = example_font
            value.number_format = "@"
        if choices and column.key in choices:
            listed = ",".join(choices[column.key])
            validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    if instructions:
        notes = workbook.create_sheet(instructions_title or "说明")
        for row, (name, text) in enumerate(instructions, start=1):
            notes.cell(row=row, column=1, value=name).font = bold
            notes.cell(row=row, column=2, value=text)
        notes.column_dimensions["A"].width = 28
        notes.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(columns: list[Column], *, example: dict[str, str] | None = None) -> bytes:
    """A UTF-8 CSV (with BOM, so Excel opens it in the right encoding): header and example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.label) for column in columns])
    if example is not None:
        writer.writerow([example.get(column.key, "") for column in columns])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
