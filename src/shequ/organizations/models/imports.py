"""Spreadsheet imports of the organizations app (``core.import_jobs``): community social organisations
and service providers, one job model each (the two have different columns and pages)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import AbstractImportJob
from shequ.territory.models import Region


class OrgImport(AbstractImportJob):
    """One spreadsheet of community social organisations (``actions.imports``)."""

    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_field = "region"
    scope_grid_field = None

    class Meta(AbstractImportJob.Meta):
        verbose_name = _("社会组织导入")
        verbose_name_plural = _("社会组织导入")


class ProviderImport(AbstractImportJob):
    """One spreadsheet of service providers (``actions.imports``)."""

    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_field = "region"
    scope_grid_field = None

    class Meta(AbstractImportJob.Meta):
        verbose_name = _("服务主体导入")
        verbose_name_plural = _("服务主体导入")
