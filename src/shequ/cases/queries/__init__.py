"""Every read of the service catalogue. Staff reads are scoped to the jurisdiction; residents read only
admitted items and the abolished-certificate list, which are public (政务公开)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import AbolishedCertificate, ItemStatus, ServiceItem
from shequ.cases.permissions import CasesPerm
from shequ.cases.workflow import ADMISSION, EDITABLE
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.core.workflow import Transition
from shequ.territory.models import Level, Region


def _ancestor_paths(region: Region) -> list[str]:
    """``320300/320302/320302001/`` → the paths of itself and every region above it."""
    parts = region.path.strip("/").split("/")
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def _with_units(items: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return items.select_related("region").prefetch_related(
        Prefetch("handling_units", queryset=HandlingUnit.objects.order_by("name"))
    )


def catalog(
    user: Any, *, category: str = "", status: str = "", q: str = ""
) -> QuerySet[ServiceItem]:
    """Items at places in the user's jurisdiction, any status."""
    items = scoped(ServiceItem.objects.all(), user, CasesPerm.VIEW_CATALOG).select_related("region")
    if category:
        items = items.filter(category=category)
    if status:
        items = items.filter(status=status)
    if q:
        items = items.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return items.order_by("region__path", "category", "code")


def item_detail(user: Any, item_id: int) -> ServiceItem:
    return get_scoped_or_404(
        _with_units(ServiceItem.objects.all()), user, CasesPerm.VIEW_CATALOG, pk=item_id
    )


def item_for_admission(user: Any, item_id: int) -> ServiceItem:
    return get_scoped_or_404(
        ServiceItem.objects.select_related("region"), user, CasesPerm.ADMIT_ITEMS, pk=item_id
    )


def admission_queue(user: Any) -> QuerySet[ServiceItem]:
    return (
        scoped(ServiceItem.objects.all(), user, CasesPerm.ADMIT_ITEMS)
        .filter(status=ItemStatus.PENDING_ADMISSION)
        .select_related("region")
        .order_by("updated_at", "pk")
    )


def manageable_regions(user: Any) -> QuerySet[Region]:
    """Regions where the user may draft items (their held places and everything below)."""
    return scoped(Region.objects.all(), user, CasesPerm.MANAGE_CATALOG).order_by("path")


def units_for(region: Region) -> QuerySet[HandlingUnit]:
    """Handling units an item at ``region`` may name: those at the region or above it."""
    return HandlingUnit.objects.filter(
        region__path__in=_ancestor_paths(region), is_active=True
    ).order_by("name")


def admitted_items_for(region: Region, *, category: str = "") -> QuerySet[ServiceItem]:
    """Admitted items a resident of ``region`` may ask for: those of the region and of every level above."""
    items = ServiceItem.objects.filter(
        status=ItemStatus.ADMITTED, region__path__in=_ancestor_paths(region)
    ).select_related("region")
    if category:
        items = items.filter(category=category)
    return items.order_by("category", "code")


def admitted_item(item_id: int) -> ServiceItem:
    return get_object_or_404(
        _with_units(ServiceItem.objects.filter(status=ItemStatus.ADMITTED)), pk=item_id
    )


def admitted_item_by_code(code: str) -> ServiceItem | None:
    """An admitted item by its code (intake through the API names items by code), or ``None``."""
    return (
        ServiceItem.objects.filter(code=code, status=ItemStatus.ADMITTED)
        .select_related("region")
        .first()
    )


def admitted_catalog(
    user: Any, *, region: Region | None = None, category: str = ""
) -> QuerySet[ServiceItem]:
    """Admitted items for the API: those at or above ``region``, or, without one, those where the caller
    works or lives (its jurisdiction and the levels above it)."""
    if region is not None:
        return admitted_items_for(region, category=category)
    where = user.jurisdiction()
    paths: set[str] = set()
    for path in (*where.region_paths, *where.grid_community_paths):
        parts = path.strip("/").split("/")
        paths.update("/".join(parts[: n + 1]) + "/" for n in range(len(parts)))
    condition = Q(region__path__in=sorted(paths))
    for path in where.region_paths:
        condition |= Q(region__path__under=path)
    items = ServiceItem.objects.filter(condition, status=ItemStatus.ADMITTED).select_related(
        "region"
    )
    if category:
        items = items.filter(category=category)
    return items.order_by("category", "code")


def communities(q: str = "") -> QuerySet[Region]:
    """Communities a resident may choose from (public)."""
    found = Region.objects.filter(level=Level.COMMUNITY)
    if q:
        found = found.filter(name__icontains=q)
    return found.order_by("path")


def community(code: str) -> Region:
    """A community by its code, without its boundary (GeoJSON, not needed to file a case)."""
    return get_object_or_404(Region.objects.defer("geometry"), code=code, level=Level.COMMUNITY)


def certificates(user: Any) -> QuerySet[AbolishedCertificate]:
    return scoped(AbolishedCertificate.objects.all(), user, CasesPerm.VIEW_CATALOG).select_related(
        "region"
    )


def certificate_detail(user: Any, certificate_id: int) -> AbolishedCertificate:
    return get_scoped_or_404(
        AbolishedCertificate.objects.select_related("region"),
        user,
        CasesPerm.MANAGE_CATALOG,
        pk=certificate_id,
    )


def public_certificates(region: Region | None = None) -> QuerySet[AbolishedCertificate]:
    found = AbolishedCertificate.objects.select_related("region")
    if region is not None:
        found = found.filter(region__path__in=_ancestor_paths(region))
    return found.order_by("name")


_SPLIT = re.compile(r"[\s,，、;；]+")


def abolished_certificate_for(text: str, region: Region) -> AbolishedCertificate | None:
    """The abolished certificate a resident's request asks for, if any (its name or a keyword appears in
    the text), among those that apply at ``region``; the longest match wins."""
    text = (text or "").strip()
    if not text:
        return None
    best: tuple[int, AbolishedCertificate] | None = None
    for certificate in public_certificates(region):
        terms = [certificate.name, *(t for t in _SPLIT.split(certificate.keywords) if t)]
        for term in terms:
            if term and term in text and (best is None or len(term) > best[0]):
                best = (len(term), certificate)
    return best[1] if best else None


def units_for_user(user: Any) -> QuerySet[HandlingUnit]:
    """Handling units a new item of the user's may name: at or above, or below, where they manage."""
    where = user.jurisdiction(CasesPerm.MANAGE_CATALOG)
    condition = Q(pk__in=[])
    for path in where.region_paths:
        parts = path.strip("/").split("/")
        above = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
        condition |= Q(region__path__in=above) | Q(region__path__under=path)
    return HandlingUnit.objects.filter(condition, is_active=True).order_by("name")


def available_transitions(user: Any, item: ServiceItem) -> list[Transition]:
    """The workflow's buttons this user may press on this item: permission and jurisdiction both."""
    # 准入制度: township and community items are submitted for admission, others are published.
    skip = "publish" if item.region.level in (Level.TOWNSHIP, Level.COMMUNITY) else "submit"
    return [
        t
        for t in ADMISSION.available(item, user)
        if t.name != skip and user.jurisdiction(t.permission).covers_path(item.region.path)
    ]


def may_edit(user: Any, item: ServiceItem) -> bool:
    return item.status in EDITABLE and user.jurisdiction(CasesPerm.MANAGE_CATALOG).covers_path(
        item.region.path
    )
