"""Console items from the registry: households left without a head, likely duplicates waiting for a
decision, and residents' rights requests waiting for an answer.

A household loses its head when the head moves to another household, moves out or dies
(``actions.move_member``, ``actions.record_departure``); someone has to be named in their place.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core import calendar
from shequ.core.console import AttentionItem
from shequ.registry import queries
from shequ.registry.models import RightsRequestStatus
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import duplicates as duplicate_queries
from shequ.registry.queries import rights as rights_queries


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    items = _rights_requests(user)
    if user.has_permission(RegistryPerm.EDIT):
        items += _duplicates(user) + _headless(user)
    return items


def _rights_requests(user: Any) -> list[AttentionItem]:
    if not user.has_permission(RegistryPerm.HANDLE_RIGHTS):
        return []
    waiting = rights_queries.visible_rights_requests(user).filter(
        status__in=(RightsRequestStatus.SUBMITTED, RightsRequestStatus.IN_PROGRESS)
    )
    count = waiting.count()
    if not count:
        return []
    overdue = waiting.filter(due_on__lt=calendar.localdate()).count()
    return [
        AttentionItem(
            title=_("待答复的个人信息权利请求"),
            count=count,
            url=reverse("registry:rights_queue"),
            level="danger" if overdue else "warning",
            detail=(
                _("其中 %(n)d 件已超过答复期限。") % {"n": overdue}
                if overdue
                else _("请在答复期限内受理并答复居民。")
            ),
        )
    ]


def _duplicates(user: Any) -> list[AttentionItem]:
    count = duplicate_queries.open_candidates(user).count()
    if not count:
        return []
    return [
        AttentionItem(
            title=_("待核查的疑似重复记录"),
            count=count,
            url=reverse("registry:duplicate_list"),
            level="info",
            detail=_("请核查是否为同一人，合并或排除。"),
        )
    ]


def _headless(user: Any) -> list[AttentionItem]:
    headless = (
        queries.visible_households(user, RegistryPerm.EDIT)
        .filter(is_active=True, head__isnull=True, members__status="active")
        .distinct()
        .count()
    )
    if not headless:
        return []
    return [
        AttentionItem(
            title=_("没有户主的户"),
            count=headless,
            url=reverse("registry:residents"),
            level="warning",
            detail=_("户主迁出、死亡或迁至他户后，请为这些户确定新的户主。"),
        )
    ]
