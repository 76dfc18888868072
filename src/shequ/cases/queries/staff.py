"""Reads behind the staff case pages that ``queries.cases`` does not answer: a case's photos,
approvals and callbacks, a photo by id (only when its case is visible), the places the inbox may be
narrowed to, and a department's own part in each case of its inbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from shequ.cases.models import Callback, Case, CaseApproval, CasePhoto, CaseUnit
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries.cases import case_detail
from shequ.core.scoping import scoped
from shequ.territory.models import Region

# The inbox's place filter offers the user's own places and two levels below them (a township: its
# communities; a county: its townships and communities), not every community of a city.
FILTER_LEVELS_BELOW = 2


def case_photos(case: Case) -> QuerySet[CasePhoto]:
    return case.photos.order_by("uploaded_at", "id")


def case_approvals(case: Case) -> QuerySet[CaseApproval]:
    return case.approvals.select_related("requested_by", "decided_by").order_by("-requested_at")


def case_callbacks(case: Case) -> QuerySet[Callback]:
    return case.callbacks.select_related("rating", "done_by").order_by("due_at")


def photo_for(user: Any, photo_id: int) -> CasePhoto:
    """The photo, when the user may see its case; 404 otherwise, exactly as for a missing photo."""
    photo = CasePhoto.objects.filter(pk=photo_id).only("pk", "case_id", "image").first()
    if photo is None:
        raise Http404
    case_detail(user, photo.case_id)
    return photo


def inbox_regions(user: Any) -> QuerySet[Region]:
    """Places in the user's case jurisdiction the inbox may be narrowed to."""
    where = user.jurisdiction(CasesPerm.VIEW)
    tops = [*where.region_paths, *where.grid_community_paths]
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + FILTER_LEVELS_BELOW
    return (
        scoped(Region.objects.all(), user, CasesPerm.VIEW)
        .filter(depth__lte=deepest)
        .order_by("path")
    )


def with_unit_links(cases: QuerySet[Case], unit_ids: Sequence[int]) -> QuerySet[Case]:
    """``case.my_links``: the live parts the given units have in each case (lead, co, summoned), in
    one extra query for the whole page."""
    links = (
        CaseUnit.objects.filter(unit_id__in=list(unit_ids), ended_at__isnull=True)
        .select_related("unit")
        .order_by("role", "id")
    )
    return cases.prefetch_related(Prefetch("units", queryset=links, to_attr="my_links"))
