"""Staff pages for importing facilities from spreadsheets (issue #5, L1).

Upload → dry-run report (every bad cell by row, column and reason, paged, and as CSV) → choose the mode
and start → a live progress bar (an htmx fragment polled every second) → the result; the history of
imports in the user's territory; the template as Excel or CSV. Jobs are read through
``queries.imports``: another place's job is a 404. The upload is sealed as it arrives
(``EncryptingUploadHandler``), so the handler must be installed before anything reads the body: the
upload view is exempt from the CSRF middleware and checks the token itself.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import spreadsheets
from shequ.core.decorators import permission_required
from shequ.core.exports import safe_row
from shequ.core.forms import apply_action_errors
from shequ.facilities.actions import imports
from shequ.facilities.forms import imports as import_forms
from shequ.facilities.models import FacilityImport
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries import imports as import_queries
from shequ.registry.models import ImportFormat, ImportMode, ImportStatus
from shequ.territory.models import Level

JOBS_PER_PAGE = 30
ERRORS_PER_PAGE = 50
RUNNING = (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.IMPORTING)


def _job_url(job: FacilityImport) -> Any:
    return redirect("facilities:import_job", import_id=job.pk)


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = import_queries.visible_imports(request.user)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "facilities/import_list.html", {"page_obj": page})


@csrf_exempt
@permission_required(FacilitiesPerm.IMPORT)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    handler = None
    if request.method == "POST":
        handler = spreadsheets.EncryptingUploadHandler(
            request, directory=imports.import_dir(), limit=spreadsheets.max_bytes()
        )
        request.upload_handlers = [handler]
    return _import_new(request, handler)


@csrf_protect
def _import_new(request: HttpRequest, handler: Any) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = import_forms.UploadForm(
            request.POST, request.FILES, user=user, too_large=handler.too_large
        )
        if form.is_valid():
            try:
                job = imports.start_import(
                    file=form.cleaned_data["file"], by=user, region=form.cleaned_data["region"]
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            except PermissionDenied:
                form.add_error("region", _("您不能向所选的地方导入设施。"))
            else:
                messages.success(request, _("文件已上传，正在逐行检查。"))
                return _job_url(job)
        upload = request.FILES.get("file")
        if isinstance(upload, spreadsheets.EncryptedUpload):
            upload.discard()
    else:
        form = import_forms.UploadForm(user=user)
    return render(
        request,
        "facilities/import_new.html",
        {"form": form, "max_size": spreadsheets.human_size(spreadsheets.max_bytes())},
    )


def _template_response(request: HttpRequest, fmt: str) -> HttpResponse:
    community = (
        import_queries.importable_regions(request.user).filter(level=Level.COMMUNITY).first()
    )
    content = imports.template(fmt, community_code=community.code if community else "")
    if fmt == ImportFormat.CSV:
        content_type, extension = "text/csv; charset=utf-8", "csv"
    else:
        content_type, extension = spreadsheets.XLSX_CONTENT_TYPE, "xlsx"
    response = HttpResponse(content, content_type=content_type)
    name = _("设施导入模板")
    response["Content-Disposition"] = (
        f'attachment; filename="facility-import-template.{extension}"; '
        f"filename*=UTF-8''{quote(name)}.{extension}"
    )
    return response


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_template_xlsx(request: HttpRequest) -> HttpResponse:
    return _template_response(request, ImportFormat.XLSX)


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_template_csv(request: HttpRequest) -> HttpResponse:
    return _template_response(request, ImportFormat.CSV)


def _job_context(request: HttpRequest, job: FacilityImport) -> dict[str, Any]:
    transitions = imports.available_transitions(job, request.user)
    names = {transition.name for transition in transitions}
    return {
        "job": job,
        "progress": imports.progress(job),
        "running": job.status in RUNNING,
        "can_start": "start" in names,
        "can_cancel": "cancel" in names,
        "comeback": next((t for t in transitions if t.name in ("resume", "recheck")), None),
        "to_skip": max(
            0, job.total_rows - job.created_count - job.updated_count - job.unchanged_count
        ),
        "modes": ImportMode.choices,
    }


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_job(request: HttpRequest, import_id: int) -> HttpResponse:
    job = import_queries.facility_import(request.user, import_id)
    context = _job_context(request, job)
    context["errors"] = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "facilities/import_job.html", context)


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress bar alone, polled by the page; once the job stops, the page reloads itself."""
    job = import_queries.facility_import(request.user, import_id)
    response = render(request, "facilities/import_progress.html", _job_context(request, job))
    if job.status not in RUNNING:
        response["HX-Refresh"] = "true"
    return response


@permission_required(FacilitiesPerm.IMPORT)
@require_GET
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every listed problem as CSV: row, column and reason."""
    job = import_queries.facility_import(request.user, import_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("行号"), _("列"), _("问题")])
    for error in job.errors:
        writer.writerow(safe_row([error.get("row"), error.get("column"), error.get("message")]))
    if job.bad_rows and len(job.errors) >= imports.MAX_ERRORS:
        writer.writerow(
            ["", "", _("只列出了前 %(count)s 条问题。") % {"count": imports.MAX_ERRORS}]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="facility-import-{job.pk}-errors.csv"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required(FacilitiesPerm.IMPORT)
@require_POST
def import_start(request: HttpRequest, import_id: int) -> HttpResponse:
    job = import_queries.facility_import(request.user, import_id)
    form = import_forms.StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导入方式。"))
        return _job_url(job)
    try:
        imports.begin_import(job=job, mode=form.cleaned_data["mode"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("您不能向该地方导入设施。"))
    else:
        messages.success(request, _("已开始导入。"))
    return _job_url(job)


@permission_required(FacilitiesPerm.IMPORT)
@require_POST
def import_cancel(request: HttpRequest, import_id: int) -> HttpResponse:
    job = import_queries.facility_import(request.user, import_id)
    try:
        imports.cancel_import(job=job, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已取消，上传的文件已删除。"))
    return _job_url(job)


@permission_required(FacilitiesPerm.IMPORT)
@require_POST
def import_resume(request: HttpRequest, import_id: int) -> HttpResponse:
    job = import_queries.facility_import(request.user, import_id)
    try:
        imports.resume_import(job=job, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已重新开始。"))
    return _job_url(job)


urls: list[URLPattern] = [
    path("imports/", import_list, name="imports"),
    path("imports/new/", import_new, name="import_new"),
    path("imports/template.xlsx", import_template_xlsx, name="import_template_xlsx"),
    path("imports/template.csv", import_template_csv, name="import_template_csv"),
    path("imports/<int:import_id>/", import_job, name="import_job"),
    path("imports/<int:import_id>/progress/", import_progress, name="import_progress"),
    path("imports/<int:import_id>/errors.csv", import_errors, name="import_errors"),
    path("imports/<int:import_id>/start/", import_start, name="import_start"),
    path("imports/<int:import_id>/cancel/", import_cancel, name="import_cancel"),
    path("imports/<int:import_id>/resume/", import_resume, name="import_resume"),
]
