"""Console items from the shared kernel: failed sign-ins for auditors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.console import AttentionItem
from shequ.core.models import AuditOutcome
from shequ.core.permissions import CorePerm
from shequ.core.queries import visible_audit_events


def attention_items(user: Any) -> list[AttentionItem]:
    if not user.has_permission(CorePerm.VIEW_AUDIT):
        return []
    since = timezone.now() - timedelta(hours=24)
    failures = (
        visible_audit_events(user)
        .filter(at__gte=since, action__startswith="auth.", outcome=AuditOutcome.FAILURE)
        .count()
    )
    url = f"{reverse('core:audit')}?action=auth.&outcome=failure"
    return [
        AttentionItem(
            title=_("近24小时登录失败"),
            count=failures,
            url=url,
            level="warning" if failures >= 10 else "info",
        )
    ]
