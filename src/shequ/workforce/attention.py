"""Console items from the workforce: joint reviews of committee candidates waiting on an agency's
answer, and grids without a full-time grid worker."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.core.scoping import scoped
from shequ.territory.models import Grid
from shequ.workforce.models import CandidateReview, PostKind, ReviewStatus
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries.staffing import serving_posts


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    items: list[AttentionItem] = []
    if user.has_permission(WorkforcePerm.VET_CANDIDATES):
        in_review = (
            scoped(CandidateReview.objects.all(), user, WorkforcePerm.VET_CANDIDATES)
            .filter(status=ReviewStatus.IN_REVIEW)
            .count()
        )
        if in_review:
            items.append(
                AttentionItem(
                    title=_("联审中的两委候选人"),
                    count=in_review,
                    url=f"{reverse('workforce:candidate_reviews')}?status=in_review",
                    level="info",
                )
            )
    if user.has_permission(WorkforcePerm.EDIT):
        staffed = serving_posts(timezone.localdate()).filter(
            kind=PostKind.GRID_WORKER, grid=OuterRef("pk")
        )
        lacking = (
            scoped(Grid.objects.filter(is_micro=False), user, WorkforcePerm.EDIT)
            .filter(~Exists(staffed))
            .count()
        )
        if lacking:
            items.append(
                AttentionItem(
                    title=_("没有专职网格员的网格"),
                    count=lacking,
                    url=reverse("workforce:staffing"),
                    level="warning",
                )
            )
    return items
