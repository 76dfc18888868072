"""Console items from organisations: disbursements waiting for the user's approval, and milestones of
running service projects past their due date."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.core.scoping import scoped
from shequ.organizations.models import ProjectMilestone, ProjectStatus
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries.charity import pending_requests


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    items: list[AttentionItem] = []
    if user.has_permission(OrganizationsPerm.APPROVE_CHARITY):
        # A requester never approves their own request: those wait for someone else.
        waiting = pending_requests(user).exclude(requested_by=user).count()
        if waiting:
            items.append(
                AttentionItem(
                    title=_("待审批的慈善支出"),
                    count=waiting,
                    url=reverse("organizations:disbursement_requests"),
                    level="warning",
                )
            )
    if user.has_permission(OrganizationsPerm.MANAGE_PROJECTS):
        overdue = (
            scoped(ProjectMilestone.objects.all(), user, OrganizationsPerm.MANAGE_PROJECTS)
            .filter(
                project__status=ProjectStatus.RUNNING,
                done_on__isnull=True,
                due_on__lt=timezone.localdate(),
            )
            .count()
        )
        if overdue:
            items.append(
                AttentionItem(
                    title=_("逾期未完成的服务项目节点"),
                    count=overdue,
                    url=f"{reverse('organizations:projects')}?status=running",
                    level="danger",
                )
            )
    return items
