"""Importing households and residents from a spreadsheet (issue #3): upload, dry run, import.

1. ``start_import`` stores the upload encrypted under ``<var>/imports/`` (``core.spreadsheets``) and
   queues the dry run. A file that is not a spreadsheet, or too large, is refused at once.
2. The dry run (``run_check``, in the background) reads every row and lists every bad cell with its row,
   column and reason — never the value. It also predicts what the import will create, update and leave
   unchanged, and leaves a small side file for the import: the rows to skip and a fingerprint of the
   records each household matched (ids and versions, nothing personal).
3. ``begin_import`` (the user chooses the mode) queues ``run_import``:
   - *all or nothing* is refused unless the dry run found no bad row, and writes in one transaction:
     any problem found on the way and nothing is written;
   - *good rows only* skips every bad row and every other row of its household, and commits in batches
     of ``BATCH_ROWS``, checkpointing ``processed_rows`` with each batch, so an import whose worker
     died continues after the last batch (``resume_import``).
   The import checks every row again (the registry may have changed since the dry run) and skips — or,
   all or nothing, refuses — a household whose records were edited after the dry run (the fingerprint
   changed), so an import never overwrites a colleague's newer edit.

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
between households or communities and never changes a head: those stay with their own pages.

States move through ``IMPORT_WORKFLOW`` (conditional updates): two clicks cannot start an import twice,
and a worker that finds the job's version moved on (cancelled, or resumed by another worker) stops
without writing its batch. One audit event per step; none per row.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, spreadsheets
from shequ.core.models import AuditOutcome
from shequ.core.spreadsheets import SpreadsheetError
from shequ.core.tasks import enqueue
from shequ.core.validators import id_check_character
from shequ.core.workflow import Transition, Workflow
from shequ.registry import tasks
from shequ.registry.actions import _require_place
from shequ.registry.actions.import_rows import (
    CREATED,
    EXAMPLE_KEY,
    MAX_ERRORS,
    RUN_RECORD,
    UNCHANGED,
    UPDATED,
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
from shequ.registry.models import (
    IdType,
    ImportFormat,
    ImportJob,
    ImportMode,
    ImportStatus,
    Relation,
    ResidenceStatus,
    Sex,
)
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Level, Region

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000  # rows a transaction of the good-rows import writes (and the dry run reads)
STALE_AFTER = timedelta(minutes=5)  # no progress for this long: the worker is taken to have died
UPLOAD_CONTEXT = spreadsheets.UPLOAD_CONTEXT
ORPHAN_AFTER = timedelta(days=1)  # an upload whose form was never completed
# Transitions only the worker fires: no role holds this code, so pages never offer them.
SYSTEM = "registry.import_worker"

S = ImportStatus
IMPORT_WORKFLOW = Workflow(
    transitions=[
        Transition("check", (S.UPLOADED,), S.CHECKING, RegistryPerm.IMPORT, gettext_lazy("检查")),
        Transition("checked", (S.CHECKING,), S.CHECKED, SYSTEM, gettext_lazy("检查完成")),
        Transition("start", (S.CHECKED,), S.IMPORTING, RegistryPerm.IMPORT,
                   gettext_lazy("开始导入")),
        Transition("finish", (S.IMPORTING,), S.DONE, SYSTEM, gettext_lazy("导入完成")),
        Transition("fail", (S.CHECKING, S.IMPORTING), S.FAILED, SYSTEM, gettext_lazy("失败")),
        Transition("recheck", (S.CHECKING, S.FAILED), S.CHECKING, RegistryPerm.IMPORT,
                   gettext_lazy("重新检查"), style="secondary"),
        Transition("resume", (S.IMPORTING, S.FAILED), S.IMPORTING, RegistryPerm.IMPORT,
                   gettext_lazy("继续导入")),
        Transition("cancel", (S.UPLOADED, S.CHECKING, S.CHECKED, S.IMPORTING, S.FAILED),
                   S.CANCELLED, RegistryPerm.IMPORT, gettext_lazy("取消导入"), style="danger"),
    ]
)  # fmt: skip

# --- Files of a job -------------------------------------------------------------------------------


def import_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _path(job: ImportJob, suffix: str = "") -> Path:
    return import_dir() / (job.stored_name + suffix)


SIDE_SUFFIXES = ("", ".runs", ".skip", ".progress", ".scratch", ".bad")


def _delete_files(stored_name: str) -> None:
    if not stored_name:
        return
    for suffix in SIDE_SUFFIXES:
        (import_dir() / (stored_name + suffix)).unlink(missing_ok=True)


def _remove_orphans() -> None:
    """Uploads left by forms that were never sent on (the handler stores before the form is checked)."""
    cutoff = calendar.now().timestamp() - ORPHAN_AFTER.total_seconds()
    for path in import_dir().glob("upload-*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _open_stored(job: ImportJob) -> IO[bytes]:
    try:
        return spreadsheets.open_encrypted(_path(job), context=UPLOAD_CONTEXT)
    except FileNotFoundError:
        raise SpreadsheetError(_("上传的文件已不在服务器上，请重新上传。")) from None


# --- Upload ---------------------------------------------------------------------------------------


def _check_region(by: Any, region: Region) -> None:
    if by is None:
        raise PermissionDenied(_("导入须由工作人员发起。"))
    if region.level not in (Level.COMMUNITY, Level.TOWNSHIP):
        raise ValidationError({"region": _("请选择一个村(社区)或镇(街道)。")})
    _require_place(by, RegistryPerm.IMPORT, region.path)
    _require_place(by, RegistryPerm.EDIT, region.path)


def _store(file: Any, path: Path) -> spreadsheets.StoredFile:
    if isinstance(file, spreadsheets.EncryptedUpload):
        # Sealed while it arrived (same directory, same context): it only takes the job's name.
        os.replace(file.stored.path, path)
        return spreadsheets.StoredFile(path, file.stored.size, file.stored.sha256, file.stored.head)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
    return spreadsheets.store_encrypted(
        chunks, path, context=UPLOAD_CONTEXT, limit=spreadsheets.max_bytes()
    )


def start_import(*, file: Any, by: Any, region: Region) -> ImportJob:
    """Store an uploaded spreadsheet encrypted and queue its dry run.

    ``file``: an upload (or any Django ``File``). Refused at once: no permission over ``region``, a file
    over ``SHEQU_IMPORT_MAX_BYTES``, or content that is not CSV or Excel (.xlsx) — whatever its name.
    """
    _check_region(by, region)
    _remove_orphans()
    limit = spreadsheets.max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError({"file": spreadsheets.too_large_message(size, limit)})
    stored_name = f"{secrets.token_hex(16)}.bin"
    path = import_dir() / stored_name
    try:
        stored = _store(file, path)
        fmt = spreadsheets.sniff(stored.head)
        if fmt == ImportFormat.XLSX:
            with spreadsheets.open_encrypted(path, context=UPLOAD_CONTEXT) as stream:
                spreadsheets.check_xlsx(stream)
    except SpreadsheetError as exc:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": exc.message}) from None
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                region=region,
                created_by=by,
                file_name=os.path.basename(getattr(file, "name", "") or "upload")[:255],
                file_size=stored.size,
                file_sha256=stored.sha256,
                stored_name=stored_name,
                format=fmt,
            )
            IMPORT_WORKFLOW.fire(job, "check", by=by, updated_at=calendar.now())
            audit.record("registry.import_upload", obj=job, actor=by, fields=["file"])
            enqueue(tasks.check_import, job.pk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


# --- Steps the user takes -----------------------------------------------------------------------


def _last_activity(job: ImportJob) -> datetime:
    last = job.updated_at
    progress_file = _path(job, ".progress") if job.stored_name else None
    if progress_file is not None and progress_file.exists():
        stamp = datetime.fromtimestamp(progress_file.stat().st_mtime, tz=last.tzinfo)
        last = max(last, stamp)
    return last


def is_stale(job: ImportJob) -> bool:
    """A job in progress that has not moved for ``STALE_AFTER``: its worker is taken to have died."""
    return job.status in (S.CHECKING, S.IMPORTING) and (
        calendar.now() - _last_activity(job) > STALE_AFTER
    )


def _resumable(job: ImportJob) -> str:
    """Which transition brings a stopped job back ("recheck", "resume"), or "" if none does."""
    if not job.stored_name or not _path(job).exists():
        return ""
    if job.status in (S.CHECKING, S.IMPORTING) and not is_stale(job):
        return ""
    if job.status == S.CHECKING or (job.status == S.FAILED and not job.mode):
        return "recheck"
    if job.status in (S.IMPORTING, S.FAILED) and job.mode:
        return "resume"
    return ""


def available_transitions(job: ImportJob, user: Any) -> list[Transition]:
    """What the page offers: ``start`` (with a mode), ``cancel``, and a way back for a stopped job."""
    offered = []
    resumable = _resumable(job)
    for transition in IMPORT_WORKFLOW.available(job, user):
        if transition.name in ("recheck", "resume") and transition.name != resumable:
            continue
        if transition.name == "check":
            continue
        offered.append(transition)
    return offered


def _may_act(job: ImportJob, by: Any) -> None:
    _require_place(by, RegistryPerm.IMPORT, job.region.path)


def _expect(job: ImportJob, transition: str) -> None:
    """The workflow's own answer for a step the job's state does not allow, before other checks."""
    if job.status not in IMPORT_WORKFLOW.get(transition).sources:
        raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))


@transaction.atomic
def begin_import(*, job: ImportJob, mode: str, by: Any) -> ImportJob:
    """Import a checked file in ``mode`` (all or nothing / good rows only)."""
    _may_act(job, by)
    _expect(job, "start")
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("请选择导入方式。")})
    if mode == ImportMode.ALL_OR_NOTHING and job.bad_rows:
        raise ValidationError(
            {
                "mode": _(
                    "表格中有 %(count)s 行有误，不能选择“全部无误才导入”。请修改后重新上传，"
                    "或选择“只导入无误的行”。"
                )
                % {"count": job.bad_rows}
            }
        )
    if job.status == S.CHECKED and not (
        job.created_count + job.updated_count + job.unchanged_count
    ):
        raise ValidationError({"mode": _("没有可以导入的行。")})
    if not _path(job).exists():
        raise ValidationError(_("上传的文件已不在服务器上，请重新上传。"))
    now = calendar.now()
    IMPORT_WORKFLOW.fire(
        job,
        "start",
        by=by,
        mode=mode,
        started_at=now,
        updated_at=now,
        processed_rows=0,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
    )
    audit.record("registry.import_start", obj=job, actor=by, fields=["mode"], reason=mode)
    enqueue(tasks.run_import, job.pk)
    return job


@transaction.atomic
def cancel_import(*, job: ImportJob, by: Any) -> ImportJob:
    """Stop a job. A running import stops at its next batch; all or nothing writes nothing at all."""
    _may_act(job, by)
    now = calendar.now()
    IMPORT_WORKFLOW.fire(job, "cancel", by=by, finished_at=now, updated_at=now)
    audit.record("registry.import_cancel", obj=job, actor=by, fields=["status"])
    stored_name = job.stored_name
    transaction.on_commit(lambda: _delete_files(stored_name))
    return job


@transaction.atomic
def resume_import(*, job: ImportJob, by: Any) -> ImportJob:
    """Bring back a job whose worker died or that failed on the way: the dry run starts again; an
    import in good-rows mode continues after its last committed batch, all or nothing starts again."""
    _may_act(job, by)
    which = _resumable(job)
    if not which:
        if job.status in (S.CHECKING, S.IMPORTING):
            raise ValidationError(_("该任务仍在进行中，请稍候刷新查看进度。"))
        raise ValidationError(_("该任务不能继续，请重新上传文件。"))
    now = calendar.now()
    if which == "recheck":
        IMPORT_WORKFLOW.fire(
            job,
            "recheck",
            by=by,
            failure="",
            errors=[],
            bad_rows=0,
            checked_rows=0,
            total_rows=0,
            updated_at=now,
            finished_at=None,
        )
        enqueue(tasks.check_import, job.pk)
    else:
        IMPORT_WORKFLOW.fire(job, "resume", by=by, failure="", updated_at=now, finished_at=None)
        enqueue(tasks.run_import, job.pk)
    audit.record(f"registry.import_{which}", obj=job, actor=by, fields=["status"])
    return job


@dataclass(frozen=True)
class Progress:
    phase: str  # "check", "import" or ""
    done: int
    total: int

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


def progress(job: ImportJob) -> Progress:
    """How far a running job has got. An all-or-nothing import commits only at its end, so its
    progress is read from the side file its worker writes after each batch."""
    if job.status == S.CHECKING:
        return Progress("check", job.checked_rows, max(job.total_rows, job.checked_rows))
    if job.status == S.IMPORTING:
        done = job.processed_rows
        if job.mode == ImportMode.ALL_OR_NOTHING and job.stored_name:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                done = max(done, int(json.loads(_path(job, ".progress").read_text())["done"]))
        return Progress("import", done, job.total_rows)
    return Progress("", job.processed_rows, job.total_rows)


# --- The worker -------------------------------------------------------------------------------------


class _Superseded(Exception):
    """The job was cancelled or taken over by another worker: stop, writing nothing more."""


class _Aborted(Exception):
    """All or nothing: a row failed during the import; nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _language(job: ImportJob) -> str:
    return job.created_by.preferred_language or translation.get_language() or settings.LANGUAGE_CODE


def _load(job_id: int) -> ImportJob | None:
    return ImportJob.objects.select_related("region", "created_by").filter(pk=job_id).first()


def _claim(job: ImportJob) -> bool:
    """Make this worker the job's only one: a worker holding an older version stops at its next batch."""
    now = calendar.now()
    updated = ImportJob.objects.filter(pk=job.pk, status=job.status, version=job.version).update(
        version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        return False
    job.version += 1
    job.updated_at = now
    return True


def _relaxed_commit() -> None:
    """PostgreSQL: this transaction's commit need not wait for the WAL to reach disk (~40 ms here).

    Safe for the import's transactions: a batch and its checkpoint commit together, so a server crash
    can only lose both, and resuming redoes the batch; the dry run's progress is redone by rechecking.
    """
    connection = connections[router.db_for_write(ImportJob)]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _fire(job: ImportJob, name: str, **changes: Any) -> None:
    """A step the worker takes; if the job moved on meanwhile (cancelled, taken over), stop."""
    try:
        IMPORT_WORKFLOW.fire(job, name, by=None, **changes)
    except ValidationError:
        raise _Superseded from None


def _still_ours(job: ImportJob, **changes: Any) -> None:
    """Record progress, if the job is still this worker's; otherwise stop (and roll the batch back)."""
    updated = ImportJob.objects.filter(pk=job.pk, status=job.status, version=job.version).update(
        updated_at=calendar.now(), **changes
    )
    if updated != 1:
        raise _Superseded


def _fail(job: ImportJob, message: str, *, terminal: bool) -> None:
    """``terminal``: the file cannot be imported as it is, so it is deleted; otherwise it is kept so the
    job can be resumed."""
    now = calendar.now()
    try:
        with transaction.atomic():
            IMPORT_WORKFLOW.fire(
                job,
                "fail",
                by=None,
                failure=message[:300],
                updated_at=now,
                finished_at=now if terminal else None,
            )
            audit.record(
                "registry.import_fail",
                obj=job,
                actor=job.created_by,
                fields=["status"],
                outcome=AuditOutcome.FAILURE,
                reason=message,
            )
    except ValidationError:
        return  # cancelled or taken over meanwhile: not this worker's to decide
    if terminal:
        _delete_files(job.stored_name)


T = TypeVar("T")
_END = object()


def _ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced in a thread, up to ``depth`` ahead.

    Reading and parsing the next batch (Python, no database) then overlaps with this batch's wait on
    the database: measured, about a third off the import's time on PostgreSQL. Memory stays bounded
    by ``depth``; the producer runs in the consumer's language; its exception is raised here; when
    the consumer stops early the producer stops too.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        translation.activate(language)
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)
            return
        put(_END)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    # The consumer mostly waits on the database; when an answer arrives it must get the GIL back from
    # the busy reader, which by default keeps it for up to 5 ms — longer than most queries take.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.0005))
    thread.start()
    try:
        while (item := handoff.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)


def _sheet(job: ImportJob, stream: IO[bytes]) -> spreadsheets.Sheet:
    if job.format == ImportFormat.CSV and not job.encoding:
        job.encoding = spreadsheets.detect_encoding(stream)
    return spreadsheets.open_sheet(
        stream, fmt=job.format, columns=columns(), encoding=job.encoding, size=job.file_size
    )


def run_check(*, job_id: int) -> None:
    """The dry run of a job in ``checking`` (the ``check_import`` task). Safe to run twice."""
    job = _load(job_id)
    if job is None or job.status != S.CHECKING or not _claim(job):
        return
    with translation.override(_language(job)):
        dry: DryRun | None = None
        try:
            ctx = Context(job)
            with _open_stored(job) as stream:
                sheet = _sheet(job, stream)
                dry = DryRun(ctx, _path(job))
                for batch in _ahead(batches(households_in(ctx, sheet), BATCH_ROWS)):
                    plan_batch(ctx, batch, lock=False)
                    dry.record(batch)
                    fraction = sheet.progress()
                    estimate = int(dry.total / fraction) if fraction else dry.total
                    with transaction.atomic():
                        _relaxed_commit()
                        _still_ours(
                            job,
                            checked_rows=dry.total,
                            total_rows=max(estimate, dry.total),
                            encoding=job.encoding,
                        )
            summary = dry.finish()
            if not summary["total_rows"]:
                raise SpreadsheetError(_("表格中没有数据行（户编号为“示例”的示例行不会导入）。"))
            with transaction.atomic():
                _fire(job, "checked", encoding=job.encoding, updated_at=calendar.now(), **summary)
                audit.record(
                    "registry.import_check",
                    obj=job,
                    actor=job.created_by,
                    fields=["total_rows", "bad_rows"],
                )
        except _Superseded:
            return
        except SpreadsheetError as exc:
            _fail(job, exc.message, terminal=True)
        except Exception:
            logger.exception("the dry run of import job %s stopped", job.pk)
            _fail(job, _("检查时发生意外错误，可以点击“重新检查”再试一次。"), terminal=False)
        finally:
            if dry is not None:
                dry.close()


@dataclass
class _Item:
    household: HouseholdPlan
    fingerprint: int
    skip: bool


def _work(
    job: ImportJob, ctx: Context, stream: IO[bytes], *, after: int
) -> Iterator[tuple[list[_Item], int]]:
    """The file's batches again, each household paired with its dry-run record, from row ``after`` on."""
    sheet = _sheet(job, stream)
    records = read_records(_path(job, ".runs"), RUN_RECORD)
    skipping = RowSet(_path(job, ".skip"))
    done = 0
    for batch in batches(households_in(ctx, sheet), BATCH_ROWS):
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


def _conflict() -> str:
    return _(
        "本户的登记信息在检查之后被其他人修改过，为免覆盖他人的修改，本户未导入。请重新上传"
        "检查后再导入。"
    )


def _apply(
    ctx: Context, items: list[_Item], *, abort: bool, trust_new: bool = False
) -> tuple[dict[str, int], list[dict[str, Any]], int]:
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
                raise _Aborted(
                    _(
                        "第%(row)s行“%(column)s”：%(message)s 因选择了“全部无误才导入”，没有导入任何数据。"
                    )
                    % {"row": number, "column": ctx.labels.get(key, ""), "message": message}
                )
            bad += len({number for number, _key, _message in problems})
            errors += [
                {"row": number, "column": ctx.labels.get(key, ""), "message": str(message)}
                for number, key, message in problems
            ]
            continue
        writing.append(household)
    return write_batch(ctx, writing), errors, bad


def _import_good_rows(job: ImportJob) -> None:
    ctx = Context(job)
    with _open_stored(job) as stream:
        for items, rows in _ahead(_work(job, ctx, stream, after=job.processed_rows)):
            for attempt in range(3):
                try:
                    with transaction.atomic():
                        _relaxed_commit()
                        counts, errors, bad = _apply(
                            ctx, items, abort=False, trust_new=attempt == 0
                        )
                        changes: dict[str, Any] = {
                            "processed_rows": job.processed_rows + rows,
                            "created_count": job.created_count + counts[CREATED],
                            "updated_count": job.updated_count + counts[UPDATED],
                            "unchanged_count": job.unchanged_count + counts[UNCHANGED],
                        }
                        if errors:
                            changes["errors"] = (job.errors + errors)[:MAX_ERRORS]
                            changes["bad_rows"] = job.bad_rows + bad
                        _still_ours(job, **changes)
                except IntegrityError:
                    # Someone registered the same person or household number a moment ago: check the
                    # batch again, which now sees them.
                    ctx.forget_numbers()
                    if attempt == 2:
                        raise
                    continue
                for name, value in changes.items():
                    setattr(job, name, value)
                break
    now = calendar.now()
    with transaction.atomic():
        _fire(job, "finish", finished_at=now, updated_at=now)
        _after_finish(job)
    _delete_files(job.stored_name)


def _import_all_or_nothing(job: ImportJob) -> None:
    ctx = Context(job)
    totals = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    done = 0
    # One transaction: the job's row is not touched until the end, so cancelling is never blocked by
    # it (PostgreSQL) and progress goes to a side file the page reads.
    with transaction.atomic():
        with _open_stored(job) as stream:
            for items, rows in _ahead(_work(job, ctx, stream, after=0)):
                counts, _errors, _bad = _apply(ctx, items, abort=True)
                for name in totals:
                    totals[name] += counts[name]
                done += rows
                _write_progress(job, done)
                if not ImportJob.objects.filter(
                    pk=job.pk, status=S.IMPORTING, version=job.version
                ).exists():
                    raise _Superseded
        now = calendar.now()
        _fire(
            job,
            "finish",
            processed_rows=done,
            created_count=totals[CREATED],
            updated_count=totals[UPDATED],
            unchanged_count=totals[UNCHANGED],
            finished_at=now,
            updated_at=now,
        )
        _after_finish(job)
    _delete_files(job.stored_name)


def _write_progress(job: ImportJob, done: int) -> None:
    target = _path(job, ".progress")
    partial = target.with_name(target.name + ".tmp")
    partial.write_text(json.dumps({"done": done}))
    os.replace(partial, target)


def _after_finish(job: ImportJob) -> None:
    """The imported people join the duplicate review queue once the import has committed: one scan of
    the job's region (a GROUP BY per reason) costs far less than checking every batch as it goes."""
    _audit_finish(job)
    enqueue(tasks.scan_duplicates, job.region_id)


def _audit_finish(job: ImportJob) -> None:
    audit.record(
        "registry.import_finish",
        obj=job,
        actor=job.created_by,
        fields=["households", "residents", "memberships"],
        reason=f"created={job.created_count} updated={job.updated_count} "
        f"unchanged={job.unchanged_count} bad={job.bad_rows}",
    )


def run_import(*, job_id: int) -> None:
    """The import of a job in ``importing`` (the ``run_import`` task). Safe to run twice: a second run
    takes the job over, and the first stops at its next batch without writing it."""
    job = _load(job_id)
    if job is None or job.status != S.IMPORTING or not _claim(job):
        return
    with translation.override(_language(job)):
        all_or_nothing = job.mode == ImportMode.ALL_OR_NOTHING
        try:
            if all_or_nothing:
                _import_all_or_nothing(job)
            else:
                _import_good_rows(job)
        except _Superseded:
            return
        except (_Aborted, SpreadsheetError) as exc:
            _fail(job, exc.message, terminal=True)
        except IntegrityError:
            _fail(
                job,
                _(
                    "导入时有其他人同时登记了相同的居民或户，没有写入任何数据。请点击“继续导入”"
                    "重新检查并导入。"
                )
                if all_or_nothing
                else _(
                    "导入时有其他人同时登记了相同的居民或户。已导入的部分保留，可点击“继续导入”。"
                ),
                terminal=False,
            )
        except Exception:
            logger.exception("import job %s stopped", job.pk)
            _fail(
                job,
                _("导入中断，没有写入任何数据。可以点击“继续导入”重新开始。")
                if all_or_nothing
                else _("导入中断。已导入的部分会保留，可以点击“继续导入”从中断处继续。"),
                terminal=False,
            )


# --- The template -------------------------------------------------------------------------------


def _example(community_code: str) -> dict[str, str]:
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


def _instructions() -> list[tuple[str, str]]:
    required = _("（必填）")
    notes = {
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
    rows = [
        (str(column.label) + (required if column.required else ""), str(notes[column.key]))
        for column in columns()
    ]
    rows.append(
        (
            _("说明"),
            _("每行一人。同一户的地址（村(社区)代码到详细地址）只需在一行填写，多行填写时须一致。"
              "空白的格子不会清除已登记的信息。合并单元格、公式请先取消或改为数值。"),
        )
    )  # fmt: skip
    return rows


def template(fmt: str, *, community_code: str = "") -> bytes:
    """The import template with Chinese headers, the example row and (Excel) an instructions sheet."""
    with translation.override("zh-hans"):
        cols = columns()
        example = _example(community_code)
        if fmt == ImportFormat.CSV:
            return spreadsheets.template_csv(cols, example=example)
        with translation.override("zh-hans"):
            choices = {
                "relation": [str(label) for _v, label in Relation.choices],
                "id_type": [str(label) for _v, label in IdType.choices],
                "sex": [str(Sex.MALE.label), str(Sex.FEMALE.label)],
                "residence_status": [str(label) for _v, label in ResidenceStatus.choices],
            }
        return spreadsheets.template_xlsx(
            cols,
            sheet_title=_("居民信息"),
            example=example,
            choices=choices,
            instructions=_instructions(),
            instructions_title=_("填写说明"),
        )
