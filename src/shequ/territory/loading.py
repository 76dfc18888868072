"""Loading the division tree from an NBS-style file (``code,name,level,parent_code``).

The whole file is checked first and every problem is reported with its line number; nothing is written
unless the file is clean. Then one transaction upserts by code, so loading the same file twice changes
nothing and a second city's file loads beside the first.

What the loader derives, and why (GB/T 2260, GB/T 10114, NBS 统计用区划代码; see
``/work/shared/reference/china-standards.md`` §1.3 and ``data/SOURCE.md``):

- county ``kind`` from code digits 5–6: 01–20 district, 21–70 county, 81–99 county_city (GB/T 2260);
  71–80 ``zone``. GB/T 2260 assigns nothing in 71–80; NBS uses it for statistical-only units such as
  320371 徐州经济技术开发区, so the code, not the name, decides.
- township ``kind`` from digits 7–9 (GB/T 10114): 001–099 subdistrict, 100–199 town, 200–399
  township, 400 and above ``zone`` (政企合一 units: development zones, farms, forest farms).
- community ``kind`` from digits 10–12: 001–199 urban_community (居委会), 200–399 village (村委会).
  For 400 and above (special units) the name decides: one containing 村委会 is a village, any other is
  an urban_community. Names ending in 虚拟社区 or 虚拟生活区 are placeholders: ``is_virtual``.
- ``is_urban``: district, subdistrict and urban_community are urban; every other kind is not. The
  city spans both and is left not-urban; NBS's urban-rural code is not in the file.

Because a code must extend its parent's code, the code alone fixes a row's parent and path: a reload
never moves a region, so the paths of grids (built on their community's path) stay valid.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.text import enumerate_items
from shequ.territory.models import LEVEL_DEPTH, Kind, Level, Region

HEADER = ["code", "name", "level", "parent_code"]
NAME_MAX = 100

# File level → (Region level, code length, digits of the parent's code this code starts with).
FILE_LEVELS: dict[str, tuple[str, int, int]] = {
    "city": (Level.CITY, 6, 2),
    "county": (Level.COUNTY, 6, 4),
    "township": (Level.TOWNSHIP, 9, 6),
    "village": (Level.COMMUNITY, 12, 9),
}
LEVEL_ABOVE = {"county": "city", "township": "county", "village": "township"}
LEVEL_ORDER = ["city", "county", "township", "village"]
VIRTUAL_SUFFIXES = ("虚拟社区", "虚拟生活区")
WRITTEN_FIELDS = ["name", "level", "kind", "parent", "path", "depth", "is_urban", "is_virtual"]
URBAN_KINDS = {Kind.DISTRICT, Kind.SUBDISTRICT, Kind.URBAN_COMMUNITY}
BATCH = 500

BUNDLED_FILE = Path(__file__).resolve().parent / "data" / "xuzhou-divisions.csv"


class DivisionFileError(Exception):
    """The file is not acceptable. ``errors`` lists every problem as ``(line_no, message)``;
    ``line_no`` is 1 for the header and 0 for a problem with the file as a whole."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = sorted(errors, key=lambda item: item[0])
        super().__init__("\n".join(message for _line, message in self.errors))


@dataclass
class LoadReport:
    root_code: str
    root_name: str
    total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows already under the root in the database that the file does not list (kept, not deleted).
    not_in_file: int = 0
    dry_run: bool = False
    by_level: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    virtual: int = 0
    changed_fields: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as short lines of text, in the active language."""
        head = _("试运行，未写入任何数据。") if self.dry_run else _("已载入。")
        lines = [
            f"{self.root_code} {self.root_name}：{head}",
            _("共 %(total)d 行：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。")
            % {
                "total": self.total,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
            },
        ]
        levels = dict(Level.choices)
        lines.append(
            _("按层级：%(counts)s")
            % {"counts": enumerate_items(f"{levels[k]} {v}" for k, v in self.by_level.items())}
        )
        kinds = dict(Kind.choices)
        lines.append(
            _("按类型：%(counts)s")
            % {"counts": enumerate_items(f"{kinds[k]} {v}" for k, v in self.by_kind.items())}
        )
        lines.append(_("虚拟单位：%(n)d") % {"n": self.virtual})
        if self.not_in_file:
            lines.append(
                _("数据库中有 %(n)d 个下级区划不在文件中（已保留，未删除）。")
                % {"n": self.not_in_file}
            )
        return lines


@dataclass
class _Row:
    line: int
    code: str
    name: str
    file_level: str
    parent_code: str


@dataclass
class _Target:
    """What a row should look like in the database."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    path: str
    depth: int
    is_urban: bool
    is_virtual: bool


# --- Derivation ---------------------------------------------------------------------------------


def derive_kind(file_level: str, code: str, name: str) -> str | None:
    """The unit type from the code ranges (see the module docstring); ``None`` if out of range."""
    if file_level == "city":
        return Kind.CITY
    if file_level == "county":
        n = int(code[4:6])
        if 1 <= n <= 20:
            return Kind.DISTRICT
        if 21 <= n <= 70:
            return Kind.COUNTY
        if 71 <= n <= 80:
            return Kind.ZONE
        return Kind.COUNTY_CITY if n >= 81 else None
    if file_level == "township":
        n = int(code[6:9])
        if n == 0:
            return None
        if n < 100:
            return Kind.SUBDISTRICT
        if n < 200:
            return Kind.TOWN
        return Kind.TOWNSHIP if n < 400 else Kind.ZONE
    n = int(code[9:12])
    if n == 0:
        return None
    if n < 200:
        return Kind.URBAN_COMMUNITY
    if n < 400:
        return Kind.VILLAGE
    return Kind.VILLAGE if "村委会" in name else Kind.URBAN_COMMUNITY


def derive_is_virtual(file_level: str, name: str) -> bool:
    return file_level == "village" and name.endswith(VIRTUAL_SUFFIXES)


# --- Reading and checking -----------------------------------------------------------------------


def _line_error(line: int, message: str) -> tuple[int, str]:
    return line, _("第%(line)d行：%(message)s") % {"line": line, "message": message}


def _file_error(message: str) -> tuple[int, str]:
    return 0, _("文件：%(message)s") % {"message": message}


def _read_lines(
    path_or_file: str | os.PathLike[str] | IO[Any],
) -> tuple[list[str], list[tuple[int, str]]]:
    """The file's lines as text, and the lines that are not valid UTF-8 (decoded with U+FFFD so
    that their other fields can still be checked)."""
    if isinstance(path_or_file, str | os.PathLike):
        data: bytes | str = Path(path_or_file).read_bytes()
    else:
        data = path_or_file.read()
    errors: list[tuple[int, str]] = []
    if isinstance(data, str):
        lines = data.removeprefix("\ufeff").split("\n")
    else:
        data = data.removeprefix(b"\xef\xbb\xbf")
        lines = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                errors.append(_line_error(number, _("不是有效的 UTF-8 编码")))
                lines.append(raw.decode("utf-8", errors="replace"))
    return [line.removesuffix("\r") for line in lines], errors


def _parse(lines: list[str], errors: list[tuple[int, str]]) -> list[_Row]:
    if not lines or not lines[0].strip():
        errors.append(
            _file_error(_("文件为空，第1行应为表头 %(header)s") % {"header": ",".join(HEADER)})
        )
        return []
    header = next(csv.reader([lines[0]]))
    if [cell.strip() for cell in header] != HEADER:
        errors.append(
            _line_error(
                1,
                _("表头应为 %(expected)s，实际为 %(actual)s")
                % {"expected": ",".join(HEADER), "actual": lines[0]},
            )
        )
        return []
    rows: list[_Row] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in next(csv.reader([line]))]
        if len(cells) != len(HEADER):
            errors.append(
                _line_error(
                    number, _("应有 %(n)d 列，实际 %(m)d 列") % {"n": len(HEADER), "m": len(cells)}
                )
            )
            continue
        rows.append(_Row(number, *cells))
    if not rows and not errors:
        errors.append(_file_error(_("没有数据行")))
    return rows


def _check_row(row: _Row) -> list[tuple[int, str]]:
    """Checks that need only the row itself."""
    errors = []
    if not row.code.isascii() or not row.code.isdigit():
        errors.append(_line_error(row.line, _("区划代码 %(code)s 不是数字") % {"code": row.code}))
    if row.file_level not in FILE_LEVELS:
        errors.append(
            _line_error(
                row.line,
                _("层级 %(level)s 无效，应为 city、county、township 或 village")
                % {"level": row.file_level},
            )
        )
    elif row.code.isascii() and row.code.isdigit():
        length = FILE_LEVELS[row.file_level][1]
        if len(row.code) != length:
            errors.append(
                _line_error(
                    row.line,
                    _("区划代码 %(code)s 应为 %(n)d 位（层级 %(level)s）")
                    % {"code": row.code, "n": length, "level": row.file_level},
                )
            )
        elif row.file_level == "city" and not row.code.endswith("00"):
            errors.append(
                _line_error(row.line, _("市级区划代码 %(code)s 应以 00 结尾") % {"code": row.code})
            )
        elif derive_kind(row.file_level, row.code, row.name) is None:
            errors.append(
                _line_error(
                    row.line, _("区划代码 %(code)s 的本级编号不能为全零") % {"code": row.code}
                )
            )
    if not row.name:
        errors.append(_line_error(row.line, _("名称为空")))
    elif len(row.name) > NAME_MAX:
        errors.append(_line_error(row.line, _("名称超过 %(n)d 个字符") % {"n": NAME_MAX}))
    if row.parent_code and (not row.parent_code.isascii() or not row.parent_code.isdigit()):
        errors.append(
            _line_error(row.line, _("上级代码 %(code)s 不是数字") % {"code": row.parent_code})
        )
    return errors


def _check_parent(row: _Row, parent_code: str, parent_level: str) -> list[tuple[int, str]]:
    """The parent is at the level above, and the code extends the parent's code."""
    expected = LEVEL_ABOVE.get(row.file_level)
    if expected is None:
        return [
            _line_error(row.line, _("市级区划 %(code)s 不能有文件内的上级") % {"code": row.code})
        ]
    if parent_level != expected:
        return [
            _line_error(
                row.line,
                _("上级 %(parent)s 的层级为 %(actual)s，应为 %(expected)s")
                % {"parent": parent_code, "actual": parent_level, "expected": expected},
            )
        ]
    digits = FILE_LEVELS[row.file_level][2]
    if row.code[:digits] != parent_code[:digits]:
        return [
            _line_error(
                row.line,
                _("区划代码 %(code)s 的前%(n)d位与上级 %(parent)s 不一致")
                % {"code": row.code, "n": digits, "parent": parent_code},
            )
        ]
    return []


def _validate(rows: list[_Row], errors: list[tuple[int, str]]) -> tuple[_Row, Region | None] | None:
    """Check the tree; return the root row (and its parent in the database when it has one)."""
    bad_lines = {line for line, _message in errors}
    first_line: dict[str, int] = {}
    by_code: dict[str, _Row] = {}
    for row in rows:
        row_errors = _check_row(row)
        errors.extend(row_errors)
        if row_errors:
            bad_lines.add(row.line)
        if row.code in first_line:
            errors.append(
                _line_error(
                    row.line,
                    _("区划代码 %(code)s 重复（首次出现在第%(first)d行）")
                    % {"code": row.code, "first": first_line[row.code]},
                )
            )
            bad_lines.add(row.line)
        else:
            first_line[row.code] = row.line
            by_code[row.code] = row

    orphans: list[_Row] = []
    for row in rows:
        if by_code.get(row.code) is not row or row.line in bad_lines:
            continue
        parent = by_code.get(row.parent_code)
        if parent is None:
            orphans.append(row)
        elif parent.file_level in FILE_LEVELS:
            errors.extend(_check_parent(row, parent.code, parent.file_level))

    # The root is the one row whose parent is not in the file; among several, a city row is the root
    # and every other row is missing its parent.
    cities = [row for row in orphans if row.file_level == "city"]
    root = cities[0] if len(cities) == 1 else (orphans[0] if len(orphans) == 1 else None)
    for row in orphans:
        if len(cities) > 1 and row in cities:
            errors.append(
                _line_error(
                    row.line,
                    _("根节点不唯一：第%(lines)s行都是上级不在文件中的市级区划")
                    % {"lines": enumerate_items(city.line for city in cities)},
                )
            )
        elif row is not root:
            errors.append(
                _line_error(
                    row.line, _("上级代码 %(code)s 不在文件中") % {"code": row.parent_code or "—"}
                )
            )
    if root is None:
        if not errors:
            errors.append(_file_error(_("找不到根节点：应恰有一行的上级不在文件中")))
        return None

    # A root below city level hangs under a region already loaded.
    db_parent = None
    if root.file_level != "city":
        db_parent = Region.objects.filter(code=root.parent_code).first()
        if db_parent is None:
            errors.append(
                _line_error(
                    root.line,
                    _("上级代码 %(code)s 既不在文件中，也不在数据库中")
                    % {"code": root.parent_code or "—"},
                )
            )
        else:
            parent_file_level = "village" if db_parent.level == Level.COMMUNITY else db_parent.level
            errors.extend(_check_parent(root, db_parent.code, parent_file_level))
    return root, db_parent


def _targets(rows: list[_Row], root: _Row, db_parent: Region | None) -> list[_Target]:
    """Rows in tree order (parents first) with everything derived."""
    paths = {root.parent_code: db_parent.path} if db_parent is not None else {}
    ordered = sorted(rows, key=lambda row: (LEVEL_ORDER.index(row.file_level), row.code))
    targets = []
    for row in ordered:
        level, _length, _digits = FILE_LEVELS[row.file_level]
        kind = derive_kind(row.file_level, row.code, row.name)
        assert kind is not None  # checked in _check_row
        parent_code = row.parent_code if (row is not root or db_parent is not None) else None
        path = paths.get(parent_code, "") + row.code + "/" if parent_code else row.code + "/"
        paths[row.code] = path
        targets.append(
            _Target(
                code=row.code,
                name=row.name,
                level=level,
                kind=kind,
                parent_code=parent_code,
                path=path,
                depth=LEVEL_DEPTH[Level(level)],
                is_urban=kind in URBAN_KINDS,
                is_virtual=derive_is_virtual(row.file_level, row.name),
            )
        )
    return targets


# --- Writing ------------------------------------------------------------------------------------


def _chunks(items: list[str], size: int = BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(codes: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(codes):
        for values in Region.objects.filter(code__in=chunk).values(
            "id",
            "code",
            "name",
            "level",
            "kind",
            "parent__code",
            "path",
            "depth",
            "is_urban",
            "is_virtual",
        ):
            found[values["code"]] = dict(values)
    return found


def _differences(target: _Target, current: dict[str, Any]) -> list[str]:
    wanted = {
        "name": target.name,
        "level": target.level,
        "kind": target.kind,
        "parent": target.parent_code,
        "path": target.path,
        "depth": target.depth,
        "is_urban": target.is_urban,
        "is_virtual": target.is_virtual,
    }
    current = {**current, "parent": current["parent__code"]}
    return [name for name in WRITTEN_FIELDS if wanted[name] != current[name]]


def _region(target: _Target, ids: dict[str, int], pk: int | None = None) -> Region:
    return Region(
        pk=pk,
        code=target.code,
        name=target.name,
        level=target.level,
        kind=target.kind,
        parent_id=ids[target.parent_code] if target.parent_code else None,
        path=target.path,
        depth=target.depth,
        is_urban=target.is_urban,
        is_virtual=target.is_virtual,
    )


def _write(
    targets: list[_Target], existing: dict[str, dict[str, Any]], plan: dict[str, list[str]]
) -> None:
    """Create and update level by level, so that every parent has its id before its children."""
    ids: dict[str, int] = {code: values["id"] for code, values in existing.items()}
    file_codes = {t.code for t in targets}
    for t in targets:
        if t.parent_code is not None and t.parent_code not in file_codes:
            # The root's parent, already in the database.
            ids[t.parent_code] = Region.objects.only("id").get(code=t.parent_code).pk
    for level in (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY):
        at_level = [t for t in targets if t.level == level]
        new = [_region(t, ids) for t in at_level if t.code not in existing]
        if new:
            Region.objects.bulk_create(new, batch_size=BATCH)
            if any(obj.pk is None for obj in new):  # a backend that does not return ids
                ids.update(_ids([obj.code for obj in new]))
            else:
                ids.update({obj.code: obj.pk for obj in new})
        changed = [_region(t, ids, pk=ids[t.code]) for t in at_level if plan.get(t.code)]
        if changed:
            Region.objects.bulk_update(changed, WRITTEN_FIELDS, batch_size=BATCH)


def _in_order(counter: Counter[str], order: list[str]) -> dict[str, int]:
    return {key: counter[key] for key in order if counter[key]}


def _ids(codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(dict(Region.objects.filter(code__in=chunk).values_list("code", "id")))
    return found


def load_divisions(
    path_or_file: str | os.PathLike[str] | IO[Any], *, dry_run: bool = False
) -> LoadReport:
    """Check the whole file, then upsert it in one transaction. Raises ``DivisionFileError`` (and
    writes nothing) if any row is wrong. With ``dry_run`` nothing is written either way."""
    lines, errors = _read_lines(path_or_file)
    rows = _parse(lines, errors)
    found = _validate(rows, errors) if rows else None
    if errors or found is None:
        raise DivisionFileError(errors)
    root, db_parent = found
    targets = _targets(rows, root, db_parent)

    with transaction.atomic():
        existing = _existing([t.code for t in targets])
        plan = {t.code: _differences(t, existing[t.code]) for t in targets if t.code in existing}
        root_path = next(t.path for t in targets if t.code == root.code)
        under_root = (
            set(Region.objects.filter(path__under=root_path).values_list("code", flat=True))
            if root.code in existing and existing[root.code]["path"] == root_path
            else set()
        )
        report = LoadReport(
            root_code=root.code,
            root_name=root.name,
            total=len(targets),
            created=sum(1 for t in targets if t.code not in existing),
            updated=sum(1 for fields in plan.values() if fields),
            unchanged=sum(1 for fields in plan.values() if not fields),
            not_in_file=len(under_root - {t.code for t in targets}),
            dry_run=dry_run,
            by_level=_in_order(Counter(str(t.level) for t in targets), Level.values),
            by_kind=_in_order(Counter(str(t.kind) for t in targets), Kind.values),
            virtual=sum(1 for t in targets if t.is_virtual),
            changed_fields=sorted({name for fields in plan.values() for name in fields}),
        )
        if dry_run:
            return report
        _write(targets, existing, plan)
        root_region = Region.objects.get(code=root.code)
        audit.record(
            "territory.load_divisions",
            object_type="territory.Region",
            object_id=str(root_region.pk),
            object_repr=(
                f"{root.code} {root.name}: total={report.total} created={report.created} "
                f"updated={report.updated} unchanged={report.unchanged}"
            ),
            fields=report.changed_fields,
            region=root_region,
        )
    return report


__all__ = ["BUNDLED_FILE", "DivisionFileError", "LoadReport", "derive_kind", "load_divisions"]
