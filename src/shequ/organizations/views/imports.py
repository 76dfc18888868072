"""Staff pages for importing community social organisations and service providers from spreadsheets
(issue #6): the pages every import has (``core.import_views``), in the organizations app's words and
over its scoped queries (another place's job is a 404).

Social organisations are under ``imports/`` with the kernel's URL names (``organizations:imports`` …);
service providers under ``provider-imports/`` with the same names prefixed ``provider_``
(``organizations:provider_imports`` …), rendering ``organizations/provider_import_*.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from shequ.core.import_views import ImportPages
from shequ.organizations.actions import imports
from shequ.organizations.forms.imports import OrgUploadForm, ProviderUploadForm
from shequ.organizations.queries import imports as import_queries


@dataclass(kw_only=True)
class PrefixedImportPages(ImportPages):
    """A second import in one namespace: its URLs under ``root`` and its URL names and templates
    prefixed with ``prefix``; the templates still reverse them as ``import_urls.import_job`` …"""

    prefix: str
    root: str

    def __post_init__(self) -> None:
        super().__post_init__()
        self.shared["crumbs"] = f"{self.namespace}/{self.prefix}import_crumbs.html"
        self.shared["import_urls"] = {
            str(page.name).removeprefix(self.prefix): f"{self.namespace}:{page.name}"
            for page in self.urls()
        }

    def urls(self) -> list[URLPattern]:
        found = []
        for page in super().urls():
            route = str(page.pattern).replace("imports/", self.root, 1)
            found.append(path(route, page.callback, name=f"{self.prefix}{page.name}"))
        return found

    def _render(self, request: HttpRequest, page: str, context: dict[str, Any]) -> HttpResponse:
        template = f"{self.namespace}/{self.prefix}import_{page}.html"
        return render(request, template, {**self.shared, **context})

    def _back_to(self, job: Any) -> HttpResponse:
        return redirect(f"{self.namespace}:{self.prefix}import_job", **{self.id_name: job.pk})


ORG_PAGES = ImportPages(
    importer=imports.ORG_IMPORTER,
    namespace="organizations",
    id_name="org_import_id",
    file_prefix="social-org-import",
    section=_("批量导入社会组织"),
    upload_form=OrgUploadForm,
    visible_jobs=import_queries.visible_org_imports,
    job_of=import_queries.org_import,
    example_community=import_queries.org_template_community,
    template_name=_("社区社会组织导入模板"),
    upload_refusal=_("您不能向所选的地方导入社会组织。"),
    start_refusal=_("您不能向该地方导入社会组织。"),
)
PROVIDER_PAGES = PrefixedImportPages(
    importer=imports.PROVIDER_IMPORTER,
    namespace="organizations",
    id_name="provider_import_id",
    file_prefix="provider-import",
    section=_("批量导入服务主体"),
    upload_form=ProviderUploadForm,
    visible_jobs=import_queries.visible_provider_imports,
    job_of=import_queries.provider_import,
    example_community=import_queries.provider_template_region,
    template_name=_("服务主体导入模板"),
    upload_refusal=_("您不能向所选的地方导入服务主体。"),
    start_refusal=_("您不能向该地方导入服务主体。"),
    prefix="provider_",
    root="provider-imports/",
)
urls: list[URLPattern] = ORG_PAGES.urls() + PROVIDER_PAGES.urls()
