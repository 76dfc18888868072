"""Importing facilities from a spreadsheet (issue #5, L1): upload, dry run, import.

The steps, states and promises are every import's (``core.import_jobs``), as in the registry's: the
upload is stored sealed under ``<var>/facility_imports/``; the dry run lists every bad cell by row,
column and reason; the user chooses *all or nothing* or *good rows only* (batches of ``BATCH_ROWS``,
checkpointed, resumed after the last one). What is the facilities' is here:

- The dry run checks every row with the facility form's own rules (``actions.clean_facility``),
  predicts what the import will create, update and leave unchanged, and leaves a side file for the
  import: per row, the facility it matched (id and version) and whether it is bad.
- Every row is checked again under a lock of its community (the registry of facilities may have
  changed since the dry run), and a facility edited or registered by someone else after the dry run
  is not overwritten: the row is skipped (or, all or nothing, the import refused).

Rows are matched within their community by 设施编码 (``external_code``) when given — a code not yet
known adopts the one facility of that category and name that has no code — otherwise by category and
name. So importing the same file again changes nothing. A blank cell leaves the stored value alone
(for a new facility, the form's default); the seven opening-hours columns count as one: any of them
filled replaces the week (a blank day is closed). Facilities are written in bulk, producing exactly the
rows ``register_facility`` / ``update_facility`` would, with one audit event per step, none per row;
an import that changed facilities asks once for a coverage refresh when it commits.
"""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import spreadsheets
from shequ.core.import_jobs import (
    CREATED,
    MAX_ERRORS,
    UNCHANGED,
    UPDATED,
    Aborted,
    Applied,
    Importer,
)
from shequ.core.scoping import require_place
from shequ.core.spreadsheets import Column, SpreadsheetError
from shequ.core.text import enumerate_items
from shequ.facilities import hours, tasks
from shequ.facilities.actions import FACILITY_FIELDS, clean_facility
from shequ.facilities.models import (
    CoordinateSystem,
    Facility,
    FacilityCategory,
    FacilityImport,
    FacilityStatus,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.territory.models import Level, Region

BATCH_ROWS = 500  # rows a transaction of the good-rows import writes
EXAMPLE_CODE = "示例"  # the template's example row carries this 设施编码 and is never imported


# --- The template's columns -------------------------------------------------------------------------

# (key, label, required, aliases). Labels are what the template writes; aliases are headers seen in
# offices' own sheets. Matching ignores spaces, full-width forms and a trailing (hint) such as
# "建筑面积（平方米）".
_COLUMNS: tuple[tuple[str, Any, bool, tuple[str, ...]], ...] = (
    ("community", gettext_lazy("社区代码"), False,
     ("村(社区)代码", "社区编码", "村(社区)编码", "区划代码", "所在社区代码")),
    ("external_code", gettext_lazy("设施编码"), False, ("设施编号", "编码")),
    ("name", gettext_lazy("设施名称"), True, ("名称",)),
    ("category", gettext_lazy("设施类别"), True, ("类别", "设施类型", "类型")),
    ("address", gettext_lazy("地址"), False, ("设施地址", "详细地址")),
    ("lat", gettext_lazy("纬度"), True, ("lat", "latitude")),
    ("lng", gettext_lazy("经度"), True, ("lng", "lon", "longitude")),
    ("coordinate_system", gettext_lazy("坐标系"), False, ("坐标系统", "坐标类型")),
    ("operator", gettext_lazy("运营方"), False, ("运营单位", "运营机构")),
    ("floor_area_m2", gettext_lazy("建筑面积"), False, ()),
    ("activity_area_m2", gettext_lazy("居民活动用房面积"), False,
     ("居民服务和活动用房面积", "居民活动空间面积", "活动用房面积")),
    ("commercial_area_m2", gettext_lazy("商业面积"), False, ()),
    ("capacity", gettext_lazy("容量"), False, ("床位数", "座位数")),
    ("status", gettext_lazy("状态"), False, ("运营状态", "设施状态")),
    ("mon", gettext_lazy("周一"), False, ("星期一",)),
    ("tue", gettext_lazy("周二"), False, ("星期二",)),
    ("wed", gettext_lazy("周三"), False, ("星期三",)),
    ("thu", gettext_lazy("周四"), False, ("星期四",)),
    ("fri", gettext_lazy("周五"), False, ("星期五",)),
    ("sat", gettext_lazy("周六"), False, ("星期六",)),
    ("sun", gettext_lazy("周日"), False, ("星期日", "星期天", "周天")),
    ("note", gettext_lazy("备注"), False, ("说明",)),
)  # fmt: skip
_TEXT_KEYS = ("name", "address", "operator", "note", "external_code")
_NUMBER_KEYS = ("floor_area_m2", "activity_area_m2", "commercial_area_m2", "capacity")


def columns() -> list[Column]:
    """The columns in the active language, each also matching its Chinese header (the file format)."""
    with translation.override("zh-hans"):
        chinese = {key: str(label) for key, label, *_rest in _COLUMNS}
    return [
        Column(key, str(label), required, (chinese[key], *aliases))
        for key, label, required, aliases in _COLUMNS
    ]


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


_STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    FacilityStatus.PLANNED: ("规划", "在建", "筹建"),
    FacilityStatus.IN_SERVICE: ("运营", "在用", "正常", "开放", "使用中"),
    FacilityStatus.SUSPENDED: ("暂停", "停用"),
    FacilityStatus.CLOSED: ("关闭", "撤销", "撤除"),
}
_SYSTEM_ALIASES: dict[str, tuple[str, ...]] = {
    CoordinateSystem.WGS84: ("WGS-84", "WGS84", "GPS", "天地图", "CGCS2000"),
    CoordinateSystem.GCJ02: ("GCJ-02", "GCJ02", "高德", "高德地图", "腾讯", "腾讯地图", "火星坐标"),
}


def _choice_map(choices: Any, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Folded spelling → value: codes, labels (Chinese and the active language) and aliases."""
    found: dict[str, str] = {}
    for value, label in choices.choices:
        spellings = [value, str(label), *aliases.get(value, ())]
        with translation.override("zh-hans"):
            spellings.append(str(label))
        for text in spellings:
            found[fold(text)] = value
    return found


def labels_of(choices: Any) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


# --- Checking one row ----------------------------------------------------------------------------


@dataclass(slots=True)
class RowPlan:
    """What a row will do: the facility it matched (if any), its checked values, and its problems
    as (column key, message)."""

    number: int
    errors: list[tuple[str, str]]
    community: Region | None = None
    coded: bool = False
    existing: Facility | None = None
    cleaned: dict[str, Any] = field(default_factory=dict)
    outcome: str = ""
    # The in-file identity of the row's facility, and (new facilities) of its category and name.
    target: bytes = b""
    name_key: bytes = b""

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))


@dataclass
class _Known:
    """A community's facilities, as the import looks them up."""

    by_code: dict[str, Facility]
    by_name: dict[tuple[str, str], list[Facility]]


class Context:
    """What one run of a job knows: who, where, the spellings of choices, and caches of lookups."""

    def __init__(self, job: FacilityImport) -> None:
        self.job = job
        self.by = job.created_by
        self.region = job.region
        self.import_scope = self.by.jurisdiction(FacilitiesPerm.IMPORT)
        self.edit_scope = self.by.jurisdiction(FacilitiesPerm.EDIT)
        self.default_community = self.region if self.region.level == Level.COMMUNITY else None
        self.labels = {column.key: str(column.label) for column in columns()}
        self.categories = _choice_map(FacilityCategory, {})
        self.statuses = _choice_map(FacilityStatus, _STATUS_ALIASES)
        self.systems = _choice_map(CoordinateSystem, _SYSTEM_ALIASES)
        self._communities: dict[str, Region | None] = {}
        self._known: dict[int, _Known] = {}

    def forget_facilities(self) -> None:
        """Look facilities up afresh (each import batch, once its communities are locked)."""
        self._known.clear()

    def allows(self, path: str) -> bool:
        return (
            path.startswith(self.region.path)
            and self.import_scope.covers_path(path)
            and self.edit_scope.covers_path(path)
        )

    def community(self, code: str) -> Region | None:
        """The community with this code, if it lies where the job may write; else None (the same
        answer for a code that does not exist, so nothing is told of other places)."""
        if code not in self._communities:
            found = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
            self._communities[code] = found if found and self.allows(found.path) else None
        return self._communities[code]

    def community_of(self, row: spreadsheets.Row) -> Region | None:
        code = row.get("community")
        return self.community(code) if code else self.default_community

    def known(self, community: Region) -> _Known:
        if community.pk not in self._known:
            by_code: dict[str, Facility] = {}
            by_name: dict[tuple[str, str], list[Facility]] = {}
            for facility in Facility.objects.filter(community=community).select_related(
                "serves_circle"
            ):
                if facility.external_code:
                    by_code[facility.external_code] = facility
                by_name.setdefault((facility.category, fold(facility.name)), []).append(facility)
            self._known[community.pk] = _Known(by_code, by_name)
        return self._known[community.pk]


def _ambiguous(count: int) -> str:
    return _("本社区有 %(count)d 个类别和名称都相同的设施，无法确定是哪一个：请填写设施编码。") % {
        "count": count
    }


def _match(
    ctx: Context, plan: RowPlan, community: Region, code: str, category: str, name: str
) -> None:
    """The facility the row describes: by code; a new code adopts the one uncoded facility of that
    category and name; without a code, by category and name."""
    known = ctx.known(community)
    found = known.by_code.get(code) if code else None
    if found is None:
        same = known.by_name.get((category, fold(name)), [])
        if code:
            same = [f for f in same if not f.external_code]
        if len(same) > 1:
            plan.error("external_code" if code else "name", _ambiguous(len(same)))
            return
        found = same[0] if same else None
    plan.existing = found


def _digest(*parts: Any) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()[:16]


def _current(facility: Facility) -> dict[str, Any]:
    """A stored facility as ``clean_facility`` takes it (what ``update_facility`` starts from)."""
    current: dict[str, Any] = {name: getattr(facility, name) for name in FACILITY_FIELDS}
    # The stored hours as text in the file's language, whatever the worker's (``as_text`` writes
    # "全天", which the parser knows).
    with translation.override("zh-hans"):
        current["opening_hours"] = hours.as_text(facility.opening_hours)
    return current


_COLUMN_KEYS = frozenset(key for key, *_rest in _COLUMNS)


def _column_of(field_name: str, message: str) -> str:
    if field_name == "opening_hours":
        # The hours' messages name the day (星期一 …): report them under that day's column.
        return next((day for day in hours.DAYS if str(hours.DAY_LABELS[day]) in message), "mon")
    # ``clean_facility`` names its fields as the columns do (its position messages are under "lat").
    return field_name if field_name in _COLUMN_KEYS else "name"


def plan_row(ctx: Context, row: spreadsheets.Row) -> RowPlan:
    """A row checked on its own and matched against the community's facilities."""
    get = row.get
    plan = RowPlan(number=row.number, errors=list(row.problems))
    troubled = {key for key, _message in row.problems}

    community = None
    if "community" not in troubled:
        code = get("community")
        if not code and ctx.default_community is None:
            plan.error("community", _("请填写社区代码（12位区划代码）。"))
        else:
            community = ctx.community_of(row)
            if community is None:
                plan.error("community", _("社区代码不存在或不在本次导入范围内。"))
    plan.community = community

    category = None
    text = get("category")
    if "category" not in troubled:
        if not text:
            plan.error("category", _("请填写设施类别。"))
        elif (category := ctx.categories.get(fold(text))) is None:
            plan.error(
                "category",
                _("设施类别不正确，可填：%(labels)s。") % {"labels": labels_of(FacilityCategory)},
            )
    status = None
    text = get("status")
    if text and (status := ctx.statuses.get(fold(text))) is None:
        plan.error(
            "status", _("状态不正确，可填：%(labels)s。") % {"labels": labels_of(FacilityStatus)}
        )
    system = CoordinateSystem.WGS84.value
    text = get("coordinate_system")
    if text:
        system = ctx.systems.get(fold(text), "")
        if not system:
            plan.error(
                "coordinate_system",
                _("坐标系应填 WGS-84（GPS、天地图）或 GCJ-02（高德、腾讯地图），不填按 WGS-84。"),
            )

    code = get("external_code")
    plan.coded = bool(code)
    name = get("name")
    if community is not None and category is not None and name and "external_code" not in troubled:
        _match(ctx, plan, community, code, category, name)

    existing = plan.existing
    values: dict[str, Any] = _current(existing) if existing is not None else {}
    for key in (*_TEXT_KEYS, *_NUMBER_KEYS):
        if get(key):
            values[key] = get(key)
    values["category"] = category
    if status is not None:
        values["status"] = status
    if any(get(day) for day in hours.DAYS):
        values["opening_hours"] = {day: get(day) for day in hours.DAYS}
    if get("lat") or get("lng") or existing is None:
        values.update(lat=get("lat"), lng=get("lng"), coordinate_system=system or None)
    # else: the stored position (WGS-84) stays, whatever the row's coordinate system says.

    reported = {key for key, _message in plan.errors}
    try:
        # ``clean_position`` takes no community as "do not check the distance": a row whose community
        # is wrong still has its other cells checked.
        plan.cleaned = clean_facility(values, cast(Region, community))
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            key = _column_of(field_name, messages[0])
            if key not in reported and key not in troubled:
                plan.error(key, messages[0])
                reported.add(key)
    if plan.errors:
        return plan
    assert community is not None and category is not None
    cleaned = plan.cleaned
    cleaned["lat"], cleaned["lng"] = float(cleaned["lat"]), float(cleaned["lng"])
    if existing is None:
        plan.outcome = CREATED
        identity = ("c", code) if code else ("n", category, fold(name))
        plan.target = _digest(community.pk, *identity)
        plan.name_key = _digest(community.pk, category, fold(name))
    else:
        plan.target = _digest("f", existing.pk)
        same = all(cleaned[f] == getattr(existing, f) for f in FACILITY_FIELDS)
        plan.outcome = UNCHANGED if same else UPDATED
    return plan


def _data_rows(sheet: spreadsheets.Sheet) -> Iterator[spreadsheets.Row]:
    """The file's rows, the template's example row left out."""
    for row in sheet:
        if row.get("external_code") == EXAMPLE_CODE:
            continue
        yield row


# --- The dry run's scratch file and plan ------------------------------------------------------------

PLAN_RECORD = struct.Struct("<IIIB")  # row number, matched facility id (0: new), its version, bad
_TARGET, _NAME = 1, 2
_OUTCOMES = {CREATED: 1, UPDATED: 2, UNCHANGED: 3}


@dataclass(frozen=True)
class PlanRecord:
    number: int
    facility: int
    version: int
    bad: bool


def read_plan(path: Path) -> Iterator[PlanRecord]:
    with open(path, "rb") as stream:
        while chunk := stream.read(PLAN_RECORD.size * 4096):
            for number, facility, version, bad in PLAN_RECORD.iter_unpack(chunk):
                yield PlanRecord(number, facility, version, bool(bad))


def _others(rows: list[int], number: int, shown: int = 5) -> str:
    """The other rows of a group, the first few of a long one."""
    others = [r for r in rows[: shown + 1] if r != number][:shown]
    listed = enumerate_items(others)
    return listed + _("等") if len(rows) > shown + 1 else listed


class DryRun:
    """Per-row facts of a dry run in a scratch SQLite file (``RepeatFinder``), so that rows naming the
    same facility are found across a file of any length; ``finish`` writes the plan for the import and
    returns the job's summary."""

    FLUSH = 5000

    def __init__(self, ctx: Context, base: Path) -> None:
        self.ctx = ctx
        self.base = base
        self.finder = spreadsheets.RepeatFinder(base.with_name(base.name + ".scratch"))
        self.finder.db.execute(
            "CREATE TABLE row (number INTEGER PRIMARY KEY, facility INTEGER, version INTEGER,"
            " outcome INTEGER, coded INTEGER, errors TEXT)"
        )
        self._pending: list[tuple[Any, ...]] = []
        self.total = 0

    def add(self, plan: RowPlan) -> None:
        existing = plan.existing
        self._pending.append(
            (
                plan.number,
                existing.pk if existing is not None else 0,
                existing.version if existing is not None else 0,
                _OUTCOMES.get(plan.outcome, 0),
                int(plan.coded),
                json.dumps(plan.errors, ensure_ascii=False) if plan.errors else None,
            )
        )
        if plan.target:
            self.finder.add(_TARGET, plan.target, plan.number)
        if plan.name_key:
            self.finder.add(_NAME, plan.name_key, plan.number)
        self.total += 1
        if len(self._pending) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.finder.db.executemany("INSERT INTO row VALUES (?, ?, ?, ?, ?, ?)", self._pending)
            self._pending.clear()

    def _cross(self) -> dict[int, list[tuple[str, str]]]:
        """Problems between rows: two rows naming one facility; a new facility without a code whose
        category and name another new row shares (the next import could not tell them apart)."""
        found: dict[int, list[tuple[str, str]]] = {}

        def coded(rows: list[int]) -> dict[int, bool]:
            marks = ",".join("?" * len(rows))
            query = f"SELECT number, coded FROM row WHERE number IN ({marks})"  # noqa: S608
            return {n: bool(c) for n, c in self.finder.db.execute(query, rows)}

        for rows in self.finder.repeats(_TARGET):
            flags = coded(rows)
            for number in rows:
                others = _others(rows, number)
                found.setdefault(number, []).append(
                    (
                        "external_code" if flags[number] else "name",
                        _("与第%(rows)s行是同一设施：同一设施只能填一行。") % {"rows": others},
                    )
                )
        for rows in self.finder.repeats(_NAME):
            flags = coded(rows)
            if all(flags.values()):
                continue
            for number in rows:
                if flags[number] or number in found:
                    continue
                others = _others(rows, number)
                found.setdefault(number, []).append(
                    (
                        "name",
                        _(
                            "与第%(rows)s行的设施类别和名称相同：同类同名的设施请都填写设施编码，"
                            "以便区分。"
                        )
                        % {"rows": others},
                    )
                )
        return found

    def finish(self) -> dict[str, Any]:
        self._flush()
        cross = self._cross()
        labels = self.ctx.labels
        counts = {1: 0, 2: 0, 3: 0}
        errors: list[dict[str, Any]] = []
        bad_rows = 0
        plan_path = self.base.with_name(self.base.name + ".plan")
        with open(plan_path, "wb") as out:
            query = "SELECT number, facility, version, outcome, errors FROM row ORDER BY number"
            for number, facility, version, outcome, own in self.finder.db.execute(query):
                problems = [tuple(p) for p in json.loads(own)] if own else []
                problems += cross.get(number, [])
                bad = bool(problems)
                if bad:
                    bad_rows += 1
                    room = MAX_ERRORS - len(errors)
                    errors += [
                        {"row": number, "column": labels.get(key, ""), "message": message}
                        for key, message in problems[: max(room, 0)]
                    ]
                else:
                    counts[outcome] += 1
                out.write(PLAN_RECORD.pack(number, facility, version, int(bad)))
        return {
            "total_rows": self.total,
            "checked_rows": self.total,
            "bad_rows": bad_rows,
            "created_count": counts[1],
            "updated_count": counts[2],
            "unchanged_count": counts[3],
            "errors": errors,
        }

    def close(self) -> None:
        self.finder.close()


Item = tuple[spreadsheets.Row, PlanRecord]


def _conflict() -> str:
    return _(
        "该设施在检查之后被其他人登记或修改过，为免覆盖他人的修改，本行未导入。请重新上传检查后再导入。"
    )


def _lock_communities(ctx: Context, items: list[Item]) -> None:
    """Imports into one community take turns (PostgreSQL; SQLite writes one at a time anyway), so two
    cannot both create the facility a row describes."""
    pks = {c.pk for row, _record in items if (c := ctx.community_of(row)) is not None}
    list(Region.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))


def _apply(ctx: Context, items: list[Item], *, abort: bool) -> Applied:
    """Check one batch again under lock and write its good rows.

    Returns the counts written, the problems found now that the dry run did not see (the registry of
    facilities changed meanwhile), and how many rows they made bad. ``abort``: the first such problem
    raises ``Aborted``.
    """
    _lock_communities(ctx, items)
    ctx.forget_facilities()
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    errors: list[dict[str, Any]] = []
    creating: list[Facility] = []
    updating: list[RowPlan] = []

    def refuse(plan: RowPlan, problems: list[tuple[str, str]]) -> None:
        if abort:
            key, message = problems[0]
            raise Aborted.at(plan.number, ctx.labels.get(key, ""), message)
        errors.extend(
            {"row": plan.number, "column": ctx.labels.get(key, ""), "message": str(message)}
            for key, message in problems
        )

    now = timezone.now()
    for row, record in items:
        if record.bad:
            continue
        plan = plan_row(ctx, row)
        problems = plan.errors
        existing = plan.existing
        if not problems and (
            (existing.pk if existing is not None else 0) != record.facility
            or (existing is not None and existing.version != record.version)
        ):
            problems = [("external_code" if plan.coded else "name", _conflict())]
        if problems:
            refuse(plan, problems)
            continue
        counts[plan.outcome] += 1
        if plan.outcome == CREATED:
            assert plan.community is not None
            creating.append(
                Facility(
                    community=plan.community,
                    created_by=ctx.by,
                    created_at=now,
                    updated_at=now,
                    **plan.cleaned,
                )
            )
        elif plan.outcome == UPDATED:
            updating.append(plan)
    Facility.objects.bulk_create(creating)
    for plan in updating:
        assert plan.existing is not None
        # As ``update_facility``: only the version the dry run saw is overwritten.
        written = Facility.objects.filter(
            pk=plan.existing.pk, version=plan.existing.version
        ).update(version=F("version") + 1, updated_at=now, **plan.cleaned)
        if written != 1:
            counts[UPDATED] -= 1
            refuse(plan, [("external_code" if plan.coded else "name", _conflict())])
    return counts, errors, len({error["row"] for error in errors})


@dataclass
class _Run:
    """One import run over a job's file: its rows in batches, each written under lock."""

    job: FacilityImport
    ctx: Context

    def batches(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[list[Item], int]]:
        """The file's rows again in batches, each paired with its dry-run record, from row ``after``
        on."""
        sheet = IMPORTER.sheet(self.job, stream)
        records = read_plan(IMPORTER.path(self.job, ".plan"))
        batch: list[Item] = []
        done = 0
        for row in _data_rows(sheet):
            record = next(records, None)
            if record is None or record.number != row.number:
                raise SpreadsheetError(_("文件内容与检查时不一致，请重新上传。"))
            done += 1
            if done <= after:
                continue
            batch.append((row, record))
            if len(batch) >= BATCH_ROWS:
                yield batch, len(batch)
                batch = []
        if batch:
            yield batch, len(batch)

    def apply(self, batch: list[Item], *, abort: bool, attempt: int) -> Applied:
        # A retry (someone registered a facility with the same code a moment ago) checks the batch
        # again, which now sees it and skips the row.
        return _apply(self.ctx, batch, abort=abort)


def _refresh_coverage(job: FacilityImport) -> None:
    """One coverage refresh for the whole import, once what it wrote has committed."""
    from shequ.facilities.actions import coverage

    reason = _("批量导入设施（%(file)s）") % {"file": job.file_name}
    region, by = job.region, job.created_by
    transaction.on_commit(lambda: coverage.request_refresh(reason=reason, region=region, by=by))


def _refusal() -> str:
    return _("您不能向所选的地方导入设施。")


class _Facilities(Importer[FacilityImport]):
    model = FacilityImport
    noun = "facility import"
    directory = "facility_imports"
    permission = FacilitiesPerm.IMPORT
    finish_fields = ("facilities",)
    check_task = tasks.check_import
    run_task = tasks.run_import
    empty_file = gettext_lazy("表格中没有数据行（设施编码为“示例”的示例行不会导入）。")
    clash_all_or_nothing = gettext_lazy(
        "导入时有其他人同时登记了相同编码的设施，没有写入任何数据。请点击“继续导入”重新检查并导入。"
    )
    clash_good_rows = gettext_lazy(
        "导入时有其他人同时登记了相同编码的设施。已导入的部分保留，可点击“继续导入”。"
    )
    sheet_title = gettext_lazy("服务设施")
    general_note = gettext_lazy(
        "每行一个设施。空白的格子不会清除已登记的信息。合并单元格、公式请先取消或改为数值。"
    )

    def check_region(self, by: Any, region: Region) -> None:
        """``region``: a community, or a region above it (each row then names its community); the
        import needs both the import and the edit right there, as every row is written as an edit."""
        require_place(by, FacilitiesPerm.IMPORT, region.path, _refusal())
        require_place(by, FacilitiesPerm.EDIT, region.path, _refusal())

    def may_act(self, job: FacilityImport, by: Any) -> None:
        require_place(by, FacilitiesPerm.IMPORT, job.region.path, _refusal())

    def columns(self) -> list[Column]:
        return columns()

    def dry_run(self, job: FacilityImport, sheet: spreadsheets.Sheet) -> dict[str, Any]:
        ctx = Context(job)
        with closing(DryRun(ctx, self.path(job))) as dry:
            for row in _data_rows(sheet):
                dry.add(plan_row(ctx, row))
                if dry.total % BATCH_ROWS == 0:
                    self.check_progress(job, sheet, dry.total)
            return dry.finish()

    def run(self, job: FacilityImport) -> _Run:
        return _Run(job, Context(job))

    def after_finish(self, job: FacilityImport) -> None:
        if job.created_count or job.updated_count:
            _refresh_coverage(job)

    def after_partial(self, job: FacilityImport) -> None:
        _refresh_coverage(job)  # committed batches changed facilities: coverage follows them

    # --- The template ---------------------------------------------------------------------------

    def example(self, community_code: str) -> dict[str, str]:
        hours_of_a_weekday = "08:30-11:30, 14:00-17:30"
        return {
            "community": community_code,
            "external_code": EXAMPLE_CODE,
            "name": _("幸福社区日间照料中心"),
            "category": str(FacilityCategory.ELDERLY_DAY_CARE.label),
            "address": _("幸福路1号"),
            "lat": "34.2610",
            "lng": "117.1849",
            "coordinate_system": "WGS-84",
            "operator": _("某某养老服务有限公司"),
            "floor_area_m2": "800",
            "activity_area_m2": "600",
            "commercial_area_m2": "",
            "capacity": "30",
            "status": str(FacilityStatus.IN_SERVICE.label),
            **{day: hours_of_a_weekday for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": "09:00-12:00",
            "sun": "",
            "note": "",
        }

    def notes(self) -> dict[str, str]:
        day = _(
            "这一天的开放时间，如 08:30-12:00, 14:00-18:00；多段用逗号分开，全天填“24小时”，"
            "不开放留空。七天算作一组：只要填了任何一天，未填的日子按不开放处理；七天都不填，"
            "已登记设施的开放时间保持不变。"
        )
        return {
            "community": _("所在村(社区)的12位统计用区划代码，须在您的管辖范围内。导入到一个村(社区)时可以不填。"),
            "external_code": _("设施自己的编码（如运营方的编号），同一社区内不能重复。填了编码的行按编码"
                               "更新已登记的设施；不填的按“设施类别＋设施名称”查找。重复导入同一文件不会"
                               "重复登记。编码为“示例”的行不会导入。以0开头的编码请把这一列设为“文本”格式。"),
            "name": _("最多100个字。"),
            "category": _("可填：%(labels)s。") % {"labels": labels_of(FacilityCategory)},
            "address": _("最多200个字。"),
            "lat": _("十进制度数，如 34.2610。新登记的设施必填；已登记的设施不填则保持原位置。"),
            "lng": _("十进制度数，如 117.1849。"),
            "coordinate_system": _("WGS-84（GPS、天地图）或 GCJ-02（高德、腾讯地图）；不填按 WGS-84。"
                                   "GCJ-02 坐标会自动换算为 WGS-84 保存。"),
            "operator": _("运营单位名称。"),
            "floor_area_m2": _("平方米，数字。"),
            "activity_area_m2": _("平方米，不能大于建筑面积。"),
            "commercial_area_m2": _("平方米，与居民活动用房面积之和不能大于建筑面积。"),
            "capacity": _("床位、座位或可容纳人数，整数。"),
            "status": _("可填：%(labels)s。不填时新设施按运营中处理，已登记的设施保持不变。")
            % {"labels": labels_of(FacilityStatus)},
            **{day_key: day for day_key in hours.DAYS},
            "note": _("最多2000个字。"),
        }  # fmt: skip

    def choices(self) -> dict[str, list[str]]:
        return {
            "category": [str(label) for _v, label in FacilityCategory.choices],
            "status": [str(label) for _v, label in FacilityStatus.choices],
            "coordinate_system": ["WGS-84", "GCJ-02"],
        }


IMPORTER = _Facilities()
# The steps as functions, for the tasks, the tests and the benchmark; the pages use ``IMPORTER``.
start_import = IMPORTER.start_import
begin_import = IMPORTER.begin_import
run_check = IMPORTER.run_check
run_import = IMPORTER.run_import
