"""Reads for the spreadsheet import pages: jobs and places, always through the jurisdiction scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import ImportJob
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Level, Region


def visible_import_jobs(user: Any) -> QuerySet[ImportJob]:
    """The import history of the user's territory, newest first."""
    return (
        scoped(ImportJob.objects.all(), user, RegistryPerm.IMPORT)
        .select_related("region", "created_by")
        .defer("errors")
        .order_by("-created_at", "-pk")
    )


def import_job(user: Any, job_id: int) -> ImportJob:
    return get_scoped_or_404(
        ImportJob.objects.select_related("region", "created_by"),
        user,
        RegistryPerm.IMPORT,
        pk=job_id,
    )


def importable_regions(user: Any) -> QuerySet[Region]:
    """Communities and townships the user may import into: held with both import and edit rights."""
    regions = Region.objects.filter(level__in=(Level.COMMUNITY, Level.TOWNSHIP))
    editable = scoped(regions, user, RegistryPerm.EDIT).values("pk")
    return scoped(regions, user, RegistryPerm.IMPORT).filter(pk__in=editable).order_by("path")
