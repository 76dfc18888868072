"""Staff pages for importing facilities from spreadsheets (issue #5, L1): the pages every import has
(``core.import_views``: upload, dry-run report, start, progress, result, history, template), in the
facilities' words and over their scoped queries (``queries.imports``: another place's job is a 404)."""

from __future__ import annotations

from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _

from shequ.core.import_views import ImportPages
from shequ.facilities.actions import imports
from shequ.facilities.forms.imports import UploadForm
from shequ.facilities.queries import imports as import_queries

PAGES = ImportPages(
    importer=imports.IMPORTER,
    namespace="facilities",
    id_name="import_id",
    file_prefix="facility-import",
    section=_("批量导入设施"),
    upload_form=UploadForm,
    visible_jobs=import_queries.visible_imports,
    job_of=import_queries.facility_import,
    example_community=import_queries.template_community,
    template_name=_("设施导入模板"),
    upload_refusal=_("您不能向所选的地方导入设施。"),
    start_refusal=_("您不能向该地方导入设施。"),
)
urls: list[URLPattern] = PAGES.urls()
