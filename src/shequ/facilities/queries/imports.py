"""Reads for the facility import pages: jobs and the places a file may go, always scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.facilities.models import FacilityImport
from shequ.facilities.permissions import FacilitiesPerm
from shequ.territory.models import Level, Region


def visible_imports(user: Any) -> QuerySet[FacilityImport]:
    """The facility import history of the user's territory, newest first."""
    return (
        scoped(FacilityImport.objects.all(), user, FacilitiesPerm.IMPORT)
        .select_related("region", "created_by")
        .defer("errors")
        .order_by("-created_at", "-pk")
    )


def facility_import(user: Any, import_id: int) -> FacilityImport:
    return get_scoped_or_404(
        FacilityImport.objects.select_related("region", "created_by"),
        user,
        FacilitiesPerm.IMPORT,
        pk=import_id,
    )


# A city official picks the city, a county or a township, not one of thousands of communities.
LEVELS_BELOW = 2


def importable_regions(user: Any) -> QuerySet[Region]:
    """Places the user may import facilities into — held with both the import and the edit right, as
    every row is written as an edit — from their own places down two levels."""
    tops = user.jurisdiction(FacilitiesPerm.IMPORT).region_paths
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + LEVELS_BELOW
    regions = Region.objects.filter(depth__lte=deepest)
    editable = scoped(regions, user, FacilitiesPerm.EDIT).values("pk")
    return (
        scoped(regions, user, FacilitiesPerm.IMPORT)
        .filter(pk__in=editable)
        .defer("geometry")
        .order_by("path")
    )


def template_community(user: Any) -> str:
    """The code of the first community the user may import into: the template's example row names it."""
    community = importable_regions(user).filter(level=Level.COMMUNITY).first()
    return community.code if community else ""
