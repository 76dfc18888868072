"""The spreadsheet import pages every import shares (``core.import_jobs``): their handling of requests
and forms. (The upload form's base, ``SpreadsheetUploadForm``, is in ``core.forms`` with the other
form conventions.)

Upload → dry-run report (every bad cell by row, column and reason, paged, and as CSV) → choose the mode
and start → a live progress bar (an htmx fragment polled every second) → the result; the history of
imports in the user's territory; the template as Excel or CSV. An app builds one ``ImportPages`` from its
importer, its scoped queries, its upload form (a ``core.forms.SpreadsheetUploadForm``) and its words,
and serves its views; the pages render the app's templates, which extend ``core/imports/*.html``.

Jobs are read through the app's scoped queries: another place's job is a 404. The upload is sealed as it
arrives (``EncryptingUploadHandler``), so the handler must be installed before anything reads the body:
the upload view is exempt from the CSRF middleware and checks the token itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import spreadsheets
from shequ.core.decorators import permission_required
from shequ.core.exports import safe_row
from shequ.core.import_jobs import MAX_ERRORS, RUNNING, Importer
from shequ.core.models import ImportFormat, ImportMode

JOBS_PER_PAGE = 30
ERRORS_PER_PAGE = 50


class ImportStartForm(forms.Form):
    """The import mode (the page draws the radio buttons itself, with an explanation of each)."""

    mode = forms.ChoiceField(label=gettext_lazy("导入方式"), choices=ImportMode.choices)


@dataclass(kw_only=True)
class ImportPages:
    """One app's import pages, as views for its URLconf.

    ``namespace``: the app's URL namespace, where every import page has the same URL name; the pages
    render the app's templates ``<namespace>/import_*.html``. ``id_name``: the job id's URL parameter.
    ``file_prefix``: of the files the pages send. ``section``: the pages' title. The refusals: what an
    upload or a start that the import refuses for want of rights over the place says.
    """

    importer: Importer[Any]
    namespace: str
    id_name: str
    file_prefix: str
    section: str | Promise
    upload_form: type[Any]
    visible_jobs: Callable[[Any], Any]
    job_of: Callable[[Any, int], Any]
    example_community: Callable[[Any], str]
    template_name: str | Promise
    upload_refusal: str | Promise
    start_refusal: str | Promise

    def __post_init__(self) -> None:
        self._checked_upload = csrf_protect(self._upload)
        allowed = permission_required(self.importer.permission)
        self.import_list = allowed(require_GET(self._list))
        self.import_new = csrf_exempt(allowed(require_http_methods(["GET", "POST"])(self._new)))
        self.import_template_xlsx = allowed(require_GET(self._template_xlsx))
        self.import_template_csv = allowed(require_GET(self._template_csv))
        self.import_job = allowed(require_GET(self._job_page))
        self.import_progress = allowed(require_GET(self._progress))
        self.import_errors = allowed(require_GET(self._errors))
        self.import_start = allowed(require_POST(self._start))
        self.import_cancel = allowed(require_POST(self._cancel))
        self.import_resume = allowed(require_POST(self._resume))
        self.shared = {
            # The templates reverse the pages by their URL names: {% url import_urls.import_job … %}.
            "import_urls": {page.name: f"{self.namespace}:{page.name}" for page in self.urls()},
            "crumbs": f"{self.namespace}/import_crumbs.html",
            "section": self.section,
        }

    def urls(self) -> list[URLPattern]:
        """The pages under ``imports/``, with the URL names the templates use."""
        job = f"imports/<int:{self.id_name}>/"
        return [
            path("imports/", self.import_list, name="imports"),
            path("imports/new/", self.import_new, name="import_new"),
            path("imports/template.xlsx", self.import_template_xlsx, name="import_template_xlsx"),
            path("imports/template.csv", self.import_template_csv, name="import_template_csv"),
            path(job, self.import_job, name="import_job"),
            path(f"{job}progress/", self.import_progress, name="import_progress"),
            path(f"{job}errors.csv", self.import_errors, name="import_errors"),
            path(f"{job}start/", self.import_start, name="import_start"),
            path(f"{job}cancel/", self.import_cancel, name="import_cancel"),
            path(f"{job}resume/", self.import_resume, name="import_resume"),
        ]

    def _render(self, request: HttpRequest, page: str, context: dict[str, Any]) -> HttpResponse:
        return render(request, f"{self.namespace}/import_{page}.html", {**self.shared, **context})

    def _job(self, request: HttpRequest, ids: dict[str, int]) -> Any:
        return self.job_of(request.user, ids[self.id_name])

    def _back_to(self, job: Any) -> HttpResponse:
        return redirect(f"{self.namespace}:import_job", **{self.id_name: job.pk})

    def _list(self, request: HttpRequest) -> HttpResponse:
        jobs = self.visible_jobs(request.user)
        page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
        return self._render(request, "list", {"page_obj": page})

    def _new(self, request: HttpRequest) -> HttpResponse:
        handler = None
        if request.method == "POST":
            handler = spreadsheets.EncryptingUploadHandler(
                request, directory=self.importer.import_dir(), limit=spreadsheets.max_bytes()
            )
            request.upload_handlers = [handler]
        return self._checked_upload(request, handler)

    def _upload(self, request: HttpRequest, handler: Any) -> HttpResponse:
        user = request.user
        if request.method == "POST":
            form = self.upload_form(
                request.POST, request.FILES, user=user, too_large=handler.too_large
            )
            if form.is_valid():
                try:
                    job = self.importer.start_import(
                        file=form.cleaned_data["file"], by=user, region=form.cleaned_data["region"]
                    )
                except ValidationError as exc:
                    form.add_action_errors(exc)
                except PermissionDenied:
                    form.add_error("region", str(self.upload_refusal))
                else:
                    messages.success(request, _("文件已上传，正在逐行检查。"))
                    return self._back_to(job)
            upload = request.FILES.get("file")
            if isinstance(upload, spreadsheets.EncryptedUpload):
                upload.discard()
        else:
            form = self.upload_form(user=user)
        max_size = spreadsheets.human_size(spreadsheets.max_bytes())
        return self._render(request, "new", {"form": form, "max_size": max_size})

    def _template(self, request: HttpRequest, fmt: str) -> HttpResponse:
        community = self.example_community(request.user)
        content = self.importer.template(fmt, community_code=community)
        if fmt == ImportFormat.CSV:
            content_type, extension = "text/csv; charset=utf-8", "csv"
        else:
            content_type, extension = spreadsheets.XLSX_CONTENT_TYPE, "xlsx"
        response = HttpResponse(content, content_type=content_type)
        name = quote(str(self.template_name))
        response["Content-Disposition"] = (
            f'attachment; filename="{self.file_prefix}-template.{extension}"; '
            f"filename*=UTF-8''{name}.{extension}"
        )
        return response

    def _template_xlsx(self, request: HttpRequest) -> HttpResponse:
        return self._template(request, ImportFormat.XLSX)

    def _template_csv(self, request: HttpRequest) -> HttpResponse:
        return self._template(request, ImportFormat.CSV)

    def _job_context(self, request: HttpRequest, job: Any) -> dict[str, Any]:
        transitions = self.importer.available_transitions(job, request.user)
        names = {transition.name for transition in transitions}
        return {
            "job": job,
            "progress": self.importer.progress(job),
            "running": job.status in RUNNING,
            "can_start": "start" in names,
            "can_cancel": "cancel" in names,
            "comeback": next((t for t in transitions if t.name in ("resume", "recheck")), None),
            "to_skip": max(
                0, job.total_rows - job.created_count - job.updated_count - job.unchanged_count
            ),
            "modes": ImportMode.choices,
        }

    def _job_page(self, request: HttpRequest, **ids: int) -> HttpResponse:
        job = self._job(request, ids)
        context = self._job_context(request, job)
        context["errors"] = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
        return self._render(request, "job", context)

    def _progress(self, request: HttpRequest, **ids: int) -> HttpResponse:
        """The progress bar alone, polled by the page; once the job stops, the page reloads itself."""
        job = self._job(request, ids)
        context = {**self.shared, **self._job_context(request, job)}
        response = render(request, "core/imports/progress.html", context)
        if job.status not in RUNNING:
            response["HX-Refresh"] = "true"
        return response

    def _errors(self, request: HttpRequest, **ids: int) -> HttpResponse:
        """Every listed problem as CSV (row, column, reason) — never a cell's value."""
        job = self._job(request, ids)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("行号"), _("列"), _("问题")])
        for error in job.errors:
            writer.writerow(safe_row([error.get("row"), error.get("column"), error.get("message")]))
        if job.bad_rows and len(job.errors) >= MAX_ERRORS:
            writer.writerow(["", "", _("只列出了前 %(count)s 条问题。") % {"count": MAX_ERRORS}])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.file_prefix}-{job.pk}-errors.csv"'
        )
        response["Cache-Control"] = "no-store"
        return response

    def _start(self, request: HttpRequest, **ids: int) -> HttpResponse:
        job = self._job(request, ids)
        form = ImportStartForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择导入方式。"))
            return self._back_to(job)
        try:
            self.importer.begin_import(job=job, mode=form.cleaned_data["mode"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, str(self.start_refusal))
        else:
            messages.success(request, _("已开始导入。"))
        return self._back_to(job)

    def _cancel(self, request: HttpRequest, **ids: int) -> HttpResponse:
        return self._step(
            request, ids, self.importer.cancel_import, _("已取消，上传的文件已删除。")
        )

    def _resume(self, request: HttpRequest, **ids: int) -> HttpResponse:
        return self._step(request, ids, self.importer.resume_import, _("已重新开始。"))

    def _step(
        self, request: HttpRequest, ids: dict[str, int], action: Callable[..., Any], done: str
    ) -> HttpResponse:
        job = self._job(request, ids)
        try:
            action(job=job, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, done)
        return self._back_to(job)
