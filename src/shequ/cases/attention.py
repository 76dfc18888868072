"""Console items from cases: new cases waiting to be accepted, cases due soon and overdue, the unit's
cases waiting to be signed for or reported in, approvals and callbacks waiting."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.cases.models import CaseStatus, DeadlineState
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import cases as case_queries
from shequ.core.console import AttentionItem


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False) or not user.has_permission(CasesPerm.VIEW):
        return []
    items: list[AttentionItem] = []
    inbox = reverse("cases:inbox")
    if user.has_permission(CasesPerm.ACCEPT):
        waiting = case_queries.visible_cases(user, CasesPerm.ACCEPT).filter(
            status=CaseStatus.SUBMITTED
        )
        count = waiting.count()
        if count:
            items.append(
                AttentionItem(
                    title=_("待受理的诉求"),
                    count=count,
                    url=f"{inbox}?status={CaseStatus.SUBMITTED}",
                    level="warning",
                )
            )
    counts = case_queries.deadline_counts(user)
    if counts.get(DeadlineState.OVERDUE):
        items.append(
            AttentionItem(
                title=_("已超期的工单"),
                count=counts[DeadlineState.OVERDUE],
                url=f"{inbox}?deadline={DeadlineState.OVERDUE}",
                level="danger",
            )
        )
    if counts.get(DeadlineState.DUE_SOON):
        items.append(
            AttentionItem(
                title=_("即将到期的工单"),
                count=counts[DeadlineState.DUE_SOON],
                url=f"{inbox}?deadline={DeadlineState.DUE_SOON}",
                level="warning",
            )
        )
    if user.has_permission(CasesPerm.HANDLE):
        count = case_queries.unit_inbox(user).count()
        if count:
            items.append(
                AttentionItem(
                    title=_("本单位待办工单"), count=count, url=reverse("cases:unit_inbox")
                )
            )
    if user.has_permission(CasesPerm.APPROVE):
        count = case_queries.pending_approvals(user).count()
        if count:
            items.append(
                AttentionItem(
                    title=_("待审批的挂起、延期申请"),
                    count=count,
                    url=reverse("cases:approvals"),
                    level="warning",
                )
            )
    if user.has_permission(CasesPerm.ACCEPT):
        count = case_queries.open_callbacks(user).count()
        if count:
            items.append(
                AttentionItem(
                    title=_("差评待回访"),
                    count=count,
                    url=reverse("cases:callbacks"),
                    level="danger",
                    detail=_("请在一个工作日内回访居民。"),
                )
            )
    return items
