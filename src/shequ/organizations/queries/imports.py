"""Reads for the social organisation and service provider import pages: jobs and the places a file
may go, always scoped (another place's job is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.organizations.models import OrgImport, ProviderImport
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory.models import Level, Region

IMPORT = OrganizationsPerm.IMPORT
# A city official picks the city, a county or a township, not one of thousands of communities.
LEVELS_BELOW = 2


def _jobs(model: Any, user: Any) -> QuerySet[Any]:
    return (
        scoped(model.objects.all(), user, IMPORT)
        .select_related("region", "created_by")
        .defer("errors", "region__geometry")
        .order_by("-created_at", "-pk")
    )


def visible_org_imports(user: Any) -> QuerySet[OrgImport]:
    """The social organisation import history of the user's territory, newest first."""
    return _jobs(OrgImport, user)


def visible_provider_imports(user: Any) -> QuerySet[ProviderImport]:
    """The service provider import history of the user's territory, newest first."""
    return _jobs(ProviderImport, user)


def org_import(user: Any, org_import_id: int) -> OrgImport:
    return get_scoped_or_404(
        OrgImport.objects.select_related("region", "created_by").defer("region__geometry"),
        user,
        IMPORT,
        pk=org_import_id,
    )


def provider_import(user: Any, provider_import_id: int) -> ProviderImport:
    return get_scoped_or_404(
        ProviderImport.objects.select_related("region", "created_by").defer("region__geometry"),
        user,
        IMPORT,
        pk=provider_import_id,
    )


def _importable(user: Any, edit_permissions: tuple[str, ...], levels: tuple[str, ...]) -> Any:
    tops = user.jurisdiction(IMPORT).region_paths
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + LEVELS_BELOW
    regions = Region.objects.filter(depth__lte=deepest, level__in=levels)
    editable = Q(pk__in=[])
    for permission in edit_permissions:
        editable |= Q(pk__in=scoped(regions, user, permission).values("pk"))
    return scoped(regions, user, IMPORT).filter(editable).defer("geometry").order_by("path")


def org_importable_regions(user: Any) -> QuerySet[Region]:
    """Places the user may import social organisations into — held with both the import and the edit
    right — from their own places down two levels (a city, county or township: the rows name their
    community)."""
    return _importable(
        user, (OrganizationsPerm.EDIT,), (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
    )


def provider_importable_regions(user: Any) -> QuerySet[Region]:
    """Places the user may import service providers into: a city, county or township held with the
    import right and the right to edit organisations or property companies."""
    return _importable(
        user,
        (OrganizationsPerm.EDIT, OrganizationsPerm.MANAGE_PROPERTY),
        (Level.CITY, Level.COUNTY, Level.TOWNSHIP),
    )


def org_template_community(user: Any) -> str:
    community = org_importable_regions(user).filter(level=Level.COMMUNITY).first()
    return community.code if community else ""


def provider_template_region(user: Any) -> str:
    region = provider_importable_regions(user).exclude(level=Level.CITY).first()
    return region.code if region else ""
