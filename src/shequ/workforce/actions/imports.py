"""Importing community workers, each with a post, from a spreadsheet (W1): upload, dry run, import.

The steps, states and promises are every import's (``core.import_jobs``). What is the workforce's:

- A row is one worker employed at a community (社区代码; may be left out when the import goes to one
  community), matched by ID number (the blind index): a known worker is updated, a new one registered,
  so importing the same file again changes nothing. A worker registered outside the import's place is
  refused ("已登记为社区工作者"), never told whose.
- Cells are checked with the worker form's own rules (``workers.clean_worker``): GB 11643 ID numbers,
  mobile numbers, choices, dates. A blank cell leaves the stored value alone.
- The row's post (岗位, with 网格编码 for a full-time grid worker) is given unless the worker holds it
  already: the grid must be the community's, and a worker holds one open full-time grid post.
- Errors name the row and the column, never the value.
- Every row is checked again at import time under a lock of its community; a worker changed by
  someone after the dry run is not overwritten (the row is skipped, or all-or-nothing refused).
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import crypto, spreadsheets
from shequ.core.import_jobs import (
    CREATED,
    MAX_ERRORS,
    UNCHANGED,
    UPDATED,
    Aborted,
    Applied,
    Importer,
    RepeatedRows,
)
from shequ.core.scoping import require_place
from shequ.core.spreadsheets import Column, SpreadsheetError
from shequ.core.validators import normalize_id_number
from shequ.territory.models import Grid, Level, Region
from shequ.workforce import tasks
from shequ.workforce.actions.workers import WORKER_FIELDS, clean_worker, parse_date
from shequ.workforce.models import (
    CommunityWorker,
    Education,
    HiringMethod,
    PoliticalStatus,
    PostKind,
    WorkerImport,
    WorkerPost,
    WorkerStatus,
    WorkerStatusChange,
)
from shequ.workforce.permissions import WorkforcePerm

BATCH_ROWS = 500
EXAMPLE_NAME = "示例"  # the template's example row carries this name and is never imported

_COLUMNS: tuple[tuple[str, Any, bool, tuple[str, ...], str], ...] = (
    ("community", gettext_lazy("社区代码"), False,
     ("村(社区)代码", "社区编码", "区划代码", "所在社区代码"), "identifier"),
    ("name", gettext_lazy("姓名"), True, (), "text"),
    ("id_number", gettext_lazy("身份证号"), True, ("身份证号码", "公民身份号码"), "identifier"),
    ("phone", gettext_lazy("手机号"), False, ("手机号码", "联系电话", "电话"), "identifier"),
    ("education", gettext_lazy("学历"), False, ("文化程度",), "text"),
    ("political_status", gettext_lazy("政治面貌"), False, (), "text"),
    ("hiring_method", gettext_lazy("录用方式"), False, ("招聘方式",), "text"),
    ("hired_on", gettext_lazy("入职日期"), False, ("参加工作时间", "入职时间"), "date"),
    ("post", gettext_lazy("岗位"), False, ("职务", "任职岗位"), "text"),
    ("grid", gettext_lazy("网格编码"), False, ("网格代码",), "identifier"),
    ("post_started_on", gettext_lazy("任职日期"), False, ("任职时间",), "date"),
    ("note", gettext_lazy("备注"), False, ("说明",), "text"),
)  # fmt: skip


def columns() -> list[Column]:
    with translation.override("zh-hans"):
        chinese = {key: str(label) for key, label, *_rest in _COLUMNS}
    return [
        Column(key, str(label), required, (chinese[key], *aliases), kind)
        for key, label, required, aliases, kind in _COLUMNS
    ]


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _choice_map(choices: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for value, label in choices.choices:
        found[fold(value)] = value
        found[fold(str(label))] = value
        with translation.override("zh-hans"):
            found[fold(str(label))] = value
    return found


def labels_of(choices: Any) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


# --- Checking one row ------------------------------------------------------------------------------


@dataclass(slots=True)
class RowPlan:
    number: int
    errors: list[tuple[str, str]]
    community: Region | None = None
    existing: CommunityWorker | None = None
    cleaned: dict[str, Any] = field(default_factory=dict)
    post: tuple[str, Grid | None, date] | None = None  # kind, grid, start: a post to give
    outcome: str = ""
    index: str = ""  # the ID number's blind index

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))


class Context:
    def __init__(self, job: WorkerImport) -> None:
        self.job = job
        self.by = job.created_by
        self.region = job.region
        self.import_scope = self.by.jurisdiction(WorkforcePerm.IMPORT)
        self.edit_scope = self.by.jurisdiction(WorkforcePerm.EDIT)
        self.default_community = self.region if self.region.level == Level.COMMUNITY else None
        self.labels = {column.key: str(column.label) for column in columns()}
        self.choices = {
            "education": _choice_map(Education),
            "political_status": _choice_map(PoliticalStatus),
            "hiring_method": _choice_map(HiringMethod),
            "post": _choice_map(PostKind),
        }
        self._communities: dict[str, Region | None] = {}
        self._grids: dict[str, Grid | None] = {}

    def allows(self, path: str) -> bool:
        return (
            path.startswith(self.region.path)
            and self.import_scope.covers_path(path)
            and self.edit_scope.covers_path(path)
        )

    def community(self, code: str) -> Region | None:
        if code not in self._communities:
            found = (
                Region.objects.filter(code=code, level=Level.COMMUNITY).defer("geometry").first()
            )
            self._communities[code] = found if found and self.allows(found.path) else None
        return self._communities[code]

    def community_of(self, row: spreadsheets.Row) -> Region | None:
        code = row.get("community")
        return self.community(code) if code else self.default_community

    def grid(self, code: str) -> Grid | None:
        if code not in self._grids:
            self._grids[code] = Grid.objects.filter(code=code).defer("geometry").first()
        return self._grids[code]


def _index(number: str) -> str:
    return crypto.blind_index("id_number", normalize_id_number(number))


def _taken() -> str:
    return _("该身份证号已登记为社区工作者，且不在本次导入范围内，不能导入。")


def plan_row(ctx: Context, row: spreadsheets.Row) -> RowPlan:
    """A row checked on its own and matched, by ID number, against the registered workers."""
    get = row.get
    plan = RowPlan(number=row.number, errors=list(row.problems))
    troubled = {key for key, _message in row.problems}

    community = None
    if "community" not in troubled:
        if not get("community") and ctx.default_community is None:
            plan.error("community", _("请填写社区代码（12位区划代码）。"))
        else:
            community = ctx.community_of(row)
            if community is None:
                plan.error("community", _("社区代码不存在或不在本次导入范围内。"))
    plan.community = community

    number = get("id_number")
    existing = None
    if number and "id_number" not in troubled:
        plan.index = _index(number)
        existing = (
            CommunityWorker.objects.filter(id_number_index=plan.index)
            .select_related("region")
            .first()
        )
        if existing is not None and not ctx.allows(existing.region.path):
            plan.error("id_number", _taken())
            existing = None
    elif not number and "id_number" not in troubled:
        plan.error("id_number", _("请填写身份证号。"))
    plan.existing = existing

    values: dict[str, Any] = (
        {name: getattr(existing, name) for name in WORKER_FIELDS} if existing else {}
    )
    for key in ("name", "id_number", "phone", "hired_on", "note"):
        if get(key):
            values[key] = get(key)
    for key in ("education", "political_status", "hiring_method"):
        text = get(key)
        if not text:
            continue
        value = ctx.choices[key].get(fold(text))
        if value is None:
            labels = {"education": Education, "political_status": PoliticalStatus,
                      "hiring_method": HiringMethod}[key]  # fmt: skip
            plan.error(key, _("可填：%(labels)s。") % {"labels": labels_of(labels)})
        else:
            values[key] = value
    reported = {key for key, _message in plan.errors} | troubled
    try:
        plan.cleaned = clean_worker(values, exclude=existing.pk if existing else None)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            key = name if name in ctx.labels else "name"
            if key not in reported:
                plan.error(key, messages[0])
                reported.add(key)

    kind_text = get("post")
    if kind_text and "post" not in troubled:
        kind = ctx.choices["post"].get(fold(kind_text))
        if kind is None:
            plan.error(
                "post", _("岗位不正确，可填：%(labels)s。") % {"labels": labels_of(PostKind)}
            )
        else:
            _plan_post(ctx, plan, row, kind)
    elif (get("grid") or get("post_started_on")) and "post" not in troubled:
        plan.error("post", _("填写了网格编码或任职日期，请同时填写岗位。"))
    if plan.errors:
        return plan
    if existing is None:
        plan.outcome = CREATED
    else:
        same = all(plan.cleaned[name] == getattr(existing, name) for name in WORKER_FIELDS)
        same = same and existing.region_id == plan.community.pk if plan.community else same
        plan.outcome = UNCHANGED if same and plan.post is None else UPDATED
    return plan


def _plan_post(ctx: Context, plan: RowPlan, row: spreadsheets.Row, kind: str) -> None:
    community, existing = plan.community, plan.existing
    grid = None
    code = row.get("grid")
    if code:
        grid = ctx.grid(code)
        if grid is None or (community is not None and grid.community_id != community.pk):
            plan.error("grid", _("网格编码不存在，或该网格不属于本行的村(社区)。"))
            return
    elif kind == PostKind.GRID_WORKER:
        plan.error("grid", _("专职网格员须填写所负责网格的网格编码。"))
        return
    try:
        start = parse_date(row.get("post_started_on"), "post_started_on", _("任职日期"))
    except ValidationError as exc:
        plan.error("post_started_on", exc.messages[0])
        return
    hired = plan.cleaned.get("hired_on")
    start = start or hired or timezone.localdate()
    if community is None:
        return
    if existing is not None:
        open_posts = WorkerPost.objects.filter(worker=existing, ended_on__isnull=True)
        if open_posts.filter(kind=kind, community=community, grid=grid).exists():
            return  # held already: nothing to give
        if existing.status not in (WorkerStatus.ACTIVE, WorkerStatus.SECONDED, WorkerStatus.LEAVE):
            plan.error("post", _("该工作者已不在岗，不能通过导入任职。"))
            return
        if kind == PostKind.GRID_WORKER:
            other = open_posts.filter(kind=PostKind.GRID_WORKER).select_related("grid").first()
            if other is not None:
                plan.error(
                    "grid",
                    _("该工作者已是另一网格（%(grid)s）的专职网格员，一人只能担任一个网格。")
                    % {"grid": other.grid.code if other.grid else "—"},
                )
                return
    plan.post = (kind, grid, start)


def _data_rows(sheet: spreadsheets.Sheet) -> Iterator[spreadsheets.Row]:
    for row in sheet:
        if row.get("name") == EXAMPLE_NAME:
            continue
        yield row


# --- The dry run's plan file ------------------------------------------------------------------------

PLAN_RECORD = struct.Struct("<IIIB")  # row number, matched worker id (0: new), its version, bad


@dataclass(frozen=True)
class PlanRecord:
    number: int
    worker: int
    version: int
    bad: bool


def read_plan(path: Path) -> Iterator[PlanRecord]:
    with open(path, "rb") as stream:
        while chunk := stream.read(PLAN_RECORD.size * 4096):
            for number, worker, version, bad in PLAN_RECORD.iter_unpack(chunk):
                yield PlanRecord(number, worker, version, bool(bad))


def _dry_run(importer: _Workers, job: WorkerImport, sheet: spreadsheets.Sheet) -> dict[str, Any]:
    ctx = Context(job)
    labels = ctx.labels
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    plans: list[tuple[int, int, int, list[tuple[str, str]], str]] = []
    repeated = RepeatedRows()  # by ID number index
    for plan in (plan_row(ctx, row) for row in _data_rows(sheet)):
        existing = plan.existing
        plans.append(
            (
                plan.number,
                existing.pk if existing else 0,
                existing.version if existing else 0,
                plan.errors,
                plan.outcome,
            )
        )
        if plan.index:
            repeated.add(plan.index, plan.number)
        if len(plans) % BATCH_ROWS == 0:
            importer.check_progress(job, sheet, len(plans))
    same_person = {
        number: _("与第%(rows)s行的身份证号相同：同一人只能填一行。") % {"rows": listed}
        for number, listed in repeated.others().items()
    }
    errors: list[dict[str, Any]] = []
    bad_rows = 0
    with open(importer.path(job, ".plan"), "wb") as out:
        for number, worker, version, problems, outcome in plans:
            if number in same_person:
                problems = [*problems, ("id_number", same_person[number])]
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
            out.write(PLAN_RECORD.pack(number, worker, version, int(bad)))
    return {
        "total_rows": len(plans),
        "checked_rows": len(plans),
        "bad_rows": bad_rows,
        "created_count": counts[CREATED],
        "updated_count": counts[UPDATED],
        "unchanged_count": counts[UNCHANGED],
        "errors": errors,
    }


# --- Writing ----------------------------------------------------------------------------------------

Item = tuple[spreadsheets.Row, PlanRecord]


def _conflict() -> str:
    return _(
        "该工作者在检查之后被其他人登记或修改过，为免覆盖他人的修改，本行未导入。请重新上传检查后再导入。"
    )


def _apply(ctx: Context, items: list[Item], *, abort: bool) -> Applied:
    """Check one batch again under a lock of its communities and write its good rows."""
    pks = {c.pk for row, _record in items if (c := ctx.community_of(row)) is not None}
    list(Region.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    errors: list[dict[str, Any]] = []
    by = ctx.by
    today = timezone.localdate()
    now = timezone.now()

    def refuse(plan: RowPlan, problems: list[tuple[str, str]]) -> None:
        if abort:
            key, message = problems[0]
            raise Aborted.at(plan.number, ctx.labels.get(key, ""), message)
        errors.extend(
            {"row": plan.number, "column": ctx.labels.get(key, ""), "message": str(message)}
            for key, message in problems
        )

    for row, record in items:
        if record.bad:
            continue
        plan = plan_row(ctx, row)
        existing = plan.existing
        problems = plan.errors
        if not problems and (
            (existing.pk if existing else 0) != record.worker
            or (existing is not None and existing.version != record.version)
        ):
            problems = [("id_number", _conflict())]
        if problems:
            refuse(plan, problems)
            continue
        assert plan.community is not None
        counts[plan.outcome] += 1
        if plan.outcome == UNCHANGED:
            continue
        if existing is None:
            since = plan.cleaned["hired_on"] or today
            worker = CommunityWorker.objects.create(
                region=plan.community, status=WorkerStatus.ACTIVE, status_since=since,
                created_at=now, updated_at=now, **plan.cleaned,
            )  # fmt: skip
            WorkerStatusChange.objects.create(
                worker=worker, from_status="", to_status=WorkerStatus.ACTIVE, effective_on=since,
                reason=_("批量导入"), recorded_by=by,
            )  # fmt: skip
        else:
            written = CommunityWorker.objects.filter(pk=existing.pk, version=existing.version).update(
                region=plan.community, version=F("version") + 1, updated_at=now,
                id_number_index=_index(plan.cleaned["id_number"]),
                phone_index=(
                    crypto.blind_index("phone", plan.cleaned["phone"]) if plan.cleaned["phone"] else ""
                ),
                **plan.cleaned,
            )  # fmt: skip
            if written != 1:
                counts[UPDATED] -= 1
                refuse(plan, [("id_number", _conflict())])
                continue
            worker = existing
        if plan.post is not None:
            kind, grid, start = plan.post
            WorkerPost.objects.create(
                worker=worker, kind=kind, community=plan.community, grid=grid, started_on=start,
                created_at=now,
            )  # fmt: skip
    return counts, errors, len({error["row"] for error in errors})


@dataclass
class _Run:
    job: WorkerImport
    ctx: Context

    def batches(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[list[Item], int]]:
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
        return _apply(self.ctx, batch, abort=abort)


def _refusal() -> str:
    return _("您不能向所选的地方导入社区工作者。")


class _Workers(Importer[WorkerImport]):
    model = WorkerImport
    noun = "worker import"
    directory = "worker_imports"
    permission = WorkforcePerm.IMPORT
    finish_fields = ("workers", "posts")
    check_task = tasks.check_worker_import
    run_task = tasks.run_worker_import
    empty_file = gettext_lazy("表格中没有数据行（姓名为“示例”的示例行不会导入）。")
    clash_all_or_nothing = gettext_lazy(
        "导入时有其他人同时登记了相同身份证号的工作者，没有写入任何数据。请点击“继续导入”重新检查并导入。"
    )
    clash_good_rows = gettext_lazy(
        "导入时有其他人同时登记了相同身份证号的工作者。已导入的部分保留，可点击“继续导入”。"
    )
    sheet_title = gettext_lazy("社区工作者")
    general_note = gettext_lazy(
        "每行一名社区工作者及其一个岗位。按身份证号匹配已登记的工作者；空白的格子不会清除已登记的信息。"
    )

    def check_region(self, by: Any, region: Region) -> None:
        require_place(by, WorkforcePerm.IMPORT, region.path, _refusal())
        require_place(by, WorkforcePerm.EDIT, region.path, _refusal())

    def may_act(self, job: WorkerImport, by: Any) -> None:
        require_place(by, WorkforcePerm.IMPORT, job.region.path, _refusal())

    def columns(self) -> list[Column]:
        return columns()

    def dry_run(self, job: WorkerImport, sheet: spreadsheets.Sheet) -> dict[str, Any]:
        return _dry_run(self, job, sheet)

    def run(self, job: WorkerImport) -> _Run:
        return _Run(job, Context(job))

    def example(self, community_code: str) -> dict[str, str]:
        return {
            "community": community_code,
            "name": EXAMPLE_NAME,
            "id_number": "32030219900307123X",
            "phone": "13812345678",
            "education": str(Education.BACHELOR.label),
            "political_status": str(PoliticalStatus.PARTY_MEMBER.label),
            "hiring_method": str(HiringMethod.COUNTY_SELECTION.label),
            "hired_on": "2021-07-01",
            "post": str(PostKind.GRID_WORKER.label),
            "grid": f"{community_code}001" if community_code else "",
            "post_started_on": "2021-07-01",
            "note": "",
        }

    def notes(self) -> dict[str, str]:
        return {
            "community": _("所在村(社区)的12位统计用区划代码，须在本次导入范围内；导入到一个村(社区)时可以不填。"),
            "name": _("最多60个字。姓名为“示例”的行不会导入。"),
            "id_number": _("18位身份证号，按此匹配已登记的工作者，重复导入同一文件不会重复登记。请把这一列设为“文本”格式。"),
            "phone": _("11位手机号。"),
            "education": _("可填：%(labels)s。") % {"labels": labels_of(Education)},
            "political_status": _("可填：%(labels)s。") % {"labels": labels_of(PoliticalStatus)},
            "hiring_method": _("可填：%(labels)s。不填为“其他”。") % {"labels": labels_of(HiringMethod)},
            "hired_on": _("日期，如 2021-07-01。"),
            "post": _("可填：%(labels)s。已担任的岗位不会重复登记。") % {"labels": labels_of(PostKind)},
            "grid": _("专职网格员必填：所负责网格的网格编码，须属于本行的村(社区)。"),
            "post_started_on": _("日期；不填按入职日期。"),
            "note": _("最多2000个字。"),
        }  # fmt: skip

    def choices(self) -> dict[str, list[str]]:
        return {
            "education": [str(label) for _v, label in Education.choices],
            "political_status": [str(label) for _v, label in PoliticalStatus.choices],
            "hiring_method": [str(label) for _v, label in HiringMethod.choices],
            "post": [str(label) for _v, label in PostKind.choices],
        }


IMPORTER = _Workers()
start_import = IMPORTER.start_import
begin_import = IMPORTER.begin_import
run_check = IMPORTER.run_check
run_import = IMPORTER.run_import
