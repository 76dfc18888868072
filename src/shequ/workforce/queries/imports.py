"""Reads for the worker import pages: jobs and the places a file may go, always scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.territory.models import Level, Region
from shequ.workforce.models import WorkerImport
from shequ.workforce.permissions import WorkforcePerm

# A city official picks the city, a county or a township, not one of thousands of communities.
LEVELS_BELOW = 2


def visible_imports(user: Any) -> QuerySet[WorkerImport]:
    """The worker import history of the user's territory, newest first."""
    return (
        scoped(WorkerImport.objects.all(), user, WorkforcePerm.IMPORT)
        .select_related("region", "created_by")
        .defer("errors", "region__geometry")
        .order_by("-created_at", "-pk")
    )


def worker_import(user: Any, worker_import_id: int) -> WorkerImport:
    return get_scoped_or_404(
        WorkerImport.objects.select_related("region", "created_by").defer("region__geometry"),
        user,
        WorkforcePerm.IMPORT,
        pk=worker_import_id,
    )


def importable_regions(user: Any) -> QuerySet[Region]:
    """Places the user may import workers into — held with both the import and the edit right —
    from their own places down two levels."""
    tops = user.jurisdiction(WorkforcePerm.IMPORT).region_paths
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + LEVELS_BELOW
    regions = Region.objects.filter(depth__lte=deepest)
    editable = scoped(regions, user, WorkforcePerm.EDIT).values("pk")
    return (
        scoped(regions, user, WorkforcePerm.IMPORT)
        .filter(pk__in=editable)
        .defer("geometry")
        .order_by("path")
    )


def template_community(user: Any) -> str:
    community = importable_regions(user).filter(level=Level.COMMUNITY).first()
    return community.code if community else ""
