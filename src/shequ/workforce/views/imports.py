"""Staff pages for importing community workers with their posts from spreadsheets (W1): the pages
every import has (``core.import_views``), in the workforce's words and over its scoped queries
(another place's job is a 404)."""

from __future__ import annotations

from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _

from shequ.core.import_views import ImportPages
from shequ.workforce.actions import imports
from shequ.workforce.forms.imports import UploadForm
from shequ.workforce.queries import imports as import_queries

PAGES = ImportPages(
    importer=imports.IMPORTER,
    namespace="workforce",
    id_name="worker_import_id",
    file_prefix="worker-import",
    section=_("批量导入社区工作者"),
    upload_form=UploadForm,
    visible_jobs=import_queries.visible_imports,
    job_of=import_queries.worker_import,
    example_community=import_queries.template_community,
    template_name=_("社区工作者导入模板"),
    upload_refusal=_("您不能向所选的地方导入社区工作者。"),
    start_refusal=_("您不能向该地方导入社区工作者。"),
)
urls: list[URLPattern] = PAGES.urls()
