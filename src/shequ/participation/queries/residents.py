"""Finding a resident of one community for staff who act for them (sign-in, roll entries)."""

from __future__ import annotations

from typing import Any

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import query_condition
from shequ.territory.models import Region


def community_residents(
    user: Any, community: Region, q: str, perm: str, limit: int = 10
) -> list[Resident]:
    """Active residents of ``community`` inside the user's jurisdiction for ``perm`` matching ``q``
    (a name, its pinyin, or an ID number)."""
    text = (q or "").strip()
    if not text:
        return []
    found = scoped(
        Resident.objects.filter(status=LifeStatus.ACTIVE, community=community), user, perm
    )
    return list(found.filter(query_condition(text)).order_by("name", "pk")[:limit])


def community_resident(user: Any, community: Region, resident_id: int, perm: str) -> Resident:
    """One active resident of ``community`` inside the user's jurisdiction for ``perm``, or a 404."""
    return get_scoped_or_404(
        Resident.objects.select_related("community").filter(
            status=LifeStatus.ACTIVE, community=community
        ),
        user,
        perm,
        pk=resident_id,
    )
