"""Importing households and residents from a spreadsheet (issue #3): upload, dry run, import.

The steps, states and promises are every import's (``core.import_jobs``): the upload is stored sealed
under ``<var>/imports/``; the dry run lists every bad cell by row, column and reason — never the value;
the user chooses *all or nothing* or *good rows only* (batches of ``BATCH_ROWS``, checkpointed, resumed
after the last one). What is the registry's is here and in ``import_rows``:

- The dry run (``dry_run``) predicts what the import will create, update and leave unchanged, and leaves
  a small side file for the import: the rows to skip and a fingerprint of the records each household
  matched (ids and versions, nothing personal).
- *Good rows only* skips every bad row and every other row of its household. The import checks every
  row again (the registry may have changed since the dry run) and skips — or, all or nothing, refuses —
  a household whose records were edited after the dry run (the fingerprint changed), so an import never
  overwrites a colleague's newer edit.

Rows are upserted by the ID number's blind index (a row without an ID number, declared 无证件, is found
by name within its household), so importing the same file again changes nothing. A blank optional cell
leaves the stored value alone. Rows are parsed, matched and written by ``import_rows``: bulk inserts
(``COPY`` on PostgreSQL) and batched UPDATEs of exactly what the model fields store — sealed under the
column's label, blind indexes from the fields' own ``index_for``, pinyin keys from ``names``.

Households in the file: rows with the same 户编号 form one household and must be on adjacent rows
(sort by the column first), which keeps the import streaming at any file size. A 户编号 that is an
existing household's number (in scope) adds to that household; otherwise members already registered
lead to their household, and a household with no registered member is created (it needs at least one
member with an ID number, or a second import could not find it again). The import never moves people
between households or communities and never changes a head: those stay with their own pages. The
imported people join the duplicate review queue once the import has committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import spreadsheets
from shequ.core.import_jobs import Aborted, Applied, Importer, read_ahead
from shequ.core.spreadsheets import Column, SpreadsheetError
from shequ.core.tasks import enqueue
from shequ.core.validators import id_check_character
from shequ.registry import tasks
from shequ.registry.actions import _require_place
from shequ.registry.actions.import_rows import (
    EXAMPLE_KEY,
    RUN_RECORD,
    Context,
    DryRun,
    HouseholdPlan,
    RowSet,
    batches,
    columns,
    households_in,
    labels_of,
    plan_batch,
    read_records,
    seal_ahead,
    write_batch,
)
from shequ.registry.models import IdType, ImportJob, Relation, ResidenceStatus, Sex
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Level, Region

BATCH_ROWS = 5000  # rows a transaction of the good-rows import writes (and the dry run reads)


def _conflict() -> str:
    return _(
        "本户的登记信息在检查之后被其他人修改过，为免覆盖他人的修改，本户未导入。请重新上传"
        "检查后再导入。"
    )


@dataclass
class _Item:
    household: HouseholdPlan
    fingerprint: int
    skip: bool


def _apply(ctx: Context, items: list[_Item], *, abort: bool, trust_new: bool = False) -> Applied:
    """Check one batch again under lock and write its good households.

    Returns the counts written, the problems found now that the dry run did not see (the registry
    changed meanwhile), and how many rows they made bad. ``abort``: the first such problem raises.
    ``trust_new``: households the dry run found wholly new are not looked up again (see
    ``plan_batch``); a unique-index conflict then raises ``IntegrityError`` for a full retry.
    """
    planned = [item.household for item in items if not item.skip]
    known_new = (
        frozenset(id(item.household) for item in items if not item.fingerprint)
        if trust_new
        else frozenset()
    )
    plan_batch(ctx, planned, lock=True, known_new=known_new)
    writing: list[HouseholdPlan] = []
    errors: list[dict[str, Any]] = []
    bad = 0
    for item in items:
        household = item.household
        if item.skip:
            continue
        problems = [
            (row.number, key, message) for row in household.rows for key, message in row.errors
        ]
        if not problems and household.fingerprint != item.fingerprint:
            problems = [(household.first, "household", _conflict())]
        if problems:
            if abort:
                number, key, message = problems[0]
                raise Aborted.at(number, ctx.labels.get(key, ""), message)
            bad += len({number for number, _key, _message in problems})
            errors += [
                {"row": number, "column": ctx.labels.get(key, ""), "message": str(message)}
                for number, key, message in problems
            ]
            continue
        writing.append(household)
    return write_batch(ctx, writing), errors, bad


@dataclass
class _Run:
    """One import run over a job's file: its households in batches, each written under lock."""

    job: ImportJob
    ctx: Context

    def batches(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[list[_Item], int]]:
        return read_ahead(self._work(stream, after=after))

    def _work(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[list[_Item], int]]:
        """The file's batches again, each household paired with its dry-run record, from row
        ``after`` on."""
        sheet = IMPORTER.sheet(self.job, stream)
        records = read_records(IMPORTER.path(self.job, ".runs"), RUN_RECORD)
        skipping = RowSet(IMPORTER.path(self.job, ".skip"))
        done = 0
        for batch in batches(households_in(self.ctx, sheet), BATCH_ROWS):
            items = []
            for household in batch:
                record = next(records, None)
                if record is None or record[0] != household.first:
                    raise SpreadsheetError(_("文件内容与检查时不一致，请重新上传。"))
                skip = skipping.any_between(household.first, household.rows[-1].number)
                items.append(_Item(household, record[4], skip))
            rows = sum(len(household.rows) for household in batch)
            if done + rows <= after:
                done += rows
                continue
            seal_ahead([item.household for item in items if not item.skip])
            yield items, rows
            done += rows

    def apply(self, batch: list[_Item], *, abort: bool, attempt: int) -> Applied:
        if attempt:
            # Someone registered the same person or household number a moment ago: look the
            # numbers up afresh.
            self.ctx.forget_numbers()
        return _apply(self.ctx, batch, abort=abort, trust_new=not abort and attempt == 0)


class _Residents(Importer[ImportJob]):
    model = ImportJob
    noun = "import job"
    directory = "imports"
    permission = RegistryPerm.IMPORT
    finish_fields = ("households", "residents", "memberships")
    check_task = tasks.check_import
    run_task = tasks.run_import
    relaxed_commits = True
    empty_file = gettext_lazy("表格中没有数据行（户编号为“示例”的示例行不会导入）。")
    clash_all_or_nothing = gettext_lazy(
        "导入时有其他人同时登记了相同的居民或户，没有写入任何数据。请点击“继续导入”重新检查并导入。"
    )
    clash_good_rows = gettext_lazy(
        "导入时有其他人同时登记了相同的居民或户。已导入的部分保留，可点击“继续导入”。"
    )
    sheet_title = gettext_lazy("居民信息")
    general_note = gettext_lazy(
        "每行一人。同一户的地址（村(社区)代码到详细地址）只需在一行填写，多行填写时须一致。"
        "空白的格子不会清除已登记的信息。合并单元格、公式请先取消或改为数值。"
    )

    def check_region(self, by: Any, region: Region) -> None:
        if region.level not in (Level.COMMUNITY, Level.TOWNSHIP):
            raise ValidationError({"region": _("请选择一个村(社区)或镇(街道)。")})
        _require_place(by, RegistryPerm.IMPORT, region.path)
        _require_place(by, RegistryPerm.EDIT, region.path)

    def may_act(self, job: ImportJob, by: Any) -> None:
        _require_place(by, RegistryPerm.IMPORT, job.region.path)

    def columns(self) -> list[Column]:
        return columns()

    def dry_run(self, job: ImportJob, sheet: spreadsheets.Sheet) -> dict[str, Any]:
        ctx = Context(job)
        with closing(DryRun(ctx, self.path(job))) as dry:
            for batch in read_ahead(batches(households_in(ctx, sheet), BATCH_ROWS)):
                plan_batch(ctx, batch, lock=False)
                dry.record(batch)
                self.check_progress(job, sheet, dry.total)
            return dry.finish()

    def run(self, job: ImportJob) -> _Run:
        return _Run(job, Context(job))

    def after_finish(self, job: ImportJob) -> None:
        """The imported people join the duplicate review queue once the import has committed: one
        scan of the job's region (a GROUP BY per reason) costs far less than checking every batch as
        it goes."""
        enqueue(tasks.scan_duplicates, job.region_id)

    # --- The template ---------------------------------------------------------------------------

    def example(self, community_code: str) -> dict[str, str]:
        first17 = "32030219800101123"
        return {
            "household": EXAMPLE_KEY,
            "relation": _("户主"),
            "name": _("张三"),
            "id_type": _("居民身份证"),
            "id_number": first17 + id_check_character(first17),
            "sex": _("男"),
            "birth_date": "1980-01-01",
            "phone": "13900000000",
            "residence_status": _("户籍人口"),
            "community": community_code,
            "grid": "001",
            "estate": "",
            "building": "",
            "villager_group": "",
            "address": _("1单元101室"),
        }

    def choices(self) -> dict[str, list[str]]:
        return {
            "relation": [str(label) for _v, label in Relation.choices],
            "id_type": [str(label) for _v, label in IdType.choices],
            "sex": [str(Sex.MALE.label), str(Sex.FEMALE.label)],
            "residence_status": [str(label) for _v, label in ResidenceStatus.choices],
        }

    def notes(self) -> dict[str, str]:
        return {
            "household": _("同一户的成员填相同的编号，并填写在相邻的行。可以是任意编号（如 1、2、3），"
                           "也可以填系统中已有的户编号（如 320302001001-00001），把成员加入该户。"
                           "户编号为“示例”的行不会导入。"),
            "relation": _("可填：%(labels)s。每户须有且只有一名户主。") % {"labels": labels_of(Relation)},
            "name": _("最多60个字。"),
            "id_type": _("可填：%(labels)s。不填按居民身份证处理。") % {"labels": labels_of(IdType)},
            "id_number": _("18位身份证号码，末位可以是 X。请把这一列设为“文本”格式，否则 Excel 会把号码"
                           "改成科学计数法。没有证件的填“无证件”并留空本列。已登记的居民按证件号码更新，"
                           "不会重复登记。"),
            "sex": _("男或女。填了身份证号码的可以不填，按号码确定。"),
            "birth_date": _("如 1980-01-31。填了身份证号码的可以不填，按号码确定。"),
            "phone": _("11位手机号码。"),
            "residence_status": _("可填：%(labels)s。不填按户籍人口处理。")
            % {"labels": labels_of(ResidenceStatus)},
            "community": _("12位区划代码。导入到一个村(社区)时可以不填。"),
            "grid": _("网格编码，或村(社区)内的3位网格编号（如 001）。不填时按小区或楼栋所在网格。"),
            "estate": _("小区或自然村的名称，须已在区域管理中登记。"),
            "building": _("楼栋号，须已在该小区中登记；填楼栋时须填小区。"),
            "villager_group": _("村民小组名称，须已登记。"),
            "address": _("单元、室号等，加密保存。"),
        }  # fmt: skip


IMPORTER = _Residents()
# The steps as functions, for the tasks, the tests and the benchmark; the pages use ``IMPORTER``.
start_import = IMPORTER.start_import
begin_import = IMPORTER.begin_import
run_check = IMPORTER.run_check
run_import = IMPORTER.run_import
