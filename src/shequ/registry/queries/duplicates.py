"""Reads of the duplicate-candidate review queue. A reviewer sees a pair only if they see both records."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import CareGroupTag, DuplicateCandidate, DuplicateStatus, Resident
from shequ.registry.permissions import RegistryPerm

DECIDED = (DuplicateStatus.MERGED, DuplicateStatus.DISMISSED)
_PEOPLE = (
    "resident__community",
    "resident__grid",
    "other__community",
    "other__grid",
)


def _both_visible(user: Any, perm: str = RegistryPerm.VIEW) -> QuerySet[DuplicateCandidate]:
    """Candidates whose ``resident`` (the declared scope) and ``other`` are both in the jurisdiction."""
    other_visible = scoped(Resident.objects.filter(pk=OuterRef("other_id")), user, perm)
    return scoped(DuplicateCandidate.objects.all(), user, perm).filter(Exists(other_visible))


def open_candidates(user: Any) -> QuerySet[DuplicateCandidate]:
    """The review queue, newest first."""
    return (
        _both_visible(user)
        .filter(status=DuplicateStatus.OPEN)
        .select_related(*_PEOPLE)
        .order_by("-found_at", "-pk")
    )


def decided_candidates(user: Any) -> QuerySet[DuplicateCandidate]:
    """Merged and dismissed pairs, most recently decided first, with who decided."""
    return (
        _both_visible(user)
        .filter(status__in=DECIDED)
        .select_related(*_PEOPLE, "decided_by", "kept")
        .order_by("-decided_at", "-pk")
    )


def _current_tags(lookup: str) -> Prefetch:
    today = timezone.localdate()
    return Prefetch(
        lookup,
        queryset=CareGroupTag.objects.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("group"),
        to_attr="current_tags",
    )


def candidate_detail(user: Any, candidate_id: int) -> DuplicateCandidate:
    """One candidate with both records, their households and current care groups; 404 unless the
    user sees both records."""
    places = ("household__estate", "household__building", "household__villager_group")
    related = [f"{side}__{place}" for side in ("resident", "other") for place in places]
    return get_scoped_or_404(
        DuplicateCandidate.objects.filter(
            Exists(
                scoped(Resident.objects.filter(pk=OuterRef("other_id")), user, RegistryPerm.VIEW)
            )
        )
        .select_related(*_PEOPLE, *related, "decided_by", "kept")
        .prefetch_related(_current_tags("resident__care_tags"), _current_tags("other__care_tags")),
        user,
        RegistryPerm.VIEW,
        pk=candidate_id,
    )


def may_decide(user: Any, candidate: DuplicateCandidate) -> bool:
    """Whether ``user`` holds ``registry.edit`` over both records (their places are loaded: no query)."""
    if user is None or not user.has_permission(RegistryPerm.EDIT):
        return False
    where = user.jurisdiction(RegistryPerm.EDIT)
    return all(
        where.covers_path(resident.grid.path if resident.grid else resident.community.path)
        for resident in (candidate.resident, candidate.other)
    )


def merged_into(user: Any, resident: Resident) -> Resident | None:
    """The record ``resident`` was merged into, if the user may see it."""
    if resident.merged_into_id is None:
        return None
    return (
        scoped(Resident.objects.all(), user, RegistryPerm.VIEW)
        .filter(pk=resident.merged_into_id)
        .first()
    )
