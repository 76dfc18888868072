"""Staff pages for importing households and residents from spreadsheets: the pages every import has
(``core.import_views``: upload, dry-run report, start, progress, result, history, template), in the
registry's words and over its scoped queries (``queries.imports``: another place's job is a 404)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.import_views import ImportPages
from shequ.registry.actions import imports
from shequ.registry.forms.imports import UploadForm
from shequ.registry.queries import imports as import_queries
from shequ.territory.models import Level


def _example_community(user: Any) -> str:
    """The template's example row names the first community the user may import into."""
    community = import_queries.importable_regions(user).filter(level=Level.COMMUNITY).first()
    return community.code if community else ""


PAGES = ImportPages(
    importer=imports.IMPORTER,
    namespace="registry",
    id_name="job_id",
    file_prefix="import",
    section=_("批量导入"),
    upload_form=UploadForm,
    visible_jobs=import_queries.visible_import_jobs,
    job_of=import_queries.import_job,
    example_community=_example_community,
    template_name=_("居民导入模板"),
    upload_refusal=_("您不能导入到所选的地方。"),
    start_refusal=_("您不能导入到该地方。"),
)
import_list = PAGES.import_list
import_new = PAGES.import_new
import_template_xlsx = PAGES.import_template_xlsx
import_template_csv = PAGES.import_template_csv
import_job = PAGES.import_job
import_progress = PAGES.import_progress
import_errors = PAGES.import_errors
import_start = PAGES.import_start
import_cancel = PAGES.import_cancel
import_resume = PAGES.import_resume
