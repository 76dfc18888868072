"""Spreadsheet import jobs: the steps and promises every import shares, whatever its rows are.

An app's import (households and residents in ``registry.actions.imports``, facilities in
``facilities.actions.imports``) is an ``Importer``: it names its job model (``AbstractImportJob``), its
permission, its audit names and its folder, and supplies what only it knows — the columns, the dry run
over a sheet, and how one batch of rows is checked again and written (an ``ImportRun``). The rest is here:

1. ``start_import`` stores the upload sealed (``core.spreadsheets``) under ``<var>/<directory>/`` and
   queues the dry run. A file that is not a spreadsheet, or too large, is refused at once.
2. ``run_check`` (the app's check task) runs the app's dry run, which lists every bad cell by row,
   column and reason — never the value — predicts what the import will create, update and leave
   unchanged, and leaves side files for the import.
3. ``begin_import`` (the user chooses the mode) queues ``run_import``:
   - *all or nothing* is refused unless the dry run found no bad row, and writes in one transaction:
     any problem found on the way (``Aborted``) and nothing is written; progress goes to a side file;
   - *good rows only* skips the bad rows and commits in batches, checkpointing ``processed_rows`` with
     each batch, so an import whose worker died continues after its last batch (``resume_import``).
4. ``cancel_import`` stops a job and deletes its files; a job that failed on the way, or whose worker
   has not moved for ``STALE_AFTER``, is brought back by ``resume_import`` (check again, or import on).

States move through the workflow ``import_workflow`` declares (conditional updates): two clicks cannot
start an import twice, and a worker that finds the job's version moved on (cancelled, or resumed by
another worker) stops without writing its batch (``Superseded``). One audit event per step
(``<app>.import_upload`` … ``<app>.import_finish``); none per row.
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
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Model
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, spreadsheets
from shequ.core.models import (
    AbstractImportJob,
    AuditOutcome,
    ImportFormat,
    ImportMode,
    ImportStatus,
)
from shequ.core.spreadsheets import Column, SpreadsheetError
from shequ.core.tasks import enqueue
from shequ.core.workflow import Transition, Workflow

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)  # no progress for this long: the worker is taken to have died
ORPHAN_AFTER = timedelta(days=1)  # an upload whose form was never completed
UPLOAD_CONTEXT = spreadsheets.UPLOAD_CONTEXT
MAX_ERRORS = 5000  # problems kept on the job; ``bad_rows`` has the full count
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

S = ImportStatus
RUNNING = (S.UPLOADED, S.CHECKING, S.IMPORTING)

J = TypeVar("J", bound=AbstractImportJob)
B = TypeVar("B")
T = TypeVar("T")

# What writing one batch did: the counts written, the problems found that the dry run did not see
# ({"row", "column", "message"}), and how many rows they made bad.
Applied = tuple[dict[str, int], list[dict[str, Any]], int]


def import_workflow(permission: str, *, system: str) -> Workflow:
    """The states of an import job. ``system``: a code no role holds, for the steps only the worker
    takes, so pages never offer them."""
    return Workflow(
        transitions=[
            Transition("check", (S.UPLOADED,), S.CHECKING, permission, gettext_lazy("检查")),
            Transition("checked", (S.CHECKING,), S.CHECKED, system, gettext_lazy("检查完成")),
            Transition("start", (S.CHECKED,), S.IMPORTING, permission, gettext_lazy("开始导入")),
            Transition("finish", (S.IMPORTING,), S.DONE, system, gettext_lazy("导入完成")),
            Transition("fail", (S.CHECKING, S.IMPORTING), S.FAILED, system, gettext_lazy("失败")),
            Transition("recheck", (S.CHECKING, S.FAILED), S.CHECKING, permission,
                       gettext_lazy("重新检查"), style="secondary"),
            Transition("resume", (S.IMPORTING, S.FAILED), S.IMPORTING, permission,
                       gettext_lazy("继续导入")),
            Transition("cancel", (S.UPLOADED, S.CHECKING, S.CHECKED, S.IMPORTING, S.FAILED),
                       S.CANCELLED, permission, gettext_lazy("取消导入"), style="danger"),
        ]
    )  # fmt: skip


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


class Superseded(Exception):
    """The job was cancelled or taken over by another worker: stop, writing nothing more."""


class Aborted(Exception):
    """All or nothing: a row failed during the import; nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def at(cls, row: int, column: str, message: str) -> Aborted:
        return cls(
            _("第%(row)s行“%(column)s”：%(message)s 因选择了“全部无误才导入”，没有导入任何数据。")
            % {"row": row, "column": column, "message": message}
        )


class ImportRun(Protocol[B]):
    """One run of an import over a job's file: the app's batches, and how it writes one."""

    def batches(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[B, int]]:
        """The file's batches with the rows each spans, from row ``after`` on."""
        ...

    def apply(self, batch: B, *, abort: bool, attempt: int) -> Applied:
        """Check ``batch`` again under lock and write its good rows; ``abort``: the first problem
        raises ``Aborted``. ``attempt``: 1 and 2 retry a batch that met a unique-index conflict."""
        ...


_END = object()


class RepeatedRows:
    """Rows of one file that name the same record (by a key such as an ID number's blind index): each
    such row is told the numbers of the others, so the dry run can refuse all of them."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}
        self._repeats: dict[int, list[int]] = {}

    def add(self, key: str, number: int) -> None:
        if key in self._first:
            self._repeats.setdefault(self._first[key], []).append(number)
        else:
            self._first[key] = number

    def others(self) -> dict[int, str]:
        """Row number → the other rows with its key, "、"-joined, for every repeated row."""
        found: dict[int, str] = {}
        for first, later in self._repeats.items():
            numbers = [first, *later]
            for number in numbers:
                found[number] = "、".join(str(n) for n in numbers if n != number)
        return found


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced in a thread, up to ``depth`` ahead.

    Reading and parsing the next batch (Python, no database) then overlaps with this batch's wait on
    the database: measured, about a third off the registry import's time on PostgreSQL. Memory stays
    bounded by ``depth``; the producer runs in the consumer's language; its exception is raised here;
    when the consumer stops early the producer stops too.
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


def relaxed_commit(model: type[Model]) -> None:
    """PostgreSQL: this transaction's commit need not wait for the WAL to reach disk (~40 ms here).

    Safe for an import's transactions: a batch and its checkpoint commit together, so a server crash
    can only lose both, and resuming redoes the batch; the dry run's progress is redone by rechecking.
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def language_of(job: AbstractImportJob) -> str:
    """The worker writes messages in the language of the person who uploaded the file."""
    return job.created_by.preferred_language or translation.get_language() or settings.LANGUAGE_CODE


class Importer(ABC, Generic[J]):
    """An app's import: what it names and the parts only it knows; the lifecycle is the kernel's.

    Subclass, set the attributes and implement the abstract methods.
    """

    model: type[J]  # its app label names the audit events ("<app>.import_upload" …)
    noun: str  # how the log names a job ("import job")
    directory: str  # the uploads' folder under ``VAR_DIR``
    permission: str  # to upload, start, cancel and resume
    finish_fields: tuple[str, ...]  # what the finish audit event says was written
    check_task: Any  # the app's Celery tasks, each taking a job id
    run_task: Any
    # The dry run's checkpoints and the good-rows batches commit with ``relaxed_commit``.
    relaxed_commits = False
    # Words: a file without data rows; an import that met someone registering the same record
    # meanwhile (all or nothing, good rows only); the template's data sheet and its instructions' last
    # row.
    empty_file: str | Promise
    clash_all_or_nothing: str | Promise
    clash_good_rows: str | Promise
    sheet_title: str | Promise
    general_note: str | Promise

    def __init__(self) -> None:
        self.app = self.model._meta.app_label
        self.workflow = import_workflow(self.permission, system=f"{self.app}.import_worker")

    # --- What the app supplies ----------------------------------------------------------------------

    @abstractmethod
    def check_region(self, by: Any, region: Any) -> None:
        """Refuse an upload into ``region`` that ``by`` (a person) may not make."""
        ...

    @abstractmethod
    def may_act(self, job: J, by: Any) -> None:
        """Refuse a step on ``job`` that ``by`` may not take."""
        ...

    @abstractmethod
    def columns(self) -> list[Column]:
        """The columns the app's spreadsheet has."""

    @abstractmethod
    def dry_run(self, job: J, sheet: spreadsheets.Sheet) -> dict[str, Any]:
        """Check every row of ``sheet`` (checkpointing with ``check_progress``), leave the import's
        side files, and return the job's summary: ``total_rows``, ``checked_rows``, ``bad_rows``,
        the three counts and ``errors``."""
        ...

    @abstractmethod
    def run(self, job: J) -> ImportRun[Any]:
        """How the import writes: its rows, their batches and their write (``ImportRun``)."""

    def after_finish(self, job: J) -> None:
        """Follow-up work of a finished import, in its final transaction (``enqueue`` it)."""

    def after_partial(self, job: J) -> None:
        """Follow-up work when a good-rows import that committed changes stops before its end."""

    @abstractmethod
    def example(self, community_code: str) -> dict[str, str]:
        """The template's example row (in Chinese, the file format), by column key."""
        ...

    @abstractmethod
    def choices(self) -> dict[str, list[str]]:
        """The template's drop-down lists, by column key."""
        ...

    @abstractmethod
    def notes(self) -> dict[str, str]:
        """What each column takes, by key, for the template's instructions sheet."""
        ...

    # --- Files of a job -------------------------------------------------------------------------------

    def import_dir(self) -> Path:
        return Path(settings.VAR_DIR) / self.directory

    def path(self, job: J, suffix: str = "") -> Path:
        return self.import_dir() / (job.stored_name + suffix)

    def delete_files(self, stored_name: str) -> None:
        """The upload and every file its dry run and import left beside it (``<name>.*``)."""
        if not stored_name:
            return
        for path in self.import_dir().glob(f"{stored_name}*"):
            path.unlink(missing_ok=True)

    def _remove_orphans(self) -> None:
        """Uploads left by forms never sent on (the upload handler stores before the form is checked)."""
        cutoff = calendar.now().timestamp() - ORPHAN_AFTER.total_seconds()
        folder = self.import_dir()
        if not folder.exists():
            return
        for path in folder.glob("upload-*"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()

    def open_stored(self, job: J) -> IO[bytes]:
        try:
            return spreadsheets.open_encrypted(self.path(job), context=UPLOAD_CONTEXT)
        except FileNotFoundError:
            raise SpreadsheetError(_("上传的文件已不在服务器上，请重新上传。")) from None

    def sheet(self, job: J, stream: IO[bytes]) -> spreadsheets.Sheet:
        if job.format == ImportFormat.CSV and not job.encoding:
            job.encoding = spreadsheets.detect_encoding(stream)
        return spreadsheets.open_sheet(
            stream,
            fmt=job.format,
            columns=self.columns(),
            encoding=job.encoding,
            size=job.file_size,
        )

    # --- Upload ---------------------------------------------------------------------------------------

    def _store(self, file: Any, path: Path) -> spreadsheets.StoredFile:
        if isinstance(file, spreadsheets.EncryptedUpload):
            # Sealed while it arrived (same directory, same context): it only takes the job's name.
            os.replace(file.stored.path, path)
            return spreadsheets.StoredFile(
                path, file.stored.size, file.stored.sha256, file.stored.head
            )
        chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
        return spreadsheets.store_encrypted(
            chunks, path, context=UPLOAD_CONTEXT, limit=spreadsheets.max_bytes()
        )

    def start_import(self, *, file: Any, by: Any, region: Any) -> J:
        """Store an uploaded spreadsheet sealed and queue its dry run.

        ``file``: an upload (or any Django ``File``); ``region``: where the rows may go. Refused at
        once: no right to import there (``check_region``), a file over ``SHEQU_IMPORT_MAX_BYTES``, or
        content that is not CSV or Excel (.xlsx) — whatever its name.
        """
        if by is None:
            raise PermissionDenied(_("导入须由工作人员发起。"))
        self.check_region(by, region)
        self._remove_orphans()
        limit = spreadsheets.max_bytes()
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise ValidationError({"file": spreadsheets.too_large_message(size, limit)})
        stored_name = f"{secrets.token_hex(16)}.bin"
        path = self.import_dir() / stored_name
        try:
            stored = self._store(file, path)
            fmt = spreadsheets.sniff(stored.head)
            if fmt == ImportFormat.XLSX:
                with spreadsheets.open_encrypted(path, context=UPLOAD_CONTEXT) as stream:
                    spreadsheets.check_xlsx(stream)
        except SpreadsheetError as exc:
            path.unlink(missing_ok=True)
            raise ValidationError({"file": exc.message}) from None
        try:
            with transaction.atomic():
                job = self.model._default_manager.create(
                    region=region,
                    created_by=by,
                    file_name=os.path.basename(getattr(file, "name", "") or "upload")[:255],
                    file_size=stored.size,
                    file_sha256=stored.sha256,
                    stored_name=stored_name,
                    format=fmt,
                )
                self.workflow.fire(job, "check", by=by, updated_at=calendar.now())
                audit.record(f"{self.app}.import_upload", obj=job, actor=by, fields=["file"])
                enqueue(self.check_task, job.pk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return job

    # --- Steps the user takes -------------------------------------------------------------------------

    def _last_activity(self, job: J) -> datetime:
        last = job.updated_at
        progress_file = self.path(job, ".progress") if job.stored_name else None
        if progress_file is not None and progress_file.exists():
            stamp = datetime.fromtimestamp(progress_file.stat().st_mtime, tz=last.tzinfo)
            last = max(last, stamp)
        return last

    def is_stale(self, job: J) -> bool:
        """A job in progress that has not moved for ``STALE_AFTER``: its worker is taken to have died."""
        return job.status in (S.CHECKING, S.IMPORTING) and (
            calendar.now() - self._last_activity(job) > STALE_AFTER
        )

    def _resumable(self, job: J) -> str:
        """Which transition brings a stopped job back ("recheck", "resume"), or "" if none does."""
        if not job.stored_name or not self.path(job).exists():
            return ""
        if job.status in (S.CHECKING, S.IMPORTING) and not self.is_stale(job):
            return ""
        if job.status == S.CHECKING or (job.status == S.FAILED and not job.mode):
            return "recheck"
        if job.status in (S.IMPORTING, S.FAILED) and job.mode:
            return "resume"
        return ""

    def available_transitions(self, job: J, user: Any) -> list[Transition]:
        """What the page offers: ``start`` (with a mode), ``cancel``, and a way back for a stopped job."""
        resumable = self._resumable(job)
        return [
            transition
            for transition in self.workflow.available(job, user)
            if transition.name != "check"
            and (transition.name not in ("recheck", "resume") or transition.name == resumable)
        ]

    def _expect(self, job: J, transition: str) -> None:
        """The workflow's own answer for a step the job's state does not allow, before other checks."""
        if job.status not in self.workflow.get(transition).sources:
            raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))

    @transaction.atomic
    def begin_import(self, *, job: J, mode: str, by: Any) -> J:
        """Import a checked file in ``mode`` (all or nothing / good rows only)."""
        self.may_act(job, by)
        self._expect(job, "start")
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
        if not (job.created_count + job.updated_count + job.unchanged_count):
            raise ValidationError({"mode": _("没有可以导入的行。")})
        if not self.path(job).exists():
            raise ValidationError(_("上传的文件已不在服务器上，请重新上传。"))
        now = calendar.now()
        self.workflow.fire(
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
        audit.record(f"{self.app}.import_start", obj=job, actor=by, fields=["mode"], reason=mode)
        enqueue(self.run_task, job.pk)
        return job

    @transaction.atomic
    def cancel_import(self, *, job: J, by: Any) -> J:
        """Stop a job. A running import stops at its next batch; all or nothing writes nothing at all."""
        self.may_act(job, by)
        now = calendar.now()
        self.workflow.fire(job, "cancel", by=by, finished_at=now, updated_at=now)
        audit.record(f"{self.app}.import_cancel", obj=job, actor=by, fields=["status"])
        stored_name = job.stored_name
        transaction.on_commit(lambda: self.delete_files(stored_name))
        return job

    @transaction.atomic
    def resume_import(self, *, job: J, by: Any) -> J:
        """Bring back a job whose worker died or that failed on the way: the dry run starts again; an
        import in good-rows mode continues after its last committed batch, all or nothing starts
        again."""
        self.may_act(job, by)
        which = self._resumable(job)
        if not which:
            if job.status in (S.CHECKING, S.IMPORTING):
                raise ValidationError(_("该任务仍在进行中，请稍候刷新查看进度。"))
            raise ValidationError(_("该任务不能继续，请重新上传文件。"))
        now = calendar.now()
        if which == "recheck":
            self.workflow.fire(
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
            enqueue(self.check_task, job.pk)
        else:
            self.workflow.fire(job, "resume", by=by, failure="", updated_at=now, finished_at=None)
            enqueue(self.run_task, job.pk)
        audit.record(f"{self.app}.import_{which}", obj=job, actor=by, fields=["status"])
        return job

    def progress(self, job: J) -> Progress:
        """How far a running job has got. An all-or-nothing import commits only at its end, so its
        progress is read from the side file its worker writes after each batch."""
        if job.status == S.CHECKING:
            return Progress("check", job.checked_rows, max(job.total_rows, job.checked_rows))
        if job.status == S.IMPORTING:
            done = job.processed_rows
            if job.mode == ImportMode.ALL_OR_NOTHING and job.stored_name:
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    progress_file = self.path(job, ".progress")
                    done = max(done, int(json.loads(progress_file.read_text())["done"]))
            return Progress("import", done, job.total_rows)
        return Progress("", job.processed_rows, job.total_rows)

    # --- The worker -----------------------------------------------------------------------------------

    def _load(self, job_id: int) -> J | None:
        return (
            self.model._default_manager.select_related("region", "created_by")
            .filter(pk=job_id)
            .first()
        )

    def _claim(self, job: J) -> bool:
        """Make this worker the job's only one: a worker holding an older version stops at its next
        batch."""
        now = calendar.now()
        updated = self.model._default_manager.filter(
            pk=job.pk, status=job.status, version=job.version
        ).update(version=F("version") + 1, updated_at=now)
        if updated != 1:
            return False
        job.version += 1
        job.updated_at = now
        return True

    def fire(self, job: J, name: str, **changes: Any) -> None:
        """A step the worker takes; if the job moved on meanwhile (cancelled, taken over), stop."""
        try:
            self.workflow.fire(job, name, by=None, **changes)
        except ValidationError:
            raise Superseded from None

    def still_ours(self, job: J, **changes: Any) -> None:
        """Record progress, if the job is still this worker's; otherwise stop (and roll the batch
        back)."""
        updated = self.model._default_manager.filter(
            pk=job.pk, status=job.status, version=job.version
        ).update(updated_at=calendar.now(), **changes)
        if updated != 1:
            raise Superseded

    def check_progress(self, job: J, sheet: spreadsheets.Sheet, checked: int) -> None:
        """The dry run's checkpoint: rows checked so far, and the total estimated from how far into the
        file they reach."""
        fraction = sheet.progress()
        estimate = int(checked / fraction) if fraction else checked
        with transaction.atomic():
            if self.relaxed_commits:
                relaxed_commit(self.model)
            self.still_ours(
                job,
                checked_rows=checked,
                total_rows=max(estimate, checked),
                encoding=job.encoding,
            )

    def _fail(self, job: J, message: str, *, terminal: bool) -> None:
        """``terminal``: the file cannot be imported as it is, so it is deleted; otherwise it is kept
        so the job can be resumed."""
        now = calendar.now()
        try:
            with transaction.atomic():
                self.workflow.fire(
                    job,
                    "fail",
                    by=None,
                    failure=message[:300],
                    updated_at=now,
                    finished_at=now if terminal else None,
                )
                audit.record(
                    f"{self.app}.import_fail",
                    obj=job,
                    actor=job.created_by,
                    fields=["status"],
                    outcome=AuditOutcome.FAILURE,
                    reason=message,
                )
        except ValidationError:
            return  # cancelled or taken over meanwhile: not this worker's to decide
        if terminal:
            self.delete_files(job.stored_name)

    def run_check(self, *, job_id: int) -> None:
        """The dry run of a job in ``checking`` (the check task). Safe to run twice."""
        job = self._load(job_id)
        if job is None or job.status != S.CHECKING or not self._claim(job):
            return
        with translation.override(language_of(job)):
            try:
                with self.open_stored(job) as stream:
                    summary = self.dry_run(job, self.sheet(job, stream))
                if not summary["total_rows"]:
                    raise SpreadsheetError(str(self.empty_file))
                with transaction.atomic():
                    self.fire(
                        job, "checked", encoding=job.encoding, updated_at=calendar.now(), **summary
                    )
                    audit.record(
                        f"{self.app}.import_check",
                        obj=job,
                        actor=job.created_by,
                        fields=["total_rows", "bad_rows"],
                    )
            except Superseded:
                return
            except SpreadsheetError as exc:
                self._fail(job, exc.message, terminal=True)
            except Exception:
                logger.exception("the dry run of %s %s stopped", self.noun, job.pk)
                self._fail(
                    job, _("检查时发生意外错误，可以点击“重新检查”再试一次。"), terminal=False
                )

    def run_import(self, *, job_id: int) -> None:
        """The import of a job in ``importing`` (the run task). Safe to run twice: a second run takes
        the job over, and the first stops at its next batch without writing it."""
        job = self._load(job_id)
        if job is None or job.status != S.IMPORTING or not self._claim(job):
            return
        with translation.override(language_of(job)):
            all_or_nothing = job.mode == ImportMode.ALL_OR_NOTHING
            try:
                if all_or_nothing:
                    self._import_all_or_nothing(job)
                else:
                    self._import_good_rows(job)
            except Superseded:
                return
            except (Aborted, SpreadsheetError) as exc:
                self._fail(job, exc.message, terminal=True)
            except IntegrityError:
                clash = self.clash_all_or_nothing if all_or_nothing else self.clash_good_rows
                self._fail(job, str(clash), terminal=False)
            except Exception:
                logger.exception("%s %s stopped", self.noun, job.pk)
                self._fail(
                    job,
                    _("导入中断，没有写入任何数据。可以点击“继续导入”重新开始。")
                    if all_or_nothing
                    else _("导入中断。已导入的部分会保留，可以点击“继续导入”从中断处继续。"),
                    terminal=False,
                )

    def _import_good_rows(self, job: J) -> None:
        run = self.run(job)
        wrote = False
        try:
            with self.open_stored(job) as stream:
                for batch, rows in run.batches(stream, after=job.processed_rows):
                    for attempt in range(3):
                        try:
                            with transaction.atomic():
                                if self.relaxed_commits:
                                    relaxed_commit(self.model)
                                counts, errors, bad = run.apply(batch, abort=False, attempt=attempt)
                                changes: dict[str, Any] = {
                                    "processed_rows": job.processed_rows + rows,
                                    "created_count": job.created_count + counts[CREATED],
                                    "updated_count": job.updated_count + counts[UPDATED],
                                    "unchanged_count": job.unchanged_count + counts[UNCHANGED],
                                }
                                if errors:
                                    changes["errors"] = (job.errors + errors)[:MAX_ERRORS]
                                    changes["bad_rows"] = job.bad_rows + bad
                                self.still_ours(job, **changes)
                        except IntegrityError:
                            # Someone registered the same record a moment ago: the batch is checked
                            # again, which now sees it.
                            if attempt == 2:
                                raise
                            continue
                        for name, value in changes.items():
                            setattr(job, name, value)
                        wrote = wrote or bool(counts[CREATED] or counts[UPDATED])
                        break
            now = calendar.now()
            with transaction.atomic():
                self.fire(job, "finish", finished_at=now, updated_at=now)
                self._finished(job)
        except BaseException:
            if wrote:  # committed batches stay: what follows them follows even if the rest did not
                self.after_partial(job)
            raise
        self.delete_files(job.stored_name)

    def _import_all_or_nothing(self, job: J) -> None:
        run = self.run(job)
        totals = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        done = 0
        # One transaction: the job's row is not touched until the end, so cancelling is never blocked
        # by it (PostgreSQL) and progress goes to a side file the page reads.
        with transaction.atomic():
            with self.open_stored(job) as stream:
                for batch, rows in run.batches(stream, after=0):
                    counts, _errors, _bad = run.apply(batch, abort=True, attempt=0)
                    for name in totals:
                        totals[name] += counts[name]
                    done += rows
                    self._write_progress(job, done)
                    if not self.model._default_manager.filter(
                        pk=job.pk, status=S.IMPORTING, version=job.version
                    ).exists():
                        raise Superseded
            now = calendar.now()
            self.fire(
                job,
                "finish",
                processed_rows=done,
                created_count=totals[CREATED],
                updated_count=totals[UPDATED],
                unchanged_count=totals[UNCHANGED],
                finished_at=now,
                updated_at=now,
            )
            self._finished(job)
        self.delete_files(job.stored_name)

    def _write_progress(self, job: J, done: int) -> None:
        target = self.path(job, ".progress")
        partial = target.with_name(target.name + ".tmp")
        partial.write_text(json.dumps({"done": done}))
        os.replace(partial, target)

    def _finished(self, job: J) -> None:
        audit.record(
            f"{self.app}.import_finish",
            obj=job,
            actor=job.created_by,
            fields=list(self.finish_fields),
            reason=f"created={job.created_count} updated={job.updated_count} "
            f"unchanged={job.unchanged_count} bad={job.bad_rows}",
        )
        self.after_finish(job)

    # --- The template ---------------------------------------------------------------------------------

    def template(self, fmt: str, *, community_code: str = "") -> bytes:
        """The import template with Chinese headers, the example row and (Excel) an instructions
        sheet."""
        with translation.override("zh-hans"):
            columns = self.columns()
            example = self.example(community_code)
            if fmt == ImportFormat.CSV:
                return spreadsheets.template_csv(columns, example=example)
            required = _("（必填）")
            notes = self.notes()
            instructions = [
                (str(column.label) + (required if column.required else ""), str(notes[column.key]))
                for column in columns
            ]
            instructions.append((_("说明"), str(self.general_note)))
            return spreadsheets.template_xlsx(
                columns,
                sheet_title=str(self.sheet_title),
                example=example,
                choices=self.choices(),
                instructions=instructions,
                instructions_title=_("填写说明"),
            )
